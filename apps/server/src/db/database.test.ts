// openDatabase's start-up checks read through one plain connection (no Prisma query before the
// server listens): each check must still act as before — the data key refused when it differs, the
// name index backfilled, the demo seeded only into an empty database, the stored settings read.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { checkDataKey, openDatabase, warmUp } from "./database.ts";

const log = pino({ level: "silent" });
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const configFor = (url: string) => loadConfig({ CITA_ENV: "test", DATABASE_URL: url, CITA_SEED_DEMO: "false" });

describe("openDatabase", () => {
  it("opens with the data key the data was written with, and refuses another", async () => {
    await checkDataKey(t.db, t.fc); // the first start records the key's fingerprint
    const opened = await openDatabase(configFor(t.url), t.fc, log);
    await warmUp(opened.db);
    await opened.db.$disconnect();
    await expect(openDatabase(configFor(t.url), createFieldCrypto(randomBytes(32)), log)).rejects.toThrow(
      /CITA_DATA_KEY does not match/,
    );
  });

  it("backfills name tokens of customers written before the index, and reads stored settings", async () => {
    // As written before the index existed: a name, no tokens.
    const [customer] = await t.db.$queryRaw<{ id: string }[]>`
      INSERT INTO customer (id, name_cipher, name_tokens, updated_at)
      VALUES (gen_random_uuid(), ${Buffer.from(t.fc.encrypt("Begoña Ruiz"))}, NULL, now()) RETURNING id::text AS id`;
    await t.db.integrationSetting.create({
      data: { key: "STRIPE_SECRET_KEY", cipher: Buffer.from(t.fc.encrypt("sk_test_x")), hint: "…_x" },
    });
    const opened = await openDatabase(configFor(t.url), t.fc, log);
    try {
      const row = await opened.db.customer.findUniqueOrThrow({ where: { id: customer!.id } });
      expect((row as { nameTokens: number[] | null }).nameTokens?.length).toBeGreaterThan(0);
      expect(opened.settings.map((s) => [s.key, s.hint, t.fc.decrypt(s.cipher)])).toEqual([
        ["STRIPE_SECRET_KEY", "…_x", "sk_test_x"],
      ]);
      expect(opened.settings[0]!.updatedAt).toBeInstanceOf(Date);
      expect(opened.seeded).toBe(false);
    } finally {
      await opened.db.$disconnect();
    }
  });
});
