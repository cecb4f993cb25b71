// Hold expiry, exactly when the hold ends: a job with startAfter = holdExpiresAt (one per booking
// and hold time; a stale one finds the hold extended, confirmed or gone and does nothing), plus a
// sweep that catches any hold whose job was lost. The handler always re-reads the booking.
import { expireHold } from "../bookings/transitions.ts";
import type { Tx } from "../db/client.ts";
import { isAppError } from "../errors/app-error.ts";
import { notifyOnce } from "../notifications/once.ts";
import { JOB_ACTOR, notifierOf, type PaymentServices } from "../payments/common.ts";
import { stripeFor } from "../payments/stripe-client.ts";
import { toLocal } from "../time/zoned.ts";
import { realStartAfter } from "./timing.ts";

export const HOLD_EXPIRE_QUEUE = "holds.expire";
export const HOLD_SWEEP_QUEUE = "holds.sweep";

export interface HoldExpiryJob {
  bookingId: string;
  /** The hold end this job was planned for (informational; the row decides). */
  holdExpiresAt: string;
}

export async function scheduleHoldExpiry(
  services: PaymentServices,
  bookingId: string,
  holdExpiresAt: Date,
  tx?: Tx,
): Promise<string | null> {
  if (!services.jobs) return null;
  return services.jobs.send<HoldExpiryJob>(
    HOLD_EXPIRE_QUEUE,
    { bookingId, holdExpiresAt: holdExpiresAt.toISOString() },
    {
      startAfter: realStartAfter(services.clock, holdExpiresAt),
      singletonKey: `hold:${bookingId}`,
      ...(tx ? { tx } : {}),
    },
  );
}

export type HoldOutcome = "expired" | "not_due" | "not_held";

export async function expireHoldIfDue(services: PaymentServices, bookingId: string): Promise<HoldOutcome> {
  const now = services.clock();
  const b = await services.db.booking.findUnique({
    where: { id: bookingId },
    select: {
      id: true,
      status: true,
      holdExpiresAt: true,
      customerId: true,
      version: true,
      startsAt: true,
      location: { select: { timeZone: true } },
    },
  });
  if (!b || (b.status !== "held" && b.status !== "pending_deposit")) return "not_held";
  if (!b.holdExpiresAt || b.holdExpiresAt > now) return "not_due";
  try {
    // expectedVersion: if the deposit link extended the hold (or anything else changed it) since we
    // read it, the move is refused and the next job/sweep looks again.
    await expireHold(services, b.id, JOB_ACTOR, { expectedVersion: b.version });
  } catch (e) {
    if (isAppError(e) && (e.code === "CONFLICT" || e.code === "ILLEGAL_TRANSITION")) return "not_held";
    throw e;
  }
  // Close the checkout so a late payment is less likely (a payment that still arrives is handled
  // by the webhook: revived if the slot is free, refunded otherwise).
  const open = await services.db.payment.findMany({
    where: { bookingId: b.id, status: "pending" },
    select: { id: true, checkoutSessionId: true },
  });
  const stripe = stripeFor(services);
  for (const p of open) {
    if (p.checkoutSessionId && stripe) {
      await stripe.checkout.sessions.expire(p.checkoutSessionId).catch((err) => {
        services.log.warn({ err, payment: p.id }, "could not expire the checkout session; its own expiry will follow");
      });
    }
  }
  await services.db.$transaction(async (tx) => {
    await tx.payment.updateMany({ where: { bookingId: b.id, status: "pending" }, data: { status: "expired" } });
    const local = toLocal(b.startsAt, b.location.timeZone);
    await notifyOnce(
      tx,
      notifierOf(services),
      b,
      "hold_expired",
      "hold_expired",
      { startsAt: b.startsAt.toISOString(), localDate: local.date, localMinute: local.minute },
      now,
    );
  });
  return "expired";
}

/** Expires every hold whose time is up (the safety net behind the per-booking jobs). */
export async function sweepExpiredHolds(services: PaymentServices): Promise<number> {
  const due = await services.db.booking.findMany({
    where: { status: { in: ["held", "pending_deposit"] }, holdExpiresAt: { lte: services.clock() } },
    select: { id: true },
    take: 500,
  });
  let n = 0;
  for (const b of due) if ((await expireHoldIfDue(services, b.id)) === "expired") n++;
  return n;
}
