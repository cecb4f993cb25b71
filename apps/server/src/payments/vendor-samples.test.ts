// Stripe's own published sample objects (stripe/openapi `openapi/fixtures3.json`, see
// fixtures/vendor/README.md) wrapped in events of the types we handle, signed with
// generateTestHeaderString and POSTed to the real /webhooks/stripe route; pg-boss workers process
// them against a real database. The samples are data kept outside this repository (in the steering
// repo's shared/reference/vendor-samples/stripe, or CITA_VENDOR_SAMPLES): without them this file is skipped.
//
// Replaced in the samples, and only these: the event id, type and data.object (the envelope is the
// sample event's); in the session client_reference_id and metadata (booking_id, payment_id: what our
// deposit flow sets), plus status/payment_status for "completed"/"expired"; in the payment intent
// metadata.booking_id; in the charge payment_intent (the sample session's own PI id) and
// amount_refunded/refunded/refunds.data (the sample refund of that charge).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { loadConfig } from "../config/env.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { RecordingNotifier } from "../notifications/notifier.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { deliverStripeEvent, FakeStripe } from "./fakes/fake-stripe.ts";
import { registerPaymentWorkers } from "./jobs.ts";

const SAMPLES = join(
  process.env.CITA_VENDOR_SAMPLES ?? join(import.meta.dirname, "../../../../../shared/reference/vendor-samples"),
  "stripe",
);
const present = existsSync(join(SAMPLES, "event.json"));
type Obj = Record<string, unknown>;
/** Read only when present (a skipped describe still runs its body to collect the tests). */
const sample = (name: string): Obj =>
  present ? (JSON.parse(readFileSync(join(SAMPLES, `${name}.json`), "utf8")) as Obj) : {};

const SECRET = "whsec_vendor_samples";
const clock = testClock("2026-03-09T08:00:00Z");
const at = (date: string, h: number) => localToUtc(date, h * 60, "Europe/Madrid");
let t: TestDatabase;
let f: SalonFixture;
let fake: FakeStripe;
let jobs: JobQueue;
let services: AppServices;
let server: { app: { close(): Promise<unknown> }; url: string };

describe.skipIf(!present)("Stripe's published sample objects through POST /webhooks/stripe", () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    f = await createSalonFixture(t.db, t.fc, { customers: 6 });
    fake = new FakeStripe({ now: clock });
    await fake.start();
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
      notifier: new RecordingNotifier(),
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

  const envelope = sample("event");
  const session = sample("checkout.session");
  const charge = sample("charge");
  const intent = sample("payment_intent");
  const refund = sample("refund");
  /** The sample event's envelope around another object (its id made unique per use). */
  const eventOf = (type: string, object: Obj, suffix: string): Obj => ({
    ...envelope,
    id: `${envelope.id}_${suffix}`,
    type,
    data: { object },
  });

  const until = async (check: () => Promise<boolean>, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error("timed out waiting");
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const eventRow = (id: unknown) =>
    t.db.webhookEvent.findUnique({ where: { source_dedupKey: { source: "stripe", dedupKey: String(id) } } });
  async function deliver(event: Obj) {
    const res = await deliverStripeEvent(`${server.url}/webhooks/stripe`, event, SECRET);
    expect(res.status).toBe(200);
    await until(async () => ["processed", "ignored"].includes((await eventRow(event.id))?.status ?? ""));
    return eventRow(event.id);
  }
  const booking = (id: string) =>
    t.db.booking.findUniqueOrThrow({ where: { id }, include: { payments: { include: { refunds: true } } } });

  /** A colour held for a customer, waiting for its deposit, with the payment our deposit flow records. */
  async function awaitingDeposit(customer: number, date: string, h: number, amountCents = 1000) {
    const b = await createBooking(
      services,
      {
        locationId: f.locationId,
        customerId: f.customers[customer]!,
        startsAt: at(date, h),
        items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
        source: "whatsapp",
        mode: "hold",
      },
      { type: "agent" },
    );
    const p = await t.db.payment.create({
      data: {
        bookingId: b.id,
        amountCents,
        currency: "USD",
        status: "pending",
        expiresAt: new Date(clock().getTime() + 3_600_000),
      },
    });
    await t.db.booking.update({ where: { id: b.id }, data: { status: "pending_deposit" } });
    return { bookingId: b.id, paymentId: p.id };
  }
  const linked = (ids: { bookingId: string; paymentId: string }, extra: Obj = {}): Obj => ({
    ...session,
    client_reference_id: ids.bookingId,
    metadata: { booking_id: ids.bookingId, payment_id: ids.paymentId },
    ...extra,
  });

  it("the sample session as published (open, unpaid) in checkout.session.completed is not a payment: ignored", async () => {
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid" });
    const ids = await awaitingDeposit(0, "2026-03-11", 10);
    const s = linked(ids);
    fake.adopt(s); // the handler re-reads the session from Stripe
    const row = await deliver(eventOf("checkout.session.completed", s, "unpaid"));
    expect(row).toMatchObject({ status: "ignored", lastError: "payment_status unpaid" });
    const b = await booking(ids.bookingId);
    expect(b.status).toBe("pending_deposit");
    expect(b.payments[0]?.status).toBe("pending");
  });

  it("checkout.session.expired: the hold is released and the payment expires", async () => {
    const ids = await awaitingDeposit(1, "2026-03-12", 10);
    const row = await deliver(eventOf("checkout.session.expired", linked(ids, { status: "expired" }), "expired"));
    expect(row?.status).toBe("processed");
    const b = await booking(ids.bookingId);
    expect(b.status).toBe("expired");
    expect(b.payments[0]?.status).toBe("expired");
  });

  let paid: { bookingId: string; paymentId: string };
  it("checkout.session.completed (paid): the booking is confirmed, the sample's session and PI ids recorded", async () => {
    // The sample charge and refund are for 100 (cents): the deposit matches them.
    paid = await awaitingDeposit(2, "2026-03-13", 12, 100);
    const s = linked(paid, { status: "complete", payment_status: "paid" });
    fake.adopt(s);
    const row = await deliver(eventOf("checkout.session.completed", s, "paid"));
    expect(row?.status).toBe("processed");
    const b = await booking(paid.bookingId);
    expect(b.status).toBe("confirmed");
    expect(b.payments[0]).toMatchObject({
      status: "paid",
      checkoutSessionId: session.id,
      paymentIntentId: session.payment_intent,
    });
  });

  it("charge.refunded (the sample charge with its sample refund): the refund is recorded, the payment refunded", async () => {
    expect(refund.charge).toBe(charge.id); // the two samples belong together
    const c: Obj = {
      ...charge,
      payment_intent: session.payment_intent,
      amount_refunded: refund.amount,
      refunded: true,
      refunds: { ...(charge.refunds as Obj), data: [refund] },
    };
    const row = await deliver(eventOf("charge.refunded", c, "refunded"));
    expect(row?.status).toBe("processed");
    const b = await booking(paid.bookingId);
    expect(b.status).toBe("confirmed"); // money back is not a cancellation
    expect(b.payments[0]?.status).toBe("refunded");
    expect(b.payments[0]?.refunds).toEqual([
      expect.objectContaining({ amountCents: 100, status: "succeeded", reason: "refunded in Stripe" }),
    ]);
  });

  it("payment_intent.payment_failed is not final: audited (the sample's error has no code), booking unchanged", async () => {
    const ids = await awaitingDeposit(3, "2026-03-16", 11);
    const pi: Obj = { ...intent, metadata: { booking_id: ids.bookingId } };
    const row = await deliver(eventOf("payment_intent.payment_failed", pi, "failed"));
    expect(row?.status).toBe("processed");
    const b = await booking(ids.bookingId);
    expect(b.status).toBe("pending_deposit");
    expect(b.payments[0]?.status).toBe("pending");
    const audit = await t.db.auditLog.findMany({
      where: { entityId: ids.bookingId, action: "payment.attempt_failed" },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.data).toEqual({ paymentIntent: intent.id, code: null, message: null });
  });

  it("the sample event itself (plan.created, api_version null) is accepted and ignored", async () => {
    expect(envelope).toMatchObject({ object: "event", type: "plan.created", api_version: null });
    const before = await t.db.auditLog.count();
    const row = await deliver(envelope);
    expect(row).toMatchObject({ status: "ignored", lastError: "unhandled type plan.created" });
    expect(await t.db.auditLog.count()).toBe(before);
    // Signed the same way, a redelivery is a duplicate.
    const again = await deliverStripeEvent(`${server.url}/webhooks/stripe`, envelope, SECRET);
    expect(await again.json()).toMatchObject({ duplicate: true });
  });
});
