// Live-update latency: a change committed by one transaction → received by 100 consoles over SSE
// (real tRPC client, httpSubscriptionLink + EventSource, loopback). Baselines in the same run:
// the same commit → an in-process feed subscriber (no HTTP), and a bare PostgreSQL NOTIFY → 100
// LISTENing pg connections (the floor any LISTEN-based design sits on).
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { signAccessToken } from "../auth/access-token.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb, type Db } from "../db/client.ts";
import { poolConfigFromUrl, withDatabase } from "../db/url.ts";
import { createLogger } from "../logger.ts";
import type { AppServices } from "../services.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { startTestServer } from "../testing/test-app.ts";
import { appendChangeNow } from "./change-log.ts";
import { ChangeFeed } from "./feed.ts";

const SUBSCRIBERS = 100;
const ROUNDS = 200;
const WARMUP = 20;
const AUTH_SECRET = "bench-secret-bench-secret-bench-secret";

/** Absolute high-resolution ms, comparable across worker threads. */
const now = () => performance.timeOrigin + performance.now();

/** Arrival times per key (a change version, or a raw NOTIFY payload), awaitable by count. */
class Arrivals {
  private readonly seen = new Map<string, number[]>();
  private readonly waiters = new Map<string, { n: number; resolve: (times: number[]) => void }>();

  add(key: string, at = now()): void {
    const list = this.seen.get(key) ?? [];
    list.push(at);
    this.seen.set(key, list);
    const w = this.waiters.get(key);
    if (w && list.length >= w.n) {
      this.waiters.delete(key);
      w.resolve(list);
    }
  }

  /** Resolves with the arrival times once `n` arrived (they may have arrived already). */
  take(key: string, n: number): Promise<number[]> {
    return new Promise<number[]>((resolve) => {
      const list = this.seen.get(key) ?? [];
      if (list.length >= n) resolve(list);
      else this.waiters.set(key, { n, resolve });
    }).finally(() => this.seen.delete(key));
  }
}

/**
 * Closed loop: commit one change, wait until all `n` receivers have its version, repeat. Latency
 * runs from just before COMMIT to the moment a receiver's callback sees the version.
 */
async function measure(n: number, round: (i: number) => Promise<{ t0: number; times: number[] }>) {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const { t0, times } = await round(i);
    if (i >= WARMUP) for (const t of times) samples.push(t - t0);
    if (times.length !== n) throw new Error(`round ${i}: ${times.length}/${n} arrivals`);
  }
  return summarize(samples);
}

/** One write; t0 is taken after the change is appended, just before Prisma sends COMMIT. */
async function commitRound(db: Db, arrivals: Arrivals, n: number, i: number) {
  let t0 = 0;
  const version = await db.$transaction(async (tx) => {
    const v = await appendChangeNow(tx, { entityType: "booking", entityId: randomUUID(), op: "upsert", data: { i } });
    t0 = now();
    return v;
  });
  return { t0, times: await arrivals.take(String(version), n) };
}

export const benchmarks: Benchmark[] = [
  {
    name: "live changes",
    async run() {
      const pgServer = await startTestPostgres();
      await buildTemplate(pgServer.serverUrl);
      const dbName = `cita_bench_${randomBytes(4).toString("hex")}`;
      const admin = new pg.Client({ connectionString: pgServer.serverUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${TEMPLATE_DB}`);
      await admin.end();
      const url = withDatabase(pgServer.serverUrl, dbName);
      const db = createDb(url, { max: 10 });
      const log = createLogger("silent");
      const feed = new ChangeFeed({ url, db, log });
      await feed.start();
      const services: AppServices = {
        config: loadConfig({ CITA_ENV: "test" }),
        db,
        fc: createFieldCrypto(Buffer.alloc(32, 1)),
        log,
        clock: () => new Date(),
        authSecret: AUTH_SECRET,
        changeFeed: feed,
      };
      const server = await startTestServer(services);
      const listeners: pg.Client[] = [];
      let clients: Worker | undefined;
      const arrivals = new Arrivals();
      try {
        // 1. Baseline: commit → in-process subscriber (no HTTP, no JSON).
        const inproc = feed.subscribe();
        const pump = (async () => {
          for await (const e of inproc) arrivals.add(e.version);
        })();
        const inProcess = await measure(1, (i) => commitRound(db, arrivals, 1, i));
        inproc.close();
        await pump;

        // 2. Baseline: bare NOTIFY → 100 LISTENing pg connections (no table read, no fan-out code).
        for (let i = 0; i < SUBSCRIBERS; i++) {
          const c = new pg.Client(poolConfigFromUrl(url));
          await c.connect();
          await c.query("LISTEN bench_raw");
          c.on("notification", (m) => arrivals.add(m.payload ?? ""));
          listeners.push(c);
        }
        const notifier = new pg.Client(poolConfigFromUrl(url));
        await notifier.connect();
        const rawNotify = await measure(SUBSCRIBERS, async (i) => {
          const t0 = now();
          const key = `raw-${i}`;
          const times = arrivals.take(key, SUBSCRIBERS);
          await notifier.query("SELECT pg_notify('bench_raw', $1)", [key]);
          return { t0, times: await times };
        });
        await notifier.end();
        for (const c of listeners.splice(0)) await c.end();

        // 3. The figure: commit → 100 consoles over SSE through the whole stack.
        const token = signAccessToken(
          {
            sub: "00000000-0000-4000-8000-000000000001",
            role: "front_desk",
            loc: "00000000-0000-4000-8000-000000000002",
            sid: "00000000-0000-0000-0000-000000000000",
          },
          AUTH_SECRET,
          new Date(),
        );
        // The consoles run in a worker thread: their own event loop, as on their own machines.
        clients = new Worker(new URL("./bench-clients.mjs", import.meta.url), {
          workerData: { url: server.url, token, count: SUBSCRIBERS },
        });
        await new Promise<void>((resolve, reject) => {
          clients!.on("message", (m: { type: string; version?: string; at?: number; message?: string }) => {
            if (m.type === "ready") resolve();
            else if (m.type === "data") arrivals.add(m.version!, m.at);
            else if (m.type === "error") reject(new Error(m.message));
          });
          clients!.once("error", reject);
        });
        const sse = await measure(SUBSCRIBERS, (i) => commitRound(db, arrivals, SUBSCRIBERS, i));

        return [
          {
            name: `commit → ${SUBSCRIBERS} SSE consoles p50`,
            value: sse.p50,
            unit: "ms",
            baseline: { name: "commit → in-process subscriber p50", value: inProcess.p50 },
            note: `${sse.n} deliveries; NOTIFY → ${SUBSCRIBERS} pg listeners p50 ${rawNotify.p50.toFixed(2)} ms`,
          },
          {
            name: `commit → ${SUBSCRIBERS} SSE consoles p99`,
            value: sse.p99,
            unit: "ms",
            baseline: { name: "commit → in-process subscriber p99", value: inProcess.p99 },
            target: { max: 100 },
            note: `max ${sse.max.toFixed(1)} ms; the 100 consoles share one worker thread on the same machine`,
          },
          {
            name: `bare NOTIFY → ${SUBSCRIBERS} pg listeners p99`,
            value: rawNotify.p99,
            unit: "ms",
            baseline: { name: "commit → in-process subscriber p99", value: inProcess.p99 },
          },
        ];
      } finally {
        if (clients) {
          clients.postMessage({ type: "stop" });
          await clients.terminate();
        }
        for (const c of listeners) await c.end();
        await server.app.close(); // stops the feed too
        await db.$disconnect();
        const c = new pg.Client({ connectionString: pgServer.serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await c.end();
        await pgServer.stop();
      }
    },
  },
];
