// The production build (#19): `pnpm build:server` compiles the server to JavaScript, and the
// compiled server — plain node, no tsx — starts on a fresh data directory (initdb, migrations
// through the WebAssembly schema engine found from dist/), answers /readyz and
// stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { buildServer } from "../scripts/build-server.mjs";
import { root } from "./start-support.ts";

const dirs: string[] = [];
let proc: ChildProcess | undefined;
afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("compiled server", () => {
  it("builds to JavaScript with source maps and starts from it on a fresh data directory", async () => {
    // Its own output directory, so a developer's apps/server/dist or another run of this test is
    // left alone: under apps/server/node_modules/.cache (its npm packages resolve from there; git,
    // biome and vitest skip it).
    await mkdir(join(root, "apps/server/node_modules/.cache"), { recursive: true });
    const outdir = await mkdtemp(join(root, "apps/server/node_modules/.cache/cita-dist-"));
    dirs.push(outdir);
    const built = performance.now();
    const { files } = await buildServer({ quiet: true, outdir });
    expect(performance.now() - built).toBeLessThan(20_000);
    expect(files.map((f) => f.split("/").pop())).toContain("main.js");
    const main = await readFile(join(outdir, "main.js"), "utf8");
    expect(main).toMatch(/\/\/# sourceMappingURL=main\.js\.map\s*$/);
    expect(existsSync(join(outdir, "main.js.map"))).toBe(true);
    expect(main).not.toMatch(/from "[^"]+\.ts"/);

    const dataDir = await mkdtemp(join(tmpdir(), "cita-compiled-"));
    dirs.push(dataDir);
    const port = await freePort();
    let out = "";
    proc = spawn(process.execPath, ["--enable-source-maps", join(outdir, "main.js")], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PORT: String(port),
        LOG_LEVEL: "warn",
        CITA_DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
        CITA_SEED_DEMO: "false", // initdb and every migration are the point here, not seeding (~10 s)
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const child = proc;
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 45_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`compiled server exited ${child.exitCode}: ${out}`);
      ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready, out).toBe(true);
    expect(out).toContain("Cita is ready");
    expect(out).toContain(`embedded PostgreSQL in ${dataDir}/pg`);
    expect(await fetch(`${url}/trpc/system.ping`).then((r) => r.json())).toEqual({ result: { data: { ok: true } } });

    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code, out).toBe(0);
    expect(out).toContain("Cita stopped.");
  }, 60_000);
});
