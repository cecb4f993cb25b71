// The input contract: the primitives every input schema is built from, so whatever reaches the domain
// (and the database) is already sane. Output schemas describe what the server sends and stay loose
// (common.ts: isoInstant, dateString); these are for what callers send.
//
//   instant        ISO 8601 with an offset, inside INPUT_WINDOW (no year 0, 1970 or 9999)
//   calendarDate   a real calendar date YYYY-MM-DD inside INPUT_WINDOW (no 2026-02-30, 9999-99-99)
//   dateRange      a from/to pair: in order, and at most N days (searches and reports: 366)
//   text / line    bounded strings without NUL or other control characters (text allows tab and
//                  newline) and without lone UTF-16 surrogates, which PostgreSQL cannot store
//   int            a whole number within explicit bounds (zod's number is finite; .int() is safe)
//   list           a bounded array
//   rowVersion, pageCursor, idempotencyKey   the small recurring fields
//
// Messages are English; a bound or format check keeps zod's own issue code (too_big, invalid_format…)
// so the console's Spanish rendering (apps/desktop/src/renderer/settings/form.tsx) still applies.
// The booking-specific rule (a start within the location's horizon and at most a few weeks back)
// needs the location and the clock, so the domain enforces it (apps/server/src/bookings/time-window.ts).
import { z } from "zod";

/** Instants and dates a caller may send: [from, to). The database refuses the same (CHECK constraints). */
export const INPUT_WINDOW = { from: "2000-01-01", to: "2100-01-01" } as const;
const WINDOW_FROM_MS = Date.parse(`${INPUT_WINDOW.from}T00:00:00Z`);
const WINDOW_TO_MS = Date.parse(`${INPUT_WINDOW.to}T00:00:00Z`);
const WINDOW_MESSAGE = `must be between ${INPUT_WINDOW.from} and ${INPUT_WINDOW.to}`;

/** PostgreSQL int4: versions, counts and minutes are stored as INTEGER. */
export const INT4_MAX = 2_147_483_647;
/** PostgreSQL int8: change-log versions. */
export const INT8_MAX = 9_223_372_036_854_775_807n;

/** The longest period a search or report covers (a leap year, inclusive). */
export const MAX_RANGE_DAYS = 366;

// ───────────────────────────── Text ─────────────────────────────

// One negated character class each (linear on any length; an alternation inside `*` makes V8
// backtrack per character and overflow its stack on multi-megabyte strings).
/** No control characters (C0, DEL, C1) but tab and newline; no lone surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters is the point
export const TEXT_PATTERN = /^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\p{Cs}]*$/u;
/** The same without tab and newline: names, e-mails, identifiers. */
export const LINE_PATTERN = /^[^\p{Cc}\p{Cs}]*$/u;
export const TEXT_MESSAGE = "must not contain control characters";
export const LINE_MESSAGE = "must be one line without control characters";

export interface TextOptions {
  /** At least this many characters (after trimming when `trim`). */
  min?: number;
  /** Trim surrounding whitespace first. */
  trim?: boolean;
  /** Message when shorter than `min` (default: zod's). */
  empty?: string;
  /** Message when longer than the maximum (default: zod's). */
  tooLong?: string;
}

function bounded(max: number, o: TextOptions): z.ZodString {
  let s = z.string();
  if (o.trim) s = s.trim();
  if (o.min !== undefined) s = o.empty ? s.min(o.min, o.empty) : s.min(o.min);
  return o.tooLong ? s.max(max, o.tooLong) : s.max(max);
}

/** Free text (notes, messages, reasons): at most `max` characters; tab and newline allowed. */
export function text(max: number, o: TextOptions = {}): z.ZodString {
  return bounded(max, o).regex(TEXT_PATTERN, TEXT_MESSAGE);
}

/** One line (names, e-mails, queries, identifiers): at most `max` characters, no control characters. */
export function line(max: number, o: TextOptions = {}): z.ZodString {
  return bounded(max, o).regex(LINE_PATTERN, LINE_MESSAGE);
}

// ───────────────────────────── Time ─────────────────────────────

// A real calendar date in 2000–2099, leap years included (every 4th year there; 2000 is one).
const CALENDAR_DATE =
  /^(?:20\d{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29)$/;

export const CALENDAR_DATE_MESSAGE = "must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31";

/** A local calendar date, YYYY-MM-DD, that exists (no 2026-02-30) and lies in INPUT_WINDOW. */
export const calendarDate = z.string().regex(CALENDAR_DATE, CALENDAR_DATE_MESSAGE);

/** An instant with an explicit offset (…Z or …+01:00), inside INPUT_WINDOW. */
export const instant = z.iso
  .datetime({ offset: true })
  // Catches the usual mistakes (year 0000, 1970, 9999) with a format issue the console renders…
  .regex(/^20\d{2}-/, WINDOW_MESSAGE)
  // …and the last hours at either edge that an offset moves across it (one issue per mistake: what
  // the checks above refuse is theirs to report).
  .refine((v) => {
    const ms = Date.parse(v);
    if (!/^20\d{2}-/.test(v) || Number.isNaN(ms)) return true;
    return ms >= WINDOW_FROM_MS && ms < WINDOW_TO_MS;
  }, WINDOW_MESSAGE);

const DAY_MS = 86_400_000;
const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY_MS;

/** Days from `from` to `to`, both included (calendar dates). */
export function daysInRange(from: string, to: string): number {
  return Math.round(dayNumber(to) - dayNumber(from)) + 1;
}

/** Milliseconds of a valid calendarDate (its midnight UTC) or instant; null for anything else. */
function endMs(v: unknown): number | null {
  if (typeof v !== "string") return null;
  if (calendarDate.safeParse(v).success) return Date.parse(`${v}T00:00:00Z`);
  if (instant.safeParse(v).success) return Date.parse(v);
  return null;
}

export interface DateRangeOptions<K extends string> {
  from: K;
  to: K;
  /** At most this many days, both ends included (default MAX_RANGE_DAYS). */
  maxDays?: number;
  /** Message when `to` is before `from` (on the `to` field). */
  order?: string;
  /** Message when the span is longer than `maxDays` (on the `to` field). */
  tooLong?: string;
}

/**
 * A from/to pair of calendarDate (or instant) fields on one object: `to` not before `from`, and the
 * span at most `maxDays`. Either end may be absent (then there is nothing to compare). Add with
 * `.superRefine(dateRange({ from: "fromDate", to: "toDate" }))`.
 */
export function dateRange<K extends string>(o: DateRangeOptions<K>) {
  const maxDays = o.maxDays ?? MAX_RANGE_DAYS;
  return (v: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
    const fromMs = endMs(v[o.from]);
    const toMs = endMs(v[o.to]);
    if (fromMs === null || toMs === null) return; // absent, or the field's own issue says why
    if (toMs < fromMs) {
      ctx.addIssue({ code: "custom", path: [o.to], message: o.order ?? `must not be before ${o.from}` });
    } else if (Math.floor((toMs - fromMs) / DAY_MS) + 1 > maxDays) {
      ctx.addIssue({ code: "custom", path: [o.to], message: o.tooLong ?? `a range covers at most ${maxDays} days` });
    }
  };
}

// ───────────────────────────── Numbers and lists ─────────────────────────────

/** A whole number in [min, max] (zod's number is already finite; `.int()` makes it a safe integer). */
export function int(min: number, max: number): z.ZodNumber {
  return z.number().int().min(min).max(max);
}

/** An array of `item`, from `min` to `max` entries. */
export function list<T extends z.ZodType>(item: T, max: number, min = 0) {
  return z.array(item).min(min).max(max);
}

/** The version of the row the client based its edit on (optimistic concurrency). */
export const rowVersion = int(1, INT4_MAX);

/** An opaque page cursor as the server handed it out (the domain refuses one it cannot read). */
export const pageCursor = line(200);

/** One per intended write (a retry with the same key gets the first answer). */
export const idempotencyKey = line(200, { min: 8 });
