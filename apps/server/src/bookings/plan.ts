// What a booking will be, computed from rows already loaded (availability's inputs, or the few rows
// insertBooking reads): each item's timing, span and price, the segments that block each stylist,
// the deposit and the status. Pure: no database, no clock of its own.

import type { PlanServiceRow } from "../availability/load.ts";
import { type HeldResource, pickResources, type ResourceAvailability } from "../availability/resources.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";
import { depositFor } from "./policy.ts";
import { itemSpan, type PlannedSegment, planSegments, type ServiceTiming } from "./segments.ts";

const MINUTE = 60_000;

/** A service as loaded for availability (names, timing, price, deposit terms). */
export type PlanService = PlanServiceRow;

export interface PlanSkill {
  staffId: string;
  serviceId: string;
  durationMinutes: number | null;
  processingMinutes: number | null;
  finishingMinutes: number | null;
  priceCents: number | null;
}

export interface PlannedItem {
  position: number;
  service: PlanService;
  staffId: string;
  timing: ServiceTiming;
  span: { startsAt: Date; endsAt: Date };
  priceCents: number;
}

export interface BookingPlan {
  items: PlannedItem[];
  segments: (PlannedSegment & { staffId: string; position: number })[];
  /** The resources its items hold (issue #21): one per kind a service's phases need. */
  resourceSegments: (HeldResource & { position: number })[];
  /** Kinds of resource some item needs but none is free for (the plan cannot be written as is). */
  unheldKinds: string[];
  startsAt: Date;
  endsAt: Date;
  /** The span every segment lies in (buffers included). */
  from: Date;
  to: Date;
  totalPriceCents: number;
  deposit: ReturnType<typeof depositFor>;
}

/**
 * Chains the items from `startsAt`: each starts when the previous one ends, except that a stylist
 * who already did an item of this visit starts the next once their part of it is over (its buffer
 * after) and this service's buffer before has passed — as availability places them
 * (compute-availability.ts `assign`). Refuses unknown services and unqualified stylists.
 */
export function planBooking(
  startsAt: Date,
  items: { serviceId: string; staffId: string }[],
  services: readonly PlanService[],
  skills: readonly PlanSkill[],
  resources: readonly ResourceAvailability[] = [],
  alsoHeld: readonly HeldResource[] = [],
): BookingPlan {
  let cursor = startsAt;
  // Per stylist: when their segments of the items so far end.
  const freeAt = new Map<string, number>();
  const planned: PlannedItem[] = items.map((item, position) => {
    const service = services.find((s) => s.id === item.serviceId);
    if (!service) throw new AppError("NOT_FOUND", "Unknown or archived service");
    const skill = skills.find((k) => k.staffId === item.staffId && k.serviceId === item.serviceId);
    if (!skill) throw new AppError("BAD_INPUT", "That stylist does not do this service");
    const timing: ServiceTiming = {
      bufferBeforeMinutes: service.bufferBeforeMinutes,
      durationMinutes: skill.durationMinutes ?? service.durationMinutes,
      processingMinutes: skill.processingMinutes ?? service.processingMinutes,
      finishingMinutes: skill.finishingMinutes ?? service.finishingMinutes,
      bufferAfterMinutes: service.bufferAfterMinutes,
    };
    const free = freeAt.get(item.staffId);
    const start =
      free === undefined ? cursor : new Date(Math.max(cursor.getTime(), free + timing.bufferBeforeMinutes * MINUTE));
    const span = itemSpan(start, timing);
    cursor = span.endsAt;
    freeAt.set(item.staffId, span.endsAt.getTime() + timing.bufferAfterMinutes * MINUTE);
    return {
      position,
      service,
      staffId: item.staffId,
      timing,
      span,
      priceCents: skill.priceCents ?? service.priceCents,
    };
  });
  const segments = planned.flatMap((p) =>
    planSegments(p.span.startsAt, p.timing).map((s) => ({ ...s, staffId: p.staffId, position: p.position })),
  );
  const { resourceSegments, unheldKinds } = planResources(planned, resources, alsoHeld);
  return {
    items: planned,
    segments,
    resourceSegments,
    unheldKinds,
    startsAt: planned[0]!.span.startsAt,
    endsAt: planned.at(-1)!.span.endsAt,
    from: new Date(Math.min(...segments.map((s) => s.startsAt.getTime()))),
    to: new Date(Math.max(...segments.map((s) => s.endsAt.getTime()))),
    totalPriceCents: planned.reduce((n, p) => n + p.priceCents, 0),
    deposit: depositFor(planned.map((p) => ({ serviceId: p.service.id, priceCents: p.priceCents, terms: p.service }))),
  };
}

/** Picks the resources each item's phases need, as availability does (availability/resources.ts). */
function planResources(
  planned: PlannedItem[],
  resources: readonly ResourceAvailability[],
  alsoHeld: readonly HeldResource[],
): Pick<BookingPlan, "resourceSegments" | "unheldKinds"> {
  const resourceSegments: BookingPlan["resourceSegments"] = [];
  const unheldKinds: string[] = [];
  for (const p of planned) {
    const needs = p.service.needs ?? [];
    if (!needs.length) continue;
    const held = pickResources(needs, p.span.startsAt.getTime(), p.timing, resources, [
      ...alsoHeld,
      ...resourceSegments,
    ]);
    if (!held) {
      // Name the kinds that are full, not every kind the service needs.
      const before = [...alsoHeld, ...resourceSegments];
      for (const n of needs) {
        if (unheldKinds.includes(n.kind)) continue;
        const ofKind = needs.filter((m) => m.kind === n.kind);
        if (!pickResources(ofKind, p.span.startsAt.getTime(), p.timing, resources, before)) unheldKinds.push(n.kind);
      }
      continue;
    }
    for (const h of held) resourceSegments.push({ ...h, position: p.position });
  }
  return { resourceSegments, unheldKinds };
}

/** The status a new booking starts in: a hold, awaiting its deposit, or confirmed. */
export function initialStatus(mode: "hold" | "book", depositCents: number): BookingStatus {
  return mode === "hold" ? "held" : depositCents > 0 ? "pending_deposit" : "confirmed";
}
