// The real product path for the agent's test world (no vitest imports): the app's HTTP server
// (startTestServer → buildServer), pg-boss workers (registerWorkers), the fake Chatwoot receiving
// the outbox's sends and the fake Stripe behind the deposit links and refunds, all on the world's
// seeded database with its frozen clock. A world in this mode turns `chat.say(...)` into a signed
// Chatwoot `message_created` webhook, waits until the channels' turn job has answered the message
// and the outbox has delivered every reply to the fake Chatwoot, and reads the replies back from
// the database (message rows the outbox sent; they carry the choices' ids and descriptions, which
// Chatwoot's items do not) after checking each one reached Chatwoot.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { agentDepositLinks, agentDepositRefunds, wireCustomerPath } from "../../app.ts";
import { chatwootMessage, deliverChatwoot, FakeChatwoot } from "../../channels/fakes/fake-chatwoot.ts";
import { loadConfig } from "../../config/env.ts";
import { createJobQueue, type JobQueue } from "../../jobs/job-queue.ts";
import { registerWorkers } from "../../jobs/workers.ts";
import { FakeStripe } from "../../payments/fakes/fake-stripe.ts";
import type { AppServices } from "../../services.ts";
import type { Clock } from "../../testing/test-app.ts";
import { callerFor, startTestServer, testServices } from "../../testing/test-app.ts";
import type { TestDatabase } from "../../testing/test-db.ts";
import type { AgentMessage, AgentTurnInput, ConversationAgent, OutboundReply } from "../port.ts";
import type { DepositLinks, DepositRefunds } from "../tools/types.ts";

/** What the real path needs of the agent's test world (world.ts's AgentWorld is one). */
export interface RealPathWorld extends TestDatabase {
  clock: Clock;
  locationId: string;
  deposits: { inner: { links: DepositLinks; refunds: DepositRefunds } | null };
  agent: ConversationAgent;
}

const CW_SECRET = "cw-agent-world-secret";
const CW_TOKEN = "cw-agent-world-token";
const STRIPE_SECRET = "whsec_agent_world";
/** The Chatwoot inbox the fake deliveries come from (channel_account of the conversations). */
export const CHATWOOT_INBOX = 3;

export interface RealPath {
  services: AppServices;
  jobs: JobQueue;
  chatwoot: FakeChatwoot;
  stripe: FakeStripe;
  url: string;
  /** Per conversation, an agent other than the world's (a transcriber, failing deposits …). */
  overrides: Map<string, ConversationAgent>;
  stop(): Promise<void>;
}

/** Starts the server, the queue and the fakes over a world's database; the world's agent answers. */
export async function startRealPath(world: RealPathWorld): Promise<RealPath> {
  const chatwoot = new FakeChatwoot({ token: CW_TOKEN, accountId: 1 });
  await chatwoot.start();
  const stripe = new FakeStripe({ now: world.clock });
  await stripe.start();
  const dataDir = await mkdtemp(join(tmpdir(), "cita-agent-world-"));
  const base = testServices(world, world.clock);
  const jobs = createJobQueue(world.url, base.log, { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  const overrides = new Map<string, ConversationAgent>();
  const services: AppServices = {
    ...base,
    config: loadConfig({
      CITA_ENV: "test",
      CITA_DATA_DIR: dataDir,
      CHATWOOT_BASE_URL: chatwoot.url,
      CHATWOOT_API_TOKEN: CW_TOKEN,
      CHATWOOT_ACCOUNT_ID: "1",
      CHATWOOT_WEBHOOK_SECRET: CW_SECRET,
      CHATWOOT_SIGNATURE: "required",
      STRIPE_SECRET_KEY: "sk_test_agent_world",
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      STRIPE_API_BASE: stripe.url,
      CITA_PUBLIC_URL: "https://salon.example",
      CHANNELS_SEND_BASE_DELAY_MS: "100",
    }),
    stripe: stripe.client(),
    jobs,
    // The world's agent (its deposits record every link and refund), or a test's for one chat.
    agent: {
      get name() {
        return world.agent.name;
      },
      handleTurn: (input: AgentTurnInput) => (overrides.get(input.conversation.id) ?? world.agent).handleTurn(input),
    },
  };
  wireCustomerPath(services); // the outbox notifier (keeps the agent above)
  world.deposits.inner = { links: agentDepositLinks(services), refunds: agentDepositRefunds(services) };
  await registerWorkers(jobs, services);
  const server = await startTestServer(services);
  return {
    services,
    jobs,
    chatwoot,
    stripe,
    url: server.url,
    overrides,
    async stop() {
      await server.app.close();
      await jobs.stop().catch(() => {});
      await chatwoot.stop();
      await stripe.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`real path: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RealSay {
  conversationId: string;
  externalConversation: number;
  phone: string;
  text: string | null;
  attachments: AgentMessage["attachments"];
  /** Chatwoot delivers the same message twice (agent bot + account webhook). */
  redeliver?: boolean;
}

/** Posts one signed message_created delivery (twice when asked) and waits for its answer to be sent. */
export async function sayThroughChatwoot(
  world: RealPathWorld,
  real: RealPath,
  p: RealSay,
  seen: Set<string>,
): Promise<{ replies: OutboundReply[]; turnId: string | null }> {
  const attachments = [];
  for (const a of p.attachments) {
    if (!a.storedPath) continue;
    const bytes = await readFile(a.storedPath);
    const key = `${randomUUID()}${extname(a.storedPath)}`;
    const url = real.chatwoot.addMedia(key, bytes, a.mimeType ?? "application/octet-stream");
    attachments.push({
      file_type: a.type === "voice" ? "audio" : a.type,
      data_url: url,
      extension: extname(a.storedPath).slice(1) || null,
      file_size: bytes.length,
    });
  }
  const conv0 = await world.db.conversation.findUniqueOrThrow({ where: { id: p.conversationId } });
  const payload = chatwootMessage({
    conversationId: p.externalConversation,
    inboxId: CHATWOOT_INBOX,
    phone: p.phone,
    name: "Cliente",
    content: p.text,
    createdAt: world.clock(),
    status: conv0.mode === "human" ? "open" : "pending",
    ...(attachments.length ? { attachments: attachments as never } : {}),
  });
  for (let k = 0; k < (p.redeliver ? 2 : 1); k++) {
    const res = await deliverChatwoot(`${real.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const stored = await until(`message ${payload.id} stored`, () =>
    world.db.message.findFirst({
      where: { conversationId: p.conversationId, externalId: String(payload.id), direction: "inbound" },
    }),
  );
  // Answered (stamped with its turn), or left for staff when a person has the chat.
  const answered = await until(`message ${payload.id} answered`, async () => {
    const m = await world.db.message.findUniqueOrThrow({ where: { id: stored.id } });
    if (m.turnId) return m;
    const c = await world.db.conversation.findUniqueOrThrow({ where: { id: p.conversationId } });
    return c.mode === "human" ? { ...m, turnId: null } : null;
  });
  if (!answered.turnId) await new Promise((r) => setTimeout(r, 300)); // time for a wrong reply to show up
  await drained(world, p.conversationId);
  return { replies: await newReplies(world, real, p, seen), turnId: answered.turnId };
}

/** Waits until every outbox row of the conversation is sent. */
export async function drained(world: RealPathWorld, conversationId: string): Promise<void> {
  await until("outbox drained", async () => {
    const open = await world.db.outboxMessage.count({ where: { conversationId, status: { not: "sent" } } });
    return open === 0;
  });
}

/** The bot's messages not seen yet, each checked against what the fake Chatwoot received. */
async function newReplies(
  world: RealPathWorld,
  real: RealPath,
  p: { conversationId: string; externalConversation: number },
  seen: Set<string>,
): Promise<OutboundReply[]> {
  // What went through the outbox (a scenario's setup may have stored an earlier message by hand).
  const queued = await world.db.outboxMessage.findMany({
    where: { conversationId: p.conversationId, messageId: { not: null } },
    select: { messageId: true },
  });
  const rows = await world.db.message.findMany({
    where: {
      id: { in: queued.map((q) => q.messageId!) },
      direction: "outbound",
      author: "bot",
      kind: { not: "note" },
    },
    orderBy: [{ createdAt: "asc" }],
  });
  const sent = real.chatwoot
    .sentMessages()
    .filter((r) => r.path.endsWith(`/conversations/${p.externalConversation}/messages`))
    .map((r) => (r.body as { content: string }).content);
  const out: OutboundReply[] = [];
  for (const m of rows) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    const body = m.body ?? "";
    if (m.deliveryStatus !== "sent" || !sent.some((c) => c === body || c.startsWith(body))) {
      throw new Error(`real path: reply "${body.slice(0, 80)}" (${m.deliveryStatus}) never reached Chatwoot`);
    }
    if (m.kind === "interactive" && Array.isArray(m.choices)) {
      out.push({ kind: "choices", text: body, choices: m.choices as never });
    } else if (m.kind === "template") {
      out.push({ kind: "template", name: body, language: "es", params: [] });
    } else out.push({ kind: "text", text: body });
  }
  return out;
}

/** Front desk on the console (tRPC callers through every middleware). */
export async function frontDesk(world: RealPathWorld, real: RealPath) {
  const desk = await world.db.staffMember.findFirstOrThrow({
    where: { locationId: world.locationId, role: "front_desk" },
  });
  return callerFor(real.services, { staffId: desk.id, role: "front_desk", locationId: world.locationId });
}
