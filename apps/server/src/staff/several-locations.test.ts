// Issue #21: one stylist, two locations. Laura is based at A and also works at B (staff_location).
// Each location keeps its own week for her (schedule blocks with a location), B's manager edits
// only B's week, availability at each location follows that location's week, and the one
// per-stylist exclusion constraint keeps her from being booked at both at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { AppError } from "../errors/app-error.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { createSecondLocation, type SecondLocation } from "../testing/second-location.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { addDays, localToUtc, toLocal, weekdayOf } from "../time/zoned.ts";

let t: TestDatabase;
let a: SalonFixture;
let b: SecondLocation;
const clock = testClock();
const TZ = "Europe/Madrid";

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createSalonFixture(t.db, t.fc);
  b = await createSecondLocation(t.db, a);
});
afterAll(() => t.drop());

const services = () => testServices(t, clock);
const managerA = () => callerFor(services(), { role: "manager", locationId: a.locationId, staffId: a.managerId });
const managerB = () => callerFor(services(), { role: "manager", locationId: b.locationId, staffId: b.managerId });

/** The first Saturday at least two days ahead. */
function nextSaturday(): string {
  let d = addDays(toLocal(clock(), TZ).date, 2);
  while (weekdayOf(d) !== 6) d = addDays(d, 1);
  return d;
}

describe("a stylist at two locations (issue #21)", () => {
  it("is listed at both; each location edits and reads only its own week for her", async () => {
    expect((await managerB().staff.list()).map((s) => s.displayName)).toEqual(
      expect.arrayContaining(["Laura", "Marta"]),
    );
    const atA = await managerA().staff.getSchedule({ staffId: a.staff.laura });
    expect(atA.weekly.length).toBeGreaterThan(0);
    const before = await managerB().staff.getSchedule({ staffId: a.staff.laura });
    // B sets Saturdays 10:00–14:00 for her.
    const after = await managerB().staff.setWeeklySchedule({
      staffId: a.staff.laura,
      version: before.version,
      blocks: [{ weekday: 6, kind: "work", startMinute: 600, endMinute: 840 }],
    });
    expect(after.weekly).toEqual([{ weekday: 6, kind: "work", startMinute: 600, endMinute: 840 }]);
    // A's week is untouched.
    expect((await managerA().staff.getSchedule({ staffId: a.staff.laura })).weekly).toEqual(atA.weekly);
    const rows = await t.db.staffScheduleBlock.findMany({
      where: { staffId: a.staff.laura, locationId: b.locationId },
    });
    expect(rows).toHaveLength(1);
  });

  it("availability at B follows B's week for her; a booking at A blocks her at B", async () => {
    const saturday = nextSaturday();
    const search = (caller: ReturnType<typeof managerA>, serviceId: string) =>
      caller.availability.search({
        items: [{ serviceId, staffId: a.staff.laura }],
        fromDate: saturday,
        toDate: saturday,
      });
    const atB = await search(managerB(), b.services.blowDry);
    expect(atB.length).toBeGreaterThan(0);
    for (const s of atB) {
      expect(s.localTime >= "10:00" && s.localTime <= "13:30", `offered ${s.localTime} at B`).toBe(true);
    }
    // She is booked at A at 11:00 that Saturday…
    const at11 = localToUtc(saturday, 11 * 60, TZ);
    await createBooking(
      { db: t.db, fc: t.fc, clock },
      {
        locationId: a.locationId,
        customerId: a.customers[0]!,
        startsAt: at11,
        items: [{ serviceId: a.services.cut, staffId: a.staff.laura }],
        source: "console",
        mode: "book",
      },
      { type: "staff", id: a.deskId },
    );
    // …so B no longer offers 11:00 with her, and refuses it when asked anyway.
    const atBNow = await search(managerB(), b.services.blowDry);
    expect(atBNow.some((s) => s.localTime === "11:00")).toBe(false);
    const refused = await createBooking(
      { db: t.db, fc: t.fc, clock },
      {
        locationId: b.locationId,
        customerId: a.customers[1]!,
        startsAt: at11,
        items: [{ serviceId: b.services.blowDry, staffId: a.staff.laura }],
        source: "console",
        mode: "book",
        allowOutsideHours: true,
      },
      { type: "staff", id: b.deskId },
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("SLOT_TAKEN");
  });

  it("the other salons are set from the stylist's own salon, by those who manage staff", async () => {
    const links = await managerA().staff.locations({ staffId: a.staff.carlos });
    expect(links).toMatchObject({ homeLocationId: a.locationId, otherLocationIds: [] });
    const set = await managerA().staff.setLocations({
      staffId: a.staff.carlos,
      version: links.version,
      locationIds: [b.locationId],
    });
    expect(set.otherLocationIds).toEqual([b.locationId]);
    expect((await managerB().staff.list()).map((s) => s.id)).toContain(a.staff.carlos);
    // Not from another salon, not their own salon, not an unknown one, not by the front desk.
    await expect(
      managerB().staff.setLocations({ staffId: a.staff.carlos, version: set.version, locationIds: [] }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      managerA().staff.setLocations({ staffId: a.staff.carlos, version: set.version, locationIds: [a.locationId] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      managerA().staff.setLocations({
        staffId: a.staff.carlos,
        version: set.version,
        locationIds: ["00000000-0000-4000-8000-000000000000"],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const desk = callerFor(services(), { role: "front_desk", locationId: a.locationId, staffId: a.deskId });
    await expect(
      desk.staff.setLocations({ staffId: a.staff.carlos, version: set.version, locationIds: [] }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Removing the link takes them off B's list again.
    await managerA().staff.setLocations({ staffId: a.staff.carlos, version: set.version, locationIds: [] });
    expect((await managerB().staff.list()).map((s) => s.id)).not.toContain(a.staff.carlos);
  });
});
