// Prometheus metrics (prom-client), one Registry per running app (tests start several in one process,
// so never prom-client's global registry). Domain code records through one-line calls,
// `metricsOf(deps)?.x(...)`, which find this app's Metrics on the services or, for code handed only
// a database client (the agent, bookings), by that client. Counts that the database already knows
// (queue depth, outbox, unprocessed webhooks) are read when Prometheus scrapes, not on every event.
// Served on /metrics by http/metrics.ts; README "Metrics and alerts" lists the families.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What scrape-time counts read: the services' database client and change feed. */
export interface MetricsSources {
  db?: { $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T> };
  changeFeed?: { readonly subscriberCount: number };
  /** pg-boss's schema when a job queue runs (queue depth), else undefined. */
  jobSchema?: string;
}

/** When the last backup succeeded (seconds or Date), null if none yet; wired by the backup module. */
export type BackupSource = () => number | Date | null | Promise<number | Date | null>;

export type AgentTurnOutcome = "replied" | "escalated" | "silent" | "failed";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
const TURN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

const WEBHOOK_SOURCES = ["chatwoot", "whatsapp_cloud", "stripe", "google_calendar"];

const STATUS_CLASS = ["1xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

export class Metrics {
  readonly registry = new Registry();
  /** Set by the backup module: cita_backup_last_success_timestamp_seconds is absent until it is. */
  backupLastSuccess: BackupSource | null = null;
  sources: MetricsSources;
  /** Told when a scrape-time query fails (the app logs it). */
  onError: ((e: unknown) => void) | null = null;

  private readonly http = new Histogram({
    name: "cita_http_request_duration_seconds",
    help: "HTTP request latency by route pattern (tRPC: by procedure), method and status class",
    labelNames: ["method", "route", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly webhookAcks = new Counter({
    name: "cita_webhook_acks_total",
    help: "Webhook deliveries acknowledged (2xx, duplicates included) by source",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  private readonly webhookRefusals = new Counter({
    name: "cita_webhook_refusals_total",
    help: "Webhook deliveries answered with an error (bad signature, bad body, failure) by source and status class",
    labelNames: ["source", "status"] as const,
    registers: [this.registry],
  });
  private readonly webhookLag = new Histogram({
    name: "cita_webhook_processing_lag_seconds",
    help: "From a webhook delivery's receipt to the end of its processing, by source",
    labelNames: ["source"] as const,
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobWait = new Histogram({
    name: "cita_job_wait_seconds",
    help: "From a job becoming due (created, or its start-after / retry time) to a worker starting it, by queue",
    labelNames: ["queue"] as const,
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobRun = new Histogram({
    name: "cita_job_duration_seconds",
    help: "Job run time (a batch for batched queues) by queue and outcome",
    labelNames: ["queue", "outcome"] as const,
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });
  private readonly agentTurns = new Counter({
    name: "cita_agent_turns_total",
    help: "Agent turns by mode (claude, guided) and outcome (replied, escalated, silent, failed)",
    labelNames: ["mode", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly agentLatency = new Histogram({
    name: "cita_agent_turn_duration_seconds",
    help: "Agent turn latency by mode and outcome",
    labelNames: ["mode", "outcome"] as const,
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: "cita_booking_conflicts_total",
    help: "Bookings refused because the time had just been taken (SLOT_TAKEN): via tRPC (console) or the agent",
    labelNames: ["via"] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources = {}, opts: { processMetrics?: boolean } = {}) {
    this.sources = sources;
    // Node's own (memory, event loop lag, GC): the real app only (each call adds a GC observer).
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: "cita_sse_subscribers",
      help: "Live change-feed (SSE) subscribers in this process",
      registers: [this.registry],
      collect() {
        this.set(metrics.sources.changeFeed?.subscriberCount ?? 0);
      },
    });
    // One round of queries per scrape, shared by the gauges below (the first collect() starts it).
    let round: Promise<void> | null = null;
    const refresh = (): Promise<void> => {
      round ??= this.readDatabase(depth, outboxPending, outboxDead, unprocessed, oldest).finally(() => {
        round = null;
      });
      return round;
    };
    const depth = new Gauge({
      name: "cita_job_queue_depth",
      help: "Jobs per queue: due (waiting for a worker), scheduled (start later) and active",
      labelNames: ["queue", "state"] as const,
      registers: [this.registry],
      collect: refresh,
    });
    const outboxPending = new Gauge({
      name: "cita_outbox_pending",
      help: "Customer messages not sent yet (pending, sending, or failed and to be retried)",
      registers: [this.registry],
      collect: refresh,
    });
    const outboxDead = new Gauge({
      name: "cita_outbox_dead_letters",
      help: "Customer messages given up on after every retry (outbox status dead)",
      registers: [this.registry],
      collect: refresh,
    });
    const unprocessed = new Gauge({
      name: "cita_webhook_unprocessed",
      help: "Stored webhook deliveries not processed yet (received or processing), by source",
      labelNames: ["source"] as const,
      registers: [this.registry],
      collect: refresh,
    });
    const oldest = new Gauge({
      name: "cita_webhook_oldest_unprocessed_age_seconds",
      help: "Age of the oldest stored webhook delivery not processed yet, by source (0: none waiting)",
      labelNames: ["source"] as const,
      registers: [this.registry],
      collect: refresh,
    });
  }

  private async readDatabase(
    depth: Gauge<"queue" | "state">,
    outboxPending: Gauge,
    outboxDead: Gauge,
    unprocessed: Gauge<"source">,
    oldest: Gauge<"source">,
  ): Promise<void> {
    const db = this.sources.db;
    if (!db) return;
    const schema = this.sources.jobSchema;
    // A failed query leaves its gauges as they were (the scrape still answers); it is logged once per scrape.
    const failed = (e: unknown) => {
      this.onError?.(e);
      return null;
    };
    const [outbox, webhooks, jobs] = await Promise.all([
      db
        .$queryRawUnsafe<{ status: string; n: number }[]>(
          `SELECT status::text, count(*)::int AS n FROM outbox_message
          WHERE status IN ('pending', 'sending', 'failed', 'dead') GROUP BY status`,
        )
        .catch(failed),
      db
        .$queryRawUnsafe<{ source: string; n: number; age: number }[]>(
          `SELECT source::text, count(*)::int AS n,
                EXTRACT(EPOCH FROM now() - min(received_at))::float8 AS age
           FROM webhook_event WHERE status IN ('received', 'processing') GROUP BY source`,
        )
        .catch(failed),
      schema
        ? db
            .$queryRawUnsafe<{ queue: string; state: string; n: number }[]>(
              `SELECT q.name AS queue, s.state, count(j.id)::int AS n
               FROM ${schema}.queue q
              CROSS JOIN (VALUES ('due'), ('scheduled'), ('active')) AS s(state)
               LEFT JOIN ${schema}.job j ON j.name = q.name AND j.state IN ('created', 'retry', 'active')
                    AND s.state = CASE WHEN j.state = 'active' THEN 'active'
                                       WHEN j.start_after > now() THEN 'scheduled' ELSE 'due' END
              WHERE q.name NOT LIKE '\\_\\_pgboss\\_\\_%'
              GROUP BY q.name, s.state ORDER BY q.name, s.state`,
            )
            .catch(failed)
        : null,
    ]);
    if (outbox) {
      outboxPending.set(outbox.filter((r) => r.status !== "dead").reduce((n, r) => n + r.n, 0));
      outboxDead.set(outbox.find((r) => r.status === "dead")?.n ?? 0);
    }
    if (webhooks) {
      for (const source of WEBHOOK_SOURCES) {
        const r = webhooks.find((w) => w.source === source);
        unprocessed.set({ source }, r?.n ?? 0);
        oldest.set({ source }, Math.max(0, r?.age ?? 0));
      }
    }
    if (jobs) {
      depth.reset();
      for (const r of jobs) depth.set({ queue: r.queue, state: r.state }, r.n);
    }
  }

  // ── Recording (one call per event; cheap and synchronous) ──

  httpRequest(method: string, route: string, statusCode: number, ms: number): void {
    this.http.observe({ method, route, status: STATUS_CLASS[Math.trunc(statusCode / 100)] ?? "5xx" }, ms / 1000);
  }

  webhookAnswered(source: string, statusCode: number): void {
    if (statusCode < 300) this.webhookAcks.inc({ source });
    else this.webhookRefusals.inc({ source, status: STATUS_CLASS[Math.trunc(statusCode / 100)] ?? "5xx" });
  }

  /** A delivery processed `lagMs` after it was received. */
  webhookProcessed(source: string, lagMs: number): void {
    this.webhookLag.observe({ source }, Math.max(0, lagMs) / 1000);
  }

  /** A worker ran `waits.length` jobs of `queue` (each waited waits[i] ms once due) in `ms`. */
  jobRan(queue: string, waits: readonly number[], ms: number, ok: boolean): void {
    for (const w of waits) this.jobWait.observe({ queue }, Math.max(0, w) / 1000);
    this.jobRun.observe({ queue, outcome: ok ? "completed" : "failed" }, ms / 1000);
  }

  /** An agent turn that started at `startedAt` (performance.now()) ended now. */
  agentTurn(mode: string, outcome: AgentTurnOutcome, startedAt: number): void {
    const labels = { mode, outcome };
    this.agentTurns.inc(labels);
    this.agentLatency.observe(labels, (performance.now() - startedAt) / 1000);
  }

  bookingConflict(via: "trpc" | "agent"): void {
    this.conflicts.inc({ via });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async scrape(): Promise<string> {
    const text = await this.registry.metrics();
    const backup = this.backupLastSuccess;
    if (!backup) return text;
    const at = await backup();
    const seconds = at === null ? 0 : at instanceof Date ? at.getTime() / 1000 : at;
    return `${text}# HELP cita_backup_last_success_timestamp_seconds When the last backup succeeded (Unix seconds; 0: none yet)
# TYPE cita_backup_last_success_timestamp_seconds gauge
cita_backup_last_success_timestamp_seconds ${seconds}
`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The outcome label of a finished agent turn. */
export function turnOutcome(result: { replies: readonly unknown[]; escalate?: unknown }): AgentTurnOutcome {
  return result.escalate ? "escalated" : result.replies.length ? "replied" : "silent";
}

const byDb = new WeakMap<object, Metrics>();

/** Makes `metrics` findable from anything holding this app's database client (metricsOf). */
export function bindMetrics(db: object, metrics: Metrics): void {
  byDb.set(db, metrics);
}

/** This app's Metrics from services or deps (its `metrics`, else by its `db`); undefined where none runs. */
export function metricsOf(deps: object): Metrics | undefined {
  const d = deps as { metrics?: Metrics; db?: object };
  return d.metrics ?? (d.db ? byDb.get(d.db) : undefined);
}
