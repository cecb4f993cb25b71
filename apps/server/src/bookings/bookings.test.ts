import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSlots } from "../availability/find.ts";
import type { Actor } from "../changes/change-log.ts";
import { AppError } from "../errors/app-error.ts";
import { createSalonFixture, overlappingActiveSegments, type SalonFixture } from "../testing/fixtures.ts";
import { type Clock, testClock } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { type BookingDeps, type CreateBookingInput, createBooking } from "./create.ts";
import { rescheduleBooking } from "./reschedule.ts";
import {
  cancelBooking,
  checkInBooking,
  completeBooking,
  confirmBooking,
  markNoShow,
  previewCancellation,
} from "./transitions.ts";

let t: TestDatabase;
let f: SalonFixture;
let clock: Clock;
let deps: BookingDeps;
let desk: Actor;
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");
const DAY = "2026-03-10"; // a Tuesday

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc);
  clock = testClock("2026-03-09T09:00:00Z");
  deps = { db: t.db, fc: t.fc, clock };
  desk = { type: "staff", id: f.deskId };
});
afterAll(() => t.drop());
beforeEach(async () => {
  clock.set("2026-03-09T09:00:00Z");
  await t.db.bookingSegment.deleteMany();
  await t.db.bookingItem.deleteMany();
  await t.db.booking.deleteMany();
});

const input = (
  over: Partial<CreateBookingInput> & Pick<CreateBookingInput, "startsAt" | "items">,
): CreateBookingInput => ({
  locationId: f.locationId,
  customerId: f.customers[0]!,
  source: "console",
  mode: "book",
  ...over,
});

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe("creating bookings", () => {
  it("holds a slot: status, expiry, segments, audit and change log in one go", async () => {
    const b = await createBooking(
      deps,
      input({
        mode: "hold",
        source: "whatsapp",
        startsAt: at(DAY, 10),
        items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
      }),
      {
        type: "agent",
        id: f.customers[0],
      },
    );
    expect(b.status).toBe("held");
    expect(b.holdExpiresAt).toBe("2026-03-09T09:30:00.000Z");
    expect(b.endsAt).toBe(at(DAY, 11, 25).toISOString());
    expect(b.depositCents).toBe(1000); // 20% of €50
    const segs = await t.db.bookingSegment.findMany({ where: { bookingId: b.id }, orderBy: { startsAt: "asc" } });
    expect(segs.map((s) => [s.kind, s.startsAt.toISOString(), s.endsAt.toISOString()])).toEqual([
      ["application", at(DAY, 10).toISOString(), at(DAY, 10, 30).toISOString()],
      ["finishing", at(DAY, 11, 5).toISOString(), at(DAY, 11, 25).toISOString()],
    ]);
    expect(
      await t.db.auditLog.count({ where: { entityId: b.id, action: "booking.created", actorType: "agent" } }),
    ).toBe(1);
    expect(await t.db.changeLog.count({ where: { entityId: b.id } })).toBe(1);
  });

  it("books a console visit as confirmed, or awaiting its deposit unless waived", async () => {
    const cut = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    expect(cut.status).toBe("confirmed");
    const colour = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.colour, staffId: f.staff.laura }] }),
      desk,
    );
    expect(colour.status).toBe("pending_deposit");
    const waived = await createBooking(
      deps,
      input({
        startsAt: at(DAY, 14),
        waiveDeposit: true,
        items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
      }),
      desk,
    );
    expect(waived).toMatchObject({ status: "confirmed", depositCents: 0 });
  });

  it("leaves the stylist bookable during a colour's processing gap, and not otherwise", async () => {
    // Two-stylist visit: cut with Carlos 10:00–10:30, then colour with Laura 10:30–11:55
    // (application 10:30–11:00, processing to 11:35, finishing 11:35–11:55).
    const visit = await createBooking(
      deps,
      input({
        startsAt: at(DAY, 10),
        items: [
          { serviceId: f.services.cut, staffId: f.staff.carlos },
          { serviceId: f.services.colour, staffId: f.staff.laura },
        ],
      }),
      desk,
    );
    expect(visit.items.map((i) => [i.staffName, i.startsAt, i.endsAt])).toEqual([
      ["Carlos", at(DAY, 10).toISOString(), at(DAY, 10, 30).toISOString()],
      ["Laura", at(DAY, 10, 30).toISOString(), at(DAY, 11, 55).toISOString()],
    ]);
    const slots = await findSlots(t.db, {
      locationId: f.locationId,
      items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
      fromDate: DAY,
      toDate: DAY,
      now: clock(),
    });
    const times = slots.map((s) => s.localTime);
    expect(times).toContain("11:00");
    expect(times).not.toContain("10:45");
    expect(times).not.toContain("11:15");
    // The gap is really bookable, and the finishing really is not.
    const inGap = await createBooking(
      deps,
      input({
        customerId: f.customers[1]!,
        startsAt: at(DAY, 11),
        items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
      }),
      desk,
    );
    expect(inGap.status).toBe("confirmed");
    const err = await errorOf(
      createBooking(
        deps,
        input({
          customerId: f.customers[2]!,
          startsAt: at(DAY, 11, 30),
          allowOutsideHours: true,
          items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
        }),
        desk,
      ),
    );
    expect(err.code).toBe("SLOT_TAKEN");
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });

  it("refuses a taken time with the nearest real alternatives", async () => {
    await createBooking(
      deps,
      input({ startsAt: at(DAY, 12), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    const err = await errorOf(
      createBooking(
        deps,
        input({
          customerId: f.customers[1]!,
          startsAt: at(DAY, 12),
          items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
        }),
        desk,
      ),
    );
    expect(err.code).toBe("SLOT_TAKEN");
    const alternatives = err.details!.alternatives as { start: string; items: { staffId: string }[] }[];
    expect(alternatives.length).toBeGreaterThanOrEqual(2);
    // Same day: another stylist at the same time, or Carlos just before/after.
    expect(
      alternatives.some((a) => a.start === at(DAY, 12).toISOString() && a.items[0]!.staffId === f.staff.laura),
    ).toBe(true);
    expect(
      alternatives.some(
        (a) =>
          a.items[0]!.staffId === f.staff.carlos &&
          [at(DAY, 11, 45), at(DAY, 12, 30)].some((d) => d.toISOString() === a.start),
      ),
    ).toBe(true);
  });

  it("refuses times outside working hours, too soon, closed days, unqualified stylists", async () => {
    const outside = await errorOf(
      createBooking(
        deps,
        input({ startsAt: at(DAY, 9), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
        desk,
      ),
    );
    expect(outside.code).toBe("NOT_BOOKABLE");
    expect((outside.details!.alternatives as unknown[]).length).toBeGreaterThan(0);
    const soon = await errorOf(
      createBooking(
        deps,
        input({
          startsAt: new Date(clock().getTime() + 30 * 60_000),
          items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
        }),
        desk,
      ),
    );
    expect(soon.code).toBe("NOT_BOOKABLE");
    const sunday = await errorOf(
      createBooking(
        deps,
        input({ startsAt: at("2026-03-15", 12), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
        desk,
      ),
    );
    expect(sunday.code).toBe("NOT_BOOKABLE");
    const unqualified = await errorOf(
      createBooking(
        deps,
        input({ startsAt: at(DAY, 12), items: [{ serviceId: f.services.colour, staffId: f.staff.carlos }] }),
        desk,
      ),
    );
    expect(unqualified).toMatchObject({ code: "BAD_INPUT", message: "That stylist does not do this service" });
  });

  it("lets an expired hold go instead of blocking the slot", async () => {
    const hold = await createBooking(
      deps,
      input({ mode: "hold", startsAt: at(DAY, 15), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    const err = await errorOf(
      createBooking(
        deps,
        input({
          customerId: f.customers[1]!,
          startsAt: at(DAY, 15),
          items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
        }),
        desk,
      ),
    );
    expect(err.code).toBe("SLOT_TAKEN");
    clock.advance(31 * 60_000);
    const next = await createBooking(
      deps,
      input({
        customerId: f.customers[1]!,
        startsAt: at(DAY, 15),
        items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
      }),
      desk,
    );
    expect(next.status).toBe("confirmed");
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: hold.id } })).status).toBe("expired");
  });

  it("books once per idempotency key, and refuses the key for another request", async () => {
    const req = input({
      startsAt: at(DAY, 16),
      idempotencyKey: "k-1",
      items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
    });
    const [a, b] = await Promise.all([createBooking(deps, req, desk), createBooking(deps, req, desk)]);
    expect(a.id).toBe(b.id);
    expect((await createBooking(deps, req, desk)).id).toBe(a.id); // a later retry
    expect(await t.db.booking.count()).toBe(1);
    const other = await errorOf(createBooking(deps, { ...req, startsAt: at(DAY, 17) }, desk));
    expect(other.code).toBe("CONFLICT");
  });
});

describe("the lifecycle", () => {
  it("walks held → pending_deposit → confirmed → checked_in → completed and refuses illegal moves", async () => {
    const { markAwaitingDeposit } = await import("./transitions.ts");
    const b = await createBooking(
      deps,
      input({ mode: "hold", startsAt: at(DAY, 10), items: [{ serviceId: f.services.colour, staffId: f.staff.laura }] }),
      desk,
    );
    expect((await markAwaitingDeposit(deps, b.id, desk)).status).toBe("pending_deposit");
    const confirmed = await confirmBooking(deps, b.id, desk);
    expect(confirmed).toMatchObject({ status: "confirmed", holdExpiresAt: null });
    expect((await confirmBooking(deps, b.id, desk)).version).toBe(confirmed.version); // retry: no change
    clock.set(at(DAY, 9, 55));
    expect((await checkInBooking(deps, b.id, desk)).status).toBe("checked_in");
    expect((await completeBooking(deps, b.id, desk)).status).toBe("completed");
    const illegal = await errorOf(confirmBooking(deps, b.id, desk));
    expect(illegal.code).toBe("ILLEGAL_TRANSITION");
    expect(illegal.message).toBe("A booking that is completed cannot become confirmed");
    const audit = await t.db.auditLog.findMany({ where: { entityId: b.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual([
      "booking.created",
      "booking.pending_deposit",
      "booking.confirmed",
      "booking.checked_in",
      "booking.completed",
    ]);
  });

  it("cancels with the policy's decision and frees the time", async () => {
    const b = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    const preview = await previewCancellation(deps, b.id);
    expect(preview.rule).toBe("no_deposit_paid");
    const { booking, decision } = await cancelBooking(deps, b.id, desk, { by: "customer", reason: "Se encuentra mal" });
    expect(booking).toMatchObject({ status: "cancelled", cancelledBy: "customer", cancelReason: "Se encuentra mal" });
    expect(decision).toEqual(preview);
    const again = await createBooking(
      deps,
      input({
        customerId: f.customers[1]!,
        startsAt: at(DAY, 10),
        items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
      }),
      desk,
    );
    expect(again.status).toBe("confirmed");
  });

  it("detects a stale edit by version", async () => {
    const b = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    await confirmBooking(deps, b.id, desk).catch(() => {});
    const err = await errorOf(
      cancelBooking(deps, b.id, desk, { by: "staff", reason: "x", expectedVersion: b.version - 1 }),
    );
    expect(err.code).toBe("CONFLICT");
  });

  it("marks a no-show only after the start, and counts it on the customer", async () => {
    const b = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    expect((await errorOf(markNoShow(deps, b.id, desk))).code).toBe("BAD_INPUT");
    clock.set(at(DAY, 10, 20));
    const before = (await t.db.customer.findUniqueOrThrow({ where: { id: f.customers[0]! } })).noShowCount;
    const { booking, decision } = await markNoShow(deps, b.id, desk);
    expect(booking.status).toBe("no_show");
    expect(decision.rule).toBe("no_deposit_paid");
    expect((await t.db.customer.findUniqueOrThrow({ where: { id: f.customers[0]! } })).noShowCount).toBe(before + 1);
  });
});

describe("rescheduling", () => {
  it("moves a booking (even onto part of its own time), linking old and new", async () => {
    const b = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    const moved = await rescheduleBooking(
      deps,
      { bookingId: b.id, startsAt: at(DAY, 10, 15), idempotencyKey: "move-1" },
      desk,
    );
    expect(
      (await rescheduleBooking(deps, { bookingId: b.id, startsAt: at(DAY, 10, 15), idempotencyKey: "move-1" }, desk))
        .id,
    ).toBe(moved.id);
    expect(moved).toMatchObject({
      status: "confirmed",
      rescheduledFromId: b.id,
      startsAt: at(DAY, 10, 15).toISOString(),
    });
    const old = await t.db.booking.findUniqueOrThrow({ where: { id: b.id }, include: { segments: true } });
    expect(old).toMatchObject({ status: "cancelled", cancelReason: "rescheduled" });
    expect(old.segments.every((s) => !s.active)).toBe(true);
    // …and to another stylist.
    const toLaura = await rescheduleBooking(
      deps,
      { bookingId: moved.id, startsAt: at(DAY, 13), items: [{ serviceId: f.services.cut, staffId: f.staff.laura }] },
      desk,
    );
    expect(toLaura.items[0]!.staffName).toBe("Laura");
  });

  it("changes nothing when the new time is taken", async () => {
    const a = await createBooking(
      deps,
      input({ startsAt: at(DAY, 10), items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] }),
      desk,
    );
    await createBooking(
      deps,
      input({
        customerId: f.customers[1]!,
        startsAt: at(DAY, 11),
        items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
      }),
      desk,
    );
    const err = await errorOf(rescheduleBooking(deps, { bookingId: a.id, startsAt: at(DAY, 11) }, desk));
    expect(err.code).toBe("SLOT_TAKEN");
    expect((err.details!.alternatives as unknown[]).length).toBeGreaterThan(0);
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("confirmed");
    expect(await t.db.bookingSegment.count({ where: { bookingId: a.id, active: true } })).toBe(1);
  });
});
