// The days and times customers name, read against the salon's calendar: "mañana", "el viernes",
// "el viernes que viene", "este jueves", "next Friday", "el 15", "15/12", "la semana que viene",
// "a las 6", "sobre las 5 y media", "después de las 4", "por la tarde". Pure (today is given).
// A phrase that can mean two days is not guessed: both dates come back and the agent asks.
import { addDays, weekdayOf } from "../../time/zoned.ts";
import { type DayPart, parseDate, parseDayPart, parseTime } from "../lang.ts";

export interface DayReading {
  /** One day meant. */
  date?: string;
  /** Two days the phrase can mean ("el viernes que viene" said on a Tuesday): ask which. */
  options?: [string, string];
  /** A range ("la semana que viene", "este finde"): offer the earliest free times in it. */
  range?: [string, string];
}

const WEEKDAY: Record<string, number> = {
  lunes: 1,
  martes: 2,
  miercoles: 3,
  jueves: 4,
  viernes: 5,
  sabado: 6,
  domingo: 7,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};
const WD = Object.keys(WEEKDAY).join("|");

/** The coming `wd` (today's own weekday counts as a week ahead). */
function coming(today: string, wd: number): string {
  const delta = (wd - weekdayOf(today) + 7) % 7;
  return addDays(today, delta === 0 ? 7 : delta);
}

/** Reads a day from normalised text (guided/text.ts `normalise`). */
export function readDay(f: string, today: string): DayReading | null {
  // "el viernes que viene", "el próximo viernes", "next Friday": this week's or next week's?
  const next =
    new RegExp(`(?:^| )(?:el |this )?(?:proximo |next |siguiente )(${WD})(?: |$)`).exec(f) ??
    new RegExp(
      `(?:^| )(?:el )?(${WD}) (?:que viene|proximo|siguiente|de la semana que viene|de la proxima semana)(?: |$)`,
    ).exec(f);
  if (next) {
    const wd = WEEKDAY[next[1]!]!;
    const first = coming(today, wd);
    const explicitNextWeek = /(de la semana que viene|de la proxima semana)/.test(f);
    if (explicitNextWeek) {
      // The weekday of next week (Monday-based weeks).
      const monday = addDays(today, 8 - weekdayOf(today));
      return { date: addDays(monday, wd - 1) };
    }
    // Said from Friday to Sunday about a weekday before it in the week, "the coming one" is clear.
    const todayWd = weekdayOf(today);
    if (wd <= todayWd) return { date: first };
    return { options: [first, addDays(first, 7)] };
  }
  const thisOne = new RegExp(`(?:^| )(?:este|esta|this) (${WD})(?: |$)`).exec(f);
  if (thisOne) return { date: coming(today, WEEKDAY[thisOne[1]!]!) };
  if (/(^| )(la semana que viene|la proxima semana|next week)( |$)/.test(f)) {
    const monday = addDays(today, 8 - weekdayOf(today));
    return { range: [monday, addDays(monday, 5)] };
  }
  if (/(^| )(este fin de semana|el fin de semana|this weekend|the weekend)( |$)/.test(f)) {
    const sat = coming(today, 6);
    return { range: [weekdayOf(today) === 6 ? today : sat, addDays(weekdayOf(today) === 6 ? today : sat, 1)] };
  }
  if (/(^| )(esta semana|this week)( |$)/.test(f)) {
    return { range: [today, addDays(today, 7 - weekdayOf(today))] };
  }
  const inDays =
    /(?:^| )(?:dentro de|en|in) (\d{1,2}|dos|tres|cuatro|cinco|two|three|four|five) (?:dias|days)(?: |$)/.exec(f);
  if (inDays) {
    const n =
      { dos: 2, tres: 3, cuatro: 4, cinco: 5, two: 2, three: 3, four: 4, five: 5 }[inDays[1]!] ?? Number(inDays[1]);
    if (n > 0 && n < 100) return { date: addDays(today, n) };
  }
  const date = parseDate(f, today);
  if (date) return { date };
  // "el 15", "el día 15", "on the 15th": that day of this month, or of the next when it has passed.
  const dayOnly = /(?:^| )(?:el dia|el|dia|on the|the) (\d{1,2})(?:st|nd|rd|th)?(?: |$)(?!de |y |:)/.exec(f);
  if (dayOnly && !/(a las|sobre las|at|around) \d/.test(dayOnly[0])) {
    const d = Number(dayOnly[1]);
    const [y, m] = today.split("-").map(Number) as [number, number];
    if (d >= 1 && d <= 31) {
      const here = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      if (here >= today && valid(here)) return { date: here };
      const nm = m === 12 ? 1 : m + 1;
      const ny = m === 12 ? y + 1 : y;
      const there = `${ny}-${String(nm).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      if (valid(there)) return { date: there };
    }
  }
  return null;
}

function valid(iso: string): boolean {
  const d = new Date(`${iso}T12:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

export interface TimeReading {
  /** Minutes from local midnight. */
  minute?: number;
  /** "después de las 5" / "antes de las 12": a bound rather than a time. */
  after?: number;
  before?: number;
  dayPart?: DayPart;
}

/** Reads a time, a bound or a part of the day from normalised text. */
export function readTime(f: string): TimeReading | null {
  const out: TimeReading = {};
  const part = parseDayPart(f);
  if (part) out.dayPart = part;
  const bound = /(?:^| )(a partir de las|despues de las|desde las|after|from) (\d{1,2})(?:h(\d{2}))?/.exec(f);
  const before = /(?:^| )(antes de las|before|hasta las) (\d{1,2})(?:h(\d{2}))?/.exec(f);
  if (bound) {
    const m = parseTime(
      `a las ${bound[2]}${bound[3] ? `h${bound[3]}` : ""}${part === "morning" ? " de la manana" : ""}`,
    );
    if (m !== null) out.after = m;
  } else if (before) {
    const m = parseTime(
      `a las ${before[2]}${before[3] ? `h${before[3]}` : ""}${part === "morning" ? " de la manana" : ""}`,
    );
    if (m !== null) out.before = m;
  } else {
    const m = parseTime(f.replace(/(^| )(sobre|hacia|a eso de|tipo|como a) las /g, "$1a las "));
    if (m !== null) out.minute = m;
  }
  return Object.keys(out).length ? out : null;
}
