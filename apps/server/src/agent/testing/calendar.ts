// The days and times the agent scenarios name, asked of the salon instead of assumed around "now"
// (no vitest imports: eval/scenarios.ts uses it too). A scenario that wants "Thursday afternoon"
// asks for a day of the coming week on which the visit has free afternoon slots — from the salon's
// hours, closures, stylists' weeks and bookings, through findSlots as the agent's tools do — and
// names it the way a customer would ("mañana", "el jueves", "el 2 de abril").
import { findSlots } from "../../availability/find.ts";
import type { Slot, VisitItemRequest } from "../../availability/types.ts";
import type { Db } from "../../db/client.ts";
import { addDays, toLocal, weekdayOf } from "../../time/zoned.ts";
import type { Lang } from "../lang.ts";

/** The salon and clock a scenario runs against (an AgentWorld, or a test's own set-up). */
export interface SalonRef {
  db: Db;
  locationId: string;
  clock: () => Date;
}

/** The salon's time zone, horizon and cancellation window (read once per world). */
const salons = new WeakMap<SalonRef, Promise<Salon>>();
export interface Salon {
  timeZone: string;
  horizonDays: number;
  cancellationWindowHours: number;
  openWeekdays: Set<number>;
  closures: Map<string, string>;
}

export function salonOf(w: SalonRef): Promise<Salon> {
  let s = salons.get(w);
  if (!s) {
    s = w.db.location
      .findUniqueOrThrow({ where: { id: w.locationId }, include: { hours: true, closures: true } })
      .then((l) => ({
        timeZone: l.timeZone,
        horizonDays: l.horizonDays,
        cancellationWindowHours: l.cancellationWindowHours,
        openWeekdays: new Set(l.hours.map((h) => h.weekday)),
        closures: new Map(l.closures.map((c) => [c.date.toISOString().slice(0, 10), c.reason])),
      }));
    salons.set(w, s);
  }
  return s;
}

/** The salon's local date at the world's clock. */
export async function salonToday(w: SalonRef): Promise<string> {
  return toLocal(w.clock(), (await salonOf(w)).timeZone).date;
}

export const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Offsets from today, in order of preference: a weekday of the coming week first, then tomorrow, then later. */
export const COMING_WEEK = [2, 3, 4, 5, 6, 1, ...Array.from({ length: 21 }, (_, i) => i + 7)];
/** Tomorrow first, then the rest of the coming week, then later. */
export const TOMORROW_FIRST = [1, 2, 3, 4, 5, 6, ...Array.from({ length: 21 }, (_, i) => i + 7)];
/** A few days ahead (well outside a 24-hour cancellation window), then later. */
export const FEW_DAYS_AHEAD = Array.from({ length: 25 }, (_, i) => i + 3);

export interface DayWanted {
  /** The visit, as the agent will ask for it (staffId null: anyone qualified). */
  items: VisitItemRequest[];
  /** Only slots starting in [from, to) local minutes count (a part of the day, "from 17:00"). */
  window?: [number, number];
  /** At least this many counted slots that day (default 1). */
  minSlots?: number;
  /** A further test on the day's counted slots (e.g. two stylists free at the same time). */
  accept?: (slots: Slot[]) => boolean;
  /** Candidate days as offsets from today, in order of preference (default COMING_WEEK). */
  offsets?: number[];
  /** Dates not to use. */
  exclude?: string[];
  /** Leave this booking's own time out (for moving it). */
  excludeBookingId?: string;
  /** Return the counted slots of every candidate day (`date` is still the first day that qualifies). */
  all?: boolean;
}

/**
 * The first day (by `offsets`) with free slots for the visit as wanted, and those slots (earliest
 * first). Throws naming the request when the salon has none, so a test fails with the reason.
 */
export async function salonDay(w: SalonRef, want: DayWanted): Promise<{ date: string; slots: Slot[] }> {
  const today = await salonToday(w);
  const offsets = want.offsets ?? COMING_WEEK;
  const dates = offsets.map((o) => addDays(today, o)).filter((d) => !want.exclude?.includes(d));
  const sorted = [...dates].sort();
  const all = await findSlots(w.db, {
    locationId: w.locationId,
    items: want.items,
    fromDate: sorted[0]!,
    toDate: sorted.at(-1)!,
    now: w.clock(),
    ...(want.excludeBookingId ? { excludeBookingId: want.excludeBookingId } : {}),
  });
  const [a, b] = want.window ?? [0, 24 * 60];
  const counted = all.filter(
    (s) => dates.includes(s.localDate) && minuteOf(s.localTime) >= a && minuteOf(s.localTime) < b,
  );
  for (const date of dates) {
    const slots = counted.filter((s) => s.localDate === date);
    if (slots.length >= (want.minSlots ?? 1) && (!want.accept || want.accept(slots)))
      return { date, slots: want.all ? counted : slots };
  }
  throw new Error(
    `the salon has no day ${JSON.stringify({ ...want, today, dates: [dates[0], dates.at(-1)] })} (at ${w.clock().toISOString()})`,
  );
}

/**
 * The first time (days by `offsets`, then earliest) at which at least `minStaff` stylists are each
 * free for the service (asked stylist by stylist: "any stylist" gives one slot per time).
 */
export async function sameTimeFor(
  w: SalonRef,
  want: { serviceId: string; minStaff: number; window?: [number, number]; offsets?: number[] },
): Promise<{ date: string; localTime: string; start: Date; staffIds: string[] }> {
  const staff = await w.db.staffService.findMany({
    where: { serviceId: want.serviceId, staff: { locationId: w.locationId, bookable: true, active: true } },
    select: { staffId: true },
  });
  const byStart = new Map<number, { date: string; localTime: string; staffIds: string[] }>();
  for (const { staffId } of staff) {
    const { slots } = await salonDay(w, {
      items: [{ serviceId: want.serviceId, staffId }],
      ...(want.window ? { window: want.window } : {}),
      ...(want.offsets ? { offsets: want.offsets } : {}),
      all: true,
    }).catch(() => ({ slots: [] as Slot[] }));
    for (const s of slots) {
      const at = byStart.get(s.start.getTime()) ?? { date: s.localDate, localTime: s.localTime, staffIds: [] };
      at.staffIds.push(staffId);
      byStart.set(s.start.getTime(), at);
    }
  }
  const today = await salonToday(w);
  for (const o of want.offsets ?? COMING_WEEK) {
    const date = addDays(today, o);
    const hit = [...byStart.entries()]
      .filter(([, v]) => v.date === date && v.staffIds.length >= want.minStaff)
      .sort(([a], [b]) => a - b)[0];
    if (hit) return { ...hit[1], start: new Date(hit[0]) };
  }
  throw new Error(`no time with ${want.minStaff} stylists free for ${want.serviceId} from ${today}`);
}

/** The next date (from tomorrow) whose weekday the salon never opens on and that is no closure. */
export async function closedWeekday(w: SalonRef): Promise<string> {
  const salon = await salonOf(w);
  const today = await salonToday(w);
  for (let i = 1; i <= 14; i++) {
    const d = addDays(today, i);
    if (!salon.openWeekdays.has(weekdayOf(d)) && !salon.closures.has(d)) return d;
  }
  throw new Error(`the salon opens every day of the fortnight from ${today}`);
}

const WEEKDAYS: Record<Lang, string[]> = {
  es: ["", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
  en: ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
};
const MONTHS: Record<Lang, string[]> = {
  es: "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(" "),
  en: "January February March April May June July August September October November December".split(" "),
};

export const weekdayName = (date: string, lang: Lang = "es") => WEEKDAYS[lang][weekdayOf(date)]!;

/**
 * How a customer names `date` seen from `today`: "hoy"/"mañana" (or that weekday, with
 * `tomorrow: "weekday"`), "el jueves" within the coming six days, otherwise "el 2 de abril".
 * English: "today", "tomorrow", "on Thursday", "on April 2".
 */
export function dayPhrase(date: string, today: string, lang: Lang = "es", o: { tomorrow?: "word" | "weekday" } = {}) {
  const ahead = Math.round((Date.parse(`${date}T12:00:00Z`) - Date.parse(`${today}T12:00:00Z`)) / 86_400_000);
  const es = lang === "es";
  if (ahead === 0) return es ? "hoy" : "today";
  if (ahead === 1 && o.tomorrow !== "weekday") return es ? "mañana" : "tomorrow";
  if (ahead >= 1 && ahead <= 6) return es ? `el ${weekdayName(date, lang)}` : `on ${weekdayName(date, lang)}`;
  const [, m, d] = date.split("-").map(Number) as [number, number, number];
  return es ? `el ${d} de ${MONTHS.es[m - 1]}` : `on ${MONTHS.en[m - 1]} ${d}`;
}

/** A day as the agent's replies write it: "jueves 12/03" / "Thursday 12 Mar" (before "a las 17:00" / "at 17:00"). */
export function dayLabel(date: string, lang: Lang = "es"): string {
  if (lang === "es") return `${weekdayName(date)} ${date.slice(8, 10)}/${date.slice(5, 7)}`;
  return `${weekdayName(date, "en")} ${Number(date.slice(8, 10))} ${MONTHS.en[Number(date.slice(5, 7)) - 1]!.slice(0, 3)}`;
}

/** An instant's local date and time at the salon. */
export async function localOf(w: SalonRef, d: Date): Promise<{ date: string; time: string; minute: number }> {
  const l = toLocal(d, (await salonOf(w)).timeZone);
  const time = `${String(Math.floor(l.minute / 60)).padStart(2, "0")}:${String(l.minute % 60).padStart(2, "0")}`;
  return { date: l.date, time, minute: l.minute };
}
