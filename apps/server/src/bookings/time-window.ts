// When a booking may start, whoever makes it. Opening and working hours, the notice and the slot grid
// are availability's rules, which console staff may step outside (allowOutsideHours: a walk-in at
// 19:45, a visit entered after the fact). Time itself is not relaxed: a start lies no further ahead
// than the location's booking horizon (as availability measures it: now + horizonDays), and at most
// BOOKING_BACKDATE_DAYS back — far enough to record or correct last month's visits, not 1970 or 9999.
import { AppError } from "../errors/app-error.ts";

/** How far back staff may enter or move a booking (corrections after the fact). */
export const BOOKING_BACKDATE_DAYS = 31;

const DAY_MS = 86_400_000;

/** The instants a booking may start between (inclusive), for a location's horizon at `now`. */
export function bookingTimeWindow(now: Date, horizonDays: number): { earliest: Date; latest: Date } {
  return {
    earliest: new Date(now.getTime() - BOOKING_BACKDATE_DAYS * DAY_MS),
    latest: new Date(now.getTime() + horizonDays * DAY_MS),
  };
}

/** The BAD_INPUT error when `startsAt` lies outside the window (the details say which), else null. */
export function bookingTimeWindowError(startsAt: Date, now: Date, horizonDays: number): AppError | null {
  const { earliest, latest } = bookingTimeWindow(now, horizonDays);
  const t = startsAt.getTime();
  if (!Number.isNaN(t) && t >= earliest.getTime() && t <= latest.getTime()) return null;
  return new AppError(
    "BAD_INPUT",
    `startsAt: a booking must start between ${earliest.toISOString()} (${BOOKING_BACKDATE_DAYS} days back) and ${latest.toISOString()} (the ${horizonDays}-day booking horizon)`,
    { earliest: earliest.toISOString(), latest: latest.toISOString() },
  );
}
