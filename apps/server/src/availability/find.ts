// Availability from the database: load the inputs, run the pure computation.
import type { Tx } from "../db/client.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import { computeAvailability } from "./compute-availability.ts";
import { type LoadAvailabilityParams, loadAvailabilityQuery } from "./load.ts";
import type { Slot, VisitItemRequest } from "./types.ts";

export async function findSlots(db: Tx, p: LoadAvailabilityParams): Promise<Slot[]> {
  return computeAvailability(await loadAvailabilityQuery(db, p));
}

/**
 * The bookable times nearest to a wanted one: the same stylists first, then anyone qualified,
 * from the same day and the next few, ordered by distance from the wanted start.
 */
export async function nearestAlternatives(
  db: Tx,
  p: {
    locationId: string;
    items: VisitItemRequest[];
    around: Date;
    timeZone: string;
    now: Date;
    count?: number;
    excludeBookingId?: string;
  },
): Promise<Slot[]> {
  const count = p.count ?? 4;
  const day = toLocal(p.around, p.timeZone).date;
  const range = {
    locationId: p.locationId,
    fromDate: day,
    toDate: addDays(day, ALTERNATIVE_DAYS),
    now: p.now,
    ...(p.excludeBookingId ? { excludeBookingId: p.excludeBookingId } : {}),
  };
  // One load: it holds the pinned stylists and everyone qualified (load.ts), so both lists come
  // from it.
  const anyItems = p.items.map((i) => ({ ...i, staffId: null }));
  const query = await loadAvailabilityQuery(db, { ...range, items: p.items });
  const sameStaff = computeAvailability({ ...query, items: p.items });
  const anyStaff = p.items.some((i) => i.staffId) ? computeAvailability({ ...query, items: anyItems }) : [];
  return pickAlternatives(sameStaff, anyStaff, p.items, p.around, count);
}

/** The days nearestAlternatives looks at: the wanted one and the next three. */
export const ALTERNATIVE_DAYS = 3;

/**
 * The `count` slots nearest to `around`: half from the same stylists (nearest times), the rest from
 * anyone qualified (often the same time), never the wanted one itself, ordered by distance.
 */
export function pickAlternatives(
  sameStaff: Slot[],
  anyStaff: Slot[],
  items: VisitItemRequest[],
  around: Date,
  count = 4,
): Slot[] {
  const distance = (s: Slot) => Math.abs(s.start.getTime() - around.getTime());
  const seen = new Set<string>();
  const out: Slot[] = [];
  const fromSame = anyStaff.length ? Math.ceil(count / 2) : count;
  for (const s of [
    ...[...sameStaff].sort((a, b) => distance(a) - distance(b)).slice(0, fromSame),
    ...[...anyStaff].sort((a, b) => distance(a) - distance(b)),
  ]) {
    if (out.length >= count) break;
    const theWantedOne =
      s.start.getTime() === around.getTime() &&
      items.every((it, k) => !it.staffId || it.staffId === s.items[k]?.staffId);
    if (seen.has(s.id) || theWantedOne) continue;
    seen.add(s.id);
    out.push(s);
  }
  return out.sort((a, b) => distance(a) - distance(b));
}

/** The JSON shape of a slot for API callers. */
export function slotView(s: Slot) {
  return {
    id: s.id,
    start: s.start.toISOString(),
    end: s.end.toISOString(),
    localDate: s.localDate,
    localTime: s.localTime,
    weekday: s.weekday,
    priceCents: s.priceCents,
    items: s.items.map((i) => ({
      serviceId: i.serviceId,
      staffId: i.staffId,
      start: new Date(i.start).toISOString(),
      end: new Date(i.end).toISOString(),
      priceCents: i.priceCents,
    })),
  };
}
export type SlotView = ReturnType<typeof slotView>;
