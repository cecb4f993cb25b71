// Tests ask the salon which days to use instead of assuming a weekday pattern: the days ahead on
// which the location is open and the stylists a test needs have free slots for its service.
import { addDays } from "../time/zoned.ts";

export interface SlotLike {
  localDate: string;
  items: { staffId: string }[];
}

/** availability.search as any caller has it (tRPC client, server caller, or findSlots). */
export type AvailabilitySearch = (input: {
  items: { serviceId: string; staffId: string | null }[];
  fromDate: string;
  toDate: string;
  limit?: number;
}) => Promise<SlotLike[]>;

export interface DayNeed {
  serviceId: string;
  /** The stylists to look at (each searched on its own); null: any stylist, as the customer asks. */
  staffIds: string[] | null;
  /** At least this many of them have free slots that day (default 1). */
  minStaff?: number;
  /** These must be among them. */
  require?: string[];
  /** "Free slots" means at least this many (default 1). */
  minSlots?: number;
}

/**
 * Up to `count` days (default 1) from `from` (inclusive) within `horizonDays` that meet every need, in
 * order. Throws naming the needs when the salon has no such day, so a test fails with the reason.
 */
export async function salonDays(
  search: AvailabilitySearch,
  from: string,
  needs: DayNeed[],
  opts: { count?: number; horizonDays?: number } = {},
): Promise<[string, ...string[]]> {
  const count = opts.count ?? 1;
  const to = addDays(from, (opts.horizonDays ?? 28) - 1);
  const perNeed = await Promise.all(
    needs.map(async (need) => {
      const staffIds = need.staffIds ?? [null];
      const byDay = new Map<string, Map<string, number>>();
      for (const staffId of staffIds) {
        const slots = await search({ items: [{ serviceId: need.serviceId, staffId }], fromDate: from, toDate: to });
        for (const s of slots) {
          const day = byDay.get(s.localDate) ?? new Map<string, number>();
          for (const item of s.items) day.set(item.staffId, (day.get(item.staffId) ?? 0) + 1);
          byDay.set(s.localDate, day);
        }
      }
      return (date: string) => {
        const day = byDay.get(date);
        if (!day) return false;
        const min = need.minSlots ?? 1;
        if (need.require && !need.require.every((id) => (day.get(id) ?? 0) >= min)) return false;
        return [...day.values()].filter((n) => n >= min).length >= (need.minStaff ?? 1);
      };
    }),
  );
  const days: string[] = [];
  for (let d = from; d <= to && days.length < count; d = addDays(d, 1)) if (perNeed.every((ok) => ok(d))) days.push(d);
  if (!days.length) throw new Error(`the salon has no day from ${from} to ${to} for ${JSON.stringify(needs)}`);
  return days as [string, ...string[]];
}
