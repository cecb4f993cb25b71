// Webhook intake with group commit: the deliveries that reach this process while the previous
// INSERT is on its way to PostgreSQL are stored together, in one statement (one commit), and each
// request is answered only once its own row is committed. Nothing is held back for a timer: an idle
// intake writes a delivery at once; under load a batch is whatever arrived during one round trip,
// so statements per second stay flat while deliveries per second grow.
//
// The same statement enqueues each new delivery's processing job (pg-boss's job table, and the
// NOTIFY that wakes the workers): a 200 means the delivery and its job are both committed
// (integrations.md §6). The sweep in jobs.ts stays the safety net for rows stored without a job
// (no job queue in that process, a queue not defined yet).
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { JOB_SCHEMA, JOBS_CHANNEL, type JobQueue } from "../jobs/job-queue.ts";
import { type ChannelDeps, QUEUES } from "./deps.ts";

export type WebhookSourceName = "chatwoot" | "whatsapp_cloud";

export interface Delivery {
  source: WebhookSourceName;
  dedupKey: string;
  headers: Record<string, string>;
  rawBody: string;
  process: boolean;
  ignoredReason?: string;
}

export interface StoredDelivery {
  /** Already stored (the same source and dedup key): nothing was written. */
  duplicate: boolean;
  /** The new row's id; null for a duplicate. */
  eventId: string | null;
  /** Stored and to be processed by the webhook queue. */
  needsProcessing: boolean;
}

let lastMs = 0;
let seq = 0;

/**
 * A version-7 UUID (48-bit Unix milliseconds, then a 12-bit counter, then random bits) that sorts
 * after every one made before it in this process: webhook_event ids are ordered as deliveries
 * arrived, which orders a batch's rows that share a received_at (inbound.ts applies them so).
 */
export function orderedUuid(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
    if (seq > 0xfff) {
      ms = ++lastMs;
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  const t = ms.toString(16).padStart(12, "0");
  // randomUUID()'s last 17 characters: the variant and 62 random bits.
  return `${t.slice(0, 8)}-${t.slice(8)}-7${seq.toString(16).padStart(3, "0")}-${randomUUID().slice(19)}`;
}

/** Ids come from the sender: keep them storable (no NUL) and bounded. */
function storableKey(dedupKey: string): string {
  const clean = dedupKey.replaceAll("\0", "");
  return clean.length > 300 ? `sha256:${createHash("sha256").update(clean).digest("hex")}` : clean;
}

/** The delivery columns, one array each, and the unnest that reads them back as rows in order. */
const DELIVERIES = `
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[])
           WITH ORDINALITY AS x(id, source, dedup_key, headers, raw_body, status, last_error, job_id, ord)`;

const INSERT_DELIVERIES = `
  INSERT INTO webhook_event (id, source, dedup_key, headers, raw_body, status, last_error, processed_at)
  SELECT id, source::"WebhookSource", dedup_key, headers::jsonb, raw_body, status::"WebhookStatus", last_error,
         CASE WHEN status = 'ignored' THEN now() END
    FROM x ORDER BY ord
  ON CONFLICT (source, dedup_key) DO NOTHING
  RETURNING id, status`;

/**
 * A webhook job for each stored delivery to process, as pg-boss's own insert (its insertJobs plan
 * for a job given only a name and data) writes it: the queue's settings, else the instance's
 * defaults ($10–$14, read from pg-boss itself: bossDefaults), else pg-boss's. Then one NOTIFY on
 * commit, as JobQueue.send announces a job. intake.test.ts compares the rows with jobs.send's.
 */
const WITH_JOBS = `
  WITH x AS (${DELIVERIES}),
  ins AS (${INSERT_DELIVERIES}),
  job AS (
    INSERT INTO ${JOB_SCHEMA}.job (id, name, data, priority, start_after, singleton_key, singleton_on, dead_letter,
                                   expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
    SELECT x.job_id, q.name, jsonb_build_object('eventId', ins.id::text), 0, now(), NULL, NULL, q.dead_letter,
           CASE WHEN q.expire_seconds IS NOT NULL THEN q.expire_seconds * interval '1s'
                WHEN $10::text IS NOT NULL THEN $10::numeric * interval '1s'
                ELSE interval '15 minutes' END,
           now() + CAST(COALESCE((q.retention_minutes * 60)::text, $11::text, '14 days') AS interval),
           COALESCE(q.retry_limit, $12::int, 2),
           CASE WHEN COALESCE(q.retry_backoff, $14::bool, false) THEN GREATEST(COALESCE(q.retry_delay, $13::int), 1)
                ELSE COALESCE(q.retry_delay, $13::int, 0) END,
           COALESCE(q.retry_backoff, $14::bool, false),
           q.policy
      FROM ins JOIN x ON x.id = ins.id JOIN ${JOB_SCHEMA}.queue q ON q.name = $9
     WHERE ins.status = 'received'
     ORDER BY x.ord
    ON CONFLICT DO NOTHING
    RETURNING id
  )
  SELECT ins.id::text AS id, (SELECT count(*) FROM (SELECT pg_notify($15, $9) FROM job LIMIT 1) n)::int AS announced
    FROM ins`;

const WITHOUT_JOBS = `
  WITH x AS (${DELIVERIES}),
  ins AS (${INSERT_DELIVERIES})
  SELECT id::text AS id FROM ins`;

class JobQueueClosed extends Error {
  constructor() {
    super("the job queue's connection pool is not open");
  }
}

/** A plain node-postgres executor (pg-boss's pool): no ORM between the statement and the socket. */
type SqlExecutor = { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };

/** pg-boss's instance-wide job defaults (expire_in, keep_until, retry_limit, retry_delay, retry_backoff), as its insert passes them. */
export async function bossDefaults(jobs: Pick<JobQueue, "boss">): Promise<unknown[]> {
  let values: unknown[] = [];
  await jobs.boss.insert([{ name: QUEUES.webhook, data: {} }], {
    db: {
      async executeSql(_text: string, v: unknown[]) {
        values = v;
        return { rows: [] } as never;
      },
    },
  });
  const [, expireIn, keepUntil, retryLimit, retryDelay, retryBackoff] = values;
  const orNull = (v: unknown) => (v === undefined ? null : v);
  return [
    expireIn == null ? null : String(expireIn),
    keepUntil == null ? null : String(keepUntil),
    orNull(retryLimit),
    orNull(retryDelay),
    orNull(retryBackoff),
  ];
}

/**
 * Stores deliveries in one statement (committed on its own) and answers per delivery, in order.
 * Deliveries already stored — by an earlier request, another process, or earlier in `ds` (the same
 * source and key) — are duplicates: stored once, whoever came first. With `jobs` (bossDefaults'
 * values), each new delivery to process gets its webhook job in the same statement.
 */
export async function insertDeliveries(
  db: Pick<Db, "$queryRawUnsafe"> | SqlExecutor,
  ds: Delivery[],
  jobs?: { defaults: unknown[] },
): Promise<StoredDelivery[]> {
  const keys = ds.map((d) => storableKey(d.dedupKey));
  const first = new Set<string>();
  const rows: number[] = [];
  ds.forEach((d, i) => {
    const k = `${d.source}\0${keys[i]}`;
    if (first.has(k)) return;
    first.add(k);
    rows.push(i);
  });
  const ids = rows.map(() => orderedUuid());
  const columns = [
    ids,
    rows.map((i) => ds[i]!.source),
    rows.map((i) => keys[i]!),
    rows.map((i) => JSON.stringify(ds[i]!.headers)),
    rows.map((i) => ds[i]!.rawBody),
    rows.map((i) => (ds[i]!.process ? "received" : "ignored")),
    rows.map((i) => ds[i]!.ignoredReason?.replaceAll("\0", "").slice(0, 500) ?? null),
    // Job ids in arrival order too: pg-boss fetches a queue's jobs by creation time, then id.
    rows.map((i) => (jobs && ds[i]!.process ? orderedUuid() : null)),
  ];
  const [sql, values] = jobs
    ? [WITH_JOBS, [...columns, QUEUES.webhook, ...jobs.defaults, JOBS_CHANNEL]]
    : [WITHOUT_JOBS, columns];
  let inserted: { id: string }[];
  if ("executeSql" in db) {
    // pg-boss's executor answers nothing at all while its pool is not open (not started, stopped).
    const res = await db.executeSql(sql, values);
    if (!res) throw new JobQueueClosed();
    inserted = res.rows as { id: string }[];
  } else {
    inserted = await db.$queryRawUnsafe<{ id: string }[]>(sql, ...values);
  }
  const stored = new Set(inserted.map((r) => r.id));
  const idOf = new Map(rows.map((i, n) => [i, ids[n]!]));
  return ds.map((d, i) => {
    const id = idOf.get(i);
    const eventId = id && stored.has(id) ? id : null;
    return { duplicate: eventId === null, eventId, needsProcessing: eventId !== null && d.process };
  });
}

export interface DeliveryIntake {
  /** Resolves once the delivery is committed (or known to be stored already); rejects if it could not be stored. */
  store(d: Delivery): Promise<StoredDelivery>;
  /** Waits for the writes under way (closing the server). */
  drain(): Promise<void>;
}

/** Deliveries per statement at most, and their raw bodies' size (a statement stays a few MB). */
const MAX_BATCH = 200;
const MAX_BATCH_CHARS = 4 * 1024 * 1024;

interface Waiting {
  d: Delivery;
  resolve(s: StoredDelivery): void;
  reject(e: unknown): void;
}

/**
 * The group-commit intake: one statement at a time; deliveries arriving meanwhile wait for it and
 * go together in the next. A statement PostgreSQL refuses is retried one delivery at a time, so
 * one bad delivery fails alone.
 */
export function createDeliveryIntake(deps: Pick<ChannelDeps, "db" | "jobs" | "log">): DeliveryIntake {
  let queue: Waiting[] = [];
  // With a job queue, the statement goes through pg-boss's pool (plain node-postgres: a fraction of
  // the CPU of a Prisma raw query, which matters once per batch) with pg-boss's defaults, read once
  // before the first write (they do not change while it runs). Without one, through Prisma.
  type Target = { db: SqlExecutor | Db; jobs?: { defaults: unknown[] } };
  let target: Promise<Target> | null = null;
  let targetQueue: JobQueue | undefined;
  const withJobs = () => {
    const queue = deps.jobs;
    if (queue !== targetQueue) target = null; // the services' queue was replaced (a restart in tests)
    targetQueue = queue;
    target ??= queue
      ? bossDefaults(queue).then((defaults) => ({ db: queue.boss.getDb() as SqlExecutor, jobs: { defaults } }))
      : Promise.resolve({ db: deps.db });
    return target;
  };

  const take = (): Waiting[] => {
    let chars = 0;
    let n = 0;
    while (n < queue.length && n < MAX_BATCH && (n === 0 || chars + queue[n]!.d.rawBody.length <= MAX_BATCH_CHARS)) {
      chars += queue[n]!.d.rawBody.length;
      n++;
    }
    const batch = queue.slice(0, n);
    queue = queue.slice(n);
    return batch;
  };

  const write = async (batch: Waiting[]) => {
    let results: StoredDelivery[];
    try {
      const t = await withJobs();
      results = await insertDeliveries(
        t.db,
        batch.map((w) => w.d),
        t.jobs,
      ).catch((e) => {
        // Stored without their jobs, through Prisma: the sweep enqueues them once the queue runs.
        if (e instanceof JobQueueClosed) {
          return insertDeliveries(
            deps.db,
            batch.map((w) => w.d),
          );
        }
        throw e;
      });
    } catch (err) {
      target = null; // read again next time (pg-boss was perhaps not started yet)
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      deps.log.debug(
        { err, deliveries: batch.length },
        "webhook batch insert failed; storing its deliveries one by one",
      );
      for (const w of batch) {
        try {
          const t = await withJobs();
          const [r] = await insertDeliveries(t.db, [w.d], t.jobs);
          w.resolve(r!);
        } catch (e) {
          w.reject(e);
        }
      }
      return;
    }
    batch.forEach((w, i) => {
      w.resolve(results[i]!);
    });
  };

  // One statement at a time: more in flight would only split the same deliveries over more
  // statements (more commits, more PostgreSQL CPU) without answering any of them sooner.
  let writing: Promise<void> | null = null;
  const pump = () => {
    if (writing || !queue.length) return;
    writing = (async () => {
      while (queue.length) await write(take());
    })().finally(() => {
      writing = null;
      pump();
    });
  };

  return {
    store(d) {
      return new Promise<StoredDelivery>((resolve, reject) => {
        queue.push({ d, resolve, reject });
        pump();
      });
    },
    async drain() {
      while (writing) await writing;
    },
  };
}
