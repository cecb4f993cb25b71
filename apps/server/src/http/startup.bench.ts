// Server cold start to ready on embedded PostgreSQL, against starting embedded PostgreSQL alone:
// the server under tsx (development) and compiled (apps/server/dist, as production runs it).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { buildServer } from "../../../../scripts/build-server.mjs";
import { freePort } from "../testing/global-setup.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

/** A TypeScript file under tsx, or the compiled server under node as production starts it. */
const TSX_SERVER = [tsx, "apps/server/src/main.ts"];
const COMPILED_SERVER = [process.execPath, "--enable-source-maps", "apps/server/dist/main.js"];
const PG_ONLY = [tsx, "bench/helpers/pg-only.ts"];

async function timeToReady(
  command: string[],
  marker: string,
  env: Record<string, string>,
): Promise<{ ms: number; proc: ChildProcess; startedAt: number }> {
  const [cmd, ...args] = command;
  const started = performance.now();
  const proc = spawn(cmd!, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(marker)) resolve({ ms: performance.now() - started, proc, startedAt: started });
    });
    proc.once("exit", (code) => reject(new Error(`${command.join(" ")} exited ${code}: ${out}`)));
  });
}

async function stop(proc: ChildProcess) {
  await new Promise((r) => {
    proc.removeAllListeners("exit");
    proc.once("exit", r);
    proc.kill("SIGTERM");
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: "cold start",
    async run() {
      const dataDir = await mkdtemp(join(tmpdir(), "cita-bench-start-"));
      const env = {
        CITA_DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
        PORT: String(await freePort()),
      };
      try {
        const build = performance.now();
        await buildServer({ quiet: true });
        const buildMs = performance.now() - build;
        const first = await timeToReady(TSX_SERVER, "Cita is ready", env);
        await stop(first.proc);
        const server: number[] = [];
        const compiled: number[] = [];
        const firstAnswer: number[] = [];
        const noSandbox: number[] = [];
        const baseline: number[] = [];
        // Interleaved, so load from elsewhere on the machine falls on all three alike.
        for (let i = 0; i < 5; i++) {
          for (const [command, marker, samples, extra] of [
            [PG_ONLY, "READY", baseline, {}],
            [TSX_SERVER, "Cita is ready", server, {}],
            [COMPILED_SERVER, "Cita is ready", compiled, {}],
            [COMPILED_SERVER, "Cita is ready", noSandbox, { CITA_SANDBOX: "false" }],
          ] as const) {
            // Fresh ports for every start: others on this machine may take a port between runs.
            const ports = { EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
            const r = await timeToReady([...command], marker, { ...env, ...ports, ...extra });
            samples.push(r.ms);
            // What a first request waits for: /readyz answers from the database (Prisma).
            if (samples === compiled) {
              const res = await fetch(`http://127.0.0.1:${ports.PORT}/readyz`);
              if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
              firstAnswer.push(performance.now() - r.startedAt);
            }
            await stop(r.proc);
          }
        }
        const s = summarize(server);
        const c = summarize(compiled);
        const n = summarize(noSandbox);
        const b = summarize(baseline);
        return [
          {
            name: "first run: initdb + migrate + seed → ready",
            value: first.ms,
            unit: "ms",
            note: "one run; includes creating the cluster and seeding ~250 bookings",
          },
          {
            name: "restart on existing data → ready, tsx (p50 of 5)",
            value: s.p50,
            unit: "ms",
            baseline: { name: "embedded PostgreSQL alone", value: b.p50 },
            note: "development: `npm start`, TypeScript through tsx",
          },
          {
            name: "restart on existing data → ready, compiled (p50 of 5)",
            value: c.p50,
            unit: "ms",
            baseline: { name: "embedded PostgreSQL alone", value: b.p50 },
            target: { max: 2 * b.p50 },
            note: "production: node --enable-source-maps apps/server/dist/main.js; target ≤ 2× PostgreSQL alone",
          },
          {
            name: "restart → first /readyz answer from the database, compiled (p50 of 5)",
            value: summarize(firstAnswer).p50,
            unit: "ms",
            baseline: { name: "embedded PostgreSQL alone", value: b.p50 },
            note: "ready, then a request's first database read (Prisma warms right after listen)",
          },
          {
            name: "restart → ready, compiled, CITA_SANDBOX=false (p50 of 5)",
            value: n.p50,
            unit: "ms",
            baseline: { name: "embedded PostgreSQL alone", value: b.p50 },
            note: "as production starts: no local stand-ins (sandbox servers, demo calendar) to start",
          },
          {
            name: "compiled vs tsx restart (p50)",
            value: c.p50,
            unit: "ms",
            baseline: { name: "tsx restart", value: s.p50 },
          },
          {
            name: "build:server (esbuild → apps/server/dist)",
            value: buildMs,
            unit: "ms",
            note: "one run",
          },
        ];
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  },
];
