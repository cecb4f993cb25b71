// Webhook acknowledgement under load on loopback: signed Meta notifications, each with a new wamid,
// through buildServer's /webhooks/whatsapp (signature check on the raw body, JSON parse, validation,
// webhook_event insert by group commit (intake.ts), 200, then the pg-boss enqueue) against a bare
// Fastify route that parses the same JSON, in the same run. Processing is not measured: queues
// exist, no workers run. At the end every 200 must be a stored row and a queued job.
import { Worker } from "node:worker_threads";
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
import { QUEUES } from "./deps.ts";
import { metaMessage } from "./fakes/fake-meta.ts";
import { defineChannelQueues } from "./jobs.ts";

const APP_SECRET = "bench-app-secret";

/** The dedup keys of the deliveries answered 200. */
const acknowledged = new Set<string>();

/** A Meta notification's body around its message id: each request puts a new wamid in. */
function bodyTemplate(): [string, string] {
  const marker = "WAMID-PLACEHOLDER";
  const body = JSON.stringify(
    metaMessage({
      phoneNumberId: "106540352242922",
      from: "34600111222",
      id: marker,
      message: { type: "text", text: "Hola, ¿tenéis hueco el viernes por la tarde?" },
    }).body,
  );
  const at = body.indexOf(marker);
  return [body.slice(0, at), body.slice(at + marker.length)];
}

/** Runs autocannon in a worker thread (testing/load-worker.mjs): the server's event loop serves only. */
async function load(url: string, opts: { connections: number; durationS: number; rate?: number; track?: boolean }) {
  const worker = new Worker(new URL("../testing/load-worker.mjs", import.meta.url), {
    workerData: { url, ...opts, template: bodyTemplate(), secret: APP_SECRET },
  });
  const r = await new Promise<{
    rps: number;
    p50: number;
    p99: number;
    non2xx: number;
    errors: number;
    timeouts: number;
    acked: string[];
  }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  for (const k of r.acked) acknowledged.add(k);
  return { rps: r.rps, p50: r.p50, p99: r.p99 };
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
      let closed = false;
      try {
        await load(bareUrl, { connections: 10, durationS: 1 }); // warm-up
        await load(webhookUrl, { connections: 10, durationS: 2, track: true });
        const bFixed = await load(bareUrl, { connections: 10, durationS: 5, rate: 200 });
        const wFixed = await load(webhookUrl, { connections: 10, durationS: 5, rate: 200, track: true });
        const bSat = await load(bareUrl, { connections: 20, durationS: 5 });
        const wSat = await load(webhookUrl, { connections: 20, durationS: 5, track: true });
        // Nothing lost: every delivery answered 200 is a stored row, and every stored row has its
        // queued job (requests still in flight when a run stopped may be stored without their 200
        // being counted). Closing the server waits for the enqueues that follow the answers.
        await app.close();
        closed = true;
        const keys = [...acknowledged];
        const [counts] = await db.$queryRaw<[{ found: number; stored: number; queued: number; unqueued: number }]>`
          SELECT (SELECT count(*)::int FROM webhook_event WHERE dedup_key = ANY(${keys}::text[])) AS found,
                 (SELECT count(*)::int FROM webhook_event) AS stored,
                 (SELECT count(*)::int FROM pgboss.job WHERE name = ${QUEUES.webhook}) AS queued,
                 (SELECT count(*)::int FROM webhook_event w
                   WHERE NOT EXISTS (SELECT 1 FROM pgboss.job j
                                      WHERE j.name = ${QUEUES.webhook} AND j.data->>'eventId' = w.id::text)) AS unqueued`;
        if (counts.found !== keys.length || counts.unqueued !== 0) {
          throw new Error(
            `lost deliveries: ${keys.length} answered 200, ${counts.found} of them stored; ${counts.unqueued} stored rows without a job`,
          );
        }
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
            target: { min: 3000 },
          },
          {
            name: "p99 at saturation",
            value: wSat.p99,
            unit: "ms",
            baseline: { name: "bare Fastify route", value: bSat.p99 },
            target: { max: 50 },
            note: `${keys.length} deliveries answered 200, all ${counts.found} stored (${counts.stored} rows, ${counts.queued} jobs queued, none missing): each signed, new wamid, committed before its 200`,
          },
        ];
      } finally {
        if (!closed) await app.close();
        await bare.close();
        await jobs.stop();
        await db.$disconnect();
        await pg.stop();
      }
    },
  },
];
