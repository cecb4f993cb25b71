// The README's start path, as a separate process: embedded PostgreSQL, first-run seed, restart
// keeping data, DATABASE_URL switching to another server, and a bad setting refusing to start.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { root, startCita, stop, tsx } from "./start-support.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("pnpm start", () => {
  it("boots on embedded PostgreSQL, seeds once, and keeps data across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cita-start-"));
    dirs.push(dataDir);
    const env = { CITA_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };

    const first = await startCita(env);
    expect(first.output()).toContain("Demo salon seeded (first run)");
    expect(first.output()).toContain("owner@cita.demo");
    const ping = await fetch(`${first.url}/trpc/system.ping`).then((r) => r.json());
    expect(ping).toEqual({ result: { data: { ok: true } } });
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain("Cita stopped.");

    const second = await startCita(env);
    expect(second.output()).not.toContain("Demo salon seeded");
    expect(second.output()).toContain("Cita is ready");
    expect(await stop(second)).toBe(0);
    expect((await readdir(dataDir)).sort()).toEqual(["auth-secret", "data-key", "pg", "pg-password"]);
  }, 180_000);

  it("uses DATABASE_URL instead of embedded PostgreSQL when set", async () => {
    const server = inject("pgServerUrl");
    const name = `cita_start_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const dataDir = await mkdtemp(join(tmpdir(), "cita-ext-"));
    dirs.push(dataDir);
    const u = new URL(server);
    u.pathname = `/${name}`;
    const s = await startCita({ DATABASE_URL: u.toString(), CITA_DATA_DIR: dataDir });
    expect(s.output()).toContain("Database   DATABASE_URL");
    expect(await stop(s)).toBe(0);
    expect(await readdir(dataDir)).not.toContain("pg");
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_database WHERE datname = $1`, [name]);
    expect(rows[0].n).toBe(1);
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }, 180_000);

  it("refuses to start with a malformed setting, naming it in one line", async () => {
    const proc = spawn(tsx, ["apps/server/src/main.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp", EMBEDDED_PG_PORT: "not-a-port" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    proc.stderr?.on("data", (d) => (err += d));
    const code = await new Promise((r) => proc.once("exit", r));
    expect(code).toBe(2);
    expect(err.trim().split("\n")).toEqual([expect.stringMatching(/^cita: Invalid configuration: EMBEDDED_PG_PORT /)]);
  });
});
