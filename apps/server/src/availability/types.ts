// Inputs and outputs of the pure availability computation. Everything the function needs is in
// here (including "now"), so it is deterministic and testable without a database.
import type { HeldResource, ResourceAvailability, ResourceNeed } from "./resources.ts";

/** Half-open instant interval [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

export interface Timing {
  bufferBeforeMinutes: number;
  durationMinutes: number;
  processingMinutes: number;
  finishingMinutes: number;
  bufferAfterMinutes: number;
}

export interface WeeklyBlock {
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  kind: "work" | "break";
  startMinute: number;
  endMinute: number;
}

export interface DateOverride {
  date: string;
  kind: "off" | "custom_hours";
  startMinute?: number | null;
  endMinute?: number | null;
}

export interface StaffSkill {
  /** Per-stylist overrides; null/undefined = the service's own value. */
  durationMinutes?: number | null;
  processingMinutes?: number | null;
  finishingMinutes?: number | null;
  priceCents?: number | null;
}

export interface StaffAvailability {
  id: string;
  name: string;
  weekly: WeeklyBlock[];
  overrides: DateOverride[];
  /** Time off, existing booking segments, live holds, external calendar busy time. */
  busy: Interval[];
  /** Services this stylist does (by service id), with their own timing/price where it differs. */
  skills: Map<string, StaffSkill>;
}

export interface ServiceSpec extends Timing {
  id: string;
  priceCents: number;
  /** The kinds of resource its phases occupy (issue #21); none = no resource. */
  needs?: ResourceNeed[];
}

export interface LocationRules {
  timeZone: string;
  slotStepMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
  hours: { weekday: number; startMinute: number; endMinute: number }[];
  /** Local dates the salon is closed (holidays). */
  closures: string[];
}

export interface VisitItemRequest {
  serviceId: string;
  /** A specific stylist, or null for "any qualified stylist". */
  staffId: string | null;
}

export interface AvailabilityQuery {
  now: Date;
  location: LocationRules;
  services: ServiceSpec[];
  staff: StaffAvailability[];
  /** Items of the visit, in order; they are chained back to back. */
  items: VisitItemRequest[];
  /** Local dates, inclusive. */
  fromDate: string;
  toDate: string;
  /** Stop after this many slots (the agent wants a few, the console a day's worth). */
  limit?: number;
  /** The location's resources of the kinds the services need, with the time they are held. */
  resources?: ResourceAvailability[];
  /** Only this start (epoch ms) is tried: is one wanted time bookable (a booking's own check). */
  onlyStart?: number;
}

export interface SlotItem {
  serviceId: string;
  staffId: string;
  /** Client-facing span of this item (application → end of finishing). */
  start: number;
  end: number;
  priceCents: number;
  timing: Timing;
  /** The resources this item would hold (issue #21), when its service needs any. */
  resources?: HeldResource[];
}

export interface Slot {
  /** Stable id describing the slot (start + service/stylist per item). */
  id: string;
  start: Date;
  end: Date;
  localDate: string;
  localTime: string;
  weekday: number;
  items: SlotItem[];
  priceCents: number;
}
