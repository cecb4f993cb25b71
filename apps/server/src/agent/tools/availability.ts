// check_availability: real free slots from findSlots. Every slot returned is remembered in the
// conversation's ledger under a short ref; hold/reschedule accept only those refs.
import { findSlots, nearestAlternatives } from "../../availability/find.ts";
import type { Slot, VisitItemRequest } from "../../availability/types.ts";
import { AppError } from "../../errors/app-error.ts";
import { addDays, localToUtc, weekdayOf } from "../../time/zoned.ts";
import { DAYPART_MINUTES, type DayPart, fold, hhmm } from "../lang.ts";
import type { OfferedSlot } from "../state.ts";
import { type NameMaps, offeredView, ownBooking, toOffered, turnNameMaps } from "./common.ts";
import type { ToolContext, ToolDefinition, ToolEffects } from "./types.ts";

const MINUTE = (t: string) => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

export interface AvailabilityRequest {
  serviceIds: string[];
  staffId?: string | null;
  date?: string | null;
  toDate?: string | null;
  dayPart?: DayPart | null;
  /** Minutes from local midnight wanted by the customer. */
  aroundMinute?: number | null;
  bookingId?: string | null;
  limit?: number;
}

/** Why nothing can be booked on a day, from the location's rules (not from bookings). */
async function closedReason(ctx: ToolContext, date: string) {
  const loc = await ctx.deps.db.location.findUniqueOrThrow({
    where: { id: ctx.deps.locationId },
    include: { hours: true, closures: true },
  });
  if (date < ctx.today) return "past_date";
  if (date > addDays(ctx.today, loc.horizonDays)) return `beyond_booking_horizon_of_${loc.horizonDays}_days`;
  const closure = loc.closures.find((c) => c.date.toISOString().slice(0, 10) === date);
  if (closure) return `holiday_closed:${closure.reason}`;
  if (!loc.hours.some((h) => h.weekday === weekdayOf(date))) return "salon_closed_that_weekday";
  return null;
}

export async function checkAvailability(ctx: ToolContext, req: AvailabilityRequest) {
  const from = req.date && req.date > ctx.today ? req.date : ctx.today;
  const to = req.toDate ?? req.date ?? addDays(from, 6);
  // For a new visit the slots are read while the names are (one wait instead of two); the result
  // is used only once the ids are known to be the salon's.
  const mapsP = turnNameMaps(ctx);
  const early =
    !req.bookingId && req.serviceIds.length && to >= from
      ? findSlots(ctx.deps.db, {
          locationId: ctx.deps.locationId,
          items: req.serviceIds.map((serviceId) => ({ serviceId, staffId: req.staffId ?? null })),
          now: ctx.deps.clock(),
          fromDate: from,
          toDate: to,
        })
      : null;
  early?.catch(() => {}); // unused when the ids are wrong: no unhandled rejection
  const maps = await mapsP;
  let items: VisitItemRequest[];
  let forBookingId: string | null = null;
  if (req.bookingId) {
    const b = await ownBooking(ctx, req.bookingId);
    forBookingId = b.id;
    items = b.items.map((i) => ({
      serviceId: i.serviceId,
      staffId: req.staffId === undefined ? i.staffId : (req.staffId ?? null),
    }));
  } else {
    if (!req.serviceIds.length) throw new AppError("BAD_INPUT", "Give at least one service_id (from search_services)");
    for (const id of req.serviceIds) {
      if (!maps.service.has(id)) throw new AppError("BAD_INPUT", `Unknown service_id ${id}; use search_services first`);
    }
    if (req.staffId && !maps.staff.has(req.staffId)) throw new AppError("BAD_INPUT", "Unknown staff_id");
    items = req.serviceIds.map((serviceId) => ({ serviceId, staffId: req.staffId ?? null }));
  }
  const loc =
    ctx.horizonDays !== undefined
      ? { horizonDays: ctx.horizonDays, timeZone: ctx.timeZone }
      : await ctx.deps.db.location.findUniqueOrThrow({
          where: { id: ctx.deps.locationId },
          select: { horizonDays: true, timeZone: true },
        });
  const base = {
    locationId: ctx.deps.locationId,
    items,
    now: ctx.deps.clock(),
    ...(forBookingId ? { excludeBookingId: forBookingId } : {}),
  };
  const limit = Math.min(req.limit ?? 6, 10);
  const inPart = (s: Slot) => {
    if (!req.dayPart) return true;
    const [a, b] = DAYPART_MINUTES[req.dayPart];
    const m = MINUTE(s.localTime) ?? 0;
    return m >= a && m < b;
  };
  let slots =
    to < from ? [] : (await (early ?? findSlots(ctx.deps.db, { ...base, fromDate: from, toDate: to }))).filter(inPart);

  const result: Record<string, unknown> = {};
  let chosen: Slot[] = [];
  if (req.date && req.aroundMinute != null) {
    const wanted = localToUtc(req.date, req.aroundMinute, loc.timeZone).getTime();
    const exact = slots.filter((s) => s.start.getTime() === wanted);
    result.requested_time = `${req.date} ${hhmm(req.aroundMinute)}`;
    result.requested_time_available = exact.length > 0;
    if (exact.length) {
      chosen = exact.slice(0, 3);
    } else {
      const reason = await closedReason(ctx, req.date);
      if (reason) result.reason = reason;
      chosen = await nearestAlternatives(ctx.deps.db, {
        ...base,
        around: new Date(wanted),
        timeZone: loc.timeZone,
        count: Math.max(limit, 4),
      });
      result.note =
        "The requested time cannot be booked; offer these real alternatives (nearest first). Never hold the requested time.";
    }
  } else {
    chosen = slots.slice(0, limit);
  }
  if (!chosen.length) {
    const reason = req.date ? await closedReason(ctx, req.date) : null;
    result.reason = reason ?? "fully_booked_in_range";
    // The nearest open days after the requested range (bounded by the booking horizon).
    const horizonEnd = addDays(ctx.today, loc.horizonDays);
    let start = to < from ? ctx.today : addDays(to, 1);
    if (reason?.startsWith("beyond")) start = addDays(horizonEnd, -6);
    for (let i = 0; i < 4 && !chosen.length && start <= horizonEnd; i++) {
      const end = [addDays(start, 6), horizonEnd].sort()[0]!; // ISO dates sort as strings
      slots = (await findSlots(ctx.deps.db, { ...base, fromDate: start, toDate: end })).filter(inPart);
      if (!slots.length) slots = await findSlots(ctx.deps.db, { ...base, fromDate: start, toDate: end });
      chosen = spreadDays(slots, limit);
      start = addDays(end, 1);
    }
    result.note = "Nothing free as asked: explain the reason and offer these nearest real slots instead.";
  }
  const offered = chosen.map((s, i) => ({
    ...toOffered(s, maps, ctx.lang, forBookingId),
    ref: `S${ctx.state.nextRef + i}`,
  }));
  return { result, offered, maps };
}

/** Up to `limit` slots across several days (a couple per day), earliest first. */
function spreadDays(slots: Slot[], limit: number): Slot[] {
  const perDay = new Map<string, number>();
  const out: Slot[] = [];
  for (const s of slots) {
    const n = perDay.get(s.localDate) ?? 0;
    if (n >= 2) continue;
    perDay.set(s.localDate, n + 1);
    out.push(s);
    if (out.length >= limit) break;
  }
  return out;
}

export function findStaffByName(maps: NameMaps, name: string): string | null {
  const f = fold(name);
  for (const [id, s] of maps.staff) {
    if (!s.active) continue;
    const first = fold(s.displayName).split(" ")[0]!;
    if (f === first || fold(s.displayName) === f || f.includes(first)) return id;
  }
  return null;
}

export const checkAvailabilityTool: ToolDefinition = {
  name: "check_availability",
  description:
    "Real free slots for one visit (one or more services done back to back). Returns slots with a slot_ref, local date, weekday, time, stylist and price. Only these slot_refs can be held. When a specific time is wanted, pass date and time: if it is taken or outside the rules you get the reason and the nearest real alternatives. For moving an existing booking pass booking_id instead of service_ids.",
  input_schema: {
    type: "object",
    properties: {
      service_ids: { type: "array", items: { type: "string" }, description: "From search_services, in visit order" },
      staff_id: { type: "string", description: "A specific stylist (omit for any qualified stylist)" },
      staff_name: { type: "string", description: "A stylist's first name, if the customer named one" },
      date: { type: "string", description: "YYYY-MM-DD local date (omit for the next days)" },
      to_date: { type: "string", description: "YYYY-MM-DD end of a range (inclusive)" },
      day_part: { type: "string", enum: ["morning", "afternoon", "evening"] },
      time: { type: "string", description: "HH:MM local time the customer wants" },
      booking_id: { type: "string", description: "For a reschedule: the booking being moved" },
      limit: { type: "integer", minimum: 1, maximum: 10 },
    },
  },
  async run(ctx, input) {
    let staffId = typeof input.staff_id === "string" ? input.staff_id : undefined;
    if (!staffId && typeof input.staff_name === "string" && input.staff_name.trim()) {
      const found = findStaffByName(await turnNameMaps(ctx), input.staff_name);
      if (!found) throw new AppError("NOT_FOUND", `No stylist called ${input.staff_name} works here`);
      staffId = found;
    }
    const date = typeof input.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(input.date) ? input.date : null;
    const toDate =
      typeof input.to_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(input.to_date) ? input.to_date : null;
    const { result, offered } = await checkAvailability(ctx, {
      serviceIds: Array.isArray(input.service_ids) ? input.service_ids.map(String) : [],
      staffId: staffId ?? (typeof input.booking_id === "string" ? undefined : null),
      date,
      toDate,
      dayPart: (["morning", "afternoon", "evening"] as const).find((p) => p === input.day_part) ?? null,
      aroundMinute: typeof input.time === "string" ? MINUTE(input.time) : null,
      bookingId: typeof input.booking_id === "string" ? input.booking_id : null,
      limit: typeof input.limit === "number" ? input.limit : 6,
    });
    const effects: ToolEffects = { offer: offered };
    return { content: { ...result, slots: offered.map((o: OfferedSlot) => offeredView(o, ctx.lang)) }, effects };
  },
};
