// Per-request overhead of our stack: a no-op tRPC query through buildServer (hooks, request ids,
// logging, tRPC) against a bare Fastify route, both on loopback under the same autocannon load,
// generated in a worker thread (as a real client is another process).
import { Worker } from "node:worker_threads";
import Fastify from "fastify";
import type { Benchmark } from "../../../../bench/lib.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { createLogger } from "../logger.ts";
import { Metrics } from "../metrics/metrics.ts";
import { buildServer } from "./server.ts";

/** Runs autocannon in a worker thread (testing/load-worker.mjs): the servers' event loop serves only. */
async function load(url: string, opts: { connections: number; durationS: number }) {
  const worker = new Worker(new URL("../testing/load-worker.mjs", import.meta.url), {
    workerData: { url, ...opts },
  });
  const r = await new Promise<{ rps: number; p50: number; p99: number; non2xx: number; errors: number }>(
    (resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    },
  );
  await worker.terminate();
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.rps, p50: r.p50, p99: r.p99 };
}

export const benchmarks: Benchmark[] = [
  {
    name: "tRPC overhead",
    async run() {
      const bare = Fastify();
      bare.get("/bare", async () => ({ ok: true }));
      await bare.listen({ port: 0, host: "127.0.0.1" });
      // ping never touches the database, so a pool that never connects is fine here.
      const app = await buildServer({
        config: loadConfig({ CITA_ENV: "test" }),
        db: createDb("postgresql://bench@127.0.0.1:1/none"),
        fc: createFieldCrypto(Buffer.alloc(32, 1)),
        log: createLogger("silent"),
        authSecret: "test-secret-test-secret-test-secret",
        clock: () => new Date(),
        // As in production, with the metrics hook (BENCH_NO_METRICS=1 measures without it).
        ...(process.env.BENCH_NO_METRICS ? {} : { metrics: new Metrics() }),
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      const port = (s: typeof bare) => (s.server.address() as { port: number }).port;
      try {
        const bareUrl = `http://127.0.0.1:${port(bare)}/bare`;
        const trpcUrl = `http://127.0.0.1:${port(app as never)}/trpc/system.ping`;
        await load(bareUrl, { connections: 10, durationS: 1 }); // warm-up
        await load(trpcUrl, { connections: 10, durationS: 1 });
        // Three rounds, bare then tRPC each: the ratio of each pair, and the median of the three,
        // so a slow moment of the machine lands in one pair rather than in one side of the ratio.
        const pairs: { b: Awaited<ReturnType<typeof load>>; t: Awaited<ReturnType<typeof load>> }[] = [];
        for (let round = 0; round < 3; round++) {
          const b = await load(bareUrl, { connections: 10, durationS: 2 });
          const t = await load(trpcUrl, { connections: 10, durationS: 2 });
          pairs.push({ b, t });
        }
        pairs.sort((x, y) => x.t.rps / x.b.rps - y.t.rps / y.b.rps);
        const { b, t } = pairs[1]!;
        const ratios = pairs.map((p) => (p.t.rps / p.b.rps).toFixed(2)).join(", ");
        return [
          {
            name: "no-op query, saturation (10 conns)",
            value: t.rps,
            unit: "req/s",
            baseline: { name: "bare Fastify route", value: b.rps },
          },
          {
            name: "no-op query ÷ bare route (throughput)",
            value: t.rps / b.rps,
            unit: "×",
            note: `median of 3 alternated pairs (2 s each): ${ratios}`,
            target: { min: 0.3 },
          },
          {
            name: "no-op query p99 at saturation",
            value: t.p99,
            unit: "ms",
            baseline: { name: "bare Fastify route", value: b.p99 },
          },
        ];
      } finally {
        await app.close();
        await bare.close();
      }
    },
  },
];
