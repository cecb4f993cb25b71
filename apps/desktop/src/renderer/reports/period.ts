// The periods a manager picks from: this week (Monday–Sunday), this month, last month, or any dates.
import { REPORT_MAX_DAYS } from "@cita/shared";
import { addDays, isLocalDate, startOfWeek } from "../time.ts";

export type PeriodKind = "week" | "month" | "lastMonth" | "custom";
export const PERIOD_KINDS: readonly PeriodKind[] = ["week", "month", "lastMonth", "custom"];

export interface Period {
  from: string;
  to: string;
}

const firstOfMonth = (date: string) => `${date.slice(0, 7)}-01`;
const lastOfMonth = (date: string) => addDays(firstOfMonth(addDays(firstOfMonth(date), 31)), -1);

/** The preset period containing `today` (a local date); custom starts as this week. */
export function presetPeriod(kind: PeriodKind, today: string): Period {
  switch (kind) {
    case "month":
      return { from: firstOfMonth(today), to: lastOfMonth(today) };
    case "lastMonth": {
      const last = addDays(firstOfMonth(today), -1);
      return { from: firstOfMonth(last), to: last };
    }
    default: {
      const monday = startOfWeek(today);
      return { from: monday, to: addDays(monday, 6) };
    }
  }
}

/** Why a custom period cannot be asked for, or null (the server checks the same). */
export function periodProblem(p: Period): "dates" | "order" | "length" | null {
  if (!isLocalDate(p.from) || !isLocalDate(p.to)) return "dates";
  if (p.to < p.from) return "order";
  if ((Date.parse(p.to) - Date.parse(p.from)) / 86_400_000 + 1 > REPORT_MAX_DAYS) return "length";
  return null;
}
