// Synthetic calendars for the benchmark page: n bookings spread over columns, deterministic.
import { addDays, localToUtc } from "../time.ts";
import type { LayoutColumn, LayoutItem } from "./layout.ts";

export interface SyntheticCalendar {
  columns: LayoutColumn[];
  items: LayoutItem[];
}

function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `kind: "day"`: one column per stylist on `date`; `"week"`: seven day columns from `date`. */
export function synthetic(
  kind: "day" | "week",
  opts: { columns: number; bookings: number; date: string; tz: string },
): SyntheticCalendar {
  const random = rng(42);
  const columns: LayoutColumn[] =
    kind === "day"
      ? Array.from({ length: opts.columns }, (_, i) => ({ key: `staff-${i}`, date: opts.date }))
      : Array.from({ length: 7 }, (_, i) => ({ key: addDays(opts.date, i), date: addDays(opts.date, i) }));
  const items: LayoutItem[] = [];
  for (let n = 0; n < opts.bookings; n++) {
    const col = columns[n % columns.length]!;
    const minute = 9 * 60 + Math.floor(random() * 40) * 15;
    const colour = random() < 0.3;
    const duration = colour ? 30 : 15 + Math.floor(random() * 4) * 15;
    const processing = colour ? 35 : 0;
    const finishing = colour ? 20 : 0;
    const startsAt = localToUtc(col.date, minute, opts.tz);
    items.push({
      key: `b${n}:i0`,
      bookingId: `b${n}`,
      columnKey: col.key,
      startsAt,
      endsAt: startsAt + (duration + processing + finishing) * 60_000,
      durationMinutes: duration,
      processingMinutes: processing,
      finishingMinutes: finishing,
    });
  }
  return { columns, items };
}
