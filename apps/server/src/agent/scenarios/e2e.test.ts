// The scenarios of scenarios.md through the real product path, in guided mode: signed Chatwoot
// webhooks into the real server → stored event → pg-boss → conversation lease → the booking agent
// (app.ts wiring) → tools → Stripe Checkout in the fake Stripe → outbox → the fake Chatwoot; then
// signed Stripe webhooks → payments → the outbox notifier → the fake Chatwoot. The demo salon is
// seeded and the clock stands at CITA_TEST_NOW (default Tuesday 2026-03-10 10:00 Europe/Madrid);
// the days the customers name are asked of the salon at that instant (agent/testing/calendar.ts).
// Assertions are on the database and on what the fake Chatwoot received.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wireCustomerPath } from "../../app.ts";
import { findSlots } from "../../availability/find.ts";
import { chatwootMessage, deliverChatwoot, FakeChatwoot } from "../../channels/fakes/fake-chatwoot.ts";
import { loadConfig } from "../../config/env.ts";
import { seedDemoSalon } from "../../db/seed.ts";
import { createJobQueue, type JobQueue } from "../../jobs/job-queue.ts";
import { registerWorkers } from "../../jobs/workers.ts";
import { deliverStripeEvent, FakeStripe } from "../../payments/fakes/fake-stripe.ts";
import type { AppServices } from "../../services.ts";
import { callerFor, startTestServer, testClock, testServices } from "../../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-db.ts";
import { TEST_NOW } from "../../testing/test-now.ts";
import { dayLabel, dayPhrase, localOf, type SalonRef, salonDay, salonToday } from "../testing/calendar.ts";

const CW_SECRET = "cw-e2e-secret";
const CW_TOKEN = "cw-e2e-token";
const STRIPE_SECRET = "whsec_e2e_cita";
const NOW = TEST_NOW ?? "2026-03-10T09:00:00.000Z"; // default: Tuesday 10:00 in Madrid

let t: TestDatabase;
let services: AppServices;
let jobs: JobQueue;
let chatwoot: FakeChatwoot;
let stripe: FakeStripe;
let server: { app: { close(): Promise<unknown> }; url: string };
let dataDir: string;
let locationId: string;
let salon: SalonRef;
const clock = testClock(NOW);

beforeAll(async () => {
  t = await createTestDatabase();
  ({ locationId } = await seedDemoSalon(t.db, t.fc, { now: clock() }));
  salon = { db: t.db, locationId, clock };
  // The salon's deposit policy for the test: women's cuts ask for a €5 deposit.
  await t.db.service.updateMany({
    where: { locationId, slug: "corte-mujer" },
    data: { depositRule: "fixed", depositValue: 500 },
  });
  chatwoot = new FakeChatwoot({ token: CW_TOKEN, accountId: 1 });
  await chatwoot.start();
  stripe = new FakeStripe({ now: clock });
  await stripe.start();
  dataDir = await mkdtemp(join(tmpdir(), "cita-e2e-"));
  const base = testServices(t, clock);
  jobs = createJobQueue(t.url, base.log, { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  services = {
    ...base,
    config: loadConfig({
      CITA_ENV: "test",
      CITA_DATA_DIR: dataDir,
      CHATWOOT_BASE_URL: chatwoot.url,
      CHATWOOT_API_TOKEN: CW_TOKEN,
      CHATWOOT_ACCOUNT_ID: "1",
      CHATWOOT_WEBHOOK_SECRET: CW_SECRET,
      CHATWOOT_SIGNATURE: "required",
      STRIPE_SECRET_KEY: "sk_test_e2e",
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      STRIPE_API_BASE: stripe.url,
      CITA_PUBLIC_URL: "https://salon.example",
      CHANNELS_SEND_BASE_DELAY_MS: "100",
    }),
    stripe: stripe.client(),
    jobs,
  };
  // The same wiring as startApp: the guided agent (no ANTHROPIC_API_KEY) and the outbox notifier.
  wireCustomerPath(services);
  await registerWorkers(jobs, services);
  server = await startTestServer(services);
}, 120_000);

afterAll(async () => {
  await server?.app.close();
  await jobs?.stop().catch(() => {});
  await chatwoot?.stop();
  await stripe?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Sent {
  content: string;
  items: { title: string; value: string }[];
}

let nextConversation = 700;
let nextPhone = 34_622_000_100;

/** A WhatsApp customer writing through Chatwoot, and what Chatwoot was asked to send them. */
class Customer {
  readonly conversation = nextConversation++;
  readonly phone = `+${nextPhone++}`;
  private seen = 0;

  /** Everything the fake Chatwoot was asked to post into this conversation, in order. */
  received(): Sent[] {
    return chatwoot
      .sentMessages()
      .filter((r) => r.path.endsWith(`/conversations/${this.conversation}/messages`))
      .map((r) => {
        const b = r.body as { content: string; content_attributes?: { items?: { title: string; value: string }[] } };
        return { content: b.content, items: b.content_attributes?.items ?? [] };
      });
  }

  /** The texts received since the last call (new replies only). */
  fresh(): Sent[] {
    const all = this.received();
    const out = all.slice(this.seen);
    this.seen = all.length;
    return out;
  }

  /** The choices of the latest message that offered any. */
  choices(): { title: string; value: string }[] {
    return this.received().findLast((m) => m.items.length)?.items ?? [];
  }

  async conv() {
    return t.db.conversation.findFirst({ where: { channel: "chatwoot", externalId: String(this.conversation) } });
  }

  /** Posts a signed message_created delivery and waits until it is answered and the answer sent. */
  async say(text: string, o: { expectReply?: boolean } = {}): Promise<Sent[]> {
    const payload = chatwootMessage({
      conversationId: this.conversation,
      phone: this.phone,
      name: "Cliente",
      content: text,
      createdAt: clock(),
      // Chatwoot's status as our outbox last set it: `open` while a person has the chat.
      status: (chatwoot.statuses.get(String(this.conversation)) as "open" | "pending" | undefined) ?? "pending",
    });
    const res = await deliverChatwoot(`${server.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET });
    expect(res.status).toBe(200);
    const stored = await until(`message ${payload.id} stored`, async () =>
      t.db.message.findFirst({ where: { externalId: String(payload.id), direction: "inbound" } }),
    );
    if (o.expectReply === false) {
      await new Promise((r) => setTimeout(r, 1500)); // time for a wrong reply to show up
      return this.fresh();
    }
    await until(`message ${payload.id} answered`, async () => {
      const m = await t.db.message.findUniqueOrThrow({ where: { id: stored.id } });
      return m.turnId ? m : null;
    });
    await this.settled();
    return this.fresh();
  }

  /** Taps a choice: Chatwoot delivers a tapped button/list row as its title. */
  async tap(pick: (c: { title: string; value: string }) => boolean): Promise<Sent[]> {
    const choice = this.choices().find(pick);
    expect(choice, `choice among ${JSON.stringify(this.choices())}`).toBeDefined();
    return this.say(choice!.title);
  }

  /** Waits until every outbox row of this conversation is sent. */
  async settled(): Promise<void> {
    const c = await this.conv();
    if (!c) return;
    await until("outbox drained", async () => {
      const open = await t.db.outboxMessage.count({ where: { conversationId: c.id, status: { not: "sent" } } });
      return open === 0;
    });
  }

  async bookings() {
    const c = await this.conv();
    return t.db.booking.findMany({
      where: { customerId: c!.customerId },
      include: { items: { include: { staff: true, service: true } }, payments: { include: { refunds: true } } },
      orderBy: { createdAt: "asc" },
    });
  }
}

const text = (s: Sent[]) => s.map((m) => [m.content, ...m.items.map((i) => i.title)].join("\n")).join("\n");

async function stripeEventProcessed(event: Stripe.Event) {
  await until(`stripe event ${event.type} processed`, async () => {
    const row = await t.db.webhookEvent.findUnique({
      where: { source_dedupKey: { source: "stripe", dedupKey: event.id } },
    });
    return row && ["processed", "ignored"].includes(row.status) ? row : null;
  });
}

async function deliverStripe(event: Stripe.Event) {
  const res = await deliverStripeEvent(`${server.url}/webhooks/stripe`, event, STRIPE_SECRET);
  expect(res.status).toBe(200);
  return (await res.json()) as { received: boolean; duplicate: boolean };
}

/**
 * Scenario 1's conversation up to the deposit link: "el jueves por la tarde" — a day from two days
 * ahead (outside the free-cancellation window) with free afternoon women's cuts — first slot.
 */
async function bookThursdayCut(c: Customer) {
  const cut = await t.db.service.findFirstOrThrow({ where: { locationId, slug: "corte-mujer" } });
  const { date } = await salonDay(salon, {
    items: [{ serviceId: cut.id, staffId: null }],
    window: [14 * 60, 24 * 60],
    offsets: Array.from({ length: 26 }, (_, i) => i + 2),
  });
  const first = await c.say(`Hola, quiero cortarme el pelo ${dayPhrase(date, await salonToday(salon))} por la tarde`);
  expect(first.length).toBeGreaterThan(0);
  await c.tap((x) => /corte mujer/i.test(x.title));
  expect(c.choices().length).toBeGreaterThan(0);
  expect(c.choices().every((x) => x.title.startsWith(dayLabel(date)))).toBe(true);
  const proposal = await c.tap(() => true); // the first (earliest) afternoon slot that day
  expect(text(proposal)).toMatch(/¿Lo confirmo\?/);
  expect(await c.bookings()).toHaveLength(0); // a proposal only: nothing written yet
  const held = await c.say("sí");
  const [b] = await c.bookings();
  expect(b).toBeDefined();
  return { booking: b!, heldText: text(held), date };
}

const madrid = (d: Date) =>
  new Intl.DateTimeFormat("es-ES", {
    timeZone: "Europe/Madrid",
    weekday: "long",
    day: "2-digit",
    month: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(d);
const part = (d: Date, type: string) => madrid(d).find((p) => p.type === type)!.value;

describe("WhatsApp to confirmed booking, end to end (guided mode)", () => {
  let paidCustomer: Customer;

  it("1: a new customer books a cut on Thursday afternoon; hold, Stripe Checkout link, payment webhook → confirmed and told", async () => {
    const c = new Customer();
    paidCustomer = c;
    const { booking, heldText, date } = await bookThursdayCut(c);
    const conv = (await c.conv())!;
    expect(conv.mode).toBe("bot");
    const customer = await t.db.customer.findUniqueOrThrow({ where: { id: conv.customerId } });
    expect(t.fc.decrypt(customer.phoneCipher!)).toBe(c.phone); // from the verified webhook
    expect(booking.status).toBe("pending_deposit");
    expect(booking.depositCents).toBe(500);
    expect(booking.conversationId).toBe(conv.id);
    expect((await localOf(salon, booking.startsAt)).date).toBe(date);
    expect(Number(part(booking.startsAt, "hour"))).toBeGreaterThanOrEqual(14);
    // The deposit link is a real Checkout Session in the fake Stripe, told once (in the agent's reply).
    const [payment] = booking.payments;
    expect(payment).toMatchObject({ status: "pending", amountCents: 500 });
    const session = stripe.sessions.get(payment!.checkoutSessionId!);
    expect(session).toMatchObject({ status: "open", amount_total: 500, client_reference_id: booking.id });
    expect(heldText).toContain(session!.url as string);
    expect(heldText).toMatch(/5 €/);
    expect(c.received().filter((m) => m.content.includes(session!.url as string))).toHaveLength(1);

    // The customer pays: Stripe sends checkout.session.completed, signed.
    const paid = stripe.pay(session!.id);
    expect((await deliverStripe(paid)).duplicate).toBe(false);
    await stripeEventProcessed(paid);
    const confirmed = await t.db.booking.findUniqueOrThrow({
      where: { id: booking.id },
      include: { payments: true, items: { include: { staff: true } } },
    });
    expect(confirmed.status).toBe("confirmed");
    expect(confirmed.payments[0]!.status).toBe("paid");
    await c.settled();
    const told = text(c.fresh());
    const stylist = confirmed.items[0]!.staff.displayName.split(" ")[0]!;
    const day = `${part(confirmed.startsAt, "day")}/${part(confirmed.startsAt, "month")}`;
    const time = `${part(confirmed.startsAt, "hour")}:${part(confirmed.startsAt, "minute")}`;
    expect(told).toMatch(/confirmada/);
    expect(told).toContain(`${part(confirmed.startsAt, "weekday")} ${day} a las ${time}`);
    expect(`${part(confirmed.startsAt, "weekday")} ${day}`).toBe(dayLabel(date));
    expect(told).toContain(stylist);
    expect(told).toContain("35 €");
    // The message row is the bot's, sent, in the customer's conversation.
    const out = await t.db.message.findFirst({
      where: { conversationId: conv.id, direction: "outbound", body: { contains: "confirmada" } },
    });
    expect(out).toMatchObject({ author: "bot", deliveryStatus: "sent" });
  }, 90_000);

  it("7: the deposit is not paid; checkout.session.expired → hold released, customer told, slot bookable again", async () => {
    const c = new Customer();
    const { booking, date } = await bookThursdayCut(c);
    const sessionId = booking.payments[0]!.checkoutSessionId!;
    const expired = stripe.expireSession(sessionId);
    await deliverStripe(expired);
    await stripeEventProcessed(expired);
    const after = await t.db.booking.findUniqueOrThrow({
      where: { id: booking.id },
      include: { segments: true, payments: true, items: true },
    });
    expect(after.status).toBe("expired");
    expect(after.segments.every((s) => !s.active)).toBe(true);
    expect(after.payments[0]!.status).toBe("expired");
    await c.settled();
    const told = text(c.fresh());
    expect(told).toMatch(/liberado la reserva/);
    expect((await localOf(salon, after.startsAt)).date).toBe(date);
    expect(told).toContain(dayLabel(date));
    const free = await findSlots(t.db, {
      locationId,
      items: after.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
      fromDate: date,
      toDate: date,
      now: clock(),
    });
    expect(free.some((s) => s.start.getTime() === after.startsAt.getTime())).toBe(true);
  }, 90_000);

  it("8: the payment webhook twice and then a late 'expired' → confirmed once, one confirmation message", async () => {
    const c = new Customer();
    const { booking } = await bookThursdayCut(c);
    const sessionId = booking.payments[0]!.checkoutSessionId!;
    const paid = stripe.pay(sessionId);
    const [a, b] = await Promise.all([deliverStripe(paid), deliverStripe(paid)]);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    await stripeEventProcessed(paid);
    await deliverStripe(paid); // a third copy, after processing
    // The session's own expiry event, delivered late (Stripe does not order events).
    const lateExpired = stripe.expireSession(sessionId);
    await deliverStripe(lateExpired);
    await stripeEventProcessed(lateExpired);
    const after = await t.db.booking.findUniqueOrThrow({ where: { id: booking.id }, include: { payments: true } });
    expect(after.status).toBe("confirmed");
    expect(after.payments.map((p) => p.status)).toEqual(["paid"]);
    expect(await t.db.auditLog.count({ where: { entityId: booking.id, action: "booking.confirmed" } })).toBe(1);
    await c.settled();
    await new Promise((r) => setTimeout(r, 1000)); // time for a duplicate to show up
    const confirmations = c.received().filter((m) => /confirmada/.test(m.content));
    expect(confirmations).toHaveLength(1);
    expect(c.received().some((m) => /liberado/.test(m.content))).toBe(false);
  }, 90_000);

  it("10: cancel inside the free window → cancelled, Stripe refund created, customer told", async () => {
    const c = paidCustomer;
    c.fresh();
    const [booking] = (await c.bookings()).filter((b) => b.status === "confirmed");
    expect(booking).toBeDefined();
    const proposal = await c.say("Quiero cancelar mi cita");
    expect(text(proposal)).toMatch(/devolv/);
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: booking!.id } })).status).toBe("confirmed");
    await c.say("sí");
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: booking!.id } })).status).toBe("cancelled");
    const pi = booking!.payments[0]!.paymentIntentId ?? (await c.bookings())[0]!.payments[0]!.paymentIntentId;
    const refund = await until("refund in the fake Stripe", async () =>
      [...stripe.refunds.values()].find((r) => r.payment_intent === pi),
    );
    expect(refund).toMatchObject({ amount: 500, status: "succeeded" });
    const row = await until("refund recorded", async () => {
      const p = await t.db.payment.findFirstOrThrow({ where: { bookingId: booking!.id }, include: { refunds: true } });
      return p.status === "refunded" ? p : null;
    });
    expect(row.refunds).toHaveLength(1);
    expect(row.refunds[0]!.providerRefundId).toBe(refund.id);
    await until("refund message sent", async () => c.received().some((m) => /Te hemos devuelto 5 €/.test(m.content)));
  }, 90_000);

  it("14: asks for a person → human mode with a summary; silent while staff reply from the console; answers after hand-back", async () => {
    const c = new Customer();
    const handover = await c.say("Quiero hablar con una persona, por favor");
    expect(text(handover)).toMatch(/persona del salón/);
    const conv = (await c.conv())!;
    expect(conv.mode).toBe("human");
    expect(conv.escalationSummary).toMatch(/^Pide hablar con una persona\. Último mensaje: «.+»$/);
    await until("Chatwoot status open", async () => chatwoot.statuses.get(String(c.conversation)) === "open");

    // The customer writes again: the bot stays silent.
    expect(await c.say("¿Hola?", { expectReply: false })).toEqual([]);

    // Front desk takes the chat and replies through the chats router.
    const desk = await t.db.staffMember.findFirstOrThrow({ where: { locationId, role: "front_desk" } });
    const console = callerFor(services, { staffId: desk.id, role: "front_desk", locationId });
    const waiting = await console.chats.list({ filter: "waiting", limit: 50 });
    expect(waiting.items.map((i) => i.id)).toContain(conv.id);
    await console.chats.takeOver({ conversationId: conv.id, force: false });
    await console.chats.reply({ conversationId: conv.id, text: "Hola, soy Lucía del salón. ¿En qué te ayudo?" });
    await c.settled();
    expect(c.fresh().map((m) => m.content)).toEqual(["Hola, soy Lucía del salón. ¿En qué te ayudo?"]);
    expect(await c.say("Quería saber si puedo ir con Laura", { expectReply: false })).toEqual([]);
    await console.chats.reply({ conversationId: conv.id, text: "Sí, claro. Te paso con el asistente para reservar." });
    await console.chats.handBack({ conversationId: conv.id, note: "Prefiere a Laura." });
    await until("Chatwoot status pending", async () => chatwoot.statuses.get(String(c.conversation)) === "pending");
    c.fresh();

    // A day of the coming week with Laura free for a women's cut ("el viernes").
    const laura = await t.db.staffMember.findUniqueOrThrow({ where: { email: "laura@cita.demo" } });
    const cut = await t.db.service.findFirstOrThrow({ where: { locationId, slug: "corte-mujer" } });
    const { date } = await salonDay(salon, { items: [{ serviceId: cut.id, staffId: laura.id }] });
    const back = await c.say(`Vale, quiero corte mujer con Laura ${dayPhrase(date, await salonToday(salon))}`);
    expect(back.length).toBeGreaterThan(0);
    expect(text(back)).toMatch(/Seguimos con tu conversación/);
    const after = (await c.conv())!;
    expect(after.mode).toBe("bot");
    // Friday slots with Laura (Chatwoot's list items carry titles only; the stylist is in the stored choices).
    const offer = await t.db.message.findFirstOrThrow({
      where: { conversationId: conv.id, direction: "outbound", kind: "interactive" },
      orderBy: { createdAt: "desc" },
    });
    const offered = offer.choices as { title: string; description?: string }[];
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((o) => o.title.startsWith(dayLabel(date)) && /Laura/.test(o.description ?? ""))).toBe(true);
    // Only the message after the hand-back went to the agent; the ones staff handled did not.
    const inbound = await t.db.message.findMany({
      where: { conversationId: conv.id, direction: "inbound" },
      orderBy: { createdAt: "asc" },
      include: {},
    });
    const turns = await t.db.agentTurn.findMany({ where: { id: { in: inbound.map((m) => m.turnId!) } } });
    const modeOf = (id: string | null) => turns.find((x) => x.id === id)?.mode;
    expect(inbound.map((m) => modeOf(m.turnId))).toEqual(["guided", "staff", "staff", "guided"]);

    // A manager opens the turn behind the offer: mode, the search for free times with Laura and what it
    // found, in plain words in the console's language; front desk may not open turns.
    const owner = await t.db.staffMember.findFirstOrThrow({ where: { locationId, role: "owner" } });
    const manager = callerFor(services, { staffId: owner.id, role: "owner", locationId });
    const shown = (await manager.chats.get({ conversationId: conv.id })).messages.find((m) => m.id === offer.id)!;
    expect(shown.turnId).toBeTruthy();
    for (const language of ["es", "en"] as const) {
      const why = await manager.chats.turn({ conversationId: conv.id, turnId: shown.turnId!, language });
      expect(why.mode).toBe(language === "es" ? "Modo guiado (sin IA)" : "Guided mode (no AI)");
      const search = why.steps.find(
        (st) => st.title === (language === "es" ? "Buscó huecos libres" : "Looked for free times"),
      );
      expect(search, JSON.stringify(why)).toBeTruthy();
      expect(search!.details.join(" ")).toMatch(/Laura/);
      expect(search!.details[0]).toMatch(language === "es" ? /Encontró \d+ huecos?|Día/ : /Found \d+ free times?|Day/);
      // No tool names, ids or codes on screen.
      expect(JSON.stringify(why)).not.toMatch(/check_availability|slot_ref|[0-9a-f]{8}-[0-9a-f]{4}-|_/);
    }
    await expect(console.chats.turn({ conversationId: conv.id, turnId: shown.turnId! })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const elsewhere = await t.db.conversation.findFirstOrThrow({ where: { id: { not: conv.id } } });
    await expect(manager.chats.turn({ conversationId: elsewhere.id, turnId: shown.turnId! })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  }, 90_000);
});

describe("the outbox notifier's rules on the real path", () => {
  const notify = (customerId: string, kind: Parameters<NonNullable<AppServices["notifier"]>["notify"]>[2]) =>
    services.db.$transaction((tx) => services.notifier!.notify(tx, { customerId }, kind, { amountCents: 500 }));

  it("outside the 24-hour window: a configured template goes out; without one the message is stored as failed, with the reason", async () => {
    const c = new Customer();
    await c.say("Hola");
    const conv = (await c.conv())!;
    const before = clock();
    clock.advance(25 * 3_600_000);
    try {
      await notify(conv.customerId, "deposit_refunded");
      const failed = await t.db.message.findFirstOrThrow({
        where: { conversationId: conv.id, direction: "outbound", deliveryStatus: "failed" },
      });
      expect(failed.body).toMatch(/Te hemos devuelto 5 €/);
      expect(failed.failureReason).toMatch(/24-hour window/);
      expect(failed.failureReason).toMatch(/deposit_refunded/);
      expect(await t.db.outboxMessage.count({ where: { messageId: failed.id } })).toBe(0);
      expect(await t.db.auditLog.count({ where: { entityId: conv.id, action: "conversation.delivery_failed" } })).toBe(
        1,
      );

      services.config.WHATSAPP_TEMPLATES = "deposit_refunded:es,deposit_refunded:en";
      c.fresh();
      await notify(conv.customerId, "deposit_refunded");
      await c.settled();
      const template = await t.db.message.findFirstOrThrow({
        where: { conversationId: conv.id, direction: "outbound", kind: "template" },
      });
      expect(template).toMatchObject({ deliveryStatus: "sent", body: "[deposit_refunded] 5 €" });
      expect(c.fresh()).toHaveLength(1);
    } finally {
      services.config.WHATSAPP_TEMPLATES = undefined;
      clock.set(before);
    }
  }, 60_000);

  it("in human mode: transactional messages are delivered, conversational ones are held back as a note", async () => {
    const c = new Customer();
    await c.say("Quiero hablar con una persona");
    const conv = (await c.conv())!;
    expect(conv.mode).toBe("human");
    c.fresh();
    await notify(conv.customerId, "reminder");
    await notify(conv.customerId, "hold_expired");
    await c.settled();
    const sent = c.fresh().map((m) => m.content);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/liberado la reserva/);
    const note = await t.db.message.findFirstOrThrow({ where: { conversationId: conv.id, kind: "note" } });
    expect(note.body).toMatch(/^Not sent \(a person has this chat\): reminder/);
    expect(note.deliveryStatus).toBe("received");
  }, 60_000);
});
