// The agent's test world (no vitest imports, so the benchmark and the live evaluation use it too).
// Two ways to drive the same chats, so the same scenario assertions run through both:
// - direct (createAgentWorldOn): store the inbound message, call handleTurn with the
//   conversation's history, store the replies as outbound messages, apply an escalation — the
//   channels' job in a few lines, for fast unit-level runs and the benchmark;
// - real (createRealAgentWorldOn, testing/real-path.ts): every `say` is a signed Chatwoot webhook
//   into the real server → stored event → pg-boss → conversation lease → the agent → tools →
//   outbox → the fake Chatwoot (deposit links and refunds through the fake Stripe); staff write
//   and hand back through the console's tRPC procedures.
// Either way the scenarios assert on the database and on what the customer was told.
import { randomBytes, randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { markAwaitingDeposit } from "../../bookings/transitions.ts";
import { createFieldCrypto } from "../../crypto/field-crypto.ts";
import { upsertCustomerByPhone } from "../../customers/customer-store.ts";
import { createDb } from "../../db/client.ts";
import { seedDemoSalon } from "../../db/seed.ts";
import { withDatabase } from "../../db/url.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../../testing/global-setup.ts";
import { type Clock, testClock } from "../../testing/test-app.ts";
import type { TestDatabase } from "../../testing/test-db.ts";
import { TEST_NOW } from "../../testing/test-now.ts";
import { BookingAgent, type BookingAgentOptions } from "../agent.ts";
import type { AgentMessage, AgentTurnResult, ConversationAgent, OutboundReply } from "../port.ts";
import type { DepositLinks, DepositRefunds } from "../tools/types.ts";
import { limitViolations } from "../whatsapp.ts";
import { CHATWOOT_INBOX, drained, frontDesk, type RealPath, sayThroughChatwoot, startRealPath } from "./real-path.ts";

/**
 * Tuesday 2026-03-10 10:00 in Europe/Madrid (CET, UTC+1): the instant the Claude fixtures
 * (fixtures/claude/*.json, claude.test.ts's scripts) were recorded at. The suites that replay model
 * recordings run at it whatever CITA_TEST_NOW says (`createWorld(mode, { now: FROZEN_NOW })`).
 */
export const FROZEN_NOW = new Date("2026-03-10T09:00:00.000Z");

/**
 * The instant the scenario suites run at: CITA_TEST_NOW when set (the hard-dates run), otherwise
 * FROZEN_NOW. Their days and times come from the salon relative to it (testing/calendar.ts).
 */
export const SCENARIO_NOW = new Date(TEST_NOW ?? FROZEN_NOW);

/** What a world is built with: the agent's options, and the instant its clock stands at. */
export type WorldOptions = Partial<BookingAgentOptions> & {
  /** Default SCENARIO_NOW; FROZEN_NOW for suites that replay recordings. */
  now?: Date;
};

/**
 * Records every deposit link and refund the agent asks for. Direct mode: makes the link itself and
 * marks the hold as awaiting its deposit, as payments/ does. Real mode (`inner`): the app's own
 * Stripe Checkout links and refund jobs against the fake Stripe.
 */
export class RecordingDeposits implements DepositLinks, DepositRefunds {
  links: { bookingId: string; url: string; amountCents: number }[] = [];
  refunds: { bookingId: string; amountCents: number; reason: string }[] = [];
  inner: { links: DepositLinks; refunds: DepositRefunds } | null = null;
  constructor(private readonly world: () => AgentWorld) {}
  async requestLink(bookingId: string) {
    const w = this.world();
    if (this.inner) {
      const r = await this.inner.links.requestLink(bookingId);
      if (!this.links.some((l) => l.bookingId === bookingId))
        this.links.push({ bookingId, url: r.url, amountCents: r.amountCents });
      return r;
    }
    const b = await w.db.booking.findUniqueOrThrow({ where: { id: bookingId } });
    if (b.status === "held")
      await markAwaitingDeposit({ db: w.db, fc: w.fc, clock: w.clock }, bookingId, { type: "agent" });
    const url = `https://pay.test/checkout/${bookingId}`;
    if (!this.links.some((l) => l.bookingId === bookingId))
      this.links.push({ bookingId, url, amountCents: b.depositCents });
    return { url, amountCents: b.depositCents };
  }
  /** One link for a whole group's deposit (recorded under the group's id): direct mode marks every held person awaiting it. */
  groupLinks: { groupId: string; url: string; amountCents: number }[] = [];
  async requestGroupLink(groupId: string) {
    const w = this.world();
    if (this.inner?.links.requestGroupLink) {
      const r = await this.inner.links.requestGroupLink(groupId);
      this.groupLinks.push({ groupId, url: r.url, amountCents: r.amountCents });
      return r;
    }
    const held = await w.db.booking.findMany({ where: { groupId, status: { not: "cancelled" } } });
    for (const b of held)
      if (b.status === "held")
        await markAwaitingDeposit({ db: w.db, fc: w.fc, clock: w.clock }, b.id, { type: "agent" });
    const url = `https://pay.test/checkout/group/${groupId}`;
    const amountCents = held.reduce((n, b) => n + b.depositCents, 0);
    this.groupLinks.push({ groupId, url, amountCents });
    return { url, amountCents };
  }
  async refundDeposit(bookingId: string, amountCents: number, reason: string) {
    this.refunds.push({ bookingId, amountCents, reason });
    if (this.inner) {
      // Deposits a scenario's setup marked paid by hand were never paid through Stripe: staff refund those.
      const viaStripe = await this.world().db.payment.findFirst({
        where: { bookingId, paymentIntentId: { not: null } },
        select: { id: true },
      });
      return viaStripe
        ? this.inner.refunds.refundDeposit(bookingId, amountCents, reason)
        : { status: "pending_staff", refundId: null };
    }
    return { status: "pending", refundId: `re_${this.refunds.length}` };
  }
}

export interface AgentWorld extends TestDatabase {
  /** Stands still at the world's instant; a test may move it (and must put it back). */
  clock: Clock;
  locationId: string;
  deposits: RecordingDeposits;
  agent: BookingAgent;
  makeAgent(opts?: Partial<BookingAgentOptions>): BookingAgent;
  chat(phone: string, opts?: { name?: string; language?: string }): Promise<Chat>;
  /** Set when the world drives the real webhook → queue → agent → outbox path. */
  real?: RealPath;
}

/** A world on a given (migrated, empty) database: the demo salon seeded, the clock frozen at `now`. */
export async function createAgentWorldOn(tdb: TestDatabase, worldOpts: WorldOptions = {}): Promise<AgentWorld> {
  const { now = SCENARIO_NOW, ...opts } = worldOpts;
  const clock = testClock(now);
  const { locationId } = await seedDemoSalon(tdb.db, tdb.fc, { now });
  const world = { ...tdb, clock, locationId } as AgentWorld;
  world.deposits = new RecordingDeposits(() => world);
  world.makeAgent = (o = {}) =>
    new BookingAgent({
      db: tdb.db,
      fc: tdb.fc,
      clock,
      locationId,
      deposits: world.deposits,
      refunds: world.deposits,
      ...opts,
      ...o,
    });
  world.agent = world.makeAgent();
  world.chat = async (phone, o = {}) => {
    const { customer } = await tdb.db.$transaction((tx) =>
      upsertCustomerByPhone(tx, tdb.fc, { phone, name: o.name ?? null, language: o.language ?? "es" }),
    );
    if (world.real) {
      // The conversation the channels will find for this customer's Chatwoot deliveries.
      const external = nextChatwootConversation++;
      const conv = await tdb.db.conversation.create({
        data: {
          customerId: customer.id,
          channel: "chatwoot",
          channelAccount: String(CHATWOOT_INBOX),
          externalId: String(external),
        },
      });
      return new Chat(world, customer.id, conv.id, { conversation: external, phone });
    }
    const conv = await tdb.db.conversation.upsert({
      where: { channel_channelAccount_externalId: { channel: "sandbox", channelAccount: "test", externalId: phone } },
      create: { customerId: customer.id, channel: "sandbox", channelAccount: "test", externalId: phone },
      update: {},
    });
    return new Chat(world, customer.id, conv.id);
  };
  return world;
}

let nextChatwootConversation = 4_000;

/** A world whose chats go through the real server, queue and outbox (see testing/real-path.ts). */
export async function createRealAgentWorldOn(tdb: TestDatabase, opts: WorldOptions = {}): Promise<AgentWorld> {
  const world = await createAgentWorldOn(tdb, opts);
  const real = await startRealPath(world);
  world.real = real;
  const drop = tdb.drop.bind(tdb);
  world.drop = async () => {
    await real.stop();
    await drop();
  };
  return world;
}

export class Chat {
  readonly replies: OutboundReply[] = [];
  last: AgentTurnResult | null = null;
  /** Real mode: the bot messages already returned as replies. */
  private readonly seen = new Set<string>();
  private tookOver = false;
  constructor(
    readonly world: AgentWorld,
    readonly customerId: string,
    readonly conversationId: string,
    /** Real mode: the Chatwoot conversation and the customer's WhatsApp number. */
    readonly external?: { conversation: number; phone: string },
  ) {}

  /** The text of every reply so far (choices included), for "the customer was told" checks. */
  get told(): string {
    return this.replies
      .map((r) =>
        r.kind === "choices"
          ? `${r.text}\n${r.choices.map((c) => `${c.title} ${c.description ?? ""}`).join("\n")}`
          : r.kind === "text"
            ? r.text
            : r.name,
      )
      .join("\n");
  }

  /** The choices offered in the latest reply that had any. */
  get choices() {
    const c = [...(this.last?.replies ?? [])].reverse().find((r) => r.kind === "choices");
    return c && c.kind === "choices" ? c.choices : [];
  }

  async store(
    text: string | null,
    o: { choiceId?: string; kind?: "text" | "image" | "audio"; attachments?: AgentMessage["attachments"] } = {},
  ) {
    return this.world.db.message.create({
      data: {
        conversationId: this.conversationId,
        direction: "inbound",
        author: "customer",
        kind: o.kind ?? "text",
        body: text,
        attachments: (o.attachments ?? []) as never,
        choices: o.choiceId ? ({ selected: o.choiceId } as never) : undefined,
        externalId: `wamid.${randomUUID()}`,
        deliveryStatus: "received",
      },
    });
  }

  /** Sends one customer message (text or a tapped choice) and runs the turn. */
  async say(
    text: string | null,
    o: Parameters<Chat["store"]>[1] & { redeliver?: boolean } = {},
    agent: ConversationAgent = this.world.agent,
  ): Promise<AgentTurnResult> {
    const real = this.world.real;
    if (real && this.external) {
      if (agent !== this.world.agent) real.overrides.set(this.conversationId, agent);
      try {
        // A tap reaches us as Chatwoot delivers it: the item's title (cut at 24 characters).
        const tapped = o.choiceId ? this.choices.find((c) => c.id === o.choiceId) : undefined;
        const r = await sayThroughChatwoot(
          this.world,
          real,
          {
            conversationId: this.conversationId,
            externalConversation: this.external.conversation,
            phone: this.external.phone,
            text: tapped ? tapped.title.slice(0, 24) : text,
            attachments: o.attachments ?? [],
            ...(o.redeliver ? { redeliver: true } : {}),
          },
          this.seen,
        );
        const result: AgentTurnResult = { replies: r.replies, ...(r.turnId ? { turnId: r.turnId } : {}) };
        this.replies.push(...r.replies);
        if (r.replies.length) this.last = result;
        return result;
      } finally {
        real.overrides.delete(this.conversationId);
      }
    }
    await this.store(text, o);
    if (o.redeliver) {
      // The channel hands the same batch over twice: the second answer must be the first one.
      const input = await this.input();
      const first = await agent.handleTurn(input);
      const again = await agent.handleTurn(input);
      if (!isDeepStrictEqual(again, first)) throw new Error("redelivery answered differently");
      await this.apply(
        first,
        input.newMessages.map((m) => m.id),
      );
      return first;
    }
    return this.turn(agent);
  }

  async tap(choiceId: string): Promise<AgentTurnResult> {
    const c = this.choices.find((x) => x.id === choiceId);
    return this.say(c?.title ?? choiceId, { choiceId });
  }

  /** Runs a turn over the unanswered inbound messages (the channels' worker does this). */
  async turn(agent: ConversationAgent = this.world.agent): Promise<AgentTurnResult> {
    const input = await this.input();
    const result = await agent.handleTurn(input);
    await this.apply(
      result,
      input.newMessages.map((m) => m.id),
    );
    return result;
  }

  async input() {
    const db = this.world.db;
    const conv = await db.conversation.findUniqueOrThrow({ where: { id: this.conversationId } });
    const customer = await db.customer.findUniqueOrThrow({ where: { id: this.customerId } });
    const all = await db.message.findMany({
      where: { conversationId: this.conversationId, kind: { not: "note" } },
      orderBy: { createdAt: "asc" },
    });
    const answered = new Set(
      (
        await db.message.findMany({ where: { conversationId: this.conversationId, kind: "note", body: "answered" } })
      ).map((m) => m.externalId),
    );
    const toMsg = (m: (typeof all)[number]): AgentMessage => ({
      id: m.id,
      direction: m.direction,
      author: m.author,
      kind: m.kind,
      body: m.body,
      selectedChoiceId: (m.choices as { selected?: string } | null)?.selected ?? null,
      attachments: (m.attachments ?? []) as AgentMessage["attachments"],
      at: m.createdAt,
    });
    const fresh = all.filter((m) => m.direction === "inbound" && !answered.has(m.id));
    const history = all.filter((m) => !fresh.includes(m));
    return {
      conversation: {
        id: conv.id,
        channel: conv.channel,
        mode: conv.mode,
        lastCustomerMessageAt: conv.lastCustomerMessageAt,
      },
      customer: {
        id: customer.id,
        name: customer.nameCipher ? this.world.fc.decrypt(customer.nameCipher) : null,
        phone: customer.phoneCipher ? this.world.fc.decrypt(customer.phoneCipher) : null,
        language: customer.language,
      },
      newMessages: fresh.map(toMsg),
      history: history.map(toMsg),
      handBackNote: conv.mode === "bot" ? conv.handBackNote : null,
    };
  }

  async apply(result: AgentTurnResult, answeredIds: string[]) {
    const db = this.world.db;
    const conv = await db.conversation.findUniqueOrThrow({ where: { id: this.conversationId } });
    if (conv.mode === "human") return; // staff own the chat: inbound stays for them
    this.last = result;
    // The channels stamp the answering turn on the inbound messages (channels/turns.ts).
    const turnId = (result as { turnId?: string }).turnId;
    if (turnId) {
      await db.message.updateMany({
        where: { id: { in: answeredIds }, conversationId: this.conversationId, turnId: null },
        data: { turnId },
      });
    }
    assertFitsWhatsApp(result.replies);
    for (const r of result.replies) {
      this.replies.push(r);
      await db.message.create({
        data: {
          conversationId: this.conversationId,
          direction: "outbound",
          author: "bot",
          kind: r.kind === "choices" ? "interactive" : r.kind === "template" ? "template" : "text",
          body: r.kind === "template" ? r.name : r.text,
          choices: r.kind === "choices" ? (r.choices as never) : undefined,
          deliveryStatus: "pending",
        },
      });
    }
    for (const id of answeredIds) {
      await db.message.create({
        data: {
          conversationId: this.conversationId,
          direction: "outbound",
          author: "system",
          kind: "note",
          body: "answered",
          externalId: id,
          deliveryStatus: "sent",
        },
      });
    }
    await db.conversation.update({
      where: { id: this.conversationId },
      data: {
        handBackNote: null,
        ...(result.escalate
          ? {
              mode: "human",
              escalatedAt: this.world.clock(),
              escalationReason: result.escalate.reason,
              escalationSummary: result.escalate.summary,
            }
          : {}),
      },
    });
  }

  /** Staff write from the console while the chat is in human mode. */
  async staffSays(text: string) {
    const real = this.world.real;
    if (real) {
      const desk = await frontDesk(this.world, real);
      if (!this.tookOver) await desk.chats.takeOver({ conversationId: this.conversationId, force: false });
      this.tookOver = true;
      await desk.chats.reply({ conversationId: this.conversationId, text });
      await drained(this.world, this.conversationId);
      return;
    }
    await this.world.db.message.create({
      data: {
        conversationId: this.conversationId,
        direction: "outbound",
        author: "staff",
        kind: "text",
        body: text,
        deliveryStatus: "pending",
      },
    });
  }

  async handBack(note: string) {
    const real = this.world.real;
    if (real) {
      const desk = await frontDesk(this.world, real);
      if (!this.tookOver) await desk.chats.takeOver({ conversationId: this.conversationId, force: false });
      await desk.chats.handBack({ conversationId: this.conversationId, note });
      this.tookOver = false;
      await drained(this.world, this.conversationId);
      return;
    }
    // Inbound messages staff already handled are not the agent's to answer.
    const pending = await this.input();
    for (const m of pending.newMessages) {
      await this.world.db.message.create({
        data: {
          conversationId: this.conversationId,
          direction: "outbound",
          author: "system",
          kind: "note",
          body: "answered",
          externalId: m.id,
          deliveryStatus: "sent",
        },
      });
    }
    await this.world.db.conversation.update({
      where: { id: this.conversationId },
      data: { mode: "bot", handBackNote: note },
    });
  }

  async bookings() {
    return this.world.db.booking.findMany({
      where: { customerId: this.customerId },
      include: { items: { include: { staff: true, service: true } }, segments: true },
      orderBy: { createdAt: "asc" },
    });
  }
}

/**
 * PostgreSQL outside vitest (benchmark, live evaluation): one embedded server (or TEST_DATABASE_URL)
 * with the migrated template; `database()` clones a fresh database from it.
 */
export async function standalonePostgres() {
  const pg = await startTestPostgres();
  await buildTemplate(pg.serverUrl);
  let n = 0;
  const made: TestDatabase[] = [];
  return {
    async database(): Promise<TestDatabase> {
      const name = `cita_agent_${process.pid}_${++n}`;
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.$executeRawUnsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      await admin.$disconnect();
      const db = createDb(withDatabase(pg.serverUrl, name), { max: 10 });
      const tdb: TestDatabase = {
        url: withDatabase(pg.serverUrl, name),
        name,
        db,
        fc: createFieldCrypto(randomBytes(32)),
        async drop() {
          await db.$disconnect();
          const a = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
          await a.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await a.$disconnect();
        },
      };
      made.push(tdb);
      return tdb;
    },
    async stop() {
      for (const d of made) await d.db.$disconnect().catch(() => {});
      await pg.stop();
    },
  };
}

/**
 * Every reply of every scenario run directly, in both modes, is checked against WhatsApp's limits
 * (whatsapp.ts). (The real path reads replies back from stored messages, which keep no list button.)
 */
function assertFitsWhatsApp(replies: OutboundReply[]) {
  for (const r of replies) {
    const broken = limitViolations(r);
    if (broken.length) throw new Error(`reply breaks WhatsApp's limits (${broken.join("; ")}): ${JSON.stringify(r)}`);
  }
}
