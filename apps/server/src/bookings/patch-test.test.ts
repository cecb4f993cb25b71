// Patch tests (issue #21): the pure decision (none / too recent / too old / reacted, the offer and
// its by-when) and the booking write path's refusal, override and reschedule on a real database.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";
import { findSlots } from "../availability/find.ts";
import { AppError } from "../errors/app-error.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import { createBooking } from "./create.ts";
import { decidePatchTest, monthsBefore, type PatchTestRefusalDetails } from "./patch-test.ts";
import { rescheduleBooking } from "./reschedule.ts";

const H = 3_600_000;
const D = 24 * H;
const TZ = "Europe/Madrid";
const colour = { id: "c", patchTestRequired: true, patchTestMinHours: 48, patchTestMaxMonths: 6 };
const cut = { id: "k", patchTestRequired: false, patchTestMinHours: 48, patchTestMaxMonths: 6 };
const now = new Date("2026-12-07T20:25:00Z");
const start = new Date("2026-12-15T10:00:00Z");
const ask = (
  tests: { takenAt: Date; result: "negative" | "positive" }[],
  over: Partial<Parameters<typeof decidePatchTest>[0]> = {},
) =>
  decidePatchTest({ services: [colour], tests, startsAt: start, now, timeZone: TZ, patchTestServiceId: "p", ...over });
const neg = (at: Date) => ({ takenAt: at, result: "negative" as const });
const pos = (at: Date) => ({ takenAt: at, result: "positive" as const });

describe("decidePatchTest (pure)", () => {
  it("needs nothing when no service of the visit requires a test", () => {
    expect(ask([], { services: [cut] })).toEqual({ needed: false });
  });

  it("without any test: reason none, offering the patch-test service by visit start − 48 h", () => {
    const d = ask([]);
    expect(d).toMatchObject({ needed: true, reason: "none", serviceIds: ["c"], minHours: 48, lastTakenAt: null });
    if (!d.needed) throw new Error("expected a refusal");
    expect(d.latestAt.toISOString()).toBe("2026-12-13T10:00:00.000Z");
    expect(d.offer).toEqual({ serviceId: "p", byWhen: "2026-12-13T10:00:00.000Z" });
  });

  it("a negative test 3 days before the visit is valid; exactly 48 h before is too", () => {
    expect(ask([neg(new Date(start.getTime() - 3 * D))], { now: start })).toEqual({ needed: false });
    expect(ask([neg(new Date(start.getTime() - 48 * H))], { now: start })).toEqual({ needed: false });
  });

  it("a test taken after visit start − 48 h is too recent", () => {
    const d = ask([neg(new Date(start.getTime() - 47 * H))], { now: start });
    expect(d).toMatchObject({ needed: true, reason: "too_recent" });
    // Too late to take another for this visit: no offer.
    expect(d.needed && d.offer).toBeNull();
  });

  it("a test from 7 months ago is too old; one 6 calendar months back to the minute is still valid", () => {
    expect(ask([neg(new Date("2026-05-15T10:00:00Z"))])).toMatchObject({ needed: true, reason: "too_old" });
    // 15 Dec 11:00 Madrid − 6 months = 15 Jun 11:00 Madrid (09:00Z, summer time).
    expect(ask([neg(new Date("2026-06-15T09:00:00Z"))])).toEqual({ needed: false });
    expect(ask([neg(new Date("2026-06-15T08:59:00Z"))])).toMatchObject({ reason: "too_old" });
  });

  it("the last test reacted: refused without an offer, even with an earlier negative one", () => {
    const d = ask([neg(new Date("2026-11-01T10:00:00Z")), pos(new Date("2026-11-20T10:00:00Z"))]);
    expect(d).toMatchObject({ needed: true, reason: "reacted", offer: null });
    // A later negative test after a reaction counts.
    expect(ask([pos(new Date("2026-11-01T10:00:00Z")), neg(new Date("2026-11-20T10:00:00Z"))])).toEqual({
      needed: false,
    });
  });

  it("ignores tests dated after now, and offers nothing without a patch-test service", () => {
    expect(ask([neg(new Date(now.getTime() + D))])).toMatchObject({ reason: "none" });
    const d = ask([], { patchTestServiceId: null });
    expect(d.needed && d.offer).toBeNull();
  });

  it("several services needing a test: the strictest terms", () => {
    const strict = { id: "s", patchTestRequired: true, patchTestMinHours: 72, patchTestMaxMonths: 3 };
    const d = ask([neg(new Date("2026-08-01T10:00:00Z"))], { services: [colour, strict, cut] });
    expect(d).toMatchObject({ reason: "too_old", minHours: 72, maxMonths: 3, serviceIds: ["c", "s"] });
  });

  it("monthsBefore is calendar months in the zone (month end clamps, DST keeps the wall time)", () => {
    expect(monthsBefore(new Date("2026-08-31T10:00:00Z"), 6, TZ).toISOString()).toBe("2026-02-28T11:00:00.000Z");
    expect(monthsBefore(new Date("2027-01-10T09:30:00Z"), 13, TZ).toISOString()).toBe("2025-12-10T09:30:00.000Z");
  });
});

describe("booking a service that requires a patch test (real database)", () => {
  let f: Awaited<ReturnType<typeof demoFixture>>;
  let tinte: { id: string };
  let patchService: { id: string };
  let customerId: string;
  let otherCustomerId: string;
  let slots: Date[];

  beforeAll(async () => {
    f = await demoFixture();
    const svc = await f.t.db.service.findFirstOrThrow({ where: { slug: "tinte-raiz", locationId: f.locationId } });
    tinte = await f.t.db.service.update({ where: { id: svc.id }, data: { patchTestRequired: true } });
    patchService = await f.t.db.service.create({
      data: {
        locationId: f.locationId,
        slug: "prueba-alergia",
        nameEs: "Prueba de alergia",
        nameEn: "Patch test",
        category: "colour",
        durationMinutes: 15,
        priceCents: 0,
        isPatchTest: true,
      },
    });
    // Fresh customers: the demo's own bookings never get in the way.
    customerId = (await f.as("manager").customers.create({ phone: "+34600222111", name: "Ana Tinte" })).id;
    otherCustomerId = (await f.as("manager").customers.create({ phone: "+34600222333", name: "Eva Tinte" })).id;
    const today = toLocal(f.clock(), TZ).date;
    const found = await findSlots(f.t.db, {
      locationId: f.locationId,
      fromDate: addDays(today, 4),
      toDate: addDays(today, 30),
      now: f.clock(),
      items: [{ serviceId: tinte.id, staffId: f.laura.id }],
    });
    // One slot a day, so the bookings below never collide.
    slots = [...new Set(found.map((s) => s.localDate))].map((d) => found.find((s) => s.localDate === d)!.start);
    expect(slots.length).toBeGreaterThanOrEqual(4);
  });
  afterAll(() => f.t.drop());

  const deps = () => ({ db: f.t.db, fc: f.t.fc, clock: f.clock });
  const book = (startsAt: Date, extra: { overridePatchTest?: boolean } = {}) =>
    createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId,
        startsAt,
        items: [{ serviceId: tinte.id, staffId: f.laura.id }],
        source: "console",
        mode: "book",
        waiveDeposit: true,
        ...extra,
      },
      { type: "staff", id: f.ids.front_desk },
    );
  const refusal = async (p: Promise<unknown>): Promise<PatchTestRefusalDetails> => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("PATCH_TEST_REQUIRED");
    return (e as AppError).details?.patchTest as PatchTestRefusalDetails;
  };

  it("Settings → Services: a manager sets the terms; a patch test cannot itself require one", async () => {
    const row = (await f.as("manager").services.list()).find((x) => x.id === tinte.id)!;
    expect(row).toMatchObject({
      patchTestRequired: true,
      patchTestMinHours: 48,
      patchTestMaxMonths: 6,
      isPatchTest: false,
    });
    const updated = await f
      .as("manager")
      .services.update({ serviceId: tinte.id, version: row.version, patchTestMinHours: 72 });
    expect(updated.patchTestMinHours).toBe(72);
    const back = await f
      .as("manager")
      .services.update({ serviceId: tinte.id, version: updated.version, patchTestMinHours: 48 });
    const bad = await f
      .as("manager")
      .services.update({ serviceId: tinte.id, version: back.version, isPatchTest: true })
      .catch((err: unknown) => err);
    expect((bad as TRPCError).code).toBe("BAD_REQUEST");
    const zero = await f
      .as("manager")
      .services.update({ serviceId: tinte.id, version: back.version, patchTestMaxMonths: 0 })
      .catch((err: unknown) => err);
    expect((zero as TRPCError).code).toBe("BAD_REQUEST");
    expect(
      await f
        .as("front_desk")
        .services.update({ serviceId: tinte.id, version: back.version, patchTestRequired: false })
        .catch((err: unknown) => (err as TRPCError).code),
    ).toBe("FORBIDDEN");
  });

  it("refuses without a test, with the reason and the offer (no personal data in the details)", async () => {
    const d = await refusal(book(slots[0]!));
    expect(d.reason).toBe("none");
    expect(d.serviceIds).toEqual([tinte.id]);
    expect(d.offer).toEqual({
      serviceId: patchService.id,
      byWhen: new Date(slots[0]!.getTime() - 48 * H).toISOString(),
    });
    expect(await f.t.db.booking.count({ where: { customerId } })).toBe(0);
  });

  it("the console's caller gets PRECONDITION_FAILED with the app code and details", async () => {
    const e = await f
      .as("front_desk")
      .bookings.create({
        customerId,
        startsAt: slots[0]!.toISOString(),
        items: [{ serviceId: tinte.id, staffId: f.laura.id }],
        waiveDeposit: true,
      })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TRPCError);
    expect((e as TRPCError).code).toBe("PRECONDITION_FAILED");
    expect(((e as TRPCError).cause as AppError).details?.patchTest).toMatchObject({ reason: "none" });
  });

  it("a customer's own booking (the agent) cannot override", async () => {
    const e = await createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId,
        startsAt: slots[0]!,
        items: [{ serviceId: tinte.id, staffId: f.laura.id }],
        source: "whatsapp",
        mode: "hold",
        overridePatchTest: true,
      },
      { type: "customer", id: customerId },
    ).catch((err: unknown) => err);
    expect((e as AppError).code).toBe("FORBIDDEN");
  });

  it("staff override books it, records who and audits it", async () => {
    const b = await book(slots[0]!, { overridePatchTest: true });
    const row = await f.t.db.booking.findUniqueOrThrow({ where: { id: b.id } });
    expect(row.patchTestOverrideById).toBe(f.ids.front_desk);
    const audit = await f.t.db.auditLog.findFirstOrThrow({
      where: { entityId: b.id, action: "booking.patch_test_overridden" },
    });
    expect(audit.actorId).toBe(f.ids.front_desk);
    expect(audit.data).toMatchObject({ reason: "none", serviceIds: [tinte.id] });
    expect(await f.t.db.changeLog.count({ where: { entityId: b.id } })).toBeGreaterThan(0);
  });

  it("a negative test recorded 3 days before the visit: booked; one 7 months before: refused", async () => {
    const visit = slots[1]!;
    await f.t.db.patchTest.create({
      data: { customerId, takenAt: new Date(visit.getTime() - 7 * 31 * D), product: "Koleston", result: "negative" },
    });
    expect((await refusal(book(visit))).reason).toBe("too_old");
    // Taken 3 days before the visit (and before now: the fixture's clock is fixed).
    const takenAt = new Date(Math.min(visit.getTime() - 3 * D, f.clock().getTime() - H));
    await f.t.db.patchTest.create({ data: { customerId, takenAt, product: "Koleston", result: "negative" } });
    const b = await book(visit);
    expect(b.status).not.toBe("cancelled");
    const row = await f.t.db.booking.findUniqueOrThrow({ where: { id: b.id } });
    expect(row.patchTestOverrideById).toBeNull();
  });

  it("a move to a time the test no longer covers is refused; the booking stays", async () => {
    // Its test is taken an hour ago: valid for a visit days ahead, too recent for one tomorrow.
    const visit = slots[2]!;
    const target = new Date(f.clock().getTime() + D);
    const takenAt = new Date(f.clock().getTime() - H);
    await f.t.db.patchTest.create({
      data: { customerId: otherCustomerId, takenAt, product: "Igora", result: "negative" },
    });
    const b = await createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId: otherCustomerId,
        startsAt: visit,
        items: [{ serviceId: tinte.id, staffId: f.laura.id }],
        source: "console",
        mode: "book",
        waiveDeposit: true,
      },
      { type: "staff", id: f.ids.front_desk },
    );
    const d = await refusal(
      rescheduleBooking(
        deps(),
        { bookingId: b.id, startsAt: target, allowOutsideHours: true },
        {
          type: "staff",
          id: f.ids.front_desk,
        },
      ),
    );
    expect(d.reason).toBe("too_recent");
    expect((await f.t.db.booking.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("confirmed");
  });
});
