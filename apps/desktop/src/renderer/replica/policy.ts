// What the local replica may hold, by role: it is personal data on a disk that may leave the
// salon, so the front desk keeps a shorter past and no customer notes, and stylists (who only see
// their own schedule online) keep nothing.
import type { StaffRoleName } from "@cita/shared";

export interface ReplicaPolicy {
  enabled: boolean;
  /**
   * Bookings starting this many days before today and every later one (the future is bounded by
   * the salon's booking horizon). Moving the start forward each day is a local prune; only
   * widening it needs a full resync.
   */
  pastDays: number;
  /** Whether customers' private notes are kept. */
  customerNotes: boolean;
}

export const DEFAULT_PAST_DAYS = 180;
const FRONT_DESK_PAST_DAYS = 14;

export function replicaPolicyFor(role: StaffRoleName, pastDays: number = DEFAULT_PAST_DAYS): ReplicaPolicy {
  switch (role) {
    case "owner":
    case "manager":
      return { enabled: true, pastDays, customerNotes: true };
    case "front_desk":
      return { enabled: true, pastDays: Math.min(pastDays, FRONT_DESK_PAST_DAYS), customerNotes: false };
    default:
      return { enabled: false, pastDays: 0, customerNotes: false };
  }
}

const DAY = 86_400_000;

/** Bookings starting at or after this instant (UTC midnight, pastDays ago) are kept. */
export function windowStart(policy: ReplicaPolicy, now: number): string {
  return new Date(Math.floor(now / DAY) * DAY - policy.pastDays * DAY).toISOString();
}
