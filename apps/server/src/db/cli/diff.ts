// pnpm db:diff <name> — writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
// takes a database built from the existing migrations to what schema.prisma now describes.
// pnpm db:diff <name> --empty — the same, but also when schema.prisma has not changed: a migration
// for hand-written SQL only (CHECK constraints and the like, prisma/EXTRAS.md), as
// `prisma migrate dev --create-only` would write.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { diffToSchema } from "../diff.ts";
import { applyMigrations, MIGRATIONS_DIR } from "../migrate.ts";
import { withDatabase } from "../url.ts";
import { withDatabaseUrl } from "./shared.ts";

const args = process.argv.slice(2);
const allowEmpty = args.includes("--empty");
const name = (args.find((a) => !a.startsWith("--")) ?? "").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: pnpm db:diff <migration_name> [--empty]");
  process.exit(2);
}

await withDatabaseUrl(async (url) => {
  const scratch = `cita_diff_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${scratch}`);
  try {
    const scratchUrl = withDatabase(url, scratch);
    await applyMigrations(scratchUrl);
    const sql = await diffToSchema({ kind: "database", url: scratchUrl }, scratchUrl);
    if (!sql && !allowEmpty) {
      console.log("schema.prisma matches the migrations; nothing to write (--empty writes one for hand-written SQL).");
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "migration.sql"), `${sql || "-- This is an empty migration."}\n`);
    console.log(`Wrote ${dir}/migration.sql`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.end();
  }
});
