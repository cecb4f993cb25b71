// Stripe events: stored by the webhook (or the reconciliation job) in webhook_event, deduplicated on
// the event id, then processed by a job. Delivery is at-least-once and unordered (reference §3.4),
// so every handler treats the event as a hint and lets the booking's current state decide:
// a late "expired" after "completed" does nothing; a payment for an expired hold revives the
// booking if its slot is still free, or is refunded automatically.
import type Stripe from "stripe";
import { isDoubleBooking } from "../bookings/conflict.ts";
import { expireStaleHoldsOverlapping } from "../bookings/create.ts";
import { setTimeHeld } from "../bookings/hold-state.ts";
import { confirmBooking, expireHold } from "../bookings/transitions.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { isAppError } from "../errors/app-error.ts";
import { metricsOf } from "../metrics/metrics.ts";
import { notifyOnce } from "../notifications/once.ts";
import { planReminders } from "../reminders/reminders.ts";
import { JOB_ACTOR, notifierOf, type PaymentServices, TX_OPTIONS } from "./common.ts";
import { onGroupSessionExpired, onGroupSessionPaid } from "./group-deposit.ts";
import { refundBooking } from "./refunds.ts";
import { stripeFor } from "./stripe-client.ts";

export const STRIPE_EVENT_QUEUE = "stripe.event";

export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.expired",
  "charge.refunded",
  "payment_intent.payment_failed",
] as const;

export interface StripeEventJob {
  webhookEventId: string;
}

/** Stores the event once (dedup on its id) and enqueues its processing in the same transaction. */
export async function storeStripeEvent(
  services: PaymentServices,
  event: { id: string },
  rawBody: string,
  headers: Record<string, unknown>,
): Promise<{ webhookEventId: string; duplicate: boolean }> {
  const out = await services.db.$transaction(async (tx) => {
    const created = await tx.webhookEvent.createMany({
      data: [{ source: "stripe", dedupKey: event.id, headers: headers as never, rawBody }],
      skipDuplicates: true,
    });
    const row = await tx.webhookEvent.findUniqueOrThrow({
      where: { source_dedupKey: { source: "stripe", dedupKey: event.id } },
      select: { id: true },
    });
    if (created.count && services.jobs) {
      await services.jobs.send<StripeEventJob>(STRIPE_EVENT_QUEUE, { webhookEventId: row.id }, { tx });
    }
    return { webhookEventId: row.id, duplicate: created.count === 0 };
  });
  // Without a job queue (CLIs, some tests) the event is processed right away.
  if (!out.duplicate && !services.jobs) await processStripeEvent(services, out.webhookEventId);
  return out;
}

type Finish = (tx: Tx, status: "processed" | "ignored", note?: string) => Promise<void>;

export async function processStripeEvent(services: PaymentServices, webhookEventId: string): Promise<void> {
  const row = await services.db.webhookEvent.findUnique({ where: { id: webhookEventId } });
  if (!row || row.status === "processed" || row.status === "ignored") return;
  await services.db.webhookEvent.update({
    where: { id: row.id },
    data: { status: "processing", attempts: { increment: 1 } },
  });
  const finish: Finish = async (tx, status, note) => {
    await tx.webhookEvent.update({
      where: { id: row.id },
      data: { status, processedAt: services.clock(), lastError: note ?? null },
    });
    metricsOf(services)?.webhookProcessed("stripe", Date.now() - row.receivedAt.getTime());
  };
  try {
    const event = JSON.parse(row.rawBody) as Stripe.Event;
    switch (event.type) {
      case "checkout.session.completed":
      case "checkout.session.async_payment_succeeded":
        await onSessionPaid(services, event.data.object, finish);
        break;
      case "checkout.session.expired":
        await onSessionExpired(services, event.data.object, finish);
        break;
      case "charge.refunded":
        await onChargeRefunded(services, event.data.object, finish);
        break;
      case "payment_intent.payment_failed":
        await onPaymentFailed(services, event.data.object, finish);
        break;
      default:
        await services.db.$transaction((tx) => finish(tx, "ignored", `unhandled type ${event.type}`));
    }
  } catch (e) {
    await services.db.webhookEvent
      .update({
        where: { id: row.id },
        data: { status: "failed", lastError: String((e as Error).message).slice(0, 500) },
      })
      .catch(() => {});
    throw e;
  }
}

const idOf = (x: string | { id: string } | null | undefined) => (typeof x === "string" ? x : (x?.id ?? null));

async function findPayment(tx: Tx, session: Stripe.Checkout.Session) {
  const bySession = await tx.payment.findUnique({ where: { checkoutSessionId: session.id } });
  if (bySession) return bySession;
  const paymentId = session.metadata?.payment_id;
  return paymentId ? tx.payment.findUnique({ where: { id: paymentId } }) : null;
}

async function onSessionPaid(services: PaymentServices, hinted: Stripe.Checkout.Session, finish: Finish) {
  // The event is a hint: re-read the session when order matters (§3.4).
  const stripe = stripeFor(services);
  const session = stripe ? await stripe.checkout.sessions.retrieve(hinted.id) : hinted;
  if (session.payment_status !== "paid") {
    // Async methods complete unpaid first; async_payment_succeeded follows (§3.3).
    await services.db.$transaction((tx) => finish(tx, "ignored", `payment_status ${session.payment_status}`));
    return;
  }
  const payment = await findPayment(services.db, session);
  if (!payment) {
    services.log.warn({ session: session.id }, "paid checkout session matches no payment");
    await services.db.$transaction((tx) => finish(tx, "ignored", "no matching payment"));
    return;
  }
  const paymentIntentId = idOf(session.payment_intent as string | { id: string } | null);
  // A group's one deposit confirms the whole group (payments/group-deposit.ts).
  if (payment.groupId) return onGroupSessionPaid(services, payment, session.id, paymentIntentId, finish);
  // The payment follows the visit when it is moved (reschedule re-points payment.booking_id).
  for (let attempt = 0; attempt < 3; attempt++) {
    const b = await services.db.booking.findUniqueOrThrow({
      where: { id: payment.bookingId },
      select: { id: true, status: true, customerId: true, locationId: true, startsAt: true },
    });
    const alreadyPaid = payment.status !== "pending" && payment.status !== "expired" && payment.status !== "failed";
    if (b.status === "held" || b.status === "pending_deposit") {
      try {
        await confirmBooking(services, b.id, JOB_ACTOR);
      } catch (e) {
        if (isAppError(e) && e.code === "ILLEGAL_TRANSITION") continue; // expired meanwhile: decide again
        throw e;
      }
      await services.db.$transaction(async (tx) => {
        await recordPaid(tx, services, payment.id, session.id, paymentIntentId, b.locationId);
        await notifyOnce(
          tx,
          notifierOf(services),
          b,
          "booking_confirmed",
          "booking_confirmed",
          { depositPaid: true },
          services.clock(),
        );
        await finish(tx, "processed");
      }, TX_OPTIONS);
      await planReminders(services, b.id);
      return;
    }
    if (b.status === "expired") {
      await reviveOrRefund(services, b, payment.id, session.id, paymentIntentId, finish);
      return;
    }
    if (b.status === "cancelled") {
      // Paid for a booking that no longer exists: the money goes back.
      await services.db.$transaction((tx) =>
        recordPaid(tx, services, payment.id, session.id, paymentIntentId, b.locationId),
      );
      await refundBooking(services, {
        bookingId: b.id,
        reason: "paid_after_cancellation",
        key: `auto-${payment.id}`,
        actor: JOB_ACTOR,
      });
      await services.db.$transaction((tx) => finish(tx, "processed", "paid after cancellation: refunded"));
      return;
    }
    // confirmed / checked in / completed: a duplicate or a late copy; record the money if new.
    await services.db.$transaction(async (tx) => {
      if (!alreadyPaid) await recordPaid(tx, services, payment.id, session.id, paymentIntentId, b.locationId);
      await finish(tx, "processed");
    });
    return;
  }
  throw new Error("booking kept changing while recording its payment; retrying");
}

async function recordPaid(
  tx: Tx,
  services: PaymentServices,
  paymentId: string,
  sessionId: string,
  paymentIntentId: string | null,
  locationId: string,
) {
  const p = await tx.payment.findUniqueOrThrow({ where: { id: paymentId } });
  if (p.status === "paid" || p.status === "refunded" || p.status === "partially_refunded") return;
  await tx.payment.update({
    where: { id: p.id },
    data: {
      status: "paid",
      paidAt: services.clock(),
      checkoutSessionId: sessionId,
      ...(paymentIntentId ? { paymentIntentId } : {}),
    },
  });
  await appendAudit(tx, JOB_ACTOR, {
    action: "payment.paid",
    entityType: "payment",
    entityId: p.id,
    locationId,
    data: { amountCents: p.amountCents, currency: p.currency, sessionId },
  });
  await appendChange(tx, { entityType: "booking", entityId: p.bookingId, op: "upsert", locationId });
}

/**
 * A payment for a hold that already expired. If the slot is still free the booking comes back:
 * its segments are re-activated and the exclusion constraint decides (another booking on that
 * time makes the update fail). Otherwise, or if the visit's time has passed, the deposit is refunded.
 */
async function reviveOrRefund(
  services: PaymentServices,
  b: { id: string; customerId: string; locationId: string; startsAt: Date },
  paymentId: string,
  sessionId: string,
  paymentIntentId: string | null,
  finish: Finish,
) {
  const now = services.clock();
  let revived = false;
  if (b.startsAt > now) {
    try {
      revived = await services.db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM booking WHERE id = ${b.id}::uuid FOR UPDATE`;
        const cur = await tx.booking.findUniqueOrThrow({ where: { id: b.id }, include: { segments: true } });
        if (cur.status !== "expired") return false;
        const staff = [...new Set(cur.segments.map((s) => s.staffId))];
        const from = new Date(Math.min(...cur.segments.map((s) => s.startsAt.getTime())));
        const to = new Date(Math.max(...cur.segments.map((s) => s.endsAt.getTime())));
        // Holds whose time is up but not yet expired must not stand in the way.
        await expireStaleHoldsOverlapping(tx, staff, from, to, now, JOB_ACTOR);
        await setTimeHeld(tx, b.id, true);
        await tx.booking.update({
          where: { id: b.id },
          data: { status: "confirmed", holdExpiresAt: null, version: { increment: 1 } },
        });
        await appendAudit(tx, JOB_ACTOR, {
          action: "booking.confirmed",
          entityType: "booking",
          entityId: b.id,
          locationId: b.locationId,
          data: { from: "expired", to: "confirmed", reason: "deposit paid after the hold expired; slot still free" },
        });
        await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
        await recordPaid(tx, services, paymentId, sessionId, paymentIntentId, b.locationId);
        await notifyOnce(
          tx,
          notifierOf(services),
          b,
          "booking_confirmed",
          "booking_confirmed",
          { depositPaid: true, revived: true },
          now,
        );
        await finish(tx, "processed", "revived after expiry");
        return true;
      }, TX_OPTIONS);
    } catch (e) {
      if (!isDoubleBooking(e)) throw e;
      revived = false; // the slot was taken: the whole transaction rolled back
    }
    if (revived) {
      await planReminders(services, b.id);
      return;
    }
    const still = await services.db.booking.findUniqueOrThrow({ where: { id: b.id }, select: { status: true } });
    if (still.status !== "expired") {
      // Someone else moved it (e.g. a concurrent copy of this event revived it): decide nothing here.
      const p = await services.db.payment.findUniqueOrThrow({ where: { id: paymentId } });
      if (p.status === "paid") {
        await services.db.$transaction((tx) => finish(tx, "processed", "already handled"));
        return;
      }
    }
  }
  await services.db.$transaction((tx) => recordPaid(tx, services, paymentId, sessionId, paymentIntentId, b.locationId));
  await refundBooking(services, {
    bookingId: b.id,
    reason: "paid_after_expiry_slot_taken",
    key: `auto-${paymentId}`,
    actor: JOB_ACTOR,
  });
  await services.db.$transaction(async (tx) => {
    await notifyOnce(
      tx,
      notifierOf(services),
      b,
      "paid_after_expiry",
      "paid_after_expiry_refunded",
      { refunded: true },
      now,
    );
    await finish(tx, "processed", "paid after expiry, slot taken: refunded");
  });
}

async function onSessionExpired(services: PaymentServices, session: Stripe.Checkout.Session, finish: Finish) {
  const payment = await findPayment(services.db, session);
  if (!payment) {
    await services.db.$transaction((tx) => finish(tx, "ignored", "no matching payment"));
    return;
  }
  if (payment.status !== "pending") {
    // Paid (a late "expired" after "completed"), or already expired: nothing to do.
    await services.db.$transaction((tx) => finish(tx, "ignored", `payment is ${payment.status}`));
    return;
  }
  if (payment.groupId) return onGroupSessionExpired(services, payment, finish);
  const b = await services.db.booking.findUniqueOrThrow({
    where: { id: payment.bookingId },
    select: { id: true, status: true, customerId: true, startsAt: true },
  });
  let expired = false;
  if (b.status === "held" || b.status === "pending_deposit") {
    try {
      await expireHold(services, b.id, JOB_ACTOR);
      expired = true;
    } catch (e) {
      if (!isAppError(e) || e.code !== "ILLEGAL_TRANSITION") throw e;
    }
  }
  await services.db.$transaction(async (tx) => {
    await tx.payment.updateMany({ where: { id: payment.id, status: "pending" }, data: { status: "expired" } });
    if (expired) {
      await notifyOnce(
        tx,
        notifierOf(services),
        b,
        "hold_expired",
        "hold_expired",
        { startsAt: b.startsAt.toISOString() },
        services.clock(),
      );
    }
    await finish(tx, "processed");
  });
}

async function onChargeRefunded(services: PaymentServices, charge: Stripe.Charge, finish: Finish) {
  const pi = idOf(charge.payment_intent as string | { id: string } | null);
  const payment = pi
    ? await services.db.payment.findUnique({
        where: { paymentIntentId: pi },
        include: { refunds: true, booking: { select: { locationId: true } } },
      })
    : null;
  if (!payment) {
    await services.db.$transaction((tx) => finish(tx, "ignored", "no matching payment"));
    return;
  }
  await services.db.$transaction(async (tx) => {
    // Our refunds that Stripe now reports as done.
    const ours = payment.refunds.filter((r) => r.status !== "failed");
    let covered = 0;
    for (const r of ours.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      if (covered + r.amountCents > charge.amount_refunded) break;
      covered += r.amountCents;
      if (r.status === "pending") await tx.refund.update({ where: { id: r.id }, data: { status: "succeeded" } });
    }
    // Refunded outside Cita (e.g. in Stripe's dashboard): record it so the books match.
    if (charge.amount_refunded > covered) {
      await tx.refund.create({
        data: {
          paymentId: payment.id,
          amountCents: charge.amount_refunded - covered,
          status: "succeeded",
          idempotencyKey: `stripe-${charge.id}-${charge.amount_refunded}`,
          reason: "refunded in Stripe",
        },
      });
    }
    const status =
      charge.amount_refunded >= payment.amountCents
        ? "refunded"
        : charge.amount_refunded > 0
          ? "partially_refunded"
          : payment.status;
    if (status !== payment.status) await tx.payment.update({ where: { id: payment.id }, data: { status } });
    await appendChange(tx, {
      entityType: "booking",
      entityId: payment.bookingId,
      op: "upsert",
      locationId: payment.booking.locationId,
    });
    await finish(tx, "processed");
  }, TX_OPTIONS);
}

async function onPaymentFailed(services: PaymentServices, pi: Stripe.PaymentIntent, finish: Finish) {
  // Not final for a Checkout session: the customer can try again until it expires (§3.3).
  const bookingId = pi.metadata?.booking_id;
  const booking = bookingId
    ? await services.db.booking.findUnique({ where: { id: bookingId }, select: { id: true, locationId: true } })
    : null;
  services.log.info(
    { paymentIntent: pi.id, bookingId, reason: pi.last_payment_error?.code },
    "deposit payment attempt failed",
  );
  await services.db.$transaction(async (tx) => {
    if (booking) {
      await appendAudit(tx, JOB_ACTOR, {
        action: "payment.attempt_failed",
        entityType: "booking",
        entityId: booking.id,
        locationId: booking.locationId,
        data: {
          paymentIntent: pi.id,
          code: pi.last_payment_error?.code ?? null,
          message: pi.last_payment_error?.message ?? null,
        },
      });
    }
    await finish(tx, booking ? "processed" : "ignored");
  });
}
