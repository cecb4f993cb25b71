// A fresh database per test file, cloned from the migrated template: files run in parallel
// without seeing each other's rows.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createFieldCrypto, type FieldCrypto } from "../crypto/field-crypto.ts";
import { createDb, type Db } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { TEMPLATE_DB } from "./global-setup.ts";

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  fc: FieldCrypto;
  drop(): Promise<void>;
}

export async function createTestDatabase(opts: { template?: string | null } = {}): Promise<TestDatabase> {
  const serverUrl = inject("pgServerUrl");
  const name = `cita_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const template = opts.template === undefined ? TEMPLATE_DB : opts.template;
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const db = createDb(url, { max: 10 });
  const fc = createFieldCrypto(randomBytes(32));
  return {
    url,
    name,
    db,
    fc,
    async drop() {
      await db.$disconnect();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
