// Wall time in the location's zone, whatever the computer's zone is. Only Intl is used, so the
// console shows Madrid time on a laptop set to New York, and DST days have 23 or 25 hours.

const partsCache = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsCache.set(tz, f);
  }
  return f;
}

export interface ZonedParts {
  /** YYYY-MM-DD */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

/** The local date and minute of an instant in `tz`. */
export function zoned(instant: Date | number, tz: string): ZonedParts {
  const p: Record<string, string> = {};
  for (const part of partsFormatter(tz).formatToParts(instant)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** Offset of `tz` from UTC at an instant, in minutes (e.g. +60 for Madrid in winter). */
export function offsetMinutes(instant: number, tz: string): number {
  const z = zoned(instant, tz);
  const [y, m, d] = z.date.split("-").map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d, 0, z.minutes);
  return Math.round((asUtc - Math.floor(instant / 60_000) * 60_000) / 60_000);
}

/**
 * The instant of a local wall time. In the spring-forward gap the time does not exist and the
 * next valid instant is returned (02:30 → 03:30 in Madrid); in the autumn overlap, the first one.
 */
export function localToUtc(date: string, minutes: number, tz: string): number {
  if (minutes < 0 || minutes >= 1440) {
    const days = Math.floor(minutes / 1440);
    return localToUtc(addDays(date, days), minutes - days * 1440, tz);
  }
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d, 0, minutes);
  // Try the offsets in force a day either side; keep the earliest candidate that maps back exactly.
  const offsets = new Set([
    offsetMinutes(naive - 86_400_000, tz),
    offsetMinutes(naive, tz),
    offsetMinutes(naive + 86_400_000, tz),
  ]);
  const exact = [...offsets]
    .map((o) => naive - o * 60_000)
    .filter((t) => {
      const z = zoned(t, tz);
      return z.date === date && z.minutes === minutes;
    })
    .sort((a, b) => a - b);
  if (exact.length) return exact[0]!;
  // Non-existent (the spring-forward gap): the offset before the gap moves the time forward.
  const before = offsetMinutes(naive - 86_400_000, tz);
  return naive - before * 60_000;
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** The Monday of the week containing `date`. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - weekdayOf(date));
}

export function today(tz: string, now: number = Date.now()): string {
  return zoned(now, tz).date;
}

export function isLocalDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}
