// Group bookings (issue #20, part 3): one organiser books several people in one visit. Each person
// is a normal booking (items, segments, the exclusion constraint) carrying group_id; the group is a
// booking_group row. The hold is all-or-nothing: every person's booking is written in ONE
// transaction through the booking write (write.ts), so one exclusion conflict (23P01) rolls back
// the whole group — nothing is held. One deposit, the sum of every person's share by the policy
// (group-plan.ts), is paid by the organiser through one Checkout Session (payments/group-deposit.ts);
// each booking keeps its own share in deposit_cents, so cancelling one person follows the policy
// for that person's share (transitions.ts previewCancellation, refunds.ts refundBooking).

import { loadResourceState } from "../availability/load.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { inStoredTimeWindow } from "../db/constraints.ts";
import { ContentionError } from "../db/transaction.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import type { BookingSource, CancelledBy } from "../generated/prisma/enums.ts";
import { claim, isDuplicateKey, remember, replayed, requestHash } from "../idempotency/idempotency.ts";
import type { PaymentServices } from "../payments/common.ts";
import { cancelWithRefund } from "../payments/refunds.ts";
import { staffAtLocation } from "../staff/at-location.ts";
import { isDoubleBooking } from "./conflict.ts";
import { assertBookable, type BookingDeps, type CreateBookingInput, expireStaleHoldsOverlapping } from "./create.ts";
import { type GroupPersonRequest, type GroupTiming, planGroup } from "./group-plan.ts";
import { assertPatchTest } from "./patch-test.ts";
import { initialStatus } from "./plan.ts";
import { bookingTimeWindowError } from "./time-window.ts";
import { BOOKING_TX } from "./tx-options.ts";
import { depositPaid } from "./view.ts";
import { type BookingRowInput, writeBooking } from "./write.ts";

export type { GroupPersonRequest, GroupTiming } from "./group-plan.ts";

const MIN = 60_000;
const IDEMPOTENCY_SCOPE = "booking.group";

export interface CreateGroupInput {
  locationId: string;
  /** The customer who books and pays the one deposit. */
  organiserId: string;
  startsAt: Date;
  timing: GroupTiming;
  /** Each person: their own customer record, or a guest (name) on the organiser's record. */
  people: GroupPersonRequest[];
  source: BookingSource;
  /** "hold": held until the deposit is paid or it expires (agent); "book": firm (console). */
  mode: "hold" | "book";
  waiveDeposit?: boolean;
  /** Console only: outside hours/notice (the overlap guard still applies; the horizon never relaxes). */
  allowOutsideHours?: boolean;
  notes?: string | null;
  conversationId?: string | null;
  /** A retry with the same key answers with the group the first attempt made. */
  idempotencyKey?: string | null;
}

export interface GroupPersonView {
  position: number;
  bookingId: string;
  customerId: string;
  /** The guest's name, or the person's customer name. */
  name: string | null;
  status: string;
  startsAt: string;
  endsAt: string;
  depositCents: number;
  items: { serviceName: { es: string; en: string }; staffName: string; startsAt: string; endsAt: string }[];
}

export interface GroupView {
  id: string;
  locationId: string;
  organiserCustomerId: string;
  /** The organiser's own booking: the group's payment hangs from it. */
  organiserBookingId: string;
  /** The one deposit: every person's share (cancelled people excluded). */
  depositCents: number;
  depositPaidCents: number;
  currency: string;
  holdExpiresAt: string | null;
  people: GroupPersonView[];
}

/** The booking the group's payment hangs from: the organiser's own (not a guest's), else the first. */
export function payerBooking<B extends { customerId: string; guestNameCipher: Uint8Array | null }>(
  bookings: B[],
  organiserId: string,
): B | undefined {
  return (
    bookings.find((b) => b.customerId === organiserId && !b.guestNameCipher) ??
    bookings.find((b) => b.customerId === organiserId) ??
    bookings[0]
  );
}

/** The group's bookings (by position), with what the view and the payment paths need. */
export async function loadGroup(db: Tx, groupId: string, locationId?: string) {
  const g = await db.bookingGroup.findUnique({
    where: { id: groupId },
    include: {
      bookings: {
        orderBy: [{ startsAt: "asc" }, { createdAt: "asc" }],
        include: {
          items: {
            orderBy: { position: "asc" },
            include: {
              service: { select: { nameEs: true, nameEn: true } },
              staff: { select: { displayName: true } },
            },
          },
          customer: { select: { nameCipher: true } },
        },
      },
      payments: { orderBy: { createdAt: "asc" } },
    },
  });
  if (!g || (locationId && g.locationId !== locationId)) throw new AppError("NOT_FOUND", "No such group");
  return g;
}

export async function viewGroup(deps: Pick<BookingDeps, "db" | "fc">, groupId: string, locationId?: string) {
  const g = await loadGroup(deps.db, groupId, locationId);
  // The organiser's booking is the one the group's payments hang from (else their own, else the first).
  const organiserBookingId = g.payments[0]?.bookingId ?? payerBooking(g.bookings, g.organiserCustomerId)?.id ?? "";
  const live = g.bookings.filter((b) => b.status !== "cancelled");
  const view: GroupView = {
    id: g.id,
    locationId: g.locationId,
    organiserCustomerId: g.organiserCustomerId,
    organiserBookingId,
    depositCents: live.reduce((n, b) => n + b.depositCents, 0),
    depositPaidCents: depositPaid(g.payments),
    currency: g.bookings[0]?.currency ?? "EUR",
    holdExpiresAt:
      live
        .map((b) => b.holdExpiresAt)
        .filter((d): d is Date => !!d)
        .sort((a, b) => a.getTime() - b.getTime())[0]
        ?.toISOString() ?? null,
    people: g.bookings.map((b, position) => ({
      position,
      bookingId: b.id,
      customerId: b.customerId,
      name: b.guestNameCipher
        ? deps.fc.decrypt(b.guestNameCipher)
        : b.customer.nameCipher
          ? deps.fc.decrypt(b.customer.nameCipher)
          : null,
      status: b.status,
      startsAt: b.startsAt.toISOString(),
      endsAt: b.endsAt.toISOString(),
      depositCents: b.depositCents,
      items: b.items.map((i) => ({
        serviceName: { es: i.service.nameEs, en: i.service.nameEn },
        staffName: i.staff.displayName,
        startsAt: i.startsAt.toISOString(),
        endsAt: i.endsAt.toISOString(),
      })),
    })),
  };
  return view;
}

/** The group a booking belongs to, or null. */
export async function groupOfBooking(
  deps: Pick<BookingDeps, "db" | "fc">,
  bookingId: string,
  locationId?: string,
): Promise<GroupView | null> {
  const b = await deps.db.booking.findUnique({ where: { id: bookingId }, select: { locationId: true, groupId: true } });
  if (!b || (locationId && b.locationId !== locationId)) throw new AppError("NOT_FOUND", "No such booking");
  return b.groupId ? viewGroup(deps, b.groupId) : null;
}

/** Each person's request as the normal booking path sees it (for its checks and alternatives). */
function personRequest(input: CreateGroupInput, person: GroupPersonRequest, startsAt: Date): CreateBookingInput {
  return {
    locationId: input.locationId,
    customerId: person.customerId ?? input.organiserId,
    startsAt,
    items: person.items,
    source: input.source,
    mode: input.mode,
    allowOutsideHours: input.allowOutsideHours ?? false,
  };
}

/**
 * Holds (or books) the whole group in one transaction. Before writing, each person's time is
 * checked by the booking path (a clear SLOT_TAKEN with that person's alternatives, or
 * NOT_BOOKABLE); the write is the guard: one exclusion conflict and nothing of the group exists.
 */
export async function createGroup(deps: BookingDeps, input: CreateGroupInput, actor: Actor): Promise<GroupView> {
  const key = input.idempotencyKey;
  const hash = requestHash({ ...input, idempotencyKey: undefined });
  if (key) {
    const prior = await replayed<{ groupId: string }>(deps.db, IDEMPOTENCY_SCOPE, key, hash);
    if (prior) return viewGroup(deps, prior.groupId);
  }
  const now = deps.clock();
  const location = await deps.db.location.findUnique({ where: { id: input.locationId } });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const organiser = await deps.db.customer.findFirst({
    where: { id: input.organiserId, erasedAt: null },
    select: { id: true },
  });
  if (!organiser) throw new AppError("NOT_FOUND", "Unknown customer");
  const serviceIds = [...new Set(input.people.flatMap((p) => p.items.map((i) => i.serviceId)))];
  const services = await deps.db.service.findMany({
    where: { id: { in: serviceIds }, locationId: input.locationId, active: true },
  });
  const skills = await deps.db.staffService.findMany({
    where: {
      OR: input.people.flatMap((p) => p.items.map((i) => ({ staffId: i.staffId, serviceId: i.serviceId }))),
      staff: { active: true, bookable: true, ...staffAtLocation(input.locationId) },
    },
  });
  if (Number.isNaN(input.startsAt.getTime())) throw new AppError("BAD_INPUT", "startsAt: not a valid instant");
  // Basins and stations (issue #21): what the services need and what is held that day.
  const day = input.startsAt.getTime();
  const held = await loadResourceState(
    deps.db,
    input.locationId,
    serviceIds,
    new Date(day - 86_400_000),
    new Date(day + 2 * 86_400_000),
    now,
  );
  const withNeeds = services.map((s) => ({ ...s, needs: held.needs.get(s.id) ?? [] }));
  const group = planGroup(input.startsAt, input.timing, input.people, withNeeds, skills, held.resources);
  for (const { plan } of group.people) {
    const error = bookingTimeWindowError(plan.startsAt, now, location.horizonDays);
    if (error) throw error;
    if (!inStoredTimeWindow(plan.from, plan.to)) throw new AppError("BAD_INPUT", "startsAt: outside the stored window");
  }
  const requests = group.people.map(({ plan, position }) =>
    personRequest(input, input.people[position]!, plan.startsAt),
  );
  // The booking path's own check per person: the message and alternatives a lost time gets.
  if (!input.allowOutsideHours) for (const r of requests) await assertBookable(deps, r);
  // Relaxed hours never relax a patch test (issue #21): each person's visit is checked anyway.
  else for (const r of requests) await assertPatchTest(deps.db, r, now);

  const depositTotal = input.waiveDeposit ? 0 : group.deposit.amountCents;
  const status = initialStatus(input.mode, depositTotal);
  const holds = status === "held" || status === "pending_deposit";
  const holdExpiresAt = holds ? new Date(now.getTime() + location.holdMinutes * MIN) : null;
  const staffIds = [...new Set(group.people.flatMap((p) => p.plan.segments.map((s) => s.staffId)))];
  const from = new Date(Math.min(...group.people.map((p) => p.plan.from.getTime())));
  const to = new Date(Math.max(...group.people.map((p) => p.plan.to.getTime())));
  try {
    const groupId = await deps.db.$transaction(async (tx) => {
      if (key) {
        // Claimed first (the lock order of changes/change-log.ts): a concurrent twin waits here.
        const prior = await replayed<{ groupId: string }>(tx, IDEMPOTENCY_SCOPE, key, hash);
        if (prior) return prior.groupId;
        await claim(tx, IDEMPOTENCY_SCOPE, key, hash);
      }
      const g = await tx.bookingGroup.create({
        data: {
          locationId: input.locationId,
          organiserCustomerId: input.organiserId,
          createdByStaffId: actor.type === "staff" ? (actor.id ?? null) : null,
        },
      });
      await expireStaleHoldsOverlapping(tx, staffIds, from, to, now, actor);
      const ids: string[] = [];
      for (const { plan, position } of group.people) {
        const person = input.people[position]!;
        const row: BookingRowInput = {
          locationId: input.locationId,
          customerId: person.customerId ?? input.organiserId,
          status,
          source: input.source,
          holdExpiresAt,
          depositCents: input.waiveDeposit ? 0 : group.depositShares[position]!,
          currency: location.currency,
          guestNameCipher: person.guestName ? deps.fc.encrypt(person.guestName) : null,
          notes: input.notes ?? null,
          conversationId: input.conversationId ?? null,
          rescheduledFromId: null,
          groupId: g.id,
        };
        const { id } = await writeBooking(tx, plan, row, actor, {
          action: "booking.created",
          data: {
            status,
            source: input.source,
            startsAt: plan.startsAt,
            items: person.items,
            depositCents: row.depositCents,
            depositRule: plan.deposit.rule,
            groupId: g.id,
            groupPosition: position,
          },
        });
        ids.push(id);
      }
      await appendAudit(tx, actor, {
        action: "booking_group.created",
        entityType: "booking_group",
        entityId: g.id,
        locationId: input.locationId,
        data: {
          people: ids.length,
          timing: input.timing,
          depositCents: depositTotal,
          depositRule: group.deposit.rule,
        },
      });
      if (key) await remember(tx, IDEMPOTENCY_SCOPE, key, { groupId: g.id });
      for (const id of ids) {
        await appendChange(tx, { entityType: "booking", entityId: id, op: "upsert", locationId: input.locationId });
      }
      return g.id;
    }, BOOKING_TX);
    return viewGroup(deps, groupId);
  } catch (e) {
    if (key && isDuplicateKey(e)) {
      const prior = await replayed<{ groupId: string }>(deps.db, IDEMPOTENCY_SCOPE, key, hash);
      if (prior) return viewGroup(deps, prior.groupId);
    }
    if (!isDoubleBooking(e) && !(e instanceof ContentionError)) throw e;
    // Nothing was written. Say whose time was taken, with that person's alternatives.
    for (const r of requests) {
      try {
        await assertBookable(deps, { ...r, allowOutsideHours: false });
      } catch (lost) {
        if (isAppError(lost) && lost.code === "SLOT_TAKEN") {
          throw new AppError("SLOT_TAKEN", "That time has just been taken for someone in the group", {
            ...lost.details,
            person: requests.indexOf(r),
          });
        }
      }
    }
    throw new AppError("SLOT_TAKEN", "That time has just been taken for someone in the group", { alternatives: [] });
  }
}

/**
 * Cancels one person of a group by the policy for that person: their own share of the group's paid
 * deposit is what the free window refunds or a late cancellation keeps; the others stay booked.
 */
export async function cancelGroupMember(
  services: PaymentServices,
  bookingId: string,
  actor: Actor,
  opts: { by: CancelledBy; reason: string; staffWaiver?: boolean; locationId?: string },
) {
  const b = await services.db.booking.findUnique({
    where: { id: bookingId },
    select: { groupId: true, locationId: true },
  });
  if (!b || (opts.locationId && b.locationId !== opts.locationId)) throw new AppError("NOT_FOUND", "No such booking");
  if (!b.groupId) throw new AppError("BAD_INPUT", "This booking is not part of a group");
  return cancelWithRefund(services, bookingId, actor, opts);
}
