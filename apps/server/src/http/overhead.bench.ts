// Per-request overhead of our stack: a no-op tRPC query through buildServer (hooks, request ids,
// logging, tRPC) against a bare Fastify route, both on loopback under the same autocannon load.
import autocannon from "autocannon";
import Fastify from "fastify";
import type { Benchmark } from "../../../../bench/lib.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { createLogger } from "../logger.ts";
import { Metrics } from "../metrics/metrics.ts";
import { buildServer } from "./server.ts";

async function load(url: string, opts: { connections: number; durationS: number; rate?: number }) {
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
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
        const b = await load(bareUrl, { connections: 10, durationS: 4 });
        const t = await load(trpcUrl, { connections: 10, durationS: 4 });
        return [
          {
            name: "no-op query, saturation (10 conns)",
            value: t.rps,
            unit: "req/s",
            baseline: { name: "bare Fastify route", value: b.rps },
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
