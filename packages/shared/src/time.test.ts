import { describe, expect, it } from "vitest";
import { addDays, localToUtc, toLocal, weekdayOf } from "./time.ts";

describe("zoned time", () => {
  it("maps Madrid wall time to UTC in winter and summer", () => {
    expect(localToUtc("2026-01-15", 10 * 60, "Europe/Madrid").toISOString()).toBe("2026-01-15T09:00:00.000Z");
    expect(localToUtc("2026-07-15", 10 * 60, "Europe/Madrid").toISOString()).toBe("2026-07-15T08:00:00.000Z");
  });

  it("handles the spring-forward day (Madrid 2026-03-29, 02:00→03:00)", () => {
    expect(localToUtc("2026-03-29", 60, "Europe/Madrid").toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect(localToUtc("2026-03-29", 13 * 60 + 30, "Europe/Madrid").toISOString()).toBe("2026-03-29T11:30:00.000Z");
    // 02:30 does not exist; it reads as 03:30 CEST.
    expect(localToUtc("2026-03-29", 150, "Europe/Madrid").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("handles the fall-back day (New York 2026-11-01, 02:00→01:00)", () => {
    expect(localToUtc("2026-11-01", 13 * 60, "America/New_York").toISOString()).toBe("2026-11-01T18:00:00.000Z");
    // 01:30 happens twice; the first occurrence (EDT) is chosen.
    expect(localToUtc("2026-11-01", 90, "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("round-trips toLocal", () => {
    const t = localToUtc("2026-10-25", 14 * 60 + 15, "Europe/Madrid");
    expect(toLocal(t, "Europe/Madrid")).toEqual({ date: "2026-10-25", minute: 14 * 60 + 15, weekday: 7 });
  });

  it("does calendar arithmetic", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(weekdayOf("2026-03-10")).toBe(2);
  });
});
