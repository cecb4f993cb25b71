// The occurrences of a repeating visit (pure): wall-clock time kept across Madrid's DST changes,
// every-N-weeks and RRULE rules, count and until limits, refusals.
import { describe, expect, it } from "vitest";
import { isAppError } from "../errors/app-error.ts";
import { localToUtc, toLocal } from "../time/zoned.ts";
import { describeRule, MAX_OCCURRENCES, parseRRule, seriesOccurrences } from "./series-rule.ts";

const TZ = "Europe/Madrid";
const now = new Date("2026-12-07T09:00:00Z");
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
const badInput = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) && e.code === "BAD_INPUT";
  }
  return false;
};

describe("seriesOccurrences", () => {
  it("every 4 weeks keeps 10:00 local across the last Sundays of March and October (the UTC hour moves)", () => {
    // 2027-03-01 is a Monday, winter time (UTC+1); 2027-03-28 and 2027-10-31 are the changes.
    const occ = seriesOccurrences(at("2027-03-01", 10), { kind: "weeks", every: 4 }, { count: 12 }, TZ, now);
    expect(occ).toHaveLength(12);
    expect(occ.map((o) => o.date)).toEqual([
      "2027-03-01",
      "2027-03-29",
      "2027-04-26",
      "2027-05-24",
      "2027-06-21",
      "2027-07-19",
      "2027-08-16",
      "2027-09-13",
      "2027-10-11",
      "2027-11-08",
      "2027-12-06",
      "2028-01-03",
    ]);
    for (const o of occ) expect(toLocal(o.startsAt, TZ)).toMatchObject({ minute: 600, weekday: 1 });
    expect(occ[0]!.startsAt.toISOString()).toBe("2027-03-01T09:00:00.000Z"); // CET
    expect(occ[1]!.startsAt.toISOString()).toBe("2027-03-29T08:00:00.000Z"); // CEST after March's change
    expect(occ[9]!.startsAt.toISOString()).toBe("2027-11-08T09:00:00.000Z"); // CET after October's change
    expect(occ.map((o) => o.index)).toEqual([...Array(12).keys()]);
  });

  it("an RRULE gives the same visits, also in floating local time", () => {
    const weeks = seriesOccurrences(at("2027-03-01", 10), { kind: "weeks", every: 4 }, { count: 12 }, TZ, now);
    const rrule = seriesOccurrences(
      at("2027-03-01", 10),
      { kind: "rrule", rule: "RRULE:FREQ=WEEKLY;INTERVAL=4" },
      { count: 12 },
      TZ,
      now,
    );
    expect(rrule.map((o) => o.startsAt.getTime())).toEqual(weeks.map((o) => o.startsAt.getTime()));
  });

  it("a weekly visit through the October change keeps its wall time; until is inclusive", () => {
    const occ = seriesOccurrences(
      at("2027-10-20", 17, 30),
      { kind: "rrule", rule: "FREQ=WEEKLY" },
      { until: "2027-11-10" },
      TZ,
      now,
    );
    expect(occ.map((o) => o.date)).toEqual(["2027-10-20", "2027-10-27", "2027-11-03", "2027-11-10"]);
    expect(occ.map((o) => o.startsAt.toISOString())).toEqual([
      "2027-10-20T15:30:00.000Z",
      "2027-10-27T15:30:00.000Z",
      "2027-11-03T16:30:00.000Z",
      "2027-11-10T16:30:00.000Z",
    ]);
  });

  it("monthly on the first Saturday: the first visit counts even when the rule would not generate it", () => {
    const occ = seriesOccurrences(
      at("2027-01-05", 11),
      { kind: "rrule", rule: "FREQ=MONTHLY;BYDAY=1SA" },
      { count: 4 },
      TZ,
      now,
    );
    expect(occ.map((o) => o.date)).toEqual(["2027-01-05", "2027-02-06", "2027-03-06", "2027-04-03"]);
    expect(occ.every((o) => toLocal(o.startsAt, TZ).minute === 660)).toBe(true);
  });

  it("an RRULE that never matches ends (bounded), and is refused as having no visit after the first", () => {
    const started = Date.now();
    expect(
      badInput(() =>
        seriesOccurrences(
          at("2027-01-05", 11),
          { kind: "rrule", rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" },
          { count: 5 },
          TZ,
          now,
        ),
      ),
    ).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses sub-daily rules, time parts, DTSTART, junk, bad counts and past or early until", () => {
    const first = at("2027-01-05", 11);
    for (const rule of ["FREQ=HOURLY", "FREQ=WEEKLY;BYHOUR=9", "DTSTART:20270101T000000Z", "hello", "FREQ=WEEKLY;;"]) {
      expect(badInput(() => seriesOccurrences(first, { kind: "rrule", rule }, { count: 3 }, TZ, now))).toBe(true);
    }
    const weekly = { kind: "weeks", every: 1 } as const;
    for (const count of [0, 1, MAX_OCCURRENCES + 1, 2.5]) {
      expect(badInput(() => seriesOccurrences(first, weekly, { count }, TZ, now))).toBe(true);
    }
    expect(badInput(() => seriesOccurrences(first, { kind: "weeks", every: 0 }, { count: 3 }, TZ, now))).toBe(true);
    expect(badInput(() => seriesOccurrences(first, weekly, { until: "2027-01-05" }, TZ, now))).toBe(true);
    expect(badInput(() => seriesOccurrences(at("2026-11-20", 10), weekly, { until: "2026-12-01" }, TZ, now))).toBe(
      true,
    );
  });

  it("caps a long rule at the most visits a series may have", () => {
    const occ = seriesOccurrences(at("2027-01-05", 11), { kind: "weeks", every: 1 }, { until: "2030-01-01" }, TZ, now);
    expect(occ).toHaveLength(MAX_OCCURRENCES);
  });

  it("normalises and describes rules", () => {
    expect(parseRRule(" rrule:freq=weekly;interval=4 ")).toBe("FREQ=WEEKLY;INTERVAL=4");
    expect(describeRule({ kind: "weeks", every: 4 }, "es")).toBe("cada 4 semanas");
    expect(describeRule({ kind: "weeks", every: 1 }, "en")).toBe("every week");
    expect(describeRule({ kind: "rrule", rule: "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6" }, "es")).toBe("cada 2 semanas");
    expect(describeRule({ kind: "rrule", rule: "FREQ=MONTHLY" }, "es")).toBe("cada mes");
    expect(describeRule({ kind: "rrule", rule: "FREQ=MONTHLY;INTERVAL=3" }, "en")).toBe("every 3 months");
    expect(describeRule({ kind: "rrule", rule: "FREQ=MONTHLY;BYDAY=1SA" }, "en")).toBe("FREQ=MONTHLY;BYDAY=1SA");
  });
});
