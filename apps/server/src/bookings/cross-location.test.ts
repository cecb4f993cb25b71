// Issue #21: a stylist who works in two locations can never be booked twice at one time. Laura's
// home is A; a staff_location link and schedule blocks with B's location_id make her bookable at B
// too. Booked at A, an overlapping booking at B is SLOT_TAKEN (and the other way round); 20
// concurrent attempts across A and B for one time: exactly one wins, the database holds no overlap.
// Injected clock: the visits sit in a fixed week, whatever day the tests run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../changes/change-log.ts";
import { isAppError } from "../errors/app-error.ts";
import { createSalonFixture, overlappingActiveSegments, type SalonFixture } from "../testing/fixtures.ts";
import { createSecondLocation, type SecondLocation } from "../testing/second-location.ts";
import { testClock } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { type BookingDeps, createBooking } from "./create.ts";

const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");
const clock = testClock("2026-03-02T07:00:00Z"); // Monday 2 March, 08:00 in Madrid

let t: TestDatabase;
let a: SalonFixture;
let b: SecondLocation;
let deps: BookingDeps;
const desk: Actor = { type: "job", id: "cross-location-test" };

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createSalonFixture(t.db, t.fc, { customers: 3 });
  b = await createSecondLocation(t.db, a); // links Laura to B, where she also does the blow-dry
  // Laura works at B too: Monday to Saturday 10:00–18:00 (blocks with B's location_id).
  await t.db.staffScheduleBlock.createMany({
    data: [1, 2, 3, 4, 5, 6].map((weekday) => ({
      staffId: a.staff.laura,
      weekday,
      kind: "work" as const,
      startMinute: 10 * 60,
      endMinute: 18 * 60,
      locationId: b.locationId,
    })),
  });
  deps = { db: t.db, fc: t.fc, clock };
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

const atA = (startsAt: Date, customer = 0) =>
  createBooking(
    deps,
    {
      locationId: a.locationId,
      customerId: a.customers[customer]!,
      startsAt,
      items: [{ serviceId: a.services.cut, staffId: a.staff.laura }],
      source: "console",
      mode: "book",
    },
    desk,
  );
const atB = (startsAt: Date, customer = 1) =>
  createBooking(
    deps,
    {
      locationId: b.locationId,
      customerId: a.customers[customer]!,
      startsAt,
      items: [{ serviceId: b.services.blowDry, staffId: a.staff.laura }],
      source: "console",
      mode: "book",
    },
    desk,
  );

describe("a stylist shared by A and B", () => {
  it("is bookable at B on her own (the link and B's schedule blocks)", async () => {
    const booked = await atB(at("2026-03-05", 12));
    expect(booked.locationId).toBe(b.locationId);
    expect(booked.items[0]!.staffId).toBe(a.staff.laura);
  });

  it("booked at A, cannot be booked at an overlapping time at B (SLOT_TAKEN), nor the other way round", async () => {
    const first = await atA(at("2026-03-03", 11));
    expect(first.locationId).toBe(a.locationId);
    // B's blow-dry from 11:15 overlaps A's 11:00–11:30 cut.
    await expect(atB(at("2026-03-03", 11, 15))).rejects.toMatchObject({ code: "SLOT_TAKEN" });
    // Right after it, she is free at B.
    const after = await atB(at("2026-03-03", 11, 30));
    expect(after.locationId).toBe(b.locationId);
    // And now A cannot have her at 11:45.
    await expect(atA(at("2026-03-03", 11, 45), 2)).rejects.toMatchObject({ code: "SLOT_TAKEN" });
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });

  it("20 concurrent attempts across A and B for one time: exactly one wins", async () => {
    const startsAt = at("2026-03-04", 15);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? atA(startsAt, i % 3) : atB(startsAt, i % 3))),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) {
      const e = (r as PromiseRejectedResult).reason;
      expect(isAppError(e) && e.code).toBe("SLOT_TAKEN");
    }
    const segments = await t.db.bookingSegment.count({
      where: {
        staffId: a.staff.laura,
        active: true,
        startsAt: { lt: new Date(startsAt.getTime() + 30 * 60_000) },
        endsAt: { gt: startsAt },
      },
    });
    expect(segments).toBe(1);
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });
});
