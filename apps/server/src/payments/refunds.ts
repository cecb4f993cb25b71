// Refunds through Stripe's Refunds API (reference §3.7) with an idempotency key: the refund row is
// written first (pending, keyed), so a retry after a Stripe outage asks Stripe again under the
// same key and can never refund twice. Cancellation refunds follow the policy module's decision.
import type Stripe from "stripe";
import { cancelBooking } from "../bookings/transitions.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { CancelledBy } from "../generated/prisma/enums.ts";
import { notifyOnce } from "../notifications/once.ts";
import { notifierOf, type PaymentServices, TX_OPTIONS } from "./common.ts";
import { reportIntegration } from "./integration-status.ts";
import { requireStripe, stripeMode } from "./stripe-client.ts";

export const REFUND_QUEUE = "payments.refund";

export interface RefundView {
  id: string;
  paymentId: string;
  bookingId: string;
  amountCents: number;
  status: "pending" | "succeeded" | "failed";
  providerRefundId: string | null;
  reason: string;
}

const refundable = (p: { status: string }) => p.status === "paid" || p.status === "partially_refunded";

function refundStatus(s: Stripe.Refund["status"]): "pending" | "succeeded" | "failed" {
  if (s === "succeeded") return "succeeded";
  if (s === "failed" || s === "canceled") return "failed";
  return "pending";
}

/** Refunds (part of) one payment. `idempotencyKey` names this refund: the same key never pays twice. */
export async function refundPayment(
  services: PaymentServices,
  input: {
    paymentId: string;
    amountCents?: number;
    reason: string;
    idempotencyKey: string;
    actor: Actor;
    locationId?: string;
  },
): Promise<RefundView> {
  const stripe = requireStripe(services);
  const now = services.clock();
  const prep = await services.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payment WHERE id = ${input.paymentId}::uuid FOR UPDATE`;
    const p = await tx.payment.findUnique({
      where: { id: input.paymentId },
      include: { refunds: true, booking: { select: { locationId: true, customerId: true } } },
    });
    if (!p || (input.locationId && p.booking.locationId !== input.locationId)) {
      throw new AppError("NOT_FOUND", "No such payment");
    }
    const existing = p.refunds.find((r) => r.idempotencyKey === input.idempotencyKey);
    if (existing) return { p, refund: existing };
    if (!refundable(p) || !p.paymentIntentId) throw new AppError("BAD_INPUT", "This payment has nothing to refund");
    const already = p.refunds.filter((r) => r.status !== "failed").reduce((n, r) => n + r.amountCents, 0);
    const left = p.amountCents - already;
    const amount = Math.min(input.amountCents ?? left, left);
    if (amount <= 0) throw new AppError("BAD_INPUT", "This payment has already been refunded");
    const refund = await tx.refund.create({
      data: {
        paymentId: p.id,
        amountCents: amount,
        status: "pending",
        idempotencyKey: input.idempotencyKey,
        reason: input.reason,
        createdByStaffId: input.actor.type === "staff" ? (input.actor.id ?? null) : null,
      },
    });
    return { p, refund };
  }, TX_OPTIONS);
  const { p } = prep;
  let refund = prep.refund;
  if (refund.status === "pending" && !refund.providerRefundId) {
    let r: Stripe.Refund;
    try {
      r = await stripe.refunds.create(
        {
          payment_intent: p.paymentIntentId!,
          amount: refund.amountCents,
          reason: "requested_by_customer",
          metadata: { booking_id: p.bookingId, payment_id: p.id, refund_id: refund.id },
        },
        { idempotencyKey: `refund-${refund.idempotencyKey}` },
      );
    } catch (e) {
      await reportIntegration(
        services.db,
        "stripe",
        { mode: stripeMode(services.config), healthy: false, lastError: (e as Error).message },
        now,
      ).catch(() => {});
      throw new AppError("UNAVAILABLE", "Stripe did not take the refund; it will be retried", {}, { cause: e });
    }
    refund = await services.db.$transaction(async (tx) => {
      const status = refundStatus(r.status);
      const updated = await tx.refund.update({ where: { id: refund.id }, data: { providerRefundId: r.id, status } });
      await settlePaymentStatus(tx, p.id);
      await appendAudit(tx, input.actor, {
        action: "payment.refunded",
        entityType: "payment",
        entityId: p.id,
        locationId: p.booking.locationId,
        data: { refundId: refund.id, amountCents: refund.amountCents, status, reason: input.reason },
      });
      if (status !== "failed") {
        await notifyOnce(
          tx,
          notifierOf(services),
          { id: p.bookingId, customerId: p.booking.customerId },
          `refund:${refund.id}`,
          "deposit_refunded",
          { amountCents: refund.amountCents, currency: p.currency, reason: input.reason },
          now,
        );
      }
      await appendChange(tx, {
        entityType: "booking",
        entityId: p.bookingId,
        op: "upsert",
        locationId: p.booking.locationId,
      });
      return updated;
    }, TX_OPTIONS);
    await reportIntegration(services.db, "stripe", { mode: stripeMode(services.config), healthy: true }, now);
  }
  return {
    id: refund.id,
    paymentId: p.id,
    bookingId: p.bookingId,
    amountCents: refund.amountCents,
    status: refund.status,
    providerRefundId: refund.providerRefundId,
    reason: refund.reason,
  };
}

/** payment.status from its refunds: refunded when the whole amount went back. */
export async function settlePaymentStatus(tx: Tx, paymentId: string) {
  const p = await tx.payment.findUniqueOrThrow({ where: { id: paymentId }, include: { refunds: true } });
  if (!refundable(p) && p.status !== "refunded") return;
  const back = p.refunds.filter((r) => r.status === "succeeded").reduce((n, r) => n + r.amountCents, 0);
  const status = back >= p.amountCents ? "refunded" : back > 0 ? "partially_refunded" : "paid";
  if (status !== p.status) await tx.payment.update({ where: { id: p.id }, data: { status } });
}

/** Refunds up to `amountCents` of a booking's paid deposit(s). */
export async function refundBooking(
  services: PaymentServices,
  input: { bookingId: string; amountCents?: number; reason: string; key: string; actor: Actor; locationId?: string },
): Promise<RefundView[]> {
  // A group member's deposit is part of the group's one payment (bookings/group.ts).
  const member = await services.db.booking.findUnique({ where: { id: input.bookingId }, select: { groupId: true } });
  const payments = await services.db.payment.findMany({
    // "refunded" too: a repeat of a finished refund (same key) answers with it.
    where: {
      ...(member?.groupId ? { groupId: member.groupId } : { bookingId: input.bookingId }),
      status: { in: ["paid", "partially_refunded", "refunded"] },
    },
    include: { refunds: true, booking: { select: { locationId: true } } },
    orderBy: { createdAt: "asc" },
  });
  if (input.locationId && payments.some((p) => p.booking.locationId !== input.locationId)) {
    throw new AppError("NOT_FOUND", "No such booking");
  }
  let left = input.amountCents ?? Number.POSITIVE_INFINITY;
  const out: RefundView[] = [];
  for (const p of payments) {
    if (left <= 0) break;
    const key = `${input.key}:${p.id}`;
    const prior = p.refunds.find((r) => r.idempotencyKey === key);
    if (p.status === "refunded" && !prior) continue;
    const open =
      p.amountCents -
      p.refunds.filter((r) => r.status !== "failed" && r !== prior).reduce((n, r) => n + r.amountCents, 0);
    const amount = Math.min(left, open);
    if (amount <= 0 && !prior) continue;
    const r = await refundPayment(services, {
      paymentId: p.id,
      amountCents: prior ? prior.amountCents : amount,
      reason: input.reason,
      idempotencyKey: key,
      actor: input.actor,
    });
    out.push(r);
    left -= r.amountCents;
  }
  return out;
}

export interface RefundJob {
  bookingId: string;
  amountCents: number;
  reason: string;
  key: string;
}

/**
 * Cancels a booking, then refunds what the policy decided (bookings/policy.ts): inside the free
 * window the deposit goes back; a late cancellation keeps it unless the salon's rule or staff say
 * otherwise. The refund runs as a job, so a Stripe outage is retried instead of failing the cancel.
 */
export async function cancelWithRefund(
  services: PaymentServices,
  bookingId: string,
  actor: Actor,
  opts: { by: CancelledBy; reason: string; staffWaiver?: boolean; locationId?: string; expectedVersion?: number },
) {
  const result = await cancelBooking(services, bookingId, actor, opts);
  let refund: "none" | "queued" | "done" = "none";
  if (result.decision.refundCents > 0) {
    const job: RefundJob = {
      bookingId,
      amountCents: result.decision.refundCents,
      reason: result.decision.rule,
      key: `cancel-${bookingId}`,
    };
    if (services.jobs) {
      await services.jobs.send(REFUND_QUEUE, job, { singletonKey: job.key });
      refund = "queued";
    } else {
      await refundBooking(services, { ...job, actor });
      refund = "done";
    }
  }
  return { ...result, refund };
}
