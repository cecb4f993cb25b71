// Durable jobs on the same PostgreSQL (pg-boss 10). Jobs can be enqueued inside a Prisma
// transaction, so "write the row and schedule its follow-up" commit or roll back together.
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Tx } from "../db/client.ts";
import { poolConfigFromUrl } from "../db/url.ts";

export const JOB_SCHEMA = "pgboss";

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

export type JobHandler<T> = (data: T, job: { id: string; name: string; retryCount?: number }) => Promise<void>;

export interface JobQueue {
  start(): Promise<void>;
  stop(opts?: { graceful?: boolean }): Promise<void>;
  define(spec: QueueSpec): Promise<void>;
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null>;
  work<T>(
    name: string,
    handler: JobHandler<T>,
    opts?: { batchSize?: number; pollingIntervalSeconds?: number },
  ): Promise<void>;
  boss: PgBoss;
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
  opts: { pollingIntervalSeconds?: number } = {},
): JobQueue {
  const boss = new PgBoss({
    ...poolConfigFromUrl(databaseUrl),
    schema: JOB_SCHEMA,
    max: 5,
    application_name: "cita-jobs",
    // Completed jobs are kept a week for support questions, then archived away.
    archiveCompletedAfterSeconds: 7 * 24 * 3600,
  } as PgBoss.ConstructorOptions);
  boss.on("error", (err) => log.error({ err, component: "jobs" }, "job queue error"));
  const polling = opts.pollingIntervalSeconds ?? 1;
  return {
    boss,
    async start() {
      await boss.start();
    },
    async stop(o = {}) {
      await boss.stop({ graceful: o.graceful ?? true, wait: true, timeout: 10_000 });
    },
    async define(spec) {
      const options = {
        name: spec.name,
        retryLimit: spec.retryLimit ?? 5,
        retryDelay: spec.retryDelaySeconds ?? 5,
        retryBackoff: true,
        expireInSeconds: spec.expireInSeconds ?? 300,
        ...(spec.deadLetter ? { deadLetter: spec.deadLetter } : {}),
      };
      if (await boss.getQueue(spec.name)) await boss.updateQueue(spec.name, options);
      else await boss.createQueue(spec.name, options);
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
      return boss.send(name, data, {
        ...(o.startAfter ? { startAfter: o.startAfter } : {}),
        ...(o.singletonKey ? { singletonKey: o.singletonKey } : {}),
        ...(o.retryLimit !== undefined ? { retryLimit: o.retryLimit } : {}),
        ...(o.tx ? { db: txExecutor(o.tx) } : {}),
      });
    },
    async work(name, handler, o = {}) {
      await boss.work(
        name,
        { batchSize: o.batchSize ?? 1, pollingIntervalSeconds: o.pollingIntervalSeconds ?? polling },
        async (jobs) => {
          for (const job of jobs) {
            try {
              await handler(job.data as never, { id: job.id, name: job.name });
            } catch (err) {
              log.warn({ err, job: job.id, queue: name }, "job failed; it will be retried");
              throw err;
            }
          }
        },
      );
    },
  };
}
