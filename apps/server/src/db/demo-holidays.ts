// The demo salon's closures: Spain's national holidays (and Madrid's Jueves Santo) for the year of
// "now" and the next, so a demo seeded on any day has closures ahead of it, as a real salon would.

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm), as YYYY-MM-DD. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const FIXED: [string, string][] = [
  ["01-01", "Año Nuevo"],
  ["01-06", "Reyes"],
  ["05-01", "Día del Trabajo"],
  ["08-15", "Asunción"],
  ["10-12", "Fiesta Nacional"],
  ["11-01", "Todos los Santos"],
  ["12-06", "Día de la Constitución"],
  ["12-08", "Inmaculada Concepción"],
  ["12-25", "Navidad"],
];

/** The year's closures, sorted by date: [date, reason]. */
export function holidaysOf(year: number): [string, string][] {
  const easter = easterSunday(year);
  const days: [string, string][] = [
    ...FIXED.map(([md, reason]): [string, string] => [`${year}-${md}`, reason]),
    [shift(easter, -3), "Jueves Santo"],
    [shift(easter, -2), "Viernes Santo"],
  ];
  return days.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Closures for the local year of `today` and the next one. */
export function demoHolidays(today: string): [string, string][] {
  const year = Number(today.slice(0, 4));
  return [...holidaysOf(year), ...holidaysOf(year + 1)];
}
