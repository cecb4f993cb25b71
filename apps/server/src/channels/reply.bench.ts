// "Replies in a blink": a signed Chatwoot webhook in → the first reply received by the fake Chatwoot,
// on a real server (startApp: pg-boss workers with LISTEN/NOTIFY wake-ups, the turn's quiet window,
// the outbox, the demo salon), measured end to end from the start of the POST to the fake's receipt.
// Each figure comes with a per-stage breakdown (p50/p95) read back from the database and pg-boss's
// job table (webhook stored → webhook job started → processed → turn job started → the agent's
// handleTurn, timed around the agent object → outbox job started → received by the fake), and the
// server process's CPU share (a busy event loop with little CPU means the machine starved it).
// `JOBS_CONCURRENCY=16 pnpm bench reply` runs the same with another worker count.
//
// - guided mode, one conversation at a time and 20 at the same instant;
// - Claude mode against a local fake Messages API that answers every call after 1.5 s, 50 customers
//   writing at the same moment;
// - a backlog of 10,000 stored deliveries (written in bulk while no worker ran), then the workers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  benchPostgres,
  firstReplies,
  postMessage,
  processLoad,
  type ReplyServer,
  readStages,
  type Stages,
  startReplyServer,
  waitFor,
} from "../../../../bench/helpers/chat-server.ts";
import { type Benchmark, type Figure, summarize } from "../../../../bench/lib.ts";
import { createDb } from "../db/client.ts";
import { bulkInserter } from "../testing/bulk-jobs.ts";
import { QUEUES } from "./deps.ts";
import { chatwootMessage } from "./fakes/fake-chatwoot.ts";
import { processWebhookEvent, WEBHOOK_BATCH } from "./inbound.ts";

const QUIET_MS = 500;
const TEXT = "Hola, ¿tenéis hueco el viernes por la tarde para un corte?";

let nextConversation = 710_000;
let nextPhone = 34_611_000_000;
const newCustomer = () => ({ conversationId: nextConversation++, phone: `+${nextPhone++}` });

interface Sample {
  externalId: number;
  t0: number;
  ack: number;
  reply: number;
}

/** Posts one message per customer (all at once, or one after the other waiting for each reply). */
async function converse(server: ReplyServer, n: number, mode: "sequential" | "together"): Promise<Sample[]> {
  const customers = Array.from({ length: n }, newCustomer);
  const out: Sample[] = [];
  const load = processLoad();
  const replied = (id: number) => firstReplies(server.chatwoot).get(id);
  if (mode === "sequential") {
    for (const c of customers) {
      const { t0, ack } = await postMessage(server, { ...c, text: TEXT });
      await waitFor(
        `a reply in conversation ${c.conversationId}`,
        () => replied(c.conversationId) !== undefined,
        30_000,
      );
      out.push({ externalId: c.conversationId, t0, ack, reply: replied(c.conversationId)! });
    }
    lastLoad = load();
    return out;
  }
  const posted = await Promise.all(customers.map((c) => postMessage(server, { ...c, text: TEXT })));
  await waitFor(
    `replies in ${n} conversations`,
    () => customers.every((c) => replied(c.conversationId) !== undefined),
    120_000,
  );
  lastLoad = load();
  return customers.map((c, i) => ({ externalId: c.conversationId, ...posted[i]!, reply: replied(c.conversationId)! }));
}

/** The process load during the last converse() (CPU starvation shows as a busy loop with little CPU). */
let lastLoad = "";

const p95 = (xs: number[]) => summarize(xs).p95;
const fmt = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : "?");

interface Breakdown {
  e2e: number[];
  /** The quiet window the turn actually waited: max(0, message stamped + quiet − turn job started). */
  quietWaited: number[];
  ownPart: number[];
  handleTurn: number[];
  text: string;
}

/**
 * Per-stage durations (p50/p95 over the conversations), each stage from the end of the previous one.
 * DB stamps (received_at, started_on, created_at…) and the client's Date.now() share the machine's clock.
 */
async function breakdown(
  databaseUrl: string,
  server: ReplyServer,
  samples: Sample[],
  quietMs: number,
): Promise<Breakdown> {
  const stages = await readStages(
    databaseUrl,
    samples.map((s) => s.externalId),
  );
  const rows: { s: Sample; st: Stages; turn: { start: number; end: number } | undefined }[] = samples.map((s) => {
    const st = stages.get(s.externalId);
    if (!st) throw new Error(`no stages for conversation ${s.externalId}`);
    return { s, st, turn: server.turns.get(st.conversationId) };
  });
  const col = (f: (r: (typeof rows)[number]) => number) => rows.map(f).filter(Number.isFinite);
  const quietWaited = col((r) => Math.max(0, r.st.messageCreated + quietMs - r.st.turnJobStarted));
  const parts: [string, number[]][] = [
    ["POST→200", col((r) => r.s.ack - r.s.t0)],
    ["stored→webhook job", col((r) => r.st.webhookJobStarted - r.st.stored)],
    ["webhook job→processed", col((r) => r.st.processed - r.st.webhookJobStarted)],
    ["processed→turn job", col((r) => r.st.turnJobStarted - r.st.processed)],
    [
      "turn job→handleTurn (quiet window, lease, reads)",
      col((r) => (r.turn?.start ?? Number.NaN) - r.st.turnJobStarted),
    ],
    ["  of which quiet window", quietWaited],
    ["handleTurn", col((r) => (r.turn ? r.turn.end - r.turn.start : Number.NaN))],
    ["handleTurn→outbox job", col((r) => r.st.outboxJobStarted - (r.turn?.end ?? Number.NaN))],
    ["outbox job→fake received", col((r) => r.s.reply - r.st.outboxJobStarted)],
  ];
  const text = parts
    .map(([name, xs]) => {
      const s = summarize(xs);
      return `${name} ${fmt(s.p50)}/${fmt(s.p95)}`;
    })
    .join("; ");
  const e2e = rows.map((r) => r.s.reply - r.s.t0);
  const ownPart = rows.map(
    (r) => r.s.reply - r.s.t0 - Math.max(0, r.st.messageCreated + quietMs - r.st.turnJobStarted),
  );
  return {
    e2e,
    quietWaited,
    ownPart,
    handleTurn: col((r) => (r.turn ? r.turn.end - r.turn.start : Number.NaN)),
    text: `${lastLoad}; stages p50/p95 ms: ${text}`,
  };
}

/** A fake Messages API: every call answered with a short text after `delayMs`; counts calls in flight. */
class SlowFakeAnthropic {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | null = null;
  constructor(private readonly delayMs: number) {}
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        this.calls++;
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        setTimeout(() => {
          this.inFlight--;
          res.writeHead(200, { "content-type": "application/json", "request-id": `req_bench_${this.calls}` });
          res.end(
            JSON.stringify({
              id: `msg_bench_${this.calls}`,
              type: "message",
              role: "assistant",
              model: "claude-bench",
              content: [
                { type: "text", text: "¡Hola! Sí, el viernes por la tarde tengo hueco. ¿A qué hora te va bien?" },
              ],
              stop_reason: "end_turn",
              stop_sequence: null,
              usage: {
                input_tokens: 100,
                output_tokens: 20,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 90,
              },
            }),
          );
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const MODEL_MS = 1500;

export const benchmarks: Benchmark[] = [
  {
    name: "reply (guided)",
    async run() {
      const pg = await benchPostgres();
      try {
        // TURN_QUIET_MS at its default (500 ms).
        const url = await pg.database("cita_bench_reply_guided");
        const server = await startReplyServer(url, { TURN_QUIET_MS: String(QUIET_MS) });
        let seq: Breakdown;
        let together: Breakdown;
        try {
          await converse(server, 3, "sequential"); // warm-up: builds the agent, JIT, connections
          seq = await breakdown(url, server, await converse(server, 20, "sequential"), QUIET_MS);
          // A small burst first: opens the pools' connections (PostgreSQL backends) a burst needs.
          await converse(server, 5, "together");
          together = await breakdown(url, server, await converse(server, 20, "together"), QUIET_MS);
        } finally {
          await server.stop();
        }
        // The same, with no quiet window at all: the system's own part measured directly.
        const url0 = await pg.database("cita_bench_reply_guided_q0");
        const server0 = await startReplyServer(url0, { TURN_QUIET_MS: "0" });
        let seq0: Breakdown;
        try {
          await converse(server0, 3, "sequential");
          seq0 = await breakdown(url0, server0, await converse(server0, 20, "sequential"), 0);
        } finally {
          await server0.stop();
        }
        const figures: Figure[] = [
          {
            name: "one at a time: webhook → first reply p95",
            value: p95(seq.e2e),
            unit: "ms",
            baseline: { name: "the agent's handleTurn p95 (same turns)", value: p95(seq.handleTurn) },
            target: { max: 1000 },
            note: `20 conversations, TURN_QUIET_MS=${QUIET_MS}; p50 ${fmt(summarize(seq.e2e).p50)} ms. ${seq.text}`,
          },
          {
            name: "one at a time: own part p95 (minus quiet window waited)",
            value: p95(seq.ownPart),
            unit: "ms",
            baseline: { name: "the agent's handleTurn p95 (same turns)", value: p95(seq.handleTurn) },
            target: { max: 300 },
            note: `end to end minus max(0, message stamped + ${QUIET_MS} ms − turn job started) per conversation; quiet window waited p50/p95 ${fmt(summarize(seq.quietWaited).p50)}/${fmt(p95(seq.quietWaited))} ms`,
          },
          {
            name: "one at a time, TURN_QUIET_MS=0: webhook → first reply p95",
            value: p95(seq0.e2e),
            unit: "ms",
            baseline: { name: "the agent's handleTurn p95 (same turns)", value: p95(seq0.handleTurn) },
            target: { max: 300 },
            note: `the system's own part measured directly (second server, no quiet window); p50 ${fmt(summarize(seq0.e2e).p50)} ms. ${seq0.text}`,
          },
          {
            name: "20 at the same instant: webhook → first reply p95",
            value: p95(together.e2e),
            unit: "ms",
            baseline: { name: "one at a time p95", value: p95(seq.e2e) },
            target: { max: 1500 },
            note: `p50 ${fmt(summarize(together.e2e).p50)} ms, max ${fmt(summarize(together.e2e).max)} ms. ${together.text}`,
          },
        ];
        return figures;
      } finally {
        await pg.stop();
      }
    },
  },
  {
    name: "reply (Claude, model 1.5 s)",
    async run() {
      const pg = await benchPostgres();
      const fake = new SlowFakeAnthropic(MODEL_MS);
      const baseURL = await fake.start();
      try {
        const url = await pg.database("cita_bench_reply_claude");
        const server = await startReplyServer(url, {
          TURN_QUIET_MS: String(QUIET_MS),
          ANTHROPIC_API_KEY: "sk-ant-bench",
          ANTHROPIC_BASE_URL: baseURL,
        });
        let lone: Breakdown;
        let crowd: Breakdown;
        let calls = 0;
        try {
          await converse(server, 1, "sequential"); // warm-up
          lone = await breakdown(url, server, await converse(server, 3, "sequential"), QUIET_MS);
          fake.maxInFlight = 0;
          const before = fake.calls;
          crowd = await breakdown(url, server, await converse(server, 50, "together"), QUIET_MS);
          calls = fake.calls - before;
        } finally {
          await server.stop();
        }
        return [
          {
            name: "50 customers at once: webhook → first reply p95",
            value: p95(crowd.e2e),
            unit: "ms",
            baseline: { name: "one lone customer (p95 of 3)", value: p95(lone.e2e) },
            target: { max: 5000 },
            note: `model answers each call after ${MODEL_MS} ms; ${calls} model calls, at most ${fake.maxInFlight} in flight at once; p50 ${fmt(summarize(crowd.e2e).p50)} ms, max ${fmt(summarize(crowd.e2e).max)} ms. ${crowd.text}`,
          },
        ];
      } finally {
        await fake.stop();
        await pg.stop();
      }
    },
  },
  {
    name: "webhook backlog",
    async run() {
      const pg = await benchPostgres();
      try {
        // The bot answers every delivery: each processed event queues a turn, which runs alongside.
        const bot = await drainBacklog(await pg.database("cita_bench_backlog_bot"), "pending");
        // The same spike in conversations a person holds: intake alone, no turns follow.
        const intake = await drainBacklog(await pg.database("cita_bench_backlog_intake"), "open");
        return [
          {
            name: `${BACKLOG} stored deliveries (bot answers): processing rate`,
            value: bot.rate,
            unit: "events/s",
            baseline: { name: "processWebhookEvent alone, sequential", value: bot.directRate },
            target: { min: 300 },
            note: bot.note,
          },
          {
            name: `${BACKLOG} stored deliveries (no turns follow): processing rate`,
            value: intake.rate,
            unit: "events/s",
            baseline: { name: "processWebhookEvent alone, sequential", value: intake.directRate },
            target: { min: 300 },
            note: intake.note,
          },
        ];
      } finally {
        await pg.stop();
      }
    },
  },
];

const BACKLOG = 10_000;
/** Each drain stops here if the backlog is not done (the rate is then what was processed). */
const DRAIN_CAP_MS = 30_000;

/**
 * Stores BACKLOG deliveries and their webhook jobs in bulk while no worker runs (the server started
 * once for migrations, the demo salon and the queues, then stopped), starts the server again and
 * counts processed webhook_event rows until all are done or DRAIN_CAP_MS passed.
 */
async function drainBacklog(url: string, status: "pending" | "open") {
  // Same keys on both starts: the database is encrypted with the first one.
  const env = {
    CITA_DATA_KEY: Buffer.alloc(32, 7).toString("base64"),
    CITA_AUTH_SECRET: Buffer.alloc(32, 8).toString("base64"),
    TURN_QUIET_MS: String(QUIET_MS),
  };
  await (await startReplyServer(url, env)).stop();

  const db = createDb(url, { max: 4 });
  const payloads = (n: number) =>
    Array.from({ length: n }, () =>
      JSON.stringify(chatwootMessage({ ...newCustomer(), inboxId: 3, name: "Cliente", content: TEXT, status })),
    );
  const insert = (prefix: string, bodies: string[]) =>
    db.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO webhook_event (id, source, dedup_key, headers, raw_body, status)
       SELECT gen_random_uuid(), 'chatwoot', $2 || n, '{}'::jsonb, body, 'received'
         FROM unnest($1::text[]) WITH ORDINALITY AS x(body, n)
       RETURNING id::text`,
      bodies,
      prefix,
    );
  const boss = await bulkInserter(url);
  const t0 = Date.now();
  for (let i = 0; i < BACKLOG; i += 1000) {
    const rows = await insert(`backlog-${i}-`, payloads(Math.min(1000, BACKLOG - i)));
    // pg-boss's own bulk insert (the queue's retry and expiry settings), as jobs.send makes them.
    await boss.insert(rows.map((r) => ({ name: QUEUES.webhook, data: { eventId: r.id } })));
  }
  const insertMs = Date.now() - t0;
  await boss.stop({ graceful: false, wait: true });

  const started = Date.now();
  const server = await startReplyServer(url, env);
  const ready = Date.now();
  const load = processLoad();
  const cpu0 = process.cpuUsage();
  const progress: { at: number; n: number }[] = [];
  let loadText = "";
  let cpuMs = 0;
  try {
    for (;;) {
      const rows = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM webhook_event WHERE status <> 'received' AND dedup_key LIKE 'backlog-%'`;
      const n = rows[0]?.n ?? 0;
      progress.push({ at: Date.now(), n });
      if (n >= BACKLOG || Date.now() - ready > DRAIN_CAP_MS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    loadText = load();
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
  } finally {
    await server.stop();
  }
  const [s] = await db.$queryRaw<{ first: Date; last: Date; n: number; turns: number; sent: number; jobMs: number }[]>`
    SELECT min(processed_at) AS first, max(processed_at) AS last, count(*)::int AS n,
           (SELECT count(*)::int FROM agent_turn) AS turns,
           (SELECT count(*)::int FROM outbox_message WHERE status = 'sent') AS sent,
           (SELECT (avg(extract(epoch FROM completed_on - started_on)) * 1000)::float8 FROM pgboss.job
             WHERE name = ${QUEUES.webhook} AND state = 'completed') AS "jobMs"
      FROM webhook_event WHERE processed_at IS NOT NULL AND dedup_key LIKE 'backlog-%'`;
  const spanMs = s!.last.getTime() - s!.first.getTime();
  const rate = (s!.n / Math.max(1, spanMs)) * 1000;

  // Baseline: processWebhookEvent called directly, one after the other, no queue, no follow-up jobs.
  const extra = 300;
  const direct = await insert("direct-", payloads(extra));
  const deps = { ...server.running.services, db, jobs: undefined };
  const d0 = Date.now();
  const dcpu0 = process.cpuUsage();
  for (const { id } of direct) await processWebhookEvent(deps, id);
  const directRate = (extra / (Date.now() - d0)) * 1000;
  const dcpu = process.cpuUsage(dcpu0);
  const directCpuMs = (dcpu.user + dcpu.system) / 1000 / extra;
  await db.$disconnect();
  const curve = progress
    .filter((_, i) => i % 12 === 0)
    .map((p) => `${((p.at - ready) / 1000).toFixed(0)}s:${p.n}`)
    .join(" ");
  const note = [
    `${s!.n}/${BACKLOG} processed (${s!.n < BACKLOG ? `stopped at the ${DRAIN_CAP_MS / 1000} s cap` : "all"}), rate = first → last processed_at (${(spanMs / 1000).toFixed(1)} s)`,
    `webhook job ${fmt(s!.jobMs)} ms on average (started → completed; a worker takes up to ${WEBHOOK_BATCH} jobs at a time and they complete together)`,
    `meanwhile ${s!.turns} agent turns ran, ${s!.sent} outbox rows sent`,
    `${loadText}, ${(cpuMs / Math.max(1, s!.n)).toFixed(1)} ms CPU per processed event (direct, sequential: ${directCpuMs.toFixed(1)} ms)`,
    `second start ${ready - started} ms; bulk insert of rows + jobs ${insertMs} ms (${((BACKLOG / insertMs) * 1000).toFixed(0)}/s)`,
    `progress ${curve}`,
  ].join("; ");
  return { rate, directRate, note };
}
