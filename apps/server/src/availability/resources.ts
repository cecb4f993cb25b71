// Resources (issue #21): basins, colour stations, treatment rooms, nail desks. A service's phases
// say which kinds of resource they occupy — a colour holds its station through application AND
// processing, while its stylist is free for someone else during processing. PURE: availability
// (compute-availability.ts) and the booking plan (bookings/plan.ts) both pick resources here, so a
// slot offered is a slot the plan can hold; the database's exclusion constraint on
// booking_resource_segment (resource_id, range) is the guard, as booking_segment's is for stylists.
import { firstEndingAfter } from "./intervals.ts";
import type { Interval, Timing } from "./types.ts";

export type ServicePhase = "application" | "processing" | "finishing";

export const SERVICE_PHASES: readonly ServicePhase[] = ["application", "processing", "finishing"];

/** A kind of resource one phase of a service occupies. */
export interface ResourceNeed {
  kind: string;
  phase: ServicePhase;
}

/** One resource and the time it is already held (sorted and merged by the caller, or unsorted: see `freeOver`). */
export interface ResourceAvailability {
  id: string;
  kind: string;
  /** Sorted, merged busy intervals. */
  busy: Interval[];
}

/** A stretch of one phase on one resource. */
export interface HeldResource {
  resourceId: string;
  kind: string;
  phase: ServicePhase;
  start: number;
  end: number;
}

const MIN = 60_000;

/** The client-facing phases of an item starting at `start` (buffers hold the stylist, not a resource). */
export function phaseIntervals(start: number, t: Timing): Record<ServicePhase, Interval | null> {
  const appEnd = start + t.durationMinutes * MIN;
  const procEnd = appEnd + t.processingMinutes * MIN;
  const finEnd = procEnd + t.finishingMinutes * MIN;
  const iv = (s: number, e: number) => (e > s ? { start: s, end: e } : null);
  return { application: iv(start, appEnd), processing: iv(appEnd, procEnd), finishing: iv(procEnd, finEnd) };
}

/** True when [start, end) overlaps none of the sorted, merged `busy`. */
function freeOver(busy: Interval[], start: number, end: number): boolean {
  const i = firstEndingAfter(busy, start);
  return i >= busy.length || busy[i]!.start >= end;
}

/** Needs grouped by kind, kinds in a stable order. */
export function needsByKind(needs: readonly ResourceNeed[]): Map<string, ServicePhase[]> {
  const out = new Map<string, ServicePhase[]>();
  for (const n of [...needs].sort((a, b) => a.kind.localeCompare(b.kind))) {
    const phases = out.get(n.kind) ?? [];
    if (!phases.includes(n.phase)) phases.push(n.phase);
    out.set(n.kind, phases);
  }
  return out;
}

/**
 * The resources an item starting at `start` would hold: for each kind it needs, the first resource
 * of that kind (in the order given) free over every phase that needs the kind — ONE resource per
 * kind for the item (a colour stays at its station while it develops). `alsoHeld` are the stretches
 * this visit's earlier items already hold. Null when some kind has no free resource.
 */
export function pickResources(
  needs: readonly ResourceNeed[],
  start: number,
  timing: Timing,
  resources: readonly ResourceAvailability[],
  alsoHeld: readonly HeldResource[] = [],
): HeldResource[] | null {
  if (!needs.length) return [];
  const phases = phaseIntervals(start, timing);
  const out: HeldResource[] = [];
  for (const [kind, kindPhases] of needsByKind(needs)) {
    const stretches = kindPhases
      .map((phase) => ({ phase, iv: phases[phase] }))
      .filter((p): p is { phase: ServicePhase; iv: Interval } => p.iv !== null);
    if (!stretches.length) continue; // the phases that need it take no time for this stylist
    const resource = resources.find(
      (r) =>
        r.kind === kind &&
        stretches.every(
          ({ iv }) =>
            freeOver(r.busy, iv.start, iv.end) &&
            !alsoHeld.some((h) => h.resourceId === r.id && h.start < iv.end && iv.start < h.end),
        ),
    );
    if (!resource) return null;
    for (const { phase, iv } of stretches)
      out.push({ resourceId: resource.id, kind, phase, start: iv.start, end: iv.end });
  }
  return out;
}
