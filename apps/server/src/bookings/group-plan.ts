// A group visit (issue #20, part 3): several people, each with their own services on their own
// stylists, starting together or one after another. PURE: from the rows a booking is planned from
// (services, stylists' skills) to each person's booking plan, the group's span and ONE deposit —
// the sum of each person's deposit by the policy (policy.ts depositFor, per service), so that
// cancelling one person later can follow the policy for that person's own share.
import type { ResourceAvailability } from "../availability/resources.ts";
import { AppError } from "../errors/app-error.ts";
import { type BookingPlan, type PlanService, type PlanSkill, planBooking } from "./plan.ts";
import { type DepositDecision, depositFor } from "./policy.ts";

/** The most people one organiser books in one visit. */
export const MAX_GROUP_PEOPLE = 8;

/** "together": everyone starts at the same time; "sequence": each starts when the one before ends. */
export type GroupTiming = "together" | "sequence";

export interface GroupPersonRequest {
  /** The person's own customer record; none = a guest booked on the organiser's record. */
  customerId?: string | null;
  /** The person's name when they are the organiser's guest. */
  guestName?: string | null;
  items: { serviceId: string; staffId: string }[];
}

export interface GroupPersonPlan {
  position: number;
  plan: BookingPlan;
}

export interface GroupPlan {
  people: GroupPersonPlan[];
  startsAt: Date;
  endsAt: Date;
  totalPriceCents: number;
  /** The one deposit the organiser pays: the sum of every person's, by the policy. */
  deposit: DepositDecision;
  /** Each person's part of that deposit (what their own cancellation follows the policy for). */
  depositShares: number[];
}

type Seg = BookingPlan["segments"][number];
const clash = (a: Seg, b: Seg) => a.staffId === b.staffId && a.startsAt < b.endsAt && b.startsAt < a.endsAt;

/** The first of `others`' segments a plan collides with (same stylist, overlapping), if any. */
function firstClash(plan: BookingPlan, others: BookingPlan[]): Seg | undefined {
  for (const s of plan.segments) {
    for (const o of others) {
      const hit = o.segments.find((x) => clash(s, x));
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * Plans every person of the group. "together": all start at `startsAt`, and one stylist cannot
 * serve two of them at once (BAD_INPUT: pick another stylist or go in sequence). "sequence":
 * person k starts when person k−1's visit ends, later still if a stylist they share is busy with
 * an earlier person (buffers included).
 */
export function planGroup(
  startsAt: Date,
  timing: GroupTiming,
  people: readonly GroupPersonRequest[],
  services: readonly PlanService[],
  skills: readonly PlanSkill[],
  resources: readonly ResourceAvailability[] = [],
): GroupPlan {
  if (people.length < 2 || people.length > MAX_GROUP_PEOPLE) {
    throw new AppError("BAD_INPUT", `people: a group is 2 to ${MAX_GROUP_PEOPLE} people`);
  }
  const plans: BookingPlan[] = [];
  // Each person's basins and stations (issue #21) are picked around the earlier people's.
  const plan1 = (start: Date, items: GroupPersonRequest["items"]) =>
    planBooking(
      start,
      items,
      services,
      skills,
      resources,
      plans.flatMap((p) => p.resourceSegments),
    );
  for (const [position, person] of people.entries()) {
    if (!person.items.length) throw new AppError("BAD_INPUT", `people.${position}.items: at least one service`);
    if (timing === "together") {
      const plan = plan1(startsAt, person.items);
      if (firstClash(plan, plans)) {
        throw new AppError(
          "BAD_INPUT",
          "A stylist cannot serve two people of the group at once: choose another stylist or book them one after another",
          { person: position },
        );
      }
      plans.push(plan);
      continue;
    }
    let start = plans.at(-1)?.endsAt ?? startsAt;
    let plan = plan1(start, person.items);
    // Each step moves past one clashing segment, so this ends within the earlier segments' count.
    for (let hit = firstClash(plan, plans); hit; hit = firstClash(plan, plans)) {
      start = new Date(Math.max(start.getTime() + 60_000, hit.endsAt.getTime()));
      plan = plan1(start, person.items);
    }
    plans.push(plan);
  }
  const unheld = [...new Set(plans.flatMap((p) => p.unheldKinds))];
  if (unheld.length) {
    throw new AppError("SLOT_TAKEN", `No free ${unheld.join(", ").replaceAll("_", " ")} for everyone at that time`, {
      resources: unheld,
    });
  }
  const deposit = depositFor(
    plans.flatMap((p) => p.items.map((i) => ({ serviceId: i.service.id, priceCents: i.priceCents, terms: i.service }))),
  );
  return {
    people: plans.map((plan, position) => ({ position, plan })),
    startsAt: new Date(Math.min(...plans.map((p) => p.startsAt.getTime()))),
    endsAt: new Date(Math.max(...plans.map((p) => p.endsAt.getTime()))),
    totalPriceCents: plans.reduce((n, p) => n + p.totalPriceCents, 0),
    deposit,
    depositShares: plans.map((p) => p.deposit.amountCents),
  };
}
