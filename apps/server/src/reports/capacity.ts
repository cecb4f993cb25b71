// Scheduled capacity per stylist over a period of local dates: the working time the availability
// engine would offer (compute-availability's workingWindows: the weekly blocks or that date's
// override, minus breaks), within the salon's opening hours, skipping closures, minus time off.
// Bookings are not subtracted: capacity is the time that could be sold, utilisation what was.

import { dateOnly } from "../audit/scope.ts";
import { dayClock, windows, workingWindows } from "../availability/compute-availability.ts";
import { intersect, mergeSorted, sortIntervals, subtract } from "../availability/intervals.ts";
import { workingSchedule } from "../availability/load.ts";
import type { DateOverride, Interval, LocationRules, WeeklyBlock } from "../availability/types.ts";
import type { Tx } from "../db/client.ts";
import { staffAtLocation } from "../staff/at-location.ts";
import { addDays, weekdayOf } from "../time/zoned.ts";

export interface StaffSchedule {
  id: string;
  weekly: WeeklyBlock[];
  overrides: DateOverride[];
  /** Time off as instants (any order). */
  timeOff: Interval[];
}

export type SalonHours = Pick<LocationRules, "timeZone" | "hours" | "closures">;

const MINUTE = 60_000;

/** Pure: minutes of working time per stylist from `from` to `to` (local dates, inclusive). */
export function capacityMinutes(
  staff: readonly StaffSchedule[],
  salon: SalonHours,
  from: string,
  to: string,
): Record<string, number> {
  const closures = new Set(salon.closures);
  const out: Record<string, number> = {};
  const people = staff.map((s) => ({
    schedule: { id: s.id, name: "", weekly: s.weekly, overrides: s.overrides, busy: [], skills: new Map() },
    off: mergeSorted(sortIntervals(s.timeOff)),
    ms: 0,
  }));
  for (let date = from; date <= to; date = addDays(date, 1)) {
    if (closures.has(date)) continue;
    const weekday = weekdayOf(date);
    const at = dayClock(date, salon.timeZone);
    const open = windows(
      salon.hours.filter((h) => h.weekday === weekday),
      at,
    );
    if (!open.length) continue;
    for (const p of people) {
      const work = subtract(intersect(workingWindows(p.schedule, date, weekday, at), open), p.off);
      for (const w of work) p.ms += w.end - w.start;
    }
  }
  for (const p of people) out[p.schedule.id] = Math.round(p.ms / MINUTE);
  return out;
}

/** Reads the schedules of `staffIds` and the salon's hours, and computes their capacity. */
export async function loadCapacity(
  db: Tx,
  p: { locationId: string; timeZone: string; staffIds: string[]; from: string; to: string; start: Date; end: Date },
): Promise<Record<string, number>> {
  if (!p.staffIds.length) return {};
  const days = { gte: new Date(`${p.from}T00:00:00Z`), lte: new Date(`${p.to}T00:00:00Z`) };
  const [location, staff] = await Promise.all([
    db.location.findUniqueOrThrow({
      where: { id: p.locationId },
      select: { hours: true, closures: { where: { date: days }, select: { date: true } } },
    }),
    db.staffMember.findMany({
      where: { id: { in: p.staffIds }, ...staffAtLocation(p.locationId) },
      select: {
        id: true,
        locationId: true,
        scheduleBlocks: true,
        dateOverrides: { where: { date: days } },
        timeOff: { where: { startsAt: { lt: p.end }, endsAt: { gt: p.start } } },
      },
    }),
  ]);
  return capacityMinutes(
    staff.map((s) => ({
      id: s.id,
      // The week worked at this location (issue #21: a block without a location is worked at home).
      ...workingSchedule({
        ...s,
        scheduleBlocks: s.scheduleBlocks.filter((b) => (b.locationId ?? s.locationId) === p.locationId),
      }),
      timeOff: s.timeOff.map((t) => ({ start: t.startsAt.getTime(), end: t.endsAt.getTime() })),
    })),
    { timeZone: p.timeZone, hours: location.hours, closures: location.closures.map((c) => dateOnly(c.date)) },
    p.from,
    p.to,
  );
}
