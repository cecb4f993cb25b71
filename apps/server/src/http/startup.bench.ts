// Server cold start to ready on embedded PostgreSQL, against starting embedded PostgreSQL alone.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { freePort } from "../testing/global-setup.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

async function timeToReady(
  script: string,
  marker: string,
  env: Record<string, string>,
): Promise<{ ms: number; proc: ChildProcess }> {
  const started = performance.now();
  const proc = spawn(tsx, [script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(marker)) resolve({ ms: performance.now() - started, proc });
    });
    proc.once("exit", (code) => reject(new Error(`${script} exited ${code}: ${out}`)));
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
        const first = await timeToReady("apps/server/src/main.ts", "Cita is ready", env);
        await stop(first.proc);
        const server: number[] = [];
        const baseline: number[] = [];
        for (let i = 0; i < 5; i++) {
          const b = await timeToReady("bench/helpers/pg-only.ts", "READY", env);
          baseline.push(b.ms);
          await stop(b.proc);
          const s = await timeToReady("apps/server/src/main.ts", "Cita is ready", env);
          server.push(s.ms);
          await stop(s.proc);
        }
        const s = summarize(server);
        const b = summarize(baseline);
        return [
          {
            name: "first run: initdb + migrate + seed → ready",
            value: first.ms,
            unit: "ms",
            note: "one run; includes creating the cluster and seeding ~250 bookings",
          },
          {
            name: "restart on existing data → ready (p50 of 5)",
            value: s.p50,
            unit: "ms",
            baseline: { name: "embedded PostgreSQL alone", value: b.p50 },
          },
        ];
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  },
];
