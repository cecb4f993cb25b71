// One load per booking attempt: availability's inputs for the wanted day and the next few (every
// stylist qualified for the visit, existing bookings apart). From it, without another query:
// whether the wanted time is free, taken, or outside the rules; the booking's plan (timing,
// segments, price, deposit); and the nearest alternatives when it is lost — also after a rival's
// commit, by adding the rival's segments. Requests for the same visit and day that arrive while a
// load is in flight share it (a burst on one freed time loads once); nothing is kept afterwards.

import { computeAvailability } from "../availability/compute-availability.ts";
import { ALTERNATIVE_DAYS, pickAlternatives, type SlotView, slotView } from "../availability/find.ts";
import {
  type AvailabilityInputs,
  bookedResources,
  loadAvailabilityInputs,
  withBookings,
} from "../availability/load.ts";
import type { Interval } from "../availability/types.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import type { ClaimSegment } from "./claims.ts";
import { type BookingPlan, planBooking } from "./plan.ts";
import { bookingTimeWindowError } from "./time-window.ts";

export interface BookingContext {
  inputs: AvailabilityInputs;
  /** The wanted start's local date. */
  day: string;
  /** Alternatives already computed on this load, by wanted visit and rival. */
  alternatives: Map<string, SlotView[]>;
  /** The wanted time's state already computed on this load, by wanted visit (a burst asks the same). */
  states: Map<string, "free" | "taken" | "outside">;
}

export interface WantedVisit {
  locationId: string;
  startsAt: Date;
  items: { serviceId: string; staffId: string }[];
}

const inFlight = new WeakMap<object, Map<string, Promise<BookingContext>>>();

/**
 * What a load covers: "check" — the pinned stylists on the wanted day (the common path: is it free,
 * what does it cost); "alternatives" — every qualified stylist on that day and the next
 * ALTERNATIVE_DAYS (only when the wanted time is lost or refused).
 */
export type ContextScope = "check" | "alternatives";

/**
 * Loads (or joins the in-flight load of) the inputs for `wanted`. The location's zone is not known
 * before the load, so the range is taken a day wider on each side of the UTC date (any zone's
 * local date lies within it).
 */
export function loadBookingContext(
  db: Db,
  wanted: WantedVisit,
  now: Date,
  scope: ContextScope,
  excludeBookingId?: string,
): Promise<BookingContext> {
  const utcDay = wanted.startsAt.toISOString().slice(0, 10);
  const serviceIds = [...new Set(wanted.items.map((i) => i.serviceId))].sort();
  const staffIds = scope === "check" ? [...new Set(wanted.items.map((i) => i.staffId))].sort() : [];
  const key = JSON.stringify([wanted.locationId, serviceIds, staffIds, utcDay, excludeBookingId ?? null]);
  const running = inFlight.get(db) ?? new Map<string, Promise<BookingContext>>();
  inFlight.set(db, running);
  const shared = running.get(key);
  if (shared) return shared;
  const loading = loadAvailabilityInputs(db, {
    locationId: wanted.locationId,
    items:
      scope === "check"
        ? wanted.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId }))
        : serviceIds.map((serviceId) => ({ serviceId, staffId: null })),
    onlyPinnedStaff: scope === "check",
    fromDate: addDays(utcDay, -1),
    toDate: addDays(utcDay, scope === "check" ? 1 : ALTERNATIVE_DAYS + 1),
    now,
    ...(excludeBookingId ? { excludeBookingId } : {}),
  })
    .then((inputs) => ({
      inputs,
      day: toLocal(wanted.startsAt, inputs.location.timeZone).date,
      alternatives: new Map<string, SlotView[]>(),
      states: new Map<string, "free" | "taken" | "outside">(),
    }))
    .finally(() => running.delete(key));
  running.set(key, loading);
  return loading;
}

/** The plan of the wanted visit on this load: NOT_FOUND / BAD_INPUT for stylists who cannot take it. */
export function planIn(ctx: BookingContext, wanted: WantedVisit): BookingPlan {
  for (const item of wanted.items) {
    if (!ctx.inputs.staff.some((s) => s.id === item.staffId)) {
      throw new AppError("BAD_INPUT", "That stylist does not do this service");
    }
  }
  const skills = ctx.inputs.staff.flatMap((s) =>
    [...s.skills].map(([serviceId, k]) => ({ ...k, staffId: s.id, serviceId })),
  );
  return planBooking(wanted.startsAt, wanted.items, ctx.inputs.services, skills, bookedResources(ctx.inputs));
}

/** BAD_INPUT when the start lies outside the booking window (horizon ahead, a few weeks back). */
export function assertTimeIn(ctx: BookingContext, wanted: WantedVisit, now: Date): void {
  const error = bookingTimeWindowError(wanted.startsAt, now, ctx.inputs.location.horizonDays);
  if (error) throw error;
}

/** "free", "taken" (by bookings or holds) or "outside" (hours, notice, grid) for the wanted time. */
export function wantedTimeState(ctx: BookingContext, wanted: WantedVisit): "free" | "taken" | "outside" {
  const key = JSON.stringify([wanted.startsAt.getTime(), wanted.items]);
  const known = ctx.states.get(key);
  if (known) return known;
  // Only the wanted start is tried (not the whole day's grid).
  const at = wanted.startsAt.getTime();
  const day = { fromDate: ctx.day, toDate: ctx.day, items: wanted.items, onlyStart: at, limit: 1 };
  const state = computeAvailability({ ...withBookings(ctx.inputs), ...day }).length
    ? "free"
    : computeAvailability({ ...ctx.inputs.query, ...day }).length
      ? "taken"
      : "outside";
  ctx.states.set(key, state);
  return state;
}

/** The nearest alternatives on this load, with a rival's just-committed segments counted as busy. */
export function alternativesIn(ctx: BookingContext, wanted: WantedVisit, rival: ClaimSegment[] = []): SlotView[] {
  const key = JSON.stringify([wanted.startsAt.getTime(), wanted.items, rival]);
  const known = ctx.alternatives.get(key);
  if (known) return known;
  const extra = new Map<string, Interval[]>();
  for (const r of rival) extra.set(r.staffId, [...(extra.get(r.staffId) ?? []), { start: r.start, end: r.end }]);
  const range = { fromDate: ctx.day, toDate: addDays(ctx.day, ALTERNATIVE_DAYS) };
  const query = withBookings(ctx.inputs, extra);
  const sameStaff = computeAvailability({ ...query, ...range, items: wanted.items });
  const anyStaff = computeAvailability({
    ...query,
    ...range,
    items: wanted.items.map((i) => ({ ...i, staffId: null })),
  });
  const views = pickAlternatives(sameStaff, anyStaff, wanted.items, wanted.startsAt).map(slotView);
  ctx.alternatives.set(key, views);
  return views;
}

/** The segments a plan would hold, as the claim gate compares them. */
export function claimSegments(plan: BookingPlan): ClaimSegment[] {
  return plan.segments.map((s) => ({ staffId: s.staffId, start: s.startsAt.getTime(), end: s.endsAt.getTime() }));
}
