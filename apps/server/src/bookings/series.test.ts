// Repeating visits through the real database: every occurrence is a normal booking (the exclusion
// constraint guards each), collisions are reported with alternatives and the rest are booked;
// "this one" and "this and following" change only what they say; cancelling follows the policy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../services.ts";
import { createSalonFixture, overlappingActiveSegments, type SalonFixture } from "../testing/fixtures.ts";
import { testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc, toLocal } from "../time/zoned.ts";
import { createBooking } from "./create.ts";
import {
  cancelSeriesOccurrences,
  createSeries,
  moveSeriesOccurrences,
  type SeriesResult,
  seriesFromBooking,
  seriesOfBooking,
  seriesOfferFor,
} from "./series.ts";

const TZ = "Europe/Madrid";
let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
const clock = testClock("2027-02-25T09:00:00Z");
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
const desk = () => ({ type: "staff" as const, id: f.deskId });
const local = (iso: string | Date) => toLocal(new Date(iso), TZ);

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 4 });
  // A year ahead, so a 12-visit series every 4 weeks lies inside the booking horizon.
  await t.db.location.update({ where: { id: f.locationId }, data: { horizonDays: 366 } });
  services = testServices(t, clock);
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

const cutWithLaura = [{ serviceId: "", staffId: "" }];
const firstRequest = (customer: number, startsAt: Date) => ({
  locationId: f.locationId,
  customerId: f.customers[customer]!,
  startsAt,
  items: cutWithLaura.map(() => ({ serviceId: f.services.cut, staffId: f.staff.laura })),
  source: "console" as const,
  mode: "book" as const,
});

describe("repeating visits", () => {
  let series: SeriesResult;

  it("a 12-visit series with two collisions books ten and reports two with alternatives", async () => {
    // Two of the Mondays (visits 4 and 8: 2027-05-24, 2027-09-13) are already taken at 10:00.
    for (const date of ["2027-05-24", "2027-09-13"]) {
      await createBooking(services, firstRequest(1, at(date, 10)), desk());
    }
    series = await createSeries(
      services,
      { ...firstRequest(0, at("2027-03-01", 10)), rule: { kind: "weeks", every: 4 }, limit: { count: 12 } },
      desk(),
    );
    expect(series.booked).toHaveLength(10);
    expect(series.conflicts.map((c) => [c.index, local(c.startsAt).date, c.code])).toEqual([
      [4, "2027-05-24", "SLOT_TAKEN"],
      [8, "2027-09-13", "SLOT_TAKEN"],
    ]);
    for (const c of series.conflicts) {
      expect(c.alternatives.length).toBeGreaterThan(0);
      // The alternatives are free times for the same visit: another time, or the same time with Carlos.
      for (const a of c.alternatives) {
        expect(a.start !== c.startsAt || a.items.every((i) => i.staffId === f.staff.carlos)).toBe(true);
      }
    }
    // Every booked visit is a normal, confirmed booking at 10:00 local (across the March and October changes).
    const rows = await t.db.booking.findMany({
      where: { seriesId: series.seriesId },
      orderBy: { seriesIndex: "asc" },
    });
    expect(rows.map((r) => r.seriesIndex)).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11, 12]);
    expect(rows.every((r) => r.status === "confirmed" && r.customerId === f.customers[0])).toBe(true);
    expect(rows.map((r) => local(r.startsAt).minute)).toEqual(Array(10).fill(600));
    expect(new Set(rows.map((r) => r.startsAt.getUTCHours()))).toEqual(new Set([9, 8])); // CET and CEST
    expect(await overlappingActiveSegments(t.url)).toBe(0);
    const view = await seriesOfBooking(t.db, rows[2]!.id);
    expect(view).toMatchObject({ index: 3, series: { total: 12, ruleText: { es: "cada 4 semanas" } } });
  });

  it("'this one' moves only that visit", async () => {
    const third = series.booked.find((b) => b.index === 3)!.booking;
    const out = await moveSeriesOccurrences(
      services,
      { bookingId: third.id, scope: "this", startsAt: at(local(third.startsAt).date, 11) },
      desk(),
    );
    expect(out.conflicts).toEqual([]);
    expect(out.moved.map((m) => m.index)).toEqual([3]);
    const rows = await t.db.booking.findMany({
      where: { seriesId: series.seriesId, status: { not: "cancelled" } },
      orderBy: { seriesIndex: "asc" },
    });
    expect(rows.map((r) => [r.seriesIndex, local(r.startsAt).minute])).toEqual([
      [1, 600],
      [2, 600],
      [3, 660],
      [5, 600],
      [6, 600],
      [7, 600],
      [9, 600],
      [10, 600],
      [11, 600],
      [12, 600],
    ]);
  });

  it("'this and following' changes the rest only (same local time across DST), earlier visits untouched", async () => {
    const before = await t.db.booking.findMany({
      where: { seriesId: series.seriesId, seriesIndex: { lt: 6 } },
      orderBy: { seriesIndex: "asc" },
    });
    const sixth = series.booked.find((b) => b.index === 6)!.booking;
    // Visit 6 (2027-07-19, a Monday) → Tuesday 12:30; 7, 9–12 follow: a day later, 12:30.
    const out = await moveSeriesOccurrences(
      services,
      { bookingId: sixth.id, scope: "following", startsAt: at("2027-07-20", 12, 30) },
      desk(),
    );
    expect(out.conflicts).toEqual([]);
    expect(out.moved.map((m) => m.index)).toEqual([6, 7, 9, 10, 11, 12]);
    for (const m of out.moved) expect(local(m.booking.startsAt)).toMatchObject({ minute: 750, weekday: 2 });
    const after = await t.db.booking.findMany({
      where: { seriesId: series.seriesId, seriesIndex: { lt: 6 } },
      orderBy: { seriesIndex: "asc" },
    });
    expect(after.map((r) => [r.id, r.startsAt.getTime(), r.version])).toEqual(
      before.map((r) => [r.id, r.startsAt.getTime(), r.version]),
    );
    // The moved occurrences keep their numbers on the new bookings; the old ones are cancelled as moved.
    const eleven = await t.db.booking.findMany({
      where: { seriesId: series.seriesId },
      orderBy: { seriesIndex: "asc" },
    });
    expect(eleven).toHaveLength(10);
    expect(eleven.every((r) => r.status === "confirmed")).toBe(true);
    expect(
      await t.db.booking.count({ where: { id: { in: out.moved.map((m) => m.booking.rescheduledFromId!) } } }),
    ).toBe(6);
  });

  it("a move of the following visits onto taken time reports that visit with alternatives and moves the rest", async () => {
    const rows = await t.db.booking.findMany({
      where: { seriesId: series.seriesId, seriesIndex: { gte: 10 } },
      orderBy: { seriesIndex: "asc" },
    });
    // Someone takes 15:00 on visit 11's day.
    await createBooking(services, firstRequest(2, at(local(rows[1]!.startsAt).date, 15)), desk());
    const out = await moveSeriesOccurrences(
      services,
      { bookingId: rows[0]!.id, scope: "following", startsAt: at(local(rows[0]!.startsAt).date, 15) },
      desk(),
    );
    expect(out.moved.map((m) => m.index)).toEqual([10, 12]);
    expect(out.conflicts).toHaveLength(1);
    expect(out.conflicts[0]).toMatchObject({ index: 11, code: "SLOT_TAKEN", bookingId: rows[1]!.id });
    expect(out.conflicts[0]!.alternatives.length).toBeGreaterThan(0);
    const eleventh = await t.db.booking.findUniqueOrThrow({ where: { id: rows[1]!.id } });
    expect(eleventh).toMatchObject({ status: "confirmed", seriesIndex: 11 });
    expect(local(eleventh.startsAt).minute).toBe(750);
  });

  it("cancelling 'this and following' cancels from that visit on, each by the policy", async () => {
    const ninth = await t.db.booking.findFirstOrThrow({ where: { seriesId: series.seriesId, seriesIndex: 9 } });
    const out = await cancelSeriesOccurrences(
      services,
      { bookingId: ninth.id, scope: "following", by: "customer", reason: "moving away" },
      { type: "agent" },
    );
    expect(out.cancelled.map((c) => [c.index, c.rule])).toEqual([
      [9, "no_deposit_paid"],
      [10, "no_deposit_paid"],
      [11, "no_deposit_paid"],
      [12, "no_deposit_paid"],
    ]);
    const open = await t.db.booking.count({ where: { seriesId: series.seriesId, status: "confirmed" } });
    expect(open).toBe(6);
  });

  it("a deposit applies per occurrence; a series nobody can take is refused and not kept", async () => {
    const colour = await createSeries(
      services,
      {
        ...firstRequest(3, at("2027-03-02", 16)),
        items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
        mode: "hold",
        rule: { kind: "rrule", rule: "FREQ=WEEKLY;INTERVAL=2" },
        limit: { count: 3 },
      },
      { type: "agent" },
    );
    expect(colour.booked.map((b) => [b.booking.status, b.booking.depositCents])).toEqual([
      ["held", 1000],
      ["held", 1000],
      ["held", 1000],
    ]);
    const seriesCount = await t.db.bookingSeries.count();
    // Sunday: the stylists do not work.
    await expect(
      createSeries(
        services,
        { ...firstRequest(3, at("2027-03-07", 10)), rule: { kind: "weeks", every: 1 }, limit: { count: 3 } },
        desk(),
      ),
    ).rejects.toMatchObject({ code: "NOT_BOOKABLE", details: { conflicts: expect.any(Array) } });
    expect(await t.db.bookingSeries.count()).toBe(seriesCount);
  });

  it("after a booking: the offer ('¿Quieres dejarla fijada cada 4 semanas?') and saying yes links it as visit 1", async () => {
    const single = await createBooking(services, firstRequest(2, at("2027-03-04", 17)), { type: "agent" });
    const offer = await seriesOfferFor(services, single.id);
    expect(offer).toMatchObject({
      offer: true,
      rule: { kind: "weeks", every: 4 },
      limit: { count: 12 },
      question: { es: "¿Quieres dejarla fijada cada 4 semanas?" },
    });
    if (!offer.offer) throw new Error("no offer");
    expect(offer.dates.slice(0, 3)).toEqual(["2027-03-04", "2027-04-01", "2027-04-29"]);
    const out = await seriesFromBooking(
      services,
      { bookingId: single.id, rule: offer.rule, limit: { count: 3 } },
      { type: "agent" },
    );
    expect(out.conflicts).toEqual([]);
    expect(out.booked.map((b) => [b.index, local(b.booking.startsAt).date])).toEqual([
      [1, "2027-03-04"],
      [2, "2027-04-01"],
      [3, "2027-04-29"],
    ]);
    expect(out.booked[0]!.booking.id).toBe(single.id);
    expect(await t.db.booking.findUniqueOrThrow({ where: { id: single.id } })).toMatchObject({
      seriesId: out.seriesId,
      seriesIndex: 1,
    });
    // Already in a series: no second offer, and no second series.
    expect(await seriesOfferFor(services, single.id)).toEqual({ offer: false, reason: "in_series_or_group" });
    await expect(
      seriesFromBooking(services, { bookingId: single.id, rule: offer.rule, limit: { count: 3 } }, { type: "agent" }),
    ).rejects.toMatchObject({ code: "BAD_INPUT" });
    // A 60-day horizon (to 2027-04-26) fits two visits every 4 weeks from 2027-03-05.
    await t.db.location.update({ where: { id: f.locationId }, data: { horizonDays: 60 } });
    const other = await createBooking(services, firstRequest(3, at("2027-03-05", 17)), desk());
    expect(await seriesOfferFor(services, other.id)).toMatchObject({ offer: true, limit: { count: 2 } });
    await t.db.location.update({ where: { id: f.locationId }, data: { horizonDays: 366 } });
  });

  it("refuses unknown customers and bookings outside a series", async () => {
    await expect(
      createSeries(
        services,
        {
          ...firstRequest(0, at("2027-03-03", 10)),
          customerId: "00000000-0000-4000-8000-000000000000",
          rule: { kind: "weeks", every: 2 },
          limit: { count: 2 },
        },
        desk(),
      ),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const single = await createBooking(services, firstRequest(2, at("2027-03-03", 12)), desk());
    expect(await seriesOfBooking(t.db, single.id)).toBeNull();
    await expect(
      moveSeriesOccurrences(services, { bookingId: single.id, scope: "this", startsAt: at("2027-03-03", 13) }, desk()),
    ).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});
