// Local wall time ↔ UTC instants for an IANA zone, with no dependency beyond Intl: the server (the
// availability engine) and the console use this one module. Salons think in local dates and
// "minutes from midnight"; the database stores instants.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LocalParts {
  /** YYYY-MM-DD */
  date: string;
  /** Minutes since local midnight. */
  minute: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

function parts(instantMs: number, timeZone: string) {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(instantMs)) p[type] = value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS[p.weekday ?? ""] ?? 0,
  };
}

/** Offset of the zone from UTC at an instant, in ms (Madrid in summer: +2h). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const p = parts(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

export function toLocal(instant: Date | number, timeZone: string): LocalParts {
  const p = parts(typeof instant === "number" ? instant : instant.getTime(), timeZone);
  const date = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
  return { date, minute: p.hour * 60 + p.minute, weekday: p.weekday };
}

/**
 * The instant at which local `date` + `minute` happens in the zone. A wall time skipped by a
 * spring-forward gap maps to the instant just after the gap (as a clock on the wall would read);
 * an ambiguous autumn time maps to its first occurrence.
 */
export function localToUtc(date: string, minute: number, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  const o1 = zoneOffsetMs(wall - 12 * 3600_000, timeZone);
  const o2 = zoneOffsetMs(wall + 12 * 3600_000, timeZone);
  // Try the earlier offset first (first occurrence when ambiguous).
  const first = Math.max(o1, o2);
  const second = Math.min(o1, o2);
  for (const o of [first, second]) {
    const t = wall - o;
    if (zoneOffsetMs(t, timeZone) === o) return new Date(t);
  }
  // In a gap: neither offset round-trips. Use the offset before the gap, which lands after it.
  return new Date(wall - second);
}

/** Adds days to a YYYY-MM-DD date (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday) of a YYYY-MM-DD date. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return js === 0 ? 7 : js;
}

/** The Monday of the week containing a YYYY-MM-DD date. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - weekdayOf(date));
}
