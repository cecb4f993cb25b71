import { describe, expect, it } from "vitest";
import { addDays, localToUtc, offsetMinutes, startOfWeek, weekdayOf, zoned } from "./time.ts";

describe("zoned time", () => {
  it("reads wall time in the location's zone, not the computer's", () => {
    expect(zoned(Date.parse("2026-11-24T09:30:00Z"), "Europe/Madrid")).toEqual({ date: "2026-11-24", minutes: 630 });
    expect(zoned(Date.parse("2026-11-24T03:30:00Z"), "America/New_York")).toEqual({
      date: "2026-11-23",
      minutes: 1350,
    });
    expect(offsetMinutes(Date.parse("2026-07-01T00:00:00Z"), "Europe/Madrid")).toBe(120);
    expect(offsetMinutes(Date.parse("2026-12-01T00:00:00Z"), "Asia/Kolkata")).toBe(330);
  });

  it("converts local wall time to instants across DST", () => {
    expect(new Date(localToUtc("2026-11-24", 600, "Europe/Madrid")).toISOString()).toBe("2026-11-24T09:00:00.000Z");
    expect(new Date(localToUtc("2026-07-01", 600, "Europe/Madrid")).toISOString()).toBe("2026-07-01T08:00:00.000Z");
    // 02:30 does not exist on 29 March: the next valid instant (03:30 CEST).
    expect(new Date(localToUtc("2026-03-29", 150, "Europe/Madrid")).toISOString()).toBe("2026-03-29T01:30:00.000Z");
    // 02:30 happens twice on 25 October: the first one (CEST).
    expect(new Date(localToUtc("2026-10-25", 150, "Europe/Madrid")).toISOString()).toBe("2026-10-25T00:30:00.000Z");
    // Minute 1440 is the next midnight.
    expect(localToUtc("2026-03-28", 1440, "Europe/Madrid")).toBe(localToUtc("2026-03-29", 0, "Europe/Madrid"));
  });

  it("does calendar arithmetic on local dates", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(weekdayOf("2026-11-22")).toBe(7);
    expect(startOfWeek("2026-11-22")).toBe("2026-11-16");
    expect(startOfWeek("2026-11-23")).toBe("2026-11-23");
  });
});
