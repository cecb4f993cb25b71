// Dates, times and prices for the location: its zone and currency, the UI's language.
import type { Lang } from "./i18n.ts";

const locales: Record<Lang, string> = { es: "es-ES", en: "en-GB" };
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dtf(lang: Lang, tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${lang}|${tz}|${JSON.stringify(opts)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(locales[lang], { ...opts, timeZone: tz });
    cache.set(key, f);
  }
  return f;
}

export interface Formatter {
  time(instant: number | string): string;
  date(instant: number | string): string;
  dateTime(instant: number | string): string;
  /** A local date (YYYY-MM-DD) as a weekday and day, e.g. "mar 24 nov". */
  day(localDate: string): string;
  longDay(localDate: string): string;
  /** A local date (YYYY-MM-DD) as "7 dic 2026" / "7 Dec 2026". */
  localDate(localDate: string): string;
  money(cents: number): string;
  /** A count or measure, grouped ("1.234"). */
  number(n: number, maxFractionDigits?: number): string;
  zoneName(): string;
}

const toMs = (v: number | string) => (typeof v === "number" ? v : Date.parse(v));

export function formatter(lang: Lang, tz: string, currency: string): Formatter {
  // Grouped always: Intl's Spanish default writes "1689,00 €"; the salon's books write "1.689,00 €".
  const money = new Intl.NumberFormat(locales[lang], { style: "currency", currency, useGrouping: "always" });
  // Local dates are formatted as noon UTC in UTC, so no zone can shift them to another day.
  const asUtcNoon = (d: string) => Date.parse(`${d}T12:00:00Z`);
  return {
    time: (v) => dtf(lang, tz, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(toMs(v)),
    date: (v) => dtf(lang, tz, { day: "numeric", month: "short", year: "numeric" }).format(toMs(v)),
    dateTime: (v) =>
      dtf(lang, tz, {
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(toMs(v)),
    day: (d) => dtf(lang, "UTC", { weekday: "short", day: "numeric", month: "short" }).format(asUtcNoon(d)),
    longDay: (d) =>
      dtf(lang, "UTC", { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(asUtcNoon(d)),
    localDate: (d) => dtf(lang, "UTC", { day: "numeric", month: "short", year: "numeric" }).format(asUtcNoon(d)),
    money: (cents) => money.format(cents / 100),
    number: (n, max = 0) =>
      new Intl.NumberFormat(locales[lang], { maximumFractionDigits: max, useGrouping: "always" }).format(n),
    zoneName: () => {
      const part = dtf(lang, tz, { timeZoneName: "short" })
        .formatToParts(Date.now())
        .find((p) => p.type === "timeZoneName");
      return `${tz.replace(/_/g, " ")}${part ? ` (${part.value})` : ""}`;
    },
  };
}
