// Moves along the booking lifecycle, each in one transaction with its audit and change-log rows.
// The row is locked (FOR UPDATE) so two staff acting at once are serialised; a retried command
// that finds the booking already in the wanted state answers with it instead of failing.

import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus, CancelledBy } from "../generated/prisma/enums.ts";
import type { BookingDeps } from "./create.ts";
import { setTimeHeld } from "./hold-state.ts";
import { cancellationDecision, type MoneyDecision, noShowDecision } from "./policy.ts";
import { assertMove, blocksTime } from "./state.ts";
import { BOOKING_TX } from "./tx-options.ts";
import { type BookingView, depositPaid, loadBooking, viewBooking } from "./view.ts";

export interface TransitionOptions {
  locationId?: string;
  /** The version the caller saw; a newer row means someone else changed it first. */
  expectedVersion?: number;
}

async function lockBooking(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT id FROM booking WHERE id = ${id}::uuid FOR UPDATE`;
}

async function move(
  deps: BookingDeps,
  bookingId: string,
  to: BookingStatus,
  actor: Actor,
  opts: TransitionOptions & {
    data?: Record<string, unknown>;
    audit?: Record<string, unknown>;
    onMove?: (tx: Tx) => Promise<void>;
  },
): Promise<BookingView> {
  const id = await deps.db.$transaction(async (tx) => {
    await lockBooking(tx, bookingId);
    const b = await loadBooking(tx, bookingId, opts.locationId);
    if (b.status === to) return b.id; // a retry of the same command
    if (opts.expectedVersion !== undefined && b.version !== opts.expectedVersion) {
      throw new AppError("CONFLICT", "This booking was changed by someone else; reload it", { version: b.version });
    }
    assertMove(b.status, to);
    if (blocksTime(b.status) && !blocksTime(to)) {
      await setTimeHeld(tx, b.id, false);
    }
    await tx.booking.update({ where: { id: b.id }, data: { status: to, version: { increment: 1 }, ...opts.data } });
    await opts.onMove?.(tx);
    await appendAudit(tx, actor, {
      action: `booking.${to}`,
      entityType: "booking",
      entityId: b.id,
      locationId: b.locationId,
      data: { from: b.status, to, ...opts.audit },
    });
    await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
    return b.id;
  }, BOOKING_TX);
  return viewBooking(await loadBooking(deps.db, id), deps.fc);
}

/** held → pending_deposit: the deposit link has been sent; the hold keeps its expiry. */
export function markAwaitingDeposit(deps: BookingDeps, id: string, actor: Actor, opts: TransitionOptions = {}) {
  return move(deps, id, "pending_deposit", actor, { ...opts, audit: {} });
}

export function confirmBooking(deps: BookingDeps, id: string, actor: Actor, opts: TransitionOptions = {}) {
  return move(deps, id, "confirmed", actor, { ...opts, data: { holdExpiresAt: null } });
}

export function checkInBooking(deps: BookingDeps, id: string, actor: Actor, opts: TransitionOptions = {}) {
  return move(deps, id, "checked_in", actor, opts);
}

export function completeBooking(deps: BookingDeps, id: string, actor: Actor, opts: TransitionOptions = {}) {
  return move(deps, id, "completed", actor, opts);
}

/** The hold's time ran out (job or Stripe's checkout.session.expired). */
export function expireHold(deps: BookingDeps, id: string, actor: Actor, opts: TransitionOptions = {}) {
  return move(deps, id, "expired", actor, { ...opts, audit: { reason: "hold expired" } });
}

async function policyTerms(tx: Tx, locationId: string) {
  return tx.location.findUniqueOrThrow({
    where: { id: locationId },
    select: { cancellationWindowHours: true, lateCancelKeepsDeposit: true, noShowKeepsDeposit: true },
  });
}

/**
 * The deposit a booking has paid. A group member's is their own share (deposit_cents) of the
 * group's one payment once it is paid (bookings/group.ts), whichever booking that payment hangs from.
 */
async function paidDeposit(tx: Tx, b: Awaited<ReturnType<typeof loadBooking>>): Promise<number> {
  if (!b.groupId) return depositPaid(b.payments);
  const paid = await tx.payment.count({
    where: { groupId: b.groupId, status: { in: ["paid", "partially_refunded"] } },
  });
  return paid ? b.depositCents : 0;
}

/** What cancelling now would keep or refund, without doing it (for the agent and the console). */
export async function previewCancellation(
  deps: BookingDeps,
  id: string,
  opts: { locationId?: string; staffWaiver?: boolean } = {},
): Promise<MoneyDecision> {
  const b = await loadBooking(deps.db, id, opts.locationId);
  return cancellationDecision(
    { startsAt: b.startsAt, depositPaidCents: await paidDeposit(deps.db, b) },
    await policyTerms(deps.db, b.locationId),
    deps.clock(),
    opts,
  );
}

export async function cancelBooking(
  deps: BookingDeps,
  id: string,
  actor: Actor,
  opts: TransitionOptions & { by: CancelledBy; reason: string; staffWaiver?: boolean },
): Promise<{ booking: BookingView; decision: MoneyDecision }> {
  if (!opts.reason.trim()) throw new AppError("BAD_INPUT", "Say why the booking is cancelled");
  const decision = await previewCancellation(deps, id, opts);
  const booking = await move(deps, id, "cancelled", actor, {
    ...opts,
    data: { cancelledAt: deps.clock(), cancelledBy: opts.by, cancelReason: opts.reason.trim() },
    audit: {
      by: opts.by,
      reason: opts.reason,
      policy: decision.rule,
      refundCents: decision.refundCents,
      keptCents: decision.keptCents,
    },
  });
  return { booking, decision };
}

export async function markNoShow(
  deps: BookingDeps,
  id: string,
  actor: Actor,
  opts: TransitionOptions = {},
): Promise<{ booking: BookingView; decision: MoneyDecision }> {
  const current = await loadBooking(deps.db, id, opts.locationId);
  if (current.startsAt > deps.clock())
    throw new AppError("BAD_INPUT", "A booking cannot be a no-show before it starts");
  const decision = noShowDecision(depositPaid(current.payments), await policyTerms(deps.db, current.locationId));
  const booking = await move(deps, id, "no_show", actor, {
    ...opts,
    audit: { policy: decision.rule, keptCents: decision.keptCents, refundCents: decision.refundCents },
    onMove: async (tx) => {
      await tx.customer.update({
        where: { id: current.customerId },
        data: { noShowCount: { increment: 1 }, version: { increment: 1 } },
      });
      await appendChange(tx, { entityType: "customer", entityId: current.customerId, op: "upsert" });
    },
  });
  return { booking, decision };
}

export async function updateBookingNotes(
  deps: BookingDeps,
  id: string,
  notes: string,
  actor: Actor,
  opts: TransitionOptions = {},
): Promise<BookingView> {
  await deps.db.$transaction(async (tx) => {
    await lockBooking(tx, id);
    const b = await loadBooking(tx, id, opts.locationId);
    if (opts.expectedVersion !== undefined && b.version !== opts.expectedVersion) {
      throw new AppError("CONFLICT", "This booking was changed by someone else; reload it", {
        version: b.version,
        notes: b.notes,
      });
    }
    await tx.booking.update({ where: { id }, data: { notes: notes || null, version: { increment: 1 } } });
    await appendAudit(tx, actor, {
      action: "booking.notes",
      entityType: "booking",
      entityId: id,
      locationId: b.locationId,
      data: { length: notes.length },
    });
    await appendChange(tx, { entityType: "booking", entityId: id, op: "upsert", locationId: b.locationId });
  }, BOOKING_TX);
  return viewBooking(await loadBooking(deps.db, id), deps.fc);
}
