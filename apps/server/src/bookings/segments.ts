// The stretches of time a booked service blocks its stylist. The processing gap (colour
// developing) is deliberately not a segment: the stylist can serve someone else meanwhile.
import type { SegmentKind } from "../generated/prisma/enums.ts";

export interface ServiceTiming {
  bufferBeforeMinutes: number;
  durationMinutes: number;
  processingMinutes: number;
  finishingMinutes: number;
  bufferAfterMinutes: number;
}

export interface PlannedSegment {
  kind: SegmentKind;
  startsAt: Date;
  endsAt: Date;
}

const MINUTE = 60_000;

/** Client-facing span of one item: from the start of application to the end of finishing. */
export function itemSpan(start: Date, t: ServiceTiming): { startsAt: Date; endsAt: Date } {
  return {
    startsAt: start,
    endsAt: new Date(start.getTime() + (t.durationMinutes + t.processingMinutes + t.finishingMinutes) * MINUTE),
  };
}

export function planSegments(start: Date, t: ServiceTiming): PlannedSegment[] {
  const s = start.getTime();
  const out: PlannedSegment[] = [];
  const push = (kind: SegmentKind, from: number, minutes: number) => {
    if (minutes > 0) out.push({ kind, startsAt: new Date(from), endsAt: new Date(from + minutes * MINUTE) });
  };
  push("buffer_before", s - t.bufferBeforeMinutes * MINUTE, t.bufferBeforeMinutes);
  push("application", s, t.durationMinutes);
  const finishStart = s + (t.durationMinutes + t.processingMinutes) * MINUTE;
  push("finishing", finishStart, t.finishingMinutes);
  push("buffer_after", finishStart + t.finishingMinutes * MINUTE, t.bufferAfterMinutes);
  return out;
}
