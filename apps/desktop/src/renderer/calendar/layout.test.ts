import { describe, expect, it } from "vitest";
import { localToUtc } from "../time.ts";
import { columnGeometry, instantAt, itemSegments, type LayoutItem, layoutColumns, nowOffset } from "./layout.ts";

const TZ = "Europe/Madrid";
const WIN = { startMinute: 8 * 60, endMinute: 21 * 60 };
const at = (date: string, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return localToUtc(date, h * 60 + m, TZ);
};

function item(
  key: string,
  column: string,
  date: string,
  start: string,
  d: number,
  p = 0,
  f = 0,
  bufferAfter = 0,
): LayoutItem {
  const startsAt = at(date, start);
  return {
    key,
    bookingId: key,
    columnKey: column,
    startsAt,
    endsAt: startsAt + (d + p + f + bufferAfter) * 60_000,
    durationMinutes: d,
    processingMinutes: p,
    finishingMinutes: f,
  };
}

describe("calendar layout", () => {
  const day = "2026-11-24";
  const cols = [
    { key: "laura", date: day },
    { key: "carlos", date: day },
  ];

  it("places a booking by elapsed minutes from the column's first hour", () => {
    const l = layoutColumns(cols, [item("a", "carlos", day, "10:30", 45)], WIN, TZ);
    expect(l.blocks).toHaveLength(1);
    expect(l.blocks[0]).toMatchObject({ columnIndex: 1, top: 150, height: 45, lane: 0, lanes: 1 });
    expect(l.height).toBe(13 * 60);
    expect(l.columns[0]!.hours.map((h) => h.hour)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  });

  it("puts overlapping bookings side by side within a column, and only those", () => {
    const l = layoutColumns(
      cols,
      [
        item("a", "laura", day, "10:00", 60),
        item("b", "laura", day, "10:30", 60),
        item("c", "laura", day, "11:00", 30), // overlaps b only, a is over: reuses lane 0
        item("d", "laura", day, "13:00", 30), // alone
        item("e", "carlos", day, "10:00", 60), // other column: independent
      ],
      WIN,
      TZ,
    );
    const by = Object.fromEntries(l.blocks.map((b) => [b.key, b]));
    expect([by.a!.lane, by.b!.lane, by.c!.lane]).toEqual([0, 1, 0]);
    expect([by.a!.lanes, by.b!.lanes, by.c!.lanes]).toEqual([2, 2, 2]);
    expect(by.d).toMatchObject({ lane: 0, lanes: 1 });
    expect(by.e).toMatchObject({ lane: 0, lanes: 1 });
  });

  it("draws a colour's processing gap as free time: a booking inside the gap does not take a lane", () => {
    // Root colour: 30 min work, 35 min processing, 20 min finishing; a 30-min cut in the gap.
    const colour = item("colour", "laura", day, "10:00", 30, 35, 20);
    const cut = item("cut", "laura", day, "10:30", 30);
    const l = layoutColumns(cols, [colour, cut], WIN, TZ);
    const by = Object.fromEntries(l.blocks.map((b) => [b.key, b]));
    expect(by.colour!.segments).toEqual([
      { kind: "work", offset: 0, minutes: 30 },
      { kind: "gap", offset: 30, minutes: 35 },
      { kind: "work", offset: 65, minutes: 20 },
    ]);
    expect(by.colour).toMatchObject({ lane: 0, lanes: 1, height: 85 });
    expect(by.cut).toMatchObject({ lane: 0, lanes: 1, top: 150 });
    // A booking that reaches into the finishing part does collide.
    const late = layoutColumns(cols, [colour, item("late", "laura", day, "10:50", 30)], WIN, TZ);
    expect(late.blocks.map((b) => b.lanes)).toEqual([2, 2]);
  });

  it("keeps a buffer after the service as its own busy segment", () => {
    expect(itemSegments(item("x", "laura", day, "10:00", 40, 40, 25, 5))).toEqual([
      { kind: "work", offset: 0, minutes: 40 },
      { kind: "gap", offset: 40, minutes: 40 },
      { kind: "work", offset: 80, minutes: 25 },
      { kind: "buffer", offset: 105, minutes: 5 },
    ]);
  });

  it("merges chains of overlaps into one cluster", () => {
    const l = layoutColumns(
      cols,
      [
        item("a", "laura", day, "10:00", 30),
        item("b", "laura", day, "10:15", 30),
        item("c", "laura", day, "10:40", 30),
      ],
      WIN,
      TZ,
    );
    expect(l.blocks.map((b) => [b.key, b.lane, b.lanes])).toEqual([
      ["a", 0, 2],
      ["b", 1, 2],
      ["c", 0, 2],
    ]);
  });

  it("skips bookings outside the window or in unknown columns", () => {
    const l = layoutColumns(
      cols,
      [item("early", "laura", day, "06:00", 60), item("ghost", "nobody", day, "10:00", 30)],
      WIN,
      TZ,
    );
    expect(l.blocks).toEqual([]);
  });

  describe("daylight saving days", () => {
    const FULL = { startMinute: 0, endMinute: 1440 };
    it("spring forward: a 23-hour day without a 02:00 line", () => {
      const g = columnGeometry({ key: "d", date: "2026-03-29" }, FULL, TZ);
      expect(g.height).toBe(23 * 60);
      const hours = g.hours.map((h) => h.hour);
      expect(hours).not.toContain(2);
      expect(hours.slice(0, 4)).toEqual([0, 1, 3, 4]);
      // 10:00 local is 9 elapsed hours after midnight that day.
      const l = layoutColumns(
        [{ key: "d", date: "2026-03-29" }],
        [item("a", "d", "2026-03-29", "10:00", 60)],
        FULL,
        TZ,
      );
      expect(l.blocks[0]!.top).toBe(9 * 60);
    });

    it("fall back: a 25-hour day with 02:00 twice, and bookings after it pushed down an hour", () => {
      const g = columnGeometry({ key: "d", date: "2026-10-25" }, FULL, TZ);
      expect(g.height).toBe(25 * 60);
      expect(g.hours.filter((h) => h.hour === 2)).toHaveLength(2);
      const l = layoutColumns(
        [{ key: "d", date: "2026-10-25" }],
        [item("a", "d", "2026-10-25", "10:00", 60)],
        FULL,
        TZ,
      );
      expect(l.blocks[0]!.top).toBe(11 * 60);
    });

    it("a week spanning the change keeps each day's own geometry", () => {
      const days = ["2026-10-24", "2026-10-25", "2026-10-26"].map((d) => ({ key: d, date: d }));
      const l = layoutColumns(
        days,
        days.map((d) => item(d.key, d.key, d.date, "10:00", 30)),
        WIN,
        TZ,
      );
      // The salon window (08–21) is after 03:00, so 10:00 sits at the same height every day.
      expect(l.blocks.map((b) => b.top)).toEqual([120, 120, 120]);
      expect(l.columns.map((c) => c.height)).toEqual([780, 780, 780]);
    });
  });

  it("finds now and snaps clicks to the slot step", () => {
    const g = columnGeometry({ key: "laura", date: day }, WIN, TZ);
    expect(nowOffset(g, at(day, "12:10"))).toBe(250);
    expect(nowOffset(g, at(day, "22:00"))).toBeNull();
    expect(instantAt(g, 127, 15)).toBe(at(day, "10:00"));
    expect(instantAt(g, 128, 15)).toBe(at(day, "10:15"));
    expect(instantAt(g, -50, 15)).toBe(at(day, "08:00"));
  });
});
