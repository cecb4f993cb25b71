// Deposits end to end: the real stripe SDK against the local fake Stripe (real HTTP, form-encoded),
// signed webhooks into the real Fastify server, processing by pg-boss workers on a real database.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../availability/find.ts";
import { createBooking } from "../bookings/create.ts";
import { loadConfig } from "../config/env.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { RecordingNotifier } from "../notifications/notifier.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { callerFor, startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { JOB_ACTOR } from "./common.ts";
import { requestDepositLink } from "./deposits.ts";
import { deliverStripeEvent, FakeStripe } from "./fakes/fake-stripe.ts";
import { registerPaymentWorkers } from "./jobs.ts";
import { reconcileStripeEvents } from "./reconcile.ts";
import { cancelWithRefund, refundBooking } from "./refunds.ts";
import { createStripe, stripeFor } from "./stripe-client.ts";

const SECRET = "whsec_test_secret_for_cita";
let t: TestDatabase;
let f: SalonFixture;
let fake: FakeStripe;
let jobs: JobQueue;
let services: AppServices;
let notifier: RecordingNotifier;
let server: { app: { close(): Promise<unknown> }; url: string };
const clock = testClock("2026-03-09T08:00:00Z"); // Monday 09:00 in Madrid
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 6 });
  fake = new FakeStripe({ now: clock });
  await fake.start();
  notifier = new RecordingNotifier();
  jobs = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  services = {
    ...testServices(t, clock),
    config: loadConfig({
      CITA_ENV: "test",
      STRIPE_SECRET_KEY: "sk_test_cita",
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: fake.url,
      CITA_PUBLIC_URL: "https://salon.example",
    }),
    stripe: fake.client(),
    notifier,
    jobs,
  };
  await registerPaymentWorkers(jobs, services);
  server = await startTestServer(services);
}, 60_000);

afterAll(async () => {
  await server?.app.close();
  await jobs?.stop();
  await fake?.stop();
  await t?.drop();
});

const until = async (check: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** A held colour (deposit 20% of €50 = €10) for a customer at a local time. */
async function hold(customer: number, date: string, h: number, m = 0) {
  return createBooking(
    services,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt: at(date, h, m),
      items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
      source: "whatsapp",
      mode: "hold",
    },
    { type: "agent" },
  );
}

const webhook = () => `${server.url}/webhooks/stripe`;
const booking = (id: string) =>
  t.db.booking.findUniqueOrThrow({
    where: { id },
    include: { payments: { include: { refunds: true } }, segments: true },
  });
const eventRow = (id: string) =>
  t.db.webhookEvent.findUnique({ where: { source_dedupKey: { source: "stripe", dedupKey: id } } });
async function deliverAndWait(event: Stripe.Event) {
  const res = await deliverStripeEvent(webhook(), event, SECRET);
  expect(res.status).toBe(200);
  await until(async () => ["processed", "ignored"].includes((await eventRow(event.id))?.status ?? ""));
  return eventRow(event.id);
}

describe("deposit link", () => {
  it("creates a checkout session from the booking, extends the hold to Stripe's 30-minute minimum, moves held → pending_deposit", async () => {
    const b = await hold(0, "2026-03-11", 10);
    expect(b.status).toBe("held");
    expect(b.depositCents).toBe(1000);
    const link = await requestDepositLink(services, b.id, { type: "agent" });
    const req = fake.requests.find((r) => r.path === "/v1/checkout/sessions" && r.method === "POST")!;
    expect(req.form).toMatchObject({
      mode: "payment",
      client_reference_id: b.id,
      metadata: { booking_id: b.id, payment_id: link.paymentId },
      payment_intent_data: { metadata: { booking_id: b.id } },
      line_items: [{ quantity: "1", price_data: { currency: "eur", unit_amount: "1000" } }],
    });
    expect(req.idempotencyKey).toBe(`deposit-${link.paymentId}`);
    // Hold was 30 min; Stripe needs ≥ 30 min from creation, so both become now + 31 min.
    const expected = clock().getTime() + 31 * 60_000;
    expect(Number(req.form.expires_at) * 1000).toBe(Math.floor(expected / 1000) * 1000);
    const row = await booking(b.id);
    expect(row.status).toBe("pending_deposit");
    expect(row.holdExpiresAt?.getTime()).toBe(expected);
    expect(row.payments[0]).toMatchObject({
      status: "pending",
      checkoutSessionId: link.checkoutSessionId,
      checkoutUrl: link.checkoutUrl,
    });
    expect(notifier.of("deposit_link", b.id)[0]?.facts).toMatchObject({ url: link.checkoutUrl, amountCents: 1000 });
    // Asking again reuses the open session (one session per booking).
    const again = await requestDepositLink(services, b.id, { type: "agent" });
    expect(again).toMatchObject({ reused: true, checkoutSessionId: link.checkoutSessionId });
    expect(fake.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.method === "POST")).toHaveLength(1);
  });

  it("the configured client (STRIPE_API_BASE) reaches the fake through host/port/protocol", async () => {
    const s = stripeFor({ config: services.config });
    expect(s).not.toBeNull();
    const created = await createStripe("sk_test_cita", fake.url, { maxNetworkRetries: 0 }).checkout.sessions.retrieve(
      [...fake.sessions.keys()][0]!,
    );
    expect(created.object).toBe("checkout.session");
  });
});

describe("webhooks", () => {
  let paidBookingId: string;
  let completed: Stripe.Event;

  it("paid: confirms the booking, records the payment, tells the customer once and the consoles via the change log", async () => {
    const b = await hold(1, "2026-03-12", 10);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    const before = await t.db.changeLog.count({ where: { entityId: b.id } });
    completed = fake.pay(link.checkoutSessionId);
    const row = await deliverAndWait(completed);
    expect(row?.status).toBe("processed");
    const after = await booking(b.id);
    expect(after.status).toBe("confirmed");
    expect(after.holdExpiresAt).toBeNull();
    expect(after.payments[0]).toMatchObject({ status: "paid", paymentIntentId: expect.stringMatching(/^pi_/) });
    expect(notifier.of("booking_confirmed", b.id)).toHaveLength(1);
    expect(await t.db.changeLog.count({ where: { entityId: b.id } })).toBeGreaterThan(before);
    paidBookingId = b.id;
  });

  it("duplicate delivery: answered 200, stored once, processed once", async () => {
    const res = await deliverStripeEvent(webhook(), completed, SECRET);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ duplicate: true });
    expect(await t.db.webhookEvent.count({ where: { dedupKey: completed.id } })).toBe(1);
    await new Promise((r) => setTimeout(r, 700));
    expect(notifier.of("booking_confirmed", paidBookingId)).toHaveLength(1);
  });

  it("out of order: a late 'expired' after 'completed' changes nothing", async () => {
    const session = fake.sessions.get((completed.data.object as { id: string }).id)!;
    const late = fake.expireSession(session.id); // Stripe would not, but a stale copy may arrive late
    const row = await deliverAndWait(late);
    expect(row?.status).toBe("ignored");
    const b = await booking(paidBookingId);
    expect(b.status).toBe("confirmed");
    expect(b.payments[0]?.status).toBe("paid");
    expect(notifier.of("hold_expired", paidBookingId)).toHaveLength(0);
  });

  it("expired: releases the hold, tells the customer, frees the slot", async () => {
    const b = await hold(2, "2026-03-13", 12);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    const slotFree = async () =>
      (
        await findSlots(t.db, {
          locationId: f.locationId,
          items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
          fromDate: "2026-03-13",
          toDate: "2026-03-13",
          now: clock(),
        })
      ).some((s) => s.start.getTime() === at("2026-03-13", 12).getTime());
    expect(await slotFree()).toBe(false);
    await deliverAndWait(fake.expireSession(link.checkoutSessionId));
    const after = await booking(b.id);
    expect(after.status).toBe("expired");
    expect(after.payments[0]?.status).toBe("expired");
    expect(notifier.of("hold_expired", b.id)).toHaveLength(1);
    expect(await slotFree()).toBe(true);
  });

  it("payment after expiry, slot still free: the booking is revived (segments back, confirmed)", async () => {
    const b = await hold(3, "2026-03-16", 11);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    await deliverAndWait(fake.expireSession(link.checkoutSessionId));
    expect((await booking(b.id)).status).toBe("expired");
    const row = await deliverAndWait(fake.pay(link.checkoutSessionId));
    expect(row?.lastError).toMatch(/revived/);
    const after = await booking(b.id);
    expect(after.status).toBe("confirmed");
    expect(after.segments.every((s) => s.active)).toBe(true);
    expect(after.payments[0]?.status).toBe("paid");
    expect(notifier.of("booking_confirmed", b.id)[0]?.facts).toMatchObject({ revived: true });
    expect(fake.refunds.size).toBe(0);
  });

  it("payment after expiry, slot taken meanwhile: refunded automatically, booking stays expired", async () => {
    const b = await hold(4, "2026-03-17", 11);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    await deliverAndWait(fake.expireSession(link.checkoutSessionId));
    // Someone else books that time.
    const other = await createBooking(
      services,
      {
        locationId: f.locationId,
        customerId: f.customers[5]!,
        startsAt: at("2026-03-17", 11),
        items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
        source: "console",
        mode: "book",
        waiveDeposit: true,
      },
      { type: "staff", id: f.deskId },
    );
    expect(other.status).toBe("confirmed");
    await deliverAndWait(fake.pay(link.checkoutSessionId));
    const after = await booking(b.id);
    expect(after.status).toBe("expired");
    expect(after.segments.every((s) => !s.active)).toBe(true);
    const refunds = [...fake.refunds.values()].filter((r) => r.payment_intent === after.payments[0]?.paymentIntentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 1000 });
    expect(after.payments[0]?.status).toBe("refunded");
    expect(after.payments[0]?.refunds[0]).toMatchObject({ status: "succeeded", amountCents: 1000 });
    expect(notifier.of("paid_after_expiry_refunded", b.id)).toHaveLength(1);
  });

  it("payment_intent.payment_failed is not final: audited, booking unchanged", async () => {
    const b = await hold(0, "2026-03-18", 10);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    await deliverAndWait(fake.failAttempt(link.checkoutSessionId));
    expect((await booking(b.id)).status).toBe("pending_deposit");
    expect(await t.db.auditLog.count({ where: { entityId: b.id, action: "payment.attempt_failed" } })).toBe(1);
  });

  it("bad signature → 400; a replay older than 300 s → 400; neither is stored", async () => {
    const ev = fake.pay(
      (await requestDepositLink(services, (await hold(2, "2026-03-19", 10)).id, JOB_ACTOR)).checkoutSessionId,
    );
    const forged = await deliverStripeEvent(webhook(), ev, "whsec_wrong_secret");
    expect(forged.status).toBe(400);
    const tampered = await deliverStripeEvent(webhook(), ev, SECRET, {
      signature: Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(ev), secret: SECRET }),
      payload: JSON.stringify({ ...ev, id: "evt_tampered" }),
    });
    expect(tampered.status).toBe(400);
    const old = await deliverStripeEvent(webhook(), ev, SECRET, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(old.status).toBe(400);
    const recent = await deliverStripeEvent(webhook(), ev, SECRET, { timestamp: Math.floor(Date.now() / 1000) - 250 });
    expect(recent.status).toBe(200);
    expect(await t.db.webhookEvent.count({ where: { dedupKey: { in: [ev.id, "evt_tampered"] } } })).toBe(1);
  });
});

describe("refunds", () => {
  async function paidBooking(customer: number, date: string, h: number) {
    const b = await hold(customer, date, h);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    await deliverAndWait(fake.pay(link.checkoutSessionId));
    return booking(b.id);
  }

  it("cancelling inside the free window refunds the deposit (a job, idempotency key), then charge.refunded settles it", async () => {
    const b = await paidBooking(3, "2026-03-20", 10);
    const out = await cancelWithRefund(services, b.id, { type: "agent" }, { by: "customer", reason: "no puedo ir" });
    expect(out.decision).toMatchObject({ rule: "free_cancellation_window", refundCents: 1000 });
    expect(out.refund).toBe("queued");
    const pi = b.payments[0]!.paymentIntentId!;
    await until(() => [...fake.refunds.values()].some((r) => r.payment_intent === pi));
    const req = fake.requests.find((r) => r.path === "/v1/refunds" && r.form.payment_intent === pi)!;
    expect(req.form).toMatchObject({ amount: "1000", metadata: { booking_id: b.id } });
    expect(req.idempotencyKey).toBe(`refund-cancel-${b.id}:${b.payments[0]!.id}`);
    await until(async () => (await booking(b.id)).payments[0]?.status === "refunded");
    const refunded = fake.lastEvent("charge.refunded")!;
    expect(await deliverAndWait(refunded)).toMatchObject({ status: "processed" });
    const after = await booking(b.id);
    expect(after.status).toBe("cancelled");
    expect(after.payments[0]?.refunds).toHaveLength(1);
    expect(after.payments[0]?.refunds[0]?.status).toBe("succeeded");
  });

  it("a late cancellation keeps the deposit: no refund is asked of Stripe", async () => {
    clock.set("2026-03-20T12:00:00Z");
    try {
      const b = await paidBooking(4, "2026-03-21", 10); // < 24 h ahead
      const before = fake.requests.filter((r) => r.path === "/v1/refunds").length;
      const out = await cancelWithRefund(services, b.id, { type: "agent" }, { by: "customer", reason: "tarde" });
      expect(out.decision).toMatchObject({ rule: "late_cancellation", refundCents: 0, keptCents: 1000 });
      expect(out.refund).toBe("none");
      await new Promise((r) => setTimeout(r, 1000));
      expect(fake.requests.filter((r) => r.path === "/v1/refunds").length).toBe(before);
      expect((await booking(b.id)).payments[0]?.status).toBe("paid");
    } finally {
      clock.set("2026-03-09T08:00:00Z");
    }
  });

  it("a Stripe outage during a refund is retried under the same key and refunds once", async () => {
    const b = await paidBooking(5, "2026-03-23", 10);
    fake.failNext.push({ status: 500 });
    const args = {
      bookingId: b.id,
      reason: "gesto comercial",
      key: "manual-outage-1",
      actor: { type: "staff" as const, id: f.managerId },
    };
    await expect(refundBooking(services, args)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect((await booking(b.id)).payments[0]?.refunds[0]?.status).toBe("pending");
    const [r] = await refundBooking(services, args);
    expect(r).toMatchObject({ status: "succeeded", amountCents: 1000 });
    const again = await refundBooking(services, args);
    expect(again[0]?.id).toBe(r!.id);
    const pi = b.payments[0]!.paymentIntentId!;
    expect([...fake.refunds.values()].filter((x) => x.payment_intent === pi)).toHaveLength(1);
  });

  it("tRPC: payments.refund is for managers; payments.resendLink for the desk", async () => {
    const b = await paidBooking(0, "2026-03-24", 10);
    const desk = callerFor(services, { staffId: f.deskId, role: "front_desk", locationId: f.locationId });
    const manager = callerFor(services, { staffId: f.managerId, role: "manager", locationId: f.locationId });
    const input = {
      bookingId: b.id,
      amountCents: 400,
      reason: "retraso del salón",
      idempotencyKey: "console-refund-0001",
    };
    await expect(desk.payments.refund(input)).rejects.toBeInstanceOf(TRPCError);
    const out = await manager.payments.refund(input);
    expect(out[0]).toMatchObject({ amountCents: 400, status: "succeeded" });
    expect((await manager.payments.refund(input))[0]?.id).toBe(out[0]!.id); // double click: same refund
    expect((await booking(b.id)).payments[0]?.status).toBe("partially_refunded");

    const held = await hold(1, "2026-03-25", 10);
    const link = await desk.payments.resendLink({ bookingId: held.id });
    expect(link.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect((await desk.payments.resendLink({ bookingId: held.id })).reused).toBe(true);
    const list = await desk.payments.forBooking({ bookingId: b.id });
    expect(list[0]?.refunds).toHaveLength(1);
  });
});

describe("reconciliation and recorded samples", () => {
  it("lists recent events and processes those the webhook missed, through the same dedup path", async () => {
    const b = await hold(2, "2026-03-26", 10);
    const link = await requestDepositLink(services, b.id, JOB_ACTOR);
    const missed = fake.pay(link.checkoutSessionId); // never delivered
    const first = await reconcileStripeEvents(services);
    expect(first.stored).toBeGreaterThanOrEqual(1);
    await until(async () => (await eventRow(missed.id))?.status === "processed");
    expect((await booking(b.id)).status).toBe("confirmed");
    const second = await reconcileStripeEvents(services);
    expect(second.stored).toBe(0); // everything already known
    expect(second.listed).toBeGreaterThan(0);
  });

  it("the event samples in fixtures/ parse, verify and are handled", async () => {
    const dir = join(import.meta.dirname, "fixtures");
    const files = readdirSync(dir).filter((n) => n.endsWith(".json"));
    expect(files.length).toBe(4);
    // One booking and payment per sample, matched through the placeholders.
    const bookingFor = async (i: number, sessionId: string | null, pi: string | null, status: "pending" | "paid") => {
      const b = await hold(i % 6, "2026-03-27", 10 + i * 2);
      const p = await t.db.payment.create({
        data: {
          bookingId: b.id,
          amountCents: 1000,
          currency: "EUR",
          status,
          checkoutSessionId: sessionId,
          paymentIntentId: pi,
          expiresAt: new Date(clock().getTime() + 3_600_000),
        },
      });
      await t.db.booking.update({ where: { id: b.id }, data: { status: "pending_deposit" } });
      return { b, p };
    };
    const outcomes: Record<string, unknown> = {};
    for (const [i, name] of files.entries()) {
      const raw = readFileSync(join(dir, name), "utf8");
      const ev = JSON.parse(raw) as Stripe.Event;
      const obj = ev.data.object as unknown as Record<string, unknown>;
      const isSession = obj.object === "checkout.session";
      const { b, p } = await bookingFor(
        i,
        isSession ? String(obj.id) : null,
        ev.type === "charge.refunded" ? String(obj.payment_intent) : null,
        ev.type === "charge.refunded" ? "paid" : "pending",
      );
      const payload = raw.replaceAll("BOOKING_ID", b.id).replaceAll("PAYMENT_ID", p.id);
      if (isSession)
        fake.adopt((JSON.parse(payload) as Stripe.Event).data.object as unknown as Record<string, unknown>);
      const res = await deliverStripeEvent(webhook(), null, SECRET, { payload });
      expect(res.status).toBe(200);
      await until(async () => ["processed", "ignored"].includes((await eventRow(ev.id))?.status ?? ""));
      const after = await booking(b.id);
      outcomes[ev.type] = {
        event: (await eventRow(ev.id))?.status,
        booking: after.status,
        payment: after.payments[0]?.status,
      };
    }
    expect(outcomes).toEqual({
      "checkout.session.completed": { event: "processed", booking: "confirmed", payment: "paid" },
      "checkout.session.expired": { event: "processed", booking: "expired", payment: "expired" },
      "charge.refunded": { event: "processed", booking: "pending_deposit", payment: "refunded" },
      "payment_intent.payment_failed": { event: "processed", booking: "pending_deposit", payment: "pending" },
    });
  });
});

describe("Stripe off", () => {
  it("with no keys: integration_status says off, deposit links are refused clearly, the webhook answers 503", async () => {
    const off: AppServices = { ...testServices(t, clock), config: loadConfig({ CITA_ENV: "test" }) };
    const q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
    await q.start();
    try {
      await registerPaymentWorkers(q, off);
      expect(await t.db.integrationStatus.findUnique({ where: { kind: "stripe" } })).toMatchObject({
        mode: "off",
        healthy: false,
      });
      const b = await hold(5, "2026-03-30", 10);
      await expect(requestDepositLink(off, b.id, JOB_ACTOR)).rejects.toMatchObject({ code: "UNAVAILABLE" });
      const s = await startTestServer(off);
      try {
        const res = await deliverStripeEvent(`${s.url}/webhooks/stripe`, { id: "evt_x" }, SECRET);
        expect(res.status).toBe(503);
      } finally {
        await s.app.close();
      }
    } finally {
      await q.stop();
      // Back to the configured state for any later test.
      await registerPaymentWorkers(jobs, services).catch(() => {});
    }
  });
});
