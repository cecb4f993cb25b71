// computeAvailability: the bookable slots for a visit (one or more services, chained back to
// back), for a chosen stylist or "any qualified stylist", over a range of local dates.
//
// Pure and deterministic: the clock comes in the query. Salon semantics:
// - a service blocks its stylist for buffer-before, application, finishing and buffer-after;
//   during the processing gap (colour developing) the stylist is free for someone else;
// - the client's whole visit must fit the salon's opening hours; each stylist's blocking
//   segments must fit that stylist's working time minus breaks, time off and busy time;
// - everything is computed in the location's IANA zone, per local date, so DST days are right.
//
// "Any stylist" returns each start time once, given to the stylist with the fewest busy minutes
// that day (ties: the order stylists are listed in). Least-loaded spreads work across the team
// and keeps long free stretches for long services; unlike strict rotation it needs no shared
// state, so the same query always gives the same answer.
import { addDays, localToUtc, toLocal, weekdayOf } from "../time/zoned.ts";
import { covers, firstEndingAfter, intersect, mergeSorted, sortIntervals, subtract } from "./intervals.ts";
import { type HeldResource, pickResources, type ResourceAvailability } from "./resources.ts";
import type { AvailabilityQuery, Interval, ServiceSpec, Slot, SlotItem, StaffAvailability, Timing } from "./types.ts";

const MIN = 60_000;

/** Local minute → instant for one date; one Intl call per day except on DST change days. */
export function dayClock(date: string, timeZone: string): (minute: number) => number {
  const midnight = localToUtc(date, 0, timeZone).getTime();
  const lastMinute = localToUtc(date, 24 * 60 - 1, timeZone).getTime();
  if (lastMinute - midnight === (24 * 60 - 1) * MIN) return (m) => midnight + m * MIN;
  const cache = new Map<number, number>();
  return (m) => {
    let t = cache.get(m);
    if (t === undefined) {
      t = localToUtc(date, m, timeZone).getTime();
      cache.set(m, t);
    }
    return t;
  };
}

export function windows(list: { startMinute: number; endMinute: number }[], at: (m: number) => number): Interval[] {
  return mergeSorted(sortIntervals(list.map((w) => ({ start: at(w.startMinute), end: at(w.endMinute) }))));
}

/** The stretches a stylist could be working on a date (weekly pattern or override, minus breaks). */
export function workingWindows(
  s: StaffAvailability,
  date: string,
  weekday: number,
  at: (m: number) => number,
): Interval[] {
  const override = s.overrides.filter((o) => o.date === date);
  if (override.length) {
    return windows(
      override
        .filter((o) => o.kind === "custom_hours" && o.startMinute != null && o.endMinute != null)
        .map((o) => ({ startMinute: o.startMinute!, endMinute: o.endMinute! })),
      at,
    );
  }
  const today = s.weekly.filter((b) => b.weekday === weekday);
  return subtract(
    windows(
      today.filter((b) => b.kind === "work"),
      at,
    ),
    windows(
      today.filter((b) => b.kind === "break"),
      at,
    ),
  );
}

/** The blocking segments of an item starting at `start` (see bookings/segments.ts for the same rule). */
export function blockingSegments(start: number, t: Timing): Interval[] {
  const segs: Interval[] = [];
  const push = (from: number, minutes: number) => {
    if (minutes > 0) segs.push({ start: from, end: from + minutes * MIN });
  };
  push(start - t.bufferBeforeMinutes * MIN, t.bufferBeforeMinutes);
  push(start, t.durationMinutes);
  const finish = start + (t.durationMinutes + t.processingMinutes) * MIN;
  push(finish, t.finishingMinutes);
  push(finish + t.finishingMinutes * MIN, t.bufferAfterMinutes);
  return mergeSorted(segs);
}

export function timingFor(
  service: ServiceSpec,
  staff: StaffAvailability,
): { timing: Timing; priceCents: number } | null {
  const skill = staff.skills.get(service.id);
  if (!skill) return null;
  return {
    timing: {
      bufferBeforeMinutes: service.bufferBeforeMinutes,
      durationMinutes: skill.durationMinutes ?? service.durationMinutes,
      processingMinutes: skill.processingMinutes ?? service.processingMinutes,
      finishingMinutes: skill.finishingMinutes ?? service.finishingMinutes,
      bufferAfterMinutes: service.bufferAfterMinutes,
    },
    priceCents: skill.priceCents ?? service.priceCents,
  };
}

const clientMinutes = (t: Timing) => t.durationMinutes + t.processingMinutes + t.finishingMinutes;

export function slotId(start: number, items: { serviceId: string; staffId: string }[]): string {
  return `${new Date(start).toISOString()}|${items.map((i) => `${i.serviceId}:${i.staffId}`).join(",")}`;
}

interface DayStaff {
  staff: StaffAvailability;
  free: Interval[];
  busyMinutes: number;
}

export function computeAvailability(q: AvailabilityQuery): Slot[] {
  const { location } = q;
  const servicesById = new Map(q.services.map((s) => [s.id, s]));
  const requested = q.items.map((item) => {
    const service = servicesById.get(item.serviceId);
    if (!service) throw new Error(`unknown service ${item.serviceId}`);
    return { service, staffId: item.staffId };
  });
  if (!requested.length) return [];
  const step = Math.max(5, location.slotStepMinutes);
  const earliest = q.now.getTime() + location.minNoticeMinutes * MIN;
  const latest = q.now.getTime() + location.horizonDays * 24 * 60 * MIN;
  const closures = new Set(location.closures);
  const busyByStaff = new Map(q.staff.map((s) => [s.id, mergeSorted(sortIntervals(s.busy))]));
  // Resources (issue #21) only matter when a requested service needs one.
  const resources: ResourceAvailability[] | null = requested.some(({ service }) => service.needs?.length)
    ? (q.resources ?? []).map((r) => ({ ...r, busy: mergeSorted(sortIntervals(r.busy)) }))
    : null;
  // service → stylist → plan, computed once for the whole range.
  const plans = new Map<string, Map<string, Plan>>();
  for (const { service } of requested) {
    const byStaff = new Map<string, Plan>();
    for (const staff of q.staff) {
      const plan = planFor(service, staff);
      if (plan) byStaff.set(staff.id, plan);
    }
    plans.set(service.id, byStaff);
  }
  const out: Slot[] = [];
  const limit = q.limit ?? Number.POSITIVE_INFINITY;
  const today = toLocal(q.now, location.timeZone).date;
  // Dates are YYYY-MM-DD strings, so the later one is the lexically greater one.
  const from = [q.fromDate, today].sort()[1]!;

  for (let date = from; date <= q.toDate && out.length < limit; date = addDays(date, 1)) {
    if (closures.has(date)) continue;
    const weekday = weekdayOf(date);
    const at = dayClock(date, location.timeZone);
    const dstDay = at(24 * 60 - 1) - at(0) !== (24 * 60 - 1) * MIN;
    const open = windows(
      location.hours.filter((h) => h.weekday === weekday),
      at,
    );
    if (!open.length) continue;
    if (open.at(-1)!.end <= earliest || open[0]!.start > latest) {
      if (open[0]!.start > latest) break;
      continue;
    }

    // Each stylist's free time today, and how busy they already are (for "any stylist").
    const day = new Map<string, DayStaff>();
    for (const staff of q.staff) {
      const work = intersect(workingWindows(staff, date, weekday, at), open);
      if (!work.length) continue;
      const busy = busyByStaff.get(staff.id)!;
      const i = firstEndingAfter(busy, work[0]!.start);
      const todaysBusy: Interval[] = [];
      for (let k = i; k < busy.length && busy[k]!.start < work.at(-1)!.end; k++) todaysBusy.push(busy[k]!);
      const busyMinutes = intersect(work, todaysBusy).reduce((n, iv) => n + (iv.end - iv.start) / MIN, 0);
      day.set(staff.id, { staff, free: subtract(work, todaysBusy), busyMinutes });
    }
    if (!day.size) continue;
    const byLoad = [...day.values()].sort((a, b) => a.busyMinutes - b.busyMinutes);

    let previous = Number.NEGATIVE_INFINITY;
    for (const window of open) {
      const first = toLocal(window.start, location.timeZone).minute;
      for (let m = 0; ; m += step) {
        const start = at(first + m);
        if (start >= window.end) break;
        // A wall time skipped by a spring-forward gap maps onto a later one: offer it once.
        if (start <= previous || start < earliest) continue;
        previous = start;
        if (start > latest) break;
        if (q.onlyStart !== undefined && start !== q.onlyStart) continue;
        const items = assign(requested, plans, 0, start, window, byLoad, day, [], resources);
        if (!items) continue;
        // The wall time is the minute we asked for, except where a DST gap moved it.
        const minute = start === at(first + m) && !dstDay ? first + m : toLocal(start, location.timeZone).minute;
        out.push({
          id: slotId(start, items),
          start: new Date(start),
          end: new Date(items.at(-1)!.end),
          localDate: date,
          localTime: `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`,
          weekday,
          items,
          priceCents: items.reduce((n, it) => n + it.priceCents, 0),
        });
        if (out.length >= limit) break;
      }
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** How one stylist does one service: timing, price, and the blocking offsets from the start. */
interface Plan {
  timing: Timing;
  priceCents: number;
  clientMs: number;
  /** Blocking segments as [from, to) offsets in ms relative to the item's start. */
  offsets: Interval[];
}

function planFor(service: ServiceSpec, staff: StaffAvailability): Plan | null {
  const t = timingFor(service, staff);
  if (!t) return null;
  return { ...t, clientMs: clientMinutes(t.timing) * MIN, offsets: blockingSegments(0, t.timing) };
}

/** Depth-first assignment of stylists to the visit's items, chained back to back. */
function assign(
  requested: { service: ServiceSpec; staffId: string | null }[],
  plans: Map<string, Map<string, Plan>>,
  index: number,
  start: number,
  window: Interval,
  byLoad: DayStaff[],
  day: Map<string, DayStaff>,
  chosen: SlotItem[],
  resources: ResourceAvailability[] | null,
): SlotItem[] | null {
  if (index === requested.length) return chosen;
  const { service, staffId } = requested[index]!;
  const byStaff = plans.get(service.id)!;
  const candidates = staffId ? (day.has(staffId) ? [day.get(staffId)!] : []) : byLoad;
  for (const c of candidates) {
    const plan = byStaff.get(c.staff.id);
    if (!plan) continue;
    // A stylist who already does an item of this visit takes the next one when their own part of
    // it is over (its buffer after included), after this service's buffer before; the customer
    // waits meanwhile. Other stylists start when the previous item ends. (bookings/plan.ts: same.)
    const itemStart = Math.max(
      start,
      sameStaffFreeAt(chosen, c.staff.id, plans) + plan.timing.bufferBeforeMinutes * MIN,
    );
    const end = itemStart + plan.clientMs;
    if (end > window.end) continue; // the visit must fit the salon's opening hours
    let fits = true;
    for (const o of plan.offsets) {
      if (!covers(c.free, itemStart + o.start, itemStart + o.end)) {
        fits = false;
        break;
      }
    }
    if (!fits) continue;
    // The same stylist may do two items of one visit: their own segments must not collide.
    if (chosen.length && chosen.some((x) => x.staffId === c.staff.id && collides(x, plans, itemStart, plan))) continue;
    // The resources its phases occupy (a colour's station through its processing too).
    let held: HeldResource[] | null = null;
    if (resources && service.needs?.length) {
      held = pickResources(service.needs, itemStart, plan.timing, resources, heldSoFar(chosen));
      if (!held) continue;
    }
    const item: SlotItem = {
      serviceId: service.id,
      staffId: c.staff.id,
      start: itemStart,
      end,
      priceCents: plan.priceCents,
      timing: plan.timing,
      ...(held?.length ? { resources: held } : {}),
    };
    const rest = assign(requested, plans, index + 1, end, window, byLoad, day, [...chosen, item], resources);
    if (rest) return rest;
  }
  return null;
}

/** The resources the visit's items so far hold. */
function heldSoFar(chosen: SlotItem[]): HeldResource[] {
  return chosen.flatMap((x) => x.resources ?? []);
}

/** When this stylist's segments of the visit's items so far end (−∞ when they have none). */
function sameStaffFreeAt(chosen: SlotItem[], staffId: string, plans: Map<string, Map<string, Plan>>): number {
  let at = Number.NEGATIVE_INFINITY;
  for (const x of chosen) {
    if (x.staffId !== staffId) continue;
    const offsets = plans.get(x.serviceId)!.get(x.staffId)!.offsets;
    for (const o of offsets) at = Math.max(at, x.start + o.end);
  }
  return at;
}

function collides(x: SlotItem, plans: Map<string, Map<string, Plan>>, start: number, plan: Plan): boolean {
  const other = plans.get(x.serviceId)!.get(x.staffId)!;
  return other.offsets.some((a) =>
    plan.offsets.some((b) => x.start + a.start < start + b.end && start + b.start < x.start + a.end),
  );
}
