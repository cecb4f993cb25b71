// Durable jobs on the same PostgreSQL (pg-boss 10). Jobs can be enqueued inside a Prisma
// transaction, so "write the row and schedule its follow-up" commit or roll back together.
//
// Keeping up (pg-boss 10 alone does one job per poll interval per worker):
// - each queue runs `concurrency` workers per process (JOBS_CONCURRENCY), so jobs of different
//   conversations, bookings… run side by side; per-conversation order is the lease's job (turns.ts)
//   and the outbox's (outbox.ts), not the queue's;
// - a worker that found a job fetches again at once instead of sleeping out its interval;
// - every send NOTIFYs `cita_jobs` with the queue's name (inside the sender's transaction, so it is
//   delivered exactly when the job becomes visible, on commit); each process LISTENs and wakes that
//   queue's workers, so a job is picked up in milliseconds by whichever instance is free. A job
//   due later (startAfter) wakes its queue at that instant in the process that sent it. Polling
//   stays as the fallback (a lost notification, another process's delayed job).
import { createRequire } from "node:module";
import pg from "pg";
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Tx } from "../db/client.ts";
import { poolConfigFromUrl } from "../db/url.ts";

export const JOB_SCHEMA = "pgboss";

// pg-boss 10.4 completes (or fails) a worker's jobs without awaiting it (manager.js onFetch): with the
// database down at that moment the rejection is unhandled and ends the process. A rejection nobody
// awaits is handled here; the job stays active and is retried when it expires (handlers are
// idempotent). Callers that await still get the error.
const BossManager = createRequire(import.meta.url)("pg-boss/src/manager.js") as {
  prototype: Record<string, (...args: unknown[]) => Promise<unknown>>;
};
for (const method of ["complete", "fail"]) {
  const original = BossManager.prototype[method]!;
  if ((original as { handled?: boolean }).handled) continue;
  const handled = function (this: unknown, ...args: unknown[]) {
    const p = original.apply(this, args);
    p.catch(() => {});
    return p;
  };
  // pg-boss publishes the manager's functions on the PgBoss object by their names: keep the name.
  Object.defineProperty(handled, "name", { value: method });
  BossManager.prototype[method] = Object.assign(handled, { handled: true });
}

export interface QueueSpec {
  name: string;
  /** Attempts after the first; exponential backoff from retryDelaySeconds. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** A job running longer than this is considered lost and retried. */
  expireInSeconds?: number;
  deadLetter?: string;
}

export interface SendOptions {
  startAfter?: Date;
  /**
   * With a key, a send is skipped while a job of that queue with the same key AND the same data is
   * still waiting (created or to be retried): planning the same follow-up twice queues it once, and
   * the second send returns null. pg-boss's standard queue policy itself does not make the key unique.
   */
  singletonKey?: string;
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  tx?: Tx;
  retryLimit?: number;
}

/** The LISTEN/NOTIFY channel that says "queue X has a job now". */
export const JOBS_CHANNEL = "cita_jobs";

export type JobHandler<T> = (data: T, job: { id: string; name: string; retryCount?: number }) => Promise<void>;

/**
 * Handles a batch of jobs at once; answers, per job (same order), null when it is done or the error
 * it failed with. Failed jobs are retried alone (by the queue's retry policy), the others complete.
 * Throwing fails (and retries) the whole batch.
 */
export type BatchJobHandler<T> = (jobs: { id: string; data: T }[]) => Promise<(Error | null)[]>;

export interface JobQueue {
  start(): Promise<void>;
  stop(opts?: { graceful?: boolean }): Promise<void>;
  define(spec: QueueSpec): Promise<void>;
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null>;
  work<T>(
    name: string,
    handler: JobHandler<T>,
    opts?: { concurrency?: number; pollingIntervalSeconds?: number },
  ): Promise<void>;
  /** Enqueues several jobs of one queue in one statement (inside `tx` when given). */
  sendMany<T extends object>(name: string, data: T[], opts?: { tx?: Tx }): Promise<void>;
  /**
   * Like work(), but each worker fetches up to `batchSize` jobs at a time (whatever is waiting, so a
   * lone job still runs at once) and hands them to `handler` together.
   */
  workBatch<T>(
    name: string,
    handler: BatchJobHandler<T>,
    opts?: { concurrency?: number; pollingIntervalSeconds?: number; batchSize?: number },
  ): Promise<void>;
  /** Wakes this process's workers of a queue (they fetch at once). */
  wake(name: string): void;
  /**
   * From now on work()/workBatch() register their workers without starting them; the returned
   * function starts them all. Start-up uses it so every queue is defined before the first workers'
   * fetches take the pool's connections (dozens of them, each fetching at once).
   */
  deferWorkers(): () => Promise<void>;
  boss: PgBoss;
}

/** How long a job fetched with its metadata waited between becoming due and starting (ms). */
function waitedMs(job: PgBoss.Job<unknown>): number {
  const j = job as Partial<PgBoss.JobWithMetadata<unknown>>;
  return j.startedOn && j.startAfter ? new Date(j.startedOn).getTime() - new Date(j.startAfter).getTime() : 0;
}

/** pg-boss's executor interface, backed by a Prisma interactive transaction. */
function txExecutor(tx: Tx): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const rows = await tx.$queryRawUnsafe<unknown[]>(text, ...values);
      return { rows };
    },
  };
}

export function createJobQueue(
  databaseUrl: string,
  log: Logger,
  opts: {
    pollingIntervalSeconds?: number;
    concurrency?: number;
    /** Records each run (metrics/metrics.ts Metrics.jobRan): the jobs' waits once due, the run time. */
    metrics?: { jobRan(queue: string, waitsMs: number[], ms: number, ok: boolean): void };
    /**
     * CITA_TAKEOVER_SECONDS: caps every queue's expiry and sets how often expired jobs (a dead
     * process's) are returned to the queue. Unset: each queue's own expiry, checked every 2 minutes.
     */
    takeoverSeconds?: number;
  } = {},
): JobQueue {
  const concurrency = opts.concurrency ?? 4;
  const metrics = opts.metrics;
  const boss = new PgBoss({
    ...poolConfigFromUrl(databaseUrl),
    schema: JOB_SCHEMA,
    max: Math.max(5, concurrency * 2 + 2),
    application_name: "cita-jobs",
    // Completed jobs are kept a week for support questions, then archived away.
    archiveCompletedAfterSeconds: 7 * 24 * 3600,
    ...(opts.takeoverSeconds ? { maintenanceIntervalSeconds: opts.takeoverSeconds } : {}),
  } as PgBoss.ConstructorOptions);
  let stopping = false;
  boss.on("error", (err) => {
    // Connections ended by a shutdown (ours, or the database's) are not errors worth a dump.
    if (stopping) return log.debug({ err: (err as Error).message, component: "jobs" }, "job queue stopping");
    log.error({ err, component: "jobs" }, "job queue error");
  });
  const polling = opts.pollingIntervalSeconds ?? 2;
  /** Per queue: its workers' ids, which of them are running a job, and a round-robin cursor. */
  const workers = new Map<string, { ids: string[]; busy: Set<string>; next: number }>();
  const timers = new Set<NodeJS.Timeout>();
  let listener: pg.Client | null = null;
  /** Worker starts held back by deferWorkers(), or null. */
  let deferred: (() => Promise<void>)[] | null = null;

  // One notification wakes one idle worker (not all: each woken worker runs a fetch query); a worker
  // that finds a job wakes one more, so a backlog fans out over the queue's workers in a few hops.
  const wake = (name: string) => {
    const q = workers.get(name);
    if (!q?.ids.length) return;
    for (let i = 0; i < q.ids.length; i++) {
      const id = q.ids[(q.next + i) % q.ids.length]!;
      if (q.busy.has(id)) continue;
      q.next = (q.next + i + 1) % q.ids.length;
      boss.notifyWorker(id);
      return;
    }
  };
  /** Tells every process (this one included) that `name` has a job: on commit when inside `tx`. */
  const announce = async (name: string, tx?: Tx) => {
    if (tx) await tx.$executeRaw`SELECT pg_notify(${JOBS_CHANNEL}, ${name})`;
    else await (await boss.getDb()).executeSql("SELECT pg_notify($1, $2)", [JOBS_CHANNEL, name]);
  };
  const wakeAt = (name: string, at: Date) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        wake(name);
      },
      Math.max(0, at.getTime() - Date.now()) + 5,
    );
    timer.unref();
    timers.add(timer);
  };
  const listen = async () => {
    const client = new pg.Client({ ...poolConfigFromUrl(databaseUrl), application_name: "cita-jobs-listen" });
    client.on("notification", (n) => n.payload && wake(n.payload));
    client.on("error", (err) => {
      if (listener !== client) return; // still connecting: listen()'s caller handles it
      if (!stopping) log.warn({ err, component: "jobs" }, "job wake-up connection lost; polling meanwhile");
      listener = null;
      client.end().catch(() => {});
      if (!stopping) relisten();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (e) {
      client.end().catch(() => {});
      throw e;
    }
    listener = client;
  };
  // Until it is back (the database may be down for a while): a failed reconnect tries again.
  const relisten = () =>
    setTimeout(() => {
      if (!stopping && !listener) listen().catch(() => relisten());
    }, 1000).unref();

  /**
   * Starts a queue's workers. The first polls (the fallback for a lost notification or another
   * process's delayed job); the others mostly wait to be woken, so idle queues cost few queries.
   */
  const startWorkers = async (
    name: string,
    batchSize: number,
    o: { concurrency?: number; pollingIntervalSeconds?: number },
    run: (jobs: PgBoss.Job<unknown>[]) => Promise<void>,
  ): Promise<void> => {
    if (deferred) {
      deferred.push(() => startWorkers(name, batchSize, o, run));
      return;
    }
    const q = { ids: [] as string[], busy: new Set<string>(), next: 0 };
    workers.set(name, q);
    const first = o.pollingIntervalSeconds ?? polling;
    for (let i = 0; i < (o.concurrency ?? concurrency); i++) {
      let self = "";
      self = await boss.work(
        name,
        // With metrics, jobs come with their times (started_on, start_after) for the wait.
        { batchSize, pollingIntervalSeconds: i === 0 ? first : Math.max(first, 30), includeMetadata: !!metrics },
        async (jobs: PgBoss.Job<unknown>[]) => {
          if (!jobs.length) return;
          // Found some: look for more at once rather than sleeping out the interval, and wake a
          // sibling in case there are more.
          boss.notifyWorker(self);
          q.busy.add(self);
          wake(name);
          const started = performance.now();
          let ok = false;
          try {
            await run(jobs);
            ok = true;
          } finally {
            q.busy.delete(self);
            metrics?.jobRan(name, jobs.map(waitedMs), performance.now() - started, ok);
          }
        },
      );
      q.ids.push(self);
    }
  };

  return {
    boss,
    wake,
    deferWorkers() {
      const held: (() => Promise<void>)[] = [];
      deferred = held;
      return async () => {
        if (deferred === held) deferred = null;
        for (const start of held.splice(0)) await start();
      };
    },
    async start() {
      stopping = false;
      await boss.start();
      await listen();
    },
    async stop(o = {}) {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await listener?.end().catch(() => {});
      listener = null;
      await boss.stop({ graceful: o.graceful ?? true, wait: true, timeout: 10_000 });
    },
    async define(spec) {
      const options = {
        name: spec.name,
        retryLimit: spec.retryLimit ?? 5,
        retryDelay: spec.retryDelaySeconds ?? 5,
        retryBackoff: true,
        expireInSeconds: Math.min(spec.expireInSeconds ?? 300, opts.takeoverSeconds ?? Number.POSITIVE_INFINITY),
        ...(spec.deadLetter ? { deadLetter: spec.deadLetter } : {}),
      };
      const stored = await boss.getQueue(spec.name);
      if (!stored) await boss.createQueue(spec.name, options);
      // Unchanged settings (every restart): no update, so start-up writes (and fsyncs) nothing here.
      else if (
        stored.policy !== "standard" ||
        stored.retryLimit !== options.retryLimit ||
        stored.retryDelay !== options.retryDelay ||
        stored.retryBackoff !== options.retryBackoff ||
        stored.expireInSeconds !== options.expireInSeconds ||
        (options.deadLetter !== undefined && stored.deadLetter !== options.deadLetter)
      )
        await boss.updateQueue(spec.name, options);
    },
    async send(name, data, o = {}) {
      if (o.singletonKey) {
        const db = o.tx ? txExecutor(o.tx) : await boss.getDb();
        const waiting = await db.executeSql(
          `SELECT id::text FROM ${JOB_SCHEMA}.job
            WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry') AND data = $3::jsonb
            LIMIT 1`,
          [name, o.singletonKey, JSON.stringify(data)],
        );
        if (waiting.rows.length) return null; // as pg-boss answers a send its policy refuses
      }
      const id = await boss.send(name, data, {
        ...(o.startAfter ? { startAfter: o.startAfter } : {}),
        ...(o.singletonKey ? { singletonKey: o.singletonKey } : {}),
        ...(o.retryLimit !== undefined ? { retryLimit: o.retryLimit } : {}),
        ...(o.tx ? { db: txExecutor(o.tx) } : {}),
      });
      if (id) {
        if (o.startAfter && o.startAfter.getTime() > Date.now()) wakeAt(name, o.startAfter);
        else await announce(name, o.tx);
      }
      return id;
    },
    async sendMany(name, data, o = {}) {
      if (!data.length) return;
      await boss.insert(
        data.map((d) => ({ name, data: d })),
        o.tx ? { db: txExecutor(o.tx) } : {},
      );
      await announce(name, o.tx);
    },
    async work(name, handler, o = {}) {
      await startWorkers(name, 1, o, async (jobs) => {
        for (const job of jobs) {
          try {
            await handler(job.data as never, { id: job.id, name: job.name });
          } catch (err) {
            log.warn({ err, job: job.id, queue: name }, "job failed; it will be retried");
            throw err;
          }
        }
      });
    },
    async workBatch(name, handler, o = {}) {
      await startWorkers(name, o.batchSize ?? 50, o, async (jobs) => {
        const errors = await handler(jobs.map((j) => ({ id: j.id, data: j.data as never })));
        const failed = jobs.filter((_, i) => errors[i]);
        for (const job of failed) {
          const err = errors[jobs.indexOf(job)]!;
          log.warn({ err, job: job.id, queue: name }, "job failed; it will be retried");
          // Failed here, before pg-boss completes the batch: its completion only touches active jobs.
          await boss.fail(name, job.id, err);
        }
      });
    },
  };
}
