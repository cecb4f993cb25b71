// Applies prisma/migrations with the WASM schema engine, recording them in _prisma_migrations
// exactly as `prisma migrate deploy` does, so either tool can manage the same database.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSchemaEngine } from "./schema-engine.ts";
import { poolConfigFromUrl } from "./url.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));

export async function listMigrations(dir = MIGRATIONS_DIR) {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = join(dir, "migration_lock.toml");
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      entries.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(join(dir, name, "migration.sql"), "utf8").then(
            (value) => ({ tag: "ok" as const, value }),
            (e: Error) => ({ tag: "error" as const, value: e.message }),
          ),
        },
      })),
    ),
  };
}

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const { engine, logs, close } = await openSchemaEngine(poolConfigFromUrl(databaseUrl));
  try {
    const out = await engine.applyMigrations({
      migrationsList: await listMigrations(dir),
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.appliedMigrationNames;
  } catch (e) {
    throw new Error(`Migration failed: ${e instanceof Error ? e.message : String(e)}\n${logs.slice(-5).join("\n")}`);
  } finally {
    await close();
  }
}

/** Names of migrations present on disk but not finished in the database (empty = up to date). */
export async function pendingMigrations(
  query: (sql: string) => Promise<{ migration_name: string }[]>,
  dir = MIGRATIONS_DIR,
) {
  const onDisk = (await listMigrations(dir)).migrationDirectories.map((m) => m.path);
  const applied = await query(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  ).catch(() => []);
  const done = new Set(applied.map((r) => r.migration_name));
  return onDisk.filter((m) => !done.has(m));
}
