// When a repeating visit happens (issue #20, part 2): the occurrences of a series, as instants, from
// the first visit's start, a rule (every N weeks, or an RFC 5545 RRULE through the `rrule` package)
// and a limit (a count, or a last local date). PURE: no database; "now" is passed in.
//
// Occurrences keep the first visit's LOCAL wall-clock time in the salon's zone: a 10:00 visit in
// Madrid is at 10:00 before and after the last Sunday of March or October, so its UTC instant moves
// by an hour. The rule is evaluated in "floating" time (rrule's own advice: the local wall time
// written as if it were UTC, no zone involved), and each floating occurrence is then placed in the
// zone with localToUtc (a wall time skipped by a spring-forward gap lands just after the gap).
//
// The iteration is always bounded (MAX_SERIES_SPAN_DAYS from the first visit): an RRULE that never
// matches (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30) ends empty instead of searching for ever.
import rrulePkg from "rrule";
import { AppError } from "../errors/app-error.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";

// rrule ships CommonJS to Node (its ESM build is for bundlers): the named exports live on the default.
const { RRule, rrulestr } = rrulePkg;

/** The most occurrences a series may have (a weekly visit for a year). */
export const MAX_OCCURRENCES = 52;
/** How far after the first visit a series may reach. */
export const MAX_SERIES_SPAN_DAYS = 731;
/** RRULE text: the property's own characters only (no DTSTART/TZID: the first visit gives both). */
export const RRULE_PATTERN = /^(RRULE:)?[A-Z]+=[A-Z0-9,+-]+(;[A-Z]+=[A-Z0-9,+-]+)*$/;

export type SeriesRule =
  /** Every N weeks on the first visit's weekday and local time. */
  | { kind: "weeks"; every: number }
  /** An RFC 5545 recurrence rule (FREQ=DAILY|WEEKLY|MONTHLY|YEARLY; e.g. "FREQ=MONTHLY;BYDAY=1SA"). */
  | { kind: "rrule"; rule: string };

export type SeriesLimit =
  /** This many visits, the first included. */
  | { count: number }
  /** Visits up to and including this local date (YYYY-MM-DD). */
  | { until: string };

export interface Occurrence {
  /** 0 for the first visit. */
  index: number;
  startsAt: Date;
  /** The local date (YYYY-MM-DD) in the salon's zone. */
  date: string;
}

const DAY_MS = 86_400_000;

/** Only rules that repeat whole days keep a visit's wall time; sub-daily frequencies are refused. */
const ALLOWED_FREQ = new Set(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]);
const REFUSED_PARTS = new Set(["DTSTART", "TZID", "BYSECOND", "BYMINUTE", "BYHOUR"]);

/** A rule's text checked and normalised ("RRULE:" dropped); BAD_INPUT names what is wrong. */
export function parseRRule(text: string): string {
  const rule = text
    .trim()
    .toUpperCase()
    .replace(/^RRULE:/, "");
  if (rule.length > 200 || !RRULE_PATTERN.test(rule)) {
    throw new AppError("BAD_INPUT", "rule: not an RFC 5545 recurrence rule (e.g. FREQ=WEEKLY;INTERVAL=4)");
  }
  const parts = new Map(rule.split(";").map((p) => p.split("=") as [string, string]));
  const freq = parts.get("FREQ");
  if (!freq || !ALLOWED_FREQ.has(freq)) {
    throw new AppError("BAD_INPUT", "rule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
  }
  for (const name of parts.keys()) {
    if (REFUSED_PARTS.has(name)) {
      throw new AppError("BAD_INPUT", `rule: ${name} is not allowed (a visit keeps the first one's time)`);
    }
  }
  return rule;
}

/** The floating instant (wall time written as UTC) of a local date and minute. */
const floating = (date: string, minute: number) => new Date(Date.parse(`${date}T00:00:00Z`) + minute * 60_000);

/**
 * The series' visits, first included, in order: at most `limit.count` (≤ MAX_OCCURRENCES) or up to
 * `limit.until`, and never past MAX_SERIES_SPAN_DAYS. `now` bounds `until` (no series ending in the
 * past). BAD_INPUT for a rule or a limit that cannot be used.
 */
export function seriesOccurrences(
  firstStartsAt: Date,
  rule: SeriesRule,
  limit: SeriesLimit,
  timeZone: string,
  now: Date,
): Occurrence[] {
  if (Number.isNaN(firstStartsAt.getTime())) throw new AppError("BAD_INPUT", "startsAt: not a valid instant");
  const first = toLocal(firstStartsAt, timeZone);
  const lastAllowed = addDays(first.date, MAX_SERIES_SPAN_DAYS);
  let max = MAX_OCCURRENCES;
  let lastDate = lastAllowed;
  if ("count" in limit) {
    if (!Number.isInteger(limit.count) || limit.count < 2 || limit.count > MAX_OCCURRENCES) {
      throw new AppError("BAD_INPUT", `limit.count: a series has 2 to ${MAX_OCCURRENCES} visits`);
    }
    max = limit.count;
  } else {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(limit.until) || limit.until <= first.date) {
      throw new AppError("BAD_INPUT", "limit.until: must be a date after the first visit");
    }
    if (limit.until < toLocal(now, timeZone).date) throw new AppError("BAD_INPUT", "limit.until: lies in the past");
    if (limit.until < lastDate) lastDate = limit.until;
  }

  let dates: string[];
  if (rule.kind === "weeks") {
    if (!Number.isInteger(rule.every) || rule.every < 1 || rule.every > 52) {
      throw new AppError("BAD_INPUT", "rule.every: every 1 to 52 weeks");
    }
    dates = [];
    for (let i = 0; dates.length < max; i++) {
      const date = addDays(first.date, 7 * rule.every * i);
      if (date > lastDate) break;
      dates.push(date);
    }
  } else {
    const text = parseRRule(rule.rule);
    let parsed: InstanceType<typeof RRule>;
    try {
      const options = rrulestr(text, { forceset: false }).origOptions;
      parsed = new RRule({ ...options, dtstart: floating(first.date, first.minute), tzid: null });
    } catch (e) {
      throw new AppError("BAD_INPUT", `rule: ${(e as Error).message}`.slice(0, 200));
    }
    const end = new Date(floating(lastDate, 0).getTime() + DAY_MS - 1);
    // Bounded by `end`: the iterator stops there even for a rule that never matches.
    const found = parsed.between(floating(first.date, 0), end, true, (_d, i) => i < max);
    // The first visit is the series' first occurrence even when the rule would not generate it.
    dates = [first.date, ...found.map((d) => d.toISOString().slice(0, 10)).filter((d) => d > first.date)];
    dates = [...new Set(dates)].slice(0, max);
  }
  if (dates.length < 2) throw new AppError("BAD_INPUT", "rule: the series has no visit after the first");
  return dates.map((date, index) => ({ index, date, startsAt: localToUtc(date, first.minute, timeZone) }));
}

const UNITS = {
  DAILY: { es: ["día", "días"], en: ["day", "days"] },
  WEEKLY: { es: ["semana", "semanas"], en: ["week", "weeks"] },
  MONTHLY: { es: ["mes", "meses"], en: ["month", "months"] },
  YEARLY: { es: ["año", "años"], en: ["year", "years"] },
} as const;

/** "every 4 weeks" / "cada 4 semanas" (gender agrees: "cada semana", "cada día"). */
function every(n: number, unit: keyof typeof UNITS, lang: "es" | "en"): string {
  const [one, many] = UNITS[unit][lang];
  if (n === 1) return lang === "es" ? `cada ${one}` : `every ${one}`;
  return lang === "es" ? `cada ${n} ${many}` : `every ${n} ${many}`;
}

/**
 * A short text of the rule for people ("every 4 weeks" / "cada 4 semanas"). An RRULE that is only a
 * frequency and an interval (its own COUNT/UNTIL aside) reads the same way; a richer one (BYDAY,
 * BYMONTHDAY…) is shown as the rule itself.
 */
export function describeRule(rule: SeriesRule, lang: "es" | "en"): string {
  if (rule.kind === "weeks") return every(rule.every, "WEEKLY", lang);
  const text = rule.rule
    .trim()
    .toUpperCase()
    .replace(/^RRULE:/, "");
  const parts = new Map(text.split(";").map((p) => p.split("=") as [string, string]));
  const freq = parts.get("FREQ");
  const interval = Number(parts.get("INTERVAL") ?? "1");
  const simple = [...parts.keys()].every((k) => ["FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"].includes(k));
  if (simple && freq && freq in UNITS && Number.isInteger(interval) && interval >= 1) {
    return every(interval, freq as keyof typeof UNITS, lang);
  }
  return text;
}
