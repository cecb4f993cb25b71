// Applies prisma/migrations with the WASM schema engine, recording them in _prisma_migrations
// exactly as `prisma migrate deploy` does, so either tool can manage the same database.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
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

type MigrationsList = Awaited<ReturnType<typeof listMigrations>>;

/**
 * True when the schema engine would have nothing to do: every migration on disk is recorded in
 * _prisma_migrations as finished (not rolled back) with the checksum the engine records (sha256 of
 * migration.sql), and nothing else is recorded but rolled-back attempts. Anything else (a new,
 * edited, failed or unknown migration, no table yet, an unreadable file) is left to the engine,
 * which applies, reports or refuses it as before. Spares every restart the WASM engine (~0.2–0.6 s).
 */
export async function migrationsUpToDate(database: string | pg.Client, list: MigrationsList): Promise<boolean> {
  const onDisk = new Map<string, string>();
  for (const m of list.migrationDirectories) {
    if (m.migrationFile.content.tag !== "ok") return false;
    onDisk.set(m.path, createHash("sha256").update(m.migrationFile.content.value).digest("hex"));
  }
  // A connection of the caller's (start-up reuses one for all its checks), or one of our own.
  const own =
    typeof database === "string"
      ? new pg.Client({ ...poolConfigFromUrl(database), application_name: "cita-migrate-check" })
      : null;
  const client = own ?? (database as pg.Client);
  try {
    if (own) await own.connect();
    const { rows } = await client.query<{ name: string; checksum: string; finished: boolean; rolled_back: boolean }>(
      `SELECT migration_name AS name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations`,
    );
    const applied = new Set<string>();
    for (const r of rows) {
      if (r.rolled_back) continue;
      if (!r.finished || onDisk.get(r.name) !== r.checksum) return false;
      applied.add(r.name);
    }
    return applied.size === onDisk.size;
  } catch {
    return false; // no _prisma_migrations yet, or unreachable: the engine says what is wrong
  } finally {
    await own?.end().catch(() => {});
  }
}

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function applyMigrations(
  databaseUrl: string,
  dir = MIGRATIONS_DIR,
  client?: pg.Client,
): Promise<string[]> {
  const migrationsList = await listMigrations(dir);
  if (await migrationsUpToDate(client ?? databaseUrl, migrationsList)) return [];
  // Loaded only when there is work: the engine's bindings and WASM are most of a restart's migrate cost.
  const { openSchemaEngine } = await import("./schema-engine.ts");
  const { engine, logs, close } = await openSchemaEngine(poolConfigFromUrl(databaseUrl));
  try {
    const out = await engine.applyMigrations({
      migrationsList,
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
