// Wall time in the location's zone, whatever the computer's zone is: the console shows Madrid time
// on a laptop set to New York, and DST days have 23 or 25 hours. The arithmetic is @cita/shared's
// time.ts (the same the server's availability engine uses); this adapts it to the console's shapes
// (minutes, epoch milliseconds).
import { addDays, toLocal, localToUtc as toUtc, zoneOffsetMs } from "@cita/shared";

export { addDays, startOfWeek, weekdayOf } from "@cita/shared";

export interface ZonedParts {
  /** YYYY-MM-DD */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

/** The local date and minute of an instant in `tz`. */
export function zoned(instant: Date | number, tz: string): ZonedParts {
  const l = toLocal(instant, tz);
  return { date: l.date, minutes: l.minute };
}

/** Offset of `tz` from UTC at an instant, in minutes (e.g. +60 for Madrid in winter). */
export function offsetMinutes(instant: number, tz: string): number {
  return Math.round(zoneOffsetMs(instant, tz) / 60_000);
}

/**
 * The instant (epoch ms) of a local wall time. In the spring-forward gap the time does not exist
 * and the next valid instant is returned (02:30 → 03:30 in Madrid); in the autumn overlap, the first.
 */
export function localToUtc(date: string, minutes: number, tz: string): number {
  if (minutes < 0 || minutes >= 1440) {
    const days = Math.floor(minutes / 1440);
    return localToUtc(addDays(date, days), minutes - days * 1440, tz);
  }
  return toUtc(date, minutes, tz).getTime();
}

export function today(tz: string, now: number = Date.now()): string {
  return toLocal(now, tz).date;
}

export function isLocalDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}
