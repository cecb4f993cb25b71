// The waitlist's pure rules: which part of the day a local time is in, whether an instant falls in a
// location's quiet hours (and when they end), and which freed slots fit which wishes, in the order the
// wishes were made. No database, no clock of its own: `now` comes from the caller.
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";

export type DayPart = "morning" | "afternoon" | "evening";

/** Local minutes [from, to) of each part of the day: morning < 14:00 ≤ afternoon < 18:00 ≤ evening. */
export const DAY_PART_MINUTES: Record<DayPart, readonly [number, number]> = {
  morning: [0, 14 * 60],
  afternoon: [14 * 60, 18 * 60],
  evening: [18 * 60, 24 * 60],
};

export function dayPartOf(minute: number): DayPart {
  if (minute < DAY_PART_MINUTES.morning[1]) return "morning";
  if (minute < DAY_PART_MINUTES.afternoon[1]) return "afternoon";
  return "evening";
}

export interface QuietHours {
  /** Local minutes from midnight; start = end means none. The window may wrap midnight (21:00–09:00). */
  startMinute: number;
  endMinute: number;
}

export function inQuietHours(minute: number, q: QuietHours): boolean {
  if (q.startMinute === q.endMinute) return false;
  return q.startMinute < q.endMinute
    ? minute >= q.startMinute && minute < q.endMinute
    : minute >= q.startMinute || minute < q.endMinute;
}

/** When an offer made at `now` may be sent: `now` itself, or the end of the quiet hours it falls in. */
export function sendTimeFor(now: Date, q: QuietHours, timeZone: string): Date {
  const local = toLocal(now, timeZone);
  if (!inQuietHours(local.minute, q)) return now;
  // Quiet until endMinute today when it is still ahead, else tomorrow.
  const day = local.minute < q.endMinute ? local.date : addDays(local.date, 1);
  return localToUtc(day, q.endMinute, timeZone);
}

/** What the matcher needs of a wish. */
export interface WishToMatch {
  id: string;
  createdAt: Date;
  serviceIds: string[];
  staffId: string | null;
  /** Local dates, inclusive. */
  dateFrom: string;
  dateTo: string;
  dayParts: DayPart[];
  expiresAt: Date;
  /** Offers made so far (sent or held). */
  offersSent: number;
}

/** A bookable visit found for a wish: start, end and the one stylist doing it. */
export interface CandidateSlot {
  staffId: string;
  start: Date;
  end: Date;
}

/** Does this slot suit the wish: its stylist (or anyone), dates, parts of day, still wanted and in the future? */
export function slotFitsWish(wish: WishToMatch, slot: CandidateSlot, now: Date, timeZone: string): boolean {
  if (wish.staffId && wish.staffId !== slot.staffId) return false;
  if (slot.start.getTime() <= now.getTime()) return false;
  if (wish.expiresAt.getTime() <= now.getTime()) return false;
  const local = toLocal(slot.start, timeZone);
  if (local.date < wish.dateFrom || local.date > wish.dateTo) return false;
  return wish.dayParts.includes(dayPartOf(local.minute));
}

/** Wishes in the order they were made (ties by id, so the order is total). */
export function inWishOrder<T extends Pick<WishToMatch, "createdAt" | "id">>(wishes: readonly T[]): T[] {
  return [...wishes].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

export interface Match<W extends WishToMatch> {
  wish: W;
  slot: CandidateSlot;
}

/**
 * For each wish, in the order made, the earliest candidate slot that fits it; wishes at their offer
 * limit, expired, or with nothing fitting get none. `candidates(wish)` gives the slots computed for that
 * wish's services (availability decides they are bookable); the same time may be offered to several
 * wishes — offering holds nothing, the first confirmation wins.
 */
export function matchWishes<W extends WishToMatch>(
  wishes: readonly W[],
  candidates: (wish: W) => readonly CandidateSlot[],
  opts: { now: Date; timeZone: string; maxOffers: number },
): Match<W>[] {
  const out: Match<W>[] = [];
  for (const wish of inWishOrder(wishes)) {
    if (wish.offersSent >= opts.maxOffers) continue;
    const fitting = candidates(wish)
      .filter((s) => slotFitsWish(wish, s, opts.now, opts.timeZone))
      .sort((a, b) => a.start.getTime() - b.start.getTime() || a.staffId.localeCompare(b.staffId));
    if (fitting[0]) out.push({ wish, slot: fitting[0] });
  }
  return out;
}

/** The local dates [from, to] where a freed range and a wish's dates overlap, or null. */
export function overlapDates(
  wish: Pick<WishToMatch, "dateFrom" | "dateTo">,
  range: { from: Date; to: Date },
  timeZone: string,
): { fromDate: string; toDate: string } | null {
  const a = toLocal(range.from, timeZone).date;
  const b = toLocal(new Date(range.to.getTime() - 1), timeZone).date;
  // ISO dates sort as strings: the later start, the earlier end.
  const fromDate = [a, wish.dateFrom].sort()[1]!;
  const toDate = [b, wish.dateTo].sort()[0]!;
  return fromDate <= toDate ? { fromDate, toDate } : null;
}
