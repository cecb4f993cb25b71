// Shared by the reply and reminder benchmarks: an embedded PostgreSQL with the migrated template,
// fresh databases cloned from it, and a real Cita server (startApp: pg-boss workers, change feed,
// demo salon seeded, the agent) talking to a fake Chatwoot on loopback that requires signed webhooks.
// Also reads back, per conversation, when each stage of "message in → first reply out" happened.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type RunningApp, startApp } from "../../apps/server/src/app.ts";
import type { AgentTurnInput } from "../../apps/server/src/channels/agent-port.ts";
import { chatwootMessage, deliverChatwoot, FakeChatwoot } from "../../apps/server/src/channels/fakes/fake-chatwoot.ts";
import { loadConfig } from "../../apps/server/src/config/env.ts";
import { createDb } from "../../apps/server/src/db/client.ts";
import { withDatabase } from "../../apps/server/src/db/url.ts";
import { createLogger } from "../../apps/server/src/logger.ts";
import { buildTemplate, freePort, startTestPostgres, TEMPLATE_DB } from "../../apps/server/src/testing/global-setup.ts";

export const CW = { token: "cw-bench-token", secret: "cw-bench-secret", accountId: 1, inbox: 3 } as const;

export interface BenchPostgres {
  /** A new database cloned from the migrated template (pg-boss schema included). */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function benchPostgres(): Promise<BenchPostgres> {
  const pg = await startTestPostgres();
  await buildTemplate(pg.serverUrl);
  return {
    async database(name) {
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      try {
        await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.$executeRawUnsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      } finally {
        await admin.$disconnect();
      }
      return withDatabase(pg.serverUrl, name);
    },
    stop: () => pg.stop(),
  };
}

/** When the agent's handleTurn ran, per conversation (first turn), in Date.now() milliseconds. */
export interface TurnTiming {
  start: number;
  end: number;
}

export interface ReplyServer {
  running: RunningApp;
  url: string;
  chatwoot: FakeChatwoot;
  /** handleTurn start/end of the first turn per (Cita) conversation id. */
  turns: Map<string, TurnTiming>;
  stop(): Promise<void>;
}

/** startApp on `databaseUrl` (demo salon seeded on first start), with a fake Chatwoot requiring signatures. */
export async function startReplyServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ReplyServer> {
  const chatwoot = new FakeChatwoot({ token: CW.token, accountId: CW.accountId });
  await chatwoot.start();
  const dataDir = await mkdtemp(join(tmpdir(), "cita-bench-replies-"));
  const config = loadConfig({
    CITA_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    LOG_LEVEL: "silent",
    DATABASE_URL: databaseUrl,
    CITA_DATA_DIR: dataDir,
    CITA_DATA_KEY: randomBytes(32).toString("base64"),
    CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
    CITA_SEED_DEMO: "true",
    CHATWOOT_BASE_URL: chatwoot.url,
    CHATWOOT_API_TOKEN: CW.token,
    CHATWOOT_ACCOUNT_ID: String(CW.accountId),
    CHATWOOT_WEBHOOK_SECRET: CW.secret,
    CHATWOOT_SIGNATURE: "required",
    WHATSAPP_TEMPLATES: "booking_reminder:es,booking_reminder:en",
    // `JOBS_CONCURRENCY=16 pnpm bench reply` tries another worker count without editing the bench.
    ...(process.env.JOBS_CONCURRENCY ? { JOBS_CONCURRENCY: process.env.JOBS_CONCURRENCY } : {}),
    ...env,
  });
  let running: RunningApp;
  try {
    running = await startApp(config, createLogger("silent"));
  } catch (e) {
    await chatwoot.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  // The channels' turn worker calls `agent.handleTurn` on this very object: timing it here sees
  // each turn's own time without changing what runs.
  const turns = new Map<string, TurnTiming>();
  const agent = running.services.agent;
  if (agent) {
    const inner = agent.handleTurn.bind(agent);
    agent.handleTurn = async (input: AgentTurnInput) => {
      const start = Date.now();
      const r = await inner(input);
      if (!turns.has(input.conversation.id)) turns.set(input.conversation.id, { start, end: Date.now() });
      return r;
    };
  }
  return {
    running,
    url: running.url,
    chatwoot,
    turns,
    async stop() {
      await running.stop();
      await chatwoot.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Posts one signed Chatwoot message_created; returns when the POST started and when its 200 came. */
export async function postMessage(
  server: { url: string },
  o: { conversationId: number; phone: string; text: string },
): Promise<{ t0: number; ack: number }> {
  const payload = chatwootMessage({
    conversationId: o.conversationId,
    inboxId: CW.inbox,
    phone: o.phone,
    name: "Cliente",
    content: o.text,
    status: "pending",
  });
  const t0 = Date.now();
  const res = await deliverChatwoot(`${server.url}/webhooks/chatwoot`, payload, { secret: CW.secret });
  const ack = Date.now();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { t0, ack };
}

/** When the fake Chatwoot received the first message for each conversation display id (Date.now() ms). */
export function firstReplies(chatwoot: FakeChatwoot): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of chatwoot.sentMessages()) {
    const id = Number(/\/conversations\/(\d+)\/messages$/.exec(r.path)?.[1]);
    if (!out.has(id)) out.set(id, r.at);
  }
  return out;
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stage instants (ms since the epoch) of a conversation's first message → first reply, from the database. */
export interface Stages {
  externalId: number;
  conversationId: string;
  /** webhook_event inserted (the INSERT before the 200). */
  stored: number;
  webhookJobStarted: number;
  /** webhook_event.processed_at (end of the processing transaction's work, just before commit). */
  processed: number;
  /** message.created_at: the processing transaction's start (what the quiet window counts from). */
  messageCreated: number;
  turnJobStarted: number;
  /** agent_turn.started_at, when the agent wrote one. */
  agentTurnStarted: number | null;
  /** The outbox row's transaction start (the turn's closing transaction). */
  outboxCreated: number;
  outboxJobStarted: number;
  outboxSent: number;
}

export async function readStages(databaseUrl: string, externalIds: number[]): Promise<Map<number, Stages>> {
  const db = createDb(databaseUrl, { max: 1 });
  const ms = (d: Date | null) => (d ? d.getTime() : Number.NaN);
  try {
    const rows = await db.$queryRawUnsafe<
      {
        external_id: string;
        conversation_id: string;
        stored: Date;
        wh_started: Date | null;
        processed: Date | null;
        msg_created: Date;
        turn_started: Date | null;
        agent_turn: Date | null;
        outbox_created: Date | null;
        outbox_started: Date | null;
        outbox_sent: Date | null;
      }[]
    >(
      `SELECT c.external_id, c.id::text AS conversation_id,
              we.received_at AS stored, wj.started_on AS wh_started, we.processed_at AS processed,
              m.created_at AS msg_created,
              (SELECT min(j.started_on) FROM pgboss.job j WHERE j.name = 'channels-turn' AND j.data->>'conversationId' = c.id::text) AS turn_started,
              (SELECT min(t.started_at) FROM agent_turn t WHERE t.conversation_id = c.id) AS agent_turn,
              o.created_at AS outbox_created,
              (SELECT min(j.started_on) FROM pgboss.job j WHERE j.name = 'channels-outbox' AND j.data->>'outboxId' = o.id::text) AS outbox_started,
              o.sent_at AS outbox_sent
         FROM conversation c
         JOIN LATERAL (SELECT * FROM message WHERE conversation_id = c.id AND direction = 'inbound' ORDER BY created_at LIMIT 1) m ON true
         JOIN webhook_event we ON we.source = 'chatwoot' AND (we.raw_body::jsonb->'conversation'->>'id') = c.external_id
         LEFT JOIN pgboss.job wj ON wj.name = 'channels-webhook' AND wj.data->>'eventId' = we.id::text
         LEFT JOIN LATERAL (SELECT * FROM outbox_message WHERE conversation_id = c.id AND message_id IS NOT NULL ORDER BY seq LIMIT 1) o ON true
        WHERE c.channel = 'chatwoot' AND c.external_id = ANY($1::text[])`,
      externalIds.map(String),
    );
    return new Map(
      rows.map((r) => [
        Number(r.external_id),
        {
          externalId: Number(r.external_id),
          conversationId: r.conversation_id,
          stored: ms(r.stored),
          webhookJobStarted: ms(r.wh_started),
          processed: ms(r.processed),
          messageCreated: ms(r.msg_created),
          turnJobStarted: ms(r.turn_started),
          agentTurnStarted: r.agent_turn ? ms(r.agent_turn) : null,
          outboxCreated: ms(r.outbox_created),
          outboxJobStarted: ms(r.outbox_started),
          outboxSent: ms(r.outbox_sent),
        },
      ]),
    );
  } finally {
    await db.$disconnect();
  }
}

/** This process's CPU (server + bench) and event-loop use over a stretch of time. */
export function processLoad(): () => string {
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  return () => {
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    const share = (cpu.user + cpu.system) / 1000 / Math.max(1, Date.now() - t0);
    return `server process: event loop ${(elu * 100).toFixed(0)}% busy, CPU ${(share * 100).toFixed(0)}% of one core`;
  };
}
