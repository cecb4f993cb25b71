// Webhook acknowledgement under load on loopback: signed Meta notifications, each with a new wamid,
// through buildServer's /webhooks/whatsapp (signature check on the raw body, JSON parse, validation,
// webhook_event insert + pg-boss enqueue in one transaction, 200) against a bare Fastify route that
// parses the same JSON, in the same run. Processing is not measured: queues exist, no workers run.
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";
import Fastify from "fastify";
import type { Benchmark } from "../../../../bench/lib.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { buildServer } from "../http/server.ts";
import { createJobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { metaMessage } from "./fakes/fake-meta.ts";
import { defineChannelQueues } from "./jobs.ts";
import { metaSignatureHeader } from "./signatures.ts";

const APP_SECRET = "bench-app-secret";

function signedRequest() {
  return {
    method: "POST" as const,
    path: "/webhooks/whatsapp",
    setupRequest(req: { body?: string; headers?: Record<string, string> }) {
      const body = JSON.stringify(
        metaMessage({
          phoneNumberId: "106540352242922",
          from: "34600111222",
          id: `wamid.BENCH${randomUUID()}`,
          message: { type: "text", text: "Hola, ¿tenéis hueco el viernes por la tarde?" },
        }).body,
      );
      req.body = body;
      req.headers = { ...req.headers, "content-type": "application/json", ...metaSignatureHeader(body, APP_SECRET) };
      return req;
    },
  };
}

async function load(url: string, opts: { connections: number; durationS: number; rate?: number }) {
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.durationS,
    requests: [signedRequest() as never],
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
}

export const benchmarks: Benchmark[] = [
  {
    name: "webhook ack",
    async run() {
      const pg = await startTestPostgres();
      await buildTemplate(pg.serverUrl);
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      await admin.$executeRawUnsafe("DROP DATABASE IF EXISTS cita_bench_webhook WITH (FORCE)");
      await admin.$executeRawUnsafe(`CREATE DATABASE cita_bench_webhook TEMPLATE ${TEMPLATE_DB}`);
      await admin.$disconnect();
      const url = withDatabase(pg.serverUrl, "cita_bench_webhook");
      const db = createDb(url, { max: 20 });
      const log = createLogger("silent");
      const jobs = createJobQueue(url, log);
      await jobs.start();
      await defineChannelQueues(jobs);
      const app = await buildServer({
        config: loadConfig({ CITA_ENV: "test", WHATSAPP_APP_SECRET: APP_SECRET }),
        db,
        fc: createFieldCrypto(Buffer.alloc(32, 5)),
        log,
        authSecret: "bench-secret-bench-secret-bench-secret",
        clock: () => new Date(),
        jobs,
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      const bare = Fastify({ bodyLimit: 256 * 1024 });
      bare.post("/webhooks/whatsapp", async (req) => ({ ok: typeof req.body === "object" }));
      await bare.listen({ port: 0, host: "127.0.0.1" });
      const port = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
      const webhookUrl = `http://127.0.0.1:${port(app)}`;
      const bareUrl = `http://127.0.0.1:${port(bare)}`;
      try {
        await load(bareUrl, { connections: 10, durationS: 1 }); // warm-up
        await load(webhookUrl, { connections: 10, durationS: 2 });
        const bFixed = await load(bareUrl, { connections: 10, durationS: 5, rate: 200 });
        const wFixed = await load(webhookUrl, { connections: 10, durationS: 5, rate: 200 });
        const bSat = await load(bareUrl, { connections: 20, durationS: 5 });
        const wSat = await load(webhookUrl, { connections: 20, durationS: 5 });
        const stored = await db.webhookEvent.count();
        return [
          {
            name: "requests/s at a fixed 200 req/s",
            value: wFixed.rps,
            unit: "req/s",
            baseline: { name: "bare Fastify route", value: bFixed.rps },
          },
          {
            name: "p99 at 200 req/s",
            value: wFixed.p99,
            unit: "ms",
            baseline: { name: "bare Fastify route", value: bFixed.p99 },
            target: { max: 50 },
          },
          {
            name: "requests/s at saturation (20 conns)",
            value: wSat.rps,
            unit: "req/s",
            baseline: { name: "bare Fastify route", value: bSat.rps },
          },
          {
            name: "p99 at saturation",
            value: wSat.p99,
            unit: "ms",
            baseline: { name: "bare Fastify route", value: bSat.p99 },
            note: `${stored} deliveries stored (each signed, new wamid, stored + enqueued before the 200)`,
          },
        ];
      } finally {
        await app.close();
        await bare.close();
        await jobs.stop();
        await db.$disconnect();
        await pg.stop();
      }
    },
  },
];
