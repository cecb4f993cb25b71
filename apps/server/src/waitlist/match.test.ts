// The waitlist's pure rules: parts of day, quiet hours (wrapping midnight, across a DST change), which
// slots suit which wishes, and the order wishes are served in.
import { describe, expect, it } from "vitest";
import { localToUtc } from "../time/zoned.ts";
import {
  type CandidateSlot,
  dayPartOf,
  inQuietHours,
  matchWishes,
  overlapDates,
  sendTimeFor,
  slotFitsWish,
  type WishToMatch,
} from "./match.ts";

const TZ = "Europe/Madrid";
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
const quiet = { startMinute: 21 * 60, endMinute: 9 * 60 };

const wish = (w: Partial<WishToMatch> & { id: string; createdAt: Date }): WishToMatch => ({
  serviceIds: ["cut"],
  staffId: null,
  dateFrom: "2026-03-12",
  dateTo: "2026-03-12",
  dayParts: ["morning", "afternoon", "evening"],
  expiresAt: new Date("2026-04-01T00:00:00Z"),
  offersSent: 0,
  ...w,
});

describe("parts of the day", () => {
  it("morning before 14:00, afternoon until 18:00, evening after", () => {
    expect([0, 13 * 60 + 59, 14 * 60, 17 * 60 + 59, 18 * 60, 23 * 60].map(dayPartOf)).toEqual([
      "morning",
      "morning",
      "afternoon",
      "afternoon",
      "evening",
      "evening",
    ]);
  });
});

describe("quiet hours", () => {
  it("wrap midnight, and start = end means none", () => {
    expect(inQuietHours(20 * 60 + 59, quiet)).toBe(false);
    expect(inQuietHours(21 * 60, quiet)).toBe(true);
    expect(inQuietHours(3 * 60, quiet)).toBe(true);
    expect(inQuietHours(9 * 60, quiet)).toBe(false);
    expect(inQuietHours(3 * 60, { startMinute: 600, endMinute: 600 })).toBe(false);
    expect(inQuietHours(13 * 60, { startMinute: 12 * 60, endMinute: 15 * 60 })).toBe(true);
  });

  it("hold a late-evening offer until the next morning, a small-hours one until the same morning", () => {
    expect(sendTimeFor(at("2026-03-11", 22, 30), quiet, TZ)).toEqual(at("2026-03-12", 9));
    expect(sendTimeFor(at("2026-03-12", 3), quiet, TZ)).toEqual(at("2026-03-12", 9));
    const day = at("2026-03-12", 12);
    expect(sendTimeFor(day, quiet, TZ)).toBe(day);
  });

  it("end at local 09:00 across the spring DST change", () => {
    // 29 March 2026: Madrid moves from UTC+1 to UTC+2 at 02:00.
    expect(sendTimeFor(at("2026-03-28", 23), quiet, TZ).toISOString()).toBe("2026-03-29T07:00:00.000Z");
  });
});

describe("matching", () => {
  const now = at("2026-03-11", 10);
  const slot = (h: number, staffId = "laura"): CandidateSlot => ({
    staffId,
    start: at("2026-03-12", h),
    end: at("2026-03-12", h, 30),
  });

  it("a slot suits a wish only within its dates, parts of day, stylist, expiry and the future", () => {
    const w = wish({ id: "a", createdAt: now, dayParts: ["afternoon"], staffId: "laura" });
    expect(slotFitsWish(w, slot(15), now, TZ)).toBe(true);
    expect(slotFitsWish(w, slot(11), now, TZ)).toBe(false); // morning
    expect(slotFitsWish(w, slot(15, "carlos"), now, TZ)).toBe(false); // another stylist
    expect(slotFitsWish({ ...w, dateFrom: "2026-03-13", dateTo: "2026-03-14" }, slot(15), now, TZ)).toBe(false);
    expect(slotFitsWish({ ...w, expiresAt: now }, slot(15), now, TZ)).toBe(false);
    expect(slotFitsWish(w, slot(15), at("2026-03-12", 16), TZ)).toBe(false); // already past
  });

  it("serves wishes in the order made, each its earliest fitting slot, none past its limit", () => {
    const t0 = now.getTime();
    const wishes = [
      wish({ id: "late", createdAt: new Date(t0 + 3000) }),
      wish({ id: "first", createdAt: new Date(t0 + 1000), dayParts: ["evening"] }),
      wish({ id: "limited", createdAt: new Date(t0 + 2000), offersSent: 3 }),
      wish({ id: "tie-b", createdAt: new Date(t0 + 4000) }),
      wish({ id: "tie-a", createdAt: new Date(t0 + 4000), dayParts: ["morning"] }),
    ];
    const slots = [slot(18), slot(11), slot(15)];
    const m = matchWishes(wishes, () => slots, { now, timeZone: TZ, maxOffers: 3 });
    expect(m.map((x) => [x.wish.id, x.slot.start.getTime()])).toEqual([
      ["first", at("2026-03-12", 18).getTime()],
      ["late", at("2026-03-12", 11).getTime()],
      ["tie-a", at("2026-03-12", 11).getTime()],
      ["tie-b", at("2026-03-12", 11).getTime()],
    ]);
  });

  it("overlaps a freed range with a wish's dates in the location's zone", () => {
    const w = wish({ id: "x", createdAt: now, dateFrom: "2026-03-12", dateTo: "2026-03-20" });
    // 23:30 local on the 11th to 00:30 on the 12th: only the 12th is both freed and wished.
    expect(overlapDates(w, { from: at("2026-03-11", 23, 30), to: at("2026-03-12", 0, 30) }, TZ)).toEqual({
      fromDate: "2026-03-12",
      toDate: "2026-03-12",
    });
    expect(overlapDates(w, { from: at("2026-03-21", 10), to: at("2026-03-21", 11) }, TZ)).toBeNull();
  });
});
