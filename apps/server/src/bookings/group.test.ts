// Group bookings through the real database and the real payment path: the real stripe SDK against
// the fake Stripe server, signed webhooks into the real Fastify server, processed by pg-boss
// workers. A group of three with one deposit: paid → all confirmed; expired → all released; one
// exclusion conflict → nothing held. Cancelling one person follows the policy for that person.
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { RecordingNotifier } from "../notifications/notifier.ts";
import { deliverStripeEvent, FakeStripe } from "../payments/fakes/fake-stripe.ts";
import { requestGroupDepositLink } from "../payments/group-deposit.ts";
import { registerPaymentWorkers } from "../payments/jobs.ts";
import { expireHoldIfDue } from "../reminders/holds.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, overlappingActiveSegments, type SalonFixture } from "../testing/fixtures.ts";
import { startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { createBooking } from "./create.ts";
import { type CreateGroupInput, cancelGroupMember, createGroup, groupOfBooking } from "./group.ts";

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
  f = await createSalonFixture(t.db, t.fc, { customers: 5, extraStylists: 1 });
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
const eventRow = (id: string) =>
  t.db.webhookEvent.findUnique({ where: { source_dedupKey: { source: "stripe", dedupKey: id } } });
async function deliverAndWait(event: Stripe.Event) {
  const res = await deliverStripeEvent(`${server.url}/webhooks/stripe`, event, SECRET);
  expect(res.status).toBe(200);
  await until(async () => ["processed", "ignored"].includes((await eventRow(event.id))?.status ?? ""));
  return eventRow(event.id);
}

/**
 * The organiser (customer 0) with a colour on Laura (20% of €50 = €10 deposit), her friend Marta (a
 * guest) with a cut on Carlos, and customer 1 with a cut on the extra stylist: all at once.
 */
const threeAt = (date: string, h: number, over: Partial<CreateGroupInput> = {}): CreateGroupInput => ({
  locationId: f.locationId,
  organiserId: f.customers[0]!,
  startsAt: at(date, h),
  timing: "together",
  people: [
    { items: [{ serviceId: f.services.colour, staffId: f.staff.laura }] },
    { guestName: "Marta", items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] },
    { customerId: f.customers[1]!, items: [{ serviceId: f.services.cut, staffId: f.staff.extra[0]! }] },
  ],
  source: "whatsapp",
  mode: "hold",
  ...over,
});
const groupRows = (groupId: string) =>
  t.db.booking.findMany({ where: { groupId }, include: { segments: true }, orderBy: { createdAt: "asc" } });

describe("group bookings", () => {
  it("a group of three with one deposit: one checkout session for the sum, paid → all confirmed", async () => {
    const g = await createGroup(services, threeAt("2026-03-11", 11), { type: "agent" });
    expect(g.people).toHaveLength(3);
    expect(g.people.map((p) => p.status)).toEqual(["held", "held", "held"]);
    expect(g.people.map((p) => p.name).sort()).toEqual(["Customer 0", "Customer 1", "Marta"]);
    expect(g.depositCents).toBe(1000); // the colour's 20%; the cuts take none
    const link = await requestGroupDepositLink(services, g.id, { type: "agent" });
    expect(link).toMatchObject({ amountCents: 1000, bookingId: g.organiserBookingId, reused: false });
    const sessions = fake.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.method === "POST");
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.form).toMatchObject({
      metadata: { group_id: g.id, payment_id: link.paymentId },
      line_items: [{ price_data: { unit_amount: "1000" } }],
    });
    expect((await groupRows(g.id)).map((b) => b.status)).toEqual([
      "pending_deposit",
      "pending_deposit",
      "pending_deposit",
    ]);
    // Asking again sends the same session.
    expect(await requestGroupDepositLink(services, g.id, { type: "agent" })).toMatchObject({
      reused: true,
      checkoutSessionId: link.checkoutSessionId,
    });

    const row = await deliverAndWait(fake.pay(link.checkoutSessionId));
    expect(row?.status).toBe("processed");
    const after = await groupRows(g.id);
    expect(after.map((b) => b.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
    expect(after.every((b) => b.holdExpiresAt === null)).toBe(true);
    const payment = await t.db.payment.findUniqueOrThrow({ where: { id: link.paymentId } });
    expect(payment).toMatchObject({ status: "paid", groupId: g.id, amountCents: 1000 });
    expect(notifier.of("booking_confirmed", g.organiserBookingId)).toHaveLength(1);
    const view = await groupOfBooking(services, after[2]!.id);
    expect(view).toMatchObject({ id: g.id, depositPaidCents: 1000 });
  });

  it("cancelling one person follows the policy for that person's share; the others stay booked", async () => {
    const g = await createGroup(services, threeAt("2026-03-19", 11), { type: "agent" });
    const link = await requestGroupDepositLink(services, g.id, { type: "agent" });
    await deliverAndWait(fake.pay(link.checkoutSessionId));
    const rows = await groupRows(g.id);
    const colour = rows.find((b) => b.depositCents === 1000)!;
    const cut = rows.find((b) => b.depositCents === 0)!;
    // More than 24 h ahead: the colour's own €10 goes back; a cut had no share of the deposit.
    const noShare = await cancelGroupMember(services, cut.id, { type: "agent" }, { by: "customer", reason: "ill" });
    expect(noShare.decision).toMatchObject({ rule: "no_deposit_paid", refundCents: 0 });
    const own = await cancelGroupMember(services, colour.id, { type: "agent" }, { by: "customer", reason: "ill" });
    expect(own.decision).toMatchObject({ rule: "free_cancellation_window", refundCents: 1000 });
    await until(async () => fake.refunds.size > 0);
    expect([...fake.refunds.values()].map((r) => r.amount)).toEqual([1000]);
    const after = await groupRows(g.id);
    expect(after.filter((b) => b.status === "confirmed")).toHaveLength(1);
    await expect(
      cancelGroupMember(
        services,
        after[0]!.id,
        { type: "agent" },
        { by: "customer", reason: "x", locationId: f.ownerId },
      ),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a person cancelled before the deposit arrives: the others are confirmed and that share goes back", async () => {
    const g = await createGroup(services, threeAt("2026-03-23", 11), { type: "agent" });
    const link = await requestGroupDepositLink(services, g.id, { type: "agent" });
    const colour = g.people.find((p) => p.depositCents === 1000)!;
    const early = await cancelGroupMember(
      services,
      colour.bookingId,
      { type: "agent" },
      { by: "customer", reason: "ill" },
    );
    expect(early.decision.rule).toBe("no_deposit_paid");
    const before = fake.refunds.size;
    await deliverAndWait(fake.pay(link.checkoutSessionId));
    const after = await groupRows(g.id);
    expect(after.map((b) => b.status).sort()).toEqual(["cancelled", "confirmed", "confirmed"]);
    await until(() => fake.refunds.size > before);
    expect([...fake.refunds.values()].at(-1)).toMatchObject({ amount: 1000 });
    // A late copy of the same event refunds nothing more.
    const again = fake.events.find(
      (e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === link.checkoutSessionId,
    );
    if (again) await deliverStripeEvent(`${server.url}/webhooks/stripe`, again, SECRET);
    await new Promise((r) => setTimeout(r, 700));
    expect(fake.refunds.size).toBe(before + 1);
  });

  it("expired → every hold of the group released, its time free again", async () => {
    const g = await createGroup(services, threeAt("2026-03-12", 11), { type: "agent" });
    const link = await requestGroupDepositLink(services, g.id, { type: "agent" });
    await deliverAndWait(fake.expireSession(link.checkoutSessionId));
    const after = await groupRows(g.id);
    expect(after.map((b) => b.status)).toEqual(["expired", "expired", "expired"]);
    expect(after.flatMap((b) => b.segments).every((s) => !s.active)).toBe(true);
    expect((await t.db.payment.findUniqueOrThrow({ where: { id: link.paymentId } })).status).toBe("expired");
    // The same group can be held again at once.
    const again = await createGroup(services, threeAt("2026-03-12", 11), { type: "agent" });
    expect(again.people.map((p) => p.status)).toEqual(["held", "held", "held"]);
  });

  it("one exclusion conflict → nothing held (the database decides, also when the check is skipped)", async () => {
    // Someone else has the extra stylist at 11:00.
    await createBooking(
      services,
      {
        locationId: f.locationId,
        customerId: f.customers[2]!,
        startsAt: at("2026-03-13", 11),
        items: [{ serviceId: f.services.cut, staffId: f.staff.extra[0]! }],
        source: "console",
        mode: "book",
      },
      { type: "staff", id: f.deskId },
    );
    const groups = await t.db.bookingGroup.count();
    const bookings = await t.db.booking.count();
    // The booking path's own check answers first, with the third person's alternatives…
    const checked = await createGroup(services, threeAt("2026-03-13", 11), { type: "agent" }).catch((e) => e);
    expect(checked).toMatchObject({ code: "SLOT_TAKEN" });
    expect(checked.details.alternatives.length).toBeGreaterThan(0);
    // …and with the check skipped (console, outside hours allowed) the exclusion constraint refuses
    // the third person's segment inside the one transaction: the first two are not held either.
    const refused = await createGroup(
      services,
      threeAt("2026-03-13", 11, { mode: "book", source: "console", allowOutsideHours: true }),
      { type: "staff", id: f.deskId },
    ).catch((e) => e);
    expect(refused).toMatchObject({ code: "SLOT_TAKEN", details: { person: 2 } });
    expect(await t.db.bookingGroup.count()).toBe(groups);
    expect(await t.db.booking.count()).toBe(bookings);
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });

  it("two groups racing for the same time: exactly one is held, the other holds nothing", async () => {
    const results = await Promise.allSettled([
      createGroup(services, threeAt("2026-03-16", 12), { type: "agent" }),
      createGroup(
        services,
        threeAt("2026-03-16", 12, {
          organiserId: f.customers[3]!,
          people: threeAt("2026-03-16", 12).people.slice(0, 2),
        }),
        { type: "agent" },
      ),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "SLOT_TAKEN" });
    expect(await overlappingActiveSegments(t.url)).toBe(0);
    const held = await t.db.booking.count({ where: { startsAt: at("2026-03-16", 12), status: "held" } });
    expect(held).toBe((won[0] as PromiseFulfilledResult<{ people: unknown[] }>).value.people.length);
  });

  it("paid after every hold ran out (expiry job first): the group comes back whole while its time is free", async () => {
    const g = await createGroup(services, threeAt("2026-03-18", 12), { type: "agent" });
    const link = await requestGroupDepositLink(services, g.id, { type: "agent" });
    clock.advance(40 * 60_000);
    for (const p of g.people) await expireHoldIfDue(services, p.bookingId);
    clock.advance(-40 * 60_000);
    expect((await groupRows(g.id)).map((b) => b.status)).toEqual(["expired", "expired", "expired"]);
    const row = await deliverAndWait(fake.pay(link.checkoutSessionId));
    expect(row?.lastError).toMatch(/revived/);
    const after = await groupRows(g.id);
    expect(after.map((b) => b.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
    expect(after.flatMap((b) => b.segments).every((s) => s.active)).toBe(true);
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });

  it("a retry with the same idempotency key answers with the same group and holds nothing more", async () => {
    const input = threeAt("2026-03-20", 12, { idempotencyKey: "group-retry-0001" });
    const first = await createGroup(services, input, { type: "agent" });
    const again = await createGroup(services, input, { type: "agent" });
    expect(again.id).toBe(first.id);
    expect(await t.db.booking.count({ where: { startsAt: at("2026-03-20", 12) } })).toBe(3);
  });

  it("in sequence: each person starts when the one before ends", async () => {
    const g = await createGroup(
      services,
      threeAt("2026-03-17", 10, {
        timing: "sequence",
        mode: "book",
        source: "console",
        waiveDeposit: true,
        people: [
          { items: [{ serviceId: f.services.cut, staffId: f.staff.laura }] },
          { guestName: "Ana", items: [{ serviceId: f.services.cut, staffId: f.staff.laura }] },
        ],
      }),
      { type: "staff", id: f.deskId },
    );
    expect(g.people.map((p) => [p.startsAt, p.status])).toEqual([
      [at("2026-03-17", 10).toISOString(), "confirmed"],
      [at("2026-03-17", 10, 30).toISOString(), "confirmed"],
    ]);
  });
});
