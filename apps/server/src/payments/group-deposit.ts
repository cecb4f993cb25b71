// A group's one deposit (issue #20, part 3): the organiser pays the sum of every person's share
// through ONE Stripe Checkout Session. The payment row has group_id and hangs from the organiser's
// booking (booking_id), so refunds, reconciliation and the console keep working. Paid → every
// booking of the group confirmed in one transaction; expired → every hold released. Like
// deposits.ts, the payment row is written first (pending, with its expiry) so a retry sends the
// very same parameters under the same idempotency key.
import type Stripe from "stripe";
import { isDoubleBooking } from "../bookings/conflict.ts";
import { expireStaleHoldsOverlapping } from "../bookings/create.ts";
import { loadGroup, payerBooking } from "../bookings/group.ts";
import { setTimeHeld } from "../bookings/hold-state.ts";
import { expireHold, markAwaitingDeposit } from "../bookings/transitions.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import { notifyOnce } from "../notifications/once.ts";
import { scheduleHoldExpiry } from "../reminders/holds.ts";
import { planReminders } from "../reminders/reminders.ts";
import { JOB_ACTOR, notifierOf, type PaymentServices, publicBaseUrl, TX_OPTIONS } from "./common.ts";
import { type DepositLink, MIN_CHECKOUT_MS, openCheckoutSession } from "./deposits.ts";
import { refundPayment } from "./refunds.ts";
import { requireStripe } from "./stripe-client.ts";

const SKEW_MS = 60_000;
const HOLDING = new Set(["held", "pending_deposit"]);

export interface GroupDepositLink extends DepositLink {
  groupId: string;
}

async function lockGroup(tx: Tx, groupId: string) {
  // One order for every writer (by id), so two of them cannot lock each other's rows.
  await tx.$queryRaw`SELECT id FROM booking WHERE group_id = ${groupId}::uuid ORDER BY id FOR UPDATE`;
}

/** One Checkout Session for the whole group's deposit, paid by the organiser. */
export async function requestGroupDepositLink(
  services: PaymentServices,
  groupId: string,
  actor: Actor,
  opts: { locationId?: string } = {},
): Promise<GroupDepositLink> {
  const stripe = requireStripe(services);
  const now = services.clock();
  const prep = await services.db.$transaction(async (tx) => {
    await lockGroup(tx, groupId);
    const g = await loadGroup(tx, groupId, opts.locationId);
    const live = g.bookings.filter((b) => b.status !== "cancelled");
    if (!live.length || live.some((b) => !HOLDING.has(b.status))) {
      throw new AppError("ILLEGAL_TRANSITION", "Only a group that is held takes a deposit link");
    }
    const amountCents = live.reduce((n, b) => n + b.depositCents, 0);
    if (amountCents <= 0) throw new AppError("BAD_INPUT", "This group needs no deposit");
    const holdEnd = Math.min(...live.map((b) => b.holdExpiresAt?.getTime() ?? 0));
    if (holdEnd <= now.getTime()) throw new AppError("ILLEGAL_TRANSITION", "The hold has expired");
    if (g.payments.some((p) => p.status === "paid" || p.status === "partially_refunded")) {
      throw new AppError("CONFLICT", "The deposit is already paid");
    }
    const payer = payerBooking(live, g.organiserCustomerId)!;
    const location = await tx.location.findUniqueOrThrow({
      where: { id: g.locationId },
      select: { currency: true, name: true },
    });
    const customer = await tx.customer.findUniqueOrThrow({
      where: { id: g.organiserCustomerId },
      select: { language: true },
    });
    const open = g.payments.find(
      (p) =>
        p.status === "pending" &&
        p.amountCents === amountCents &&
        p.checkoutSessionId &&
        p.checkoutUrl &&
        p.expiresAt &&
        p.expiresAt.getTime() > now.getTime() + SKEW_MS,
    );
    if (open) return { g, live, payer, location, customer, payment: open, reused: true, abandoned: [] };
    // Anything pending and older (another amount: someone was cancelled meanwhile) is abandoned,
    // and its session closed at Stripe below, so only the new amount can be paid.
    const abandoned = g.payments
      .filter((p) => p.status === "pending" && p.checkoutSessionId)
      .map((p) => p.checkoutSessionId!);
    await tx.payment.updateMany({ where: { groupId, status: "pending" }, data: { status: "expired" } });
    const expiresAt = new Date(Math.max(holdEnd, now.getTime() + MIN_CHECKOUT_MS + SKEW_MS));
    const payment = await tx.payment.create({
      data: { bookingId: payer.id, groupId, amountCents, currency: location.currency, status: "pending", expiresAt },
    });
    // Every hold of the group ends with the checkout (at least Stripe's 30-minute minimum).
    for (const b of live) {
      if (b.holdExpiresAt && expiresAt > b.holdExpiresAt) {
        await tx.booking.update({ where: { id: b.id }, data: { holdExpiresAt: expiresAt, version: { increment: 1 } } });
        await appendAudit(tx, actor, {
          action: "booking.hold_extended",
          entityType: "booking",
          entityId: b.id,
          locationId: b.locationId,
          data: { from: b.holdExpiresAt, to: expiresAt, reason: "group deposit checkout minimum 30 min" },
        });
        await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
      }
    }
    return { g, live, payer, location, customer, payment, reused: false, abandoned };
  }, TX_OPTIONS);
  for (const id of prep.abandoned) {
    await stripe.checkout.sessions.expire(id).catch((err) => {
      services.log.warn({ err, session: id }, "could not expire an abandoned group checkout session");
    });
  }

  let payment = prep.payment;
  if (!prep.reused) {
    const lang = prep.customer.language === "en" ? "en" : "es";
    const people = prep.live.length;
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: payment.currency.toLowerCase(),
            unit_amount: payment.amountCents,
            product_data: {
              name: `${lang === "en" ? `Deposit · group of ${people}` : `Depósito · grupo de ${people}`} · ${prep.location.name}`,
            },
          },
        },
      ],
      client_reference_id: prep.payer.id,
      metadata: { booking_id: prep.payer.id, payment_id: payment.id, group_id: groupId },
      payment_intent_data: { metadata: { booking_id: prep.payer.id, payment_id: payment.id, group_id: groupId } },
      expires_at: Math.floor(payment.expiresAt!.getTime() / 1000),
      success_url: `${publicBaseUrl(services)}/pay/done?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${publicBaseUrl(services)}/pay/cancelled?booking=${prep.payer.id}`,
      locale: lang,
    };
    payment = await openCheckoutSession(services, stripe, payment, params, now);
  }
  for (const b of prep.live) {
    if (b.status !== "held") continue;
    try {
      await markAwaitingDeposit(services, b.id, actor);
    } catch (e) {
      if (!isAppError(e) || e.code !== "ILLEGAL_TRANSITION") throw e;
    }
  }
  const current = await services.db.booking.findMany({
    where: { id: { in: prep.live.map((b) => b.id) } },
    select: { id: true, holdExpiresAt: true },
  });
  await services.db.$transaction(async (tx) => {
    for (const b of current) if (b.holdExpiresAt) await scheduleHoldExpiry(services, b.id, b.holdExpiresAt, tx);
    await notifierOf(services).notify(
      tx,
      { customerId: prep.g.organiserCustomerId, bookingId: prep.payer.id },
      "deposit_link",
      {
        language: prep.customer.language,
        url: payment.checkoutUrl,
        amountCents: payment.amountCents,
        currency: payment.currency,
        expiresAt: payment.expiresAt?.toISOString(),
        resent: prep.reused,
        groupSize: prep.live.length,
      },
    );
  });
  return {
    groupId,
    paymentId: payment.id,
    bookingId: prep.payer.id,
    checkoutSessionId: payment.checkoutSessionId!,
    checkoutUrl: payment.checkoutUrl!,
    expiresAt: payment.expiresAt!.toISOString(),
    amountCents: payment.amountCents,
    currency: payment.currency,
    reused: prep.reused,
  };
}

/** The event's way to mark its webhook_event row (events.ts's Finish). */
export type FinishEvent = (tx: Tx, status: "processed" | "ignored", note?: string) => Promise<void>;

interface GroupPayment {
  id: string;
  groupId: string | null;
  bookingId: string;
  status: string;
  amountCents: number;
  currency: string;
}

/** Records the payment as paid; false when it already was (a duplicate or late copy of the event). */
async function markPaid(
  tx: Tx,
  services: PaymentServices,
  p: GroupPayment,
  sessionId: string,
  pi: string | null,
): Promise<boolean> {
  const cur = await tx.payment.findUniqueOrThrow({ where: { id: p.id } });
  if (cur.status === "paid" || cur.status === "refunded" || cur.status === "partially_refunded") return false;
  await tx.payment.update({
    where: { id: p.id },
    data: {
      status: "paid",
      paidAt: services.clock(),
      checkoutSessionId: sessionId,
      ...(pi ? { paymentIntentId: pi } : {}),
    },
  });
  const b = await tx.booking.findUniqueOrThrow({ where: { id: p.bookingId }, select: { locationId: true } });
  await appendAudit(tx, JOB_ACTOR, {
    action: "payment.paid",
    entityType: "payment",
    entityId: p.id,
    locationId: b.locationId,
    data: { amountCents: p.amountCents, currency: p.currency, sessionId, groupId: p.groupId },
  });
  return true;
}

/**
 * The group's checkout was paid: every booking still held is confirmed, in one transaction. A
 * person whose hold expired meanwhile comes back if their time is still free (the exclusion
 * constraint decides); if anyone's time was taken, nothing is confirmed by this payment and the
 * whole deposit is refunded (the group was all-or-nothing when held, so it stays so when paid).
 */
export async function onGroupSessionPaid(
  services: PaymentServices,
  payment: GroupPayment,
  sessionId: string,
  paymentIntentId: string | null,
  finish: FinishEvent,
): Promise<void> {
  const groupId = payment.groupId!;
  const now = services.clock();
  let confirmed: { id: string; customerId: string }[] = [];
  // Shares of people cancelled before the money arrived (their cancellation found nothing paid).
  let cancelledShares = 0;
  try {
    ({ confirmed, cancelledShares } = await services.db.$transaction(async (tx) => {
      await lockGroup(tx, groupId);
      const bookings = await tx.booking.findMany({
        where: { groupId },
        include: { segments: true },
        orderBy: { id: "asc" },
      });
      const out: { id: string; customerId: string }[] = [];
      const revive = bookings.filter((b) => b.status === "expired");
      if (revive.length && revive.some((b) => b.startsAt <= now)) throw new PaidTooLate();
      if (revive.length) {
        const segs = revive.flatMap((b) => b.segments);
        await expireStaleHoldsOverlapping(
          tx,
          [...new Set(segs.map((s) => s.staffId))],
          new Date(Math.min(...segs.map((s) => s.startsAt.getTime()))),
          new Date(Math.max(...segs.map((s) => s.endsAt.getTime()))),
          now,
          JOB_ACTOR,
        );
      }
      for (const b of bookings) {
        const from = b.status;
        if (!HOLDING.has(from) && from !== "expired") continue;
        if (from === "expired") {
          await setTimeHeld(tx, b.id, true);
        }
        await tx.booking.update({
          where: { id: b.id },
          data: { status: "confirmed", holdExpiresAt: null, version: { increment: 1 } },
        });
        await appendAudit(tx, JOB_ACTOR, {
          action: "booking.confirmed",
          entityType: "booking",
          entityId: b.id,
          locationId: b.locationId,
          data: { from, to: "confirmed", reason: "group deposit paid", groupId },
        });
        out.push({ id: b.id, customerId: b.customerId });
      }
      if (!out.length && !bookings.some((b) => b.status === "confirmed" || b.status === "checked_in")) {
        throw new PaidTooLate(); // everyone cancelled: the money goes back
      }
      const newlyPaid = await markPaid(tx, services, payment, sessionId, paymentIntentId);
      const payer = bookings.find((b) => b.id === payment.bookingId) ?? bookings[0]!;
      await notifyOnce(
        tx,
        notifierOf(services),
        payer,
        "booking_confirmed",
        "booking_confirmed",
        { depositPaid: true, groupSize: bookings.filter((b) => b.status !== "cancelled").length },
        now,
      );
      for (const b of bookings) {
        await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
      }
      await finish(tx, "processed", revive.length ? "group revived after expiry" : undefined);
      const shares = bookings.filter((b) => b.status === "cancelled").reduce((n, b) => n + b.depositCents, 0);
      return { confirmed: out, cancelledShares: newlyPaid ? shares : 0 };
    }, TX_OPTIONS));
  } catch (e) {
    if (!(e instanceof PaidTooLate) && !isDoubleBooking(e)) throw e;
    // Someone's time was taken (or the visit passed, or everyone cancelled): the whole deposit goes back.
    await services.db.$transaction((tx) => markPaid(tx, services, payment, sessionId, paymentIntentId));
    await refundPayment(services, {
      paymentId: payment.id,
      reason: "paid_after_expiry_slot_taken",
      idempotencyKey: `auto-${payment.id}`,
      actor: JOB_ACTOR,
    });
    await services.db.$transaction(async (tx) => {
      await notifyOnce(
        tx,
        notifierOf(services),
        await tx.booking.findUniqueOrThrow({
          where: { id: payment.bookingId },
          select: { id: true, customerId: true },
        }),
        "paid_after_expiry",
        "paid_after_expiry_refunded",
        { refunded: true },
        now,
      );
      await finish(tx, "processed", "group paid after expiry, time taken: refunded");
    });
    return;
  }
  for (const b of confirmed) await planReminders(services, b.id);
  if (cancelledShares > 0) {
    await refundPayment(services, {
      paymentId: payment.id,
      amountCents: cancelledShares,
      reason: "group members cancelled before the deposit was paid",
      idempotencyKey: `cancelled-shares-${payment.id}`,
      actor: JOB_ACTOR,
    });
  }
}

class PaidTooLate extends Error {}

/** The group's checkout expired unpaid: every hold of the group is released. */
export async function onGroupSessionExpired(
  services: PaymentServices,
  payment: GroupPayment,
  finish: FinishEvent,
): Promise<void> {
  const groupId = payment.groupId!;
  const bookings = await services.db.booking.findMany({
    where: { groupId },
    select: { id: true, status: true, customerId: true, startsAt: true },
    orderBy: { id: "asc" },
  });
  let expired = 0;
  for (const b of bookings) {
    if (!HOLDING.has(b.status)) continue;
    try {
      await expireHold(services, b.id, JOB_ACTOR);
      expired++;
    } catch (e) {
      if (!isAppError(e) || e.code !== "ILLEGAL_TRANSITION") throw e;
    }
  }
  await services.db.$transaction(async (tx) => {
    await tx.payment.updateMany({ where: { id: payment.id, status: "pending" }, data: { status: "expired" } });
    const payer = bookings.find((b) => b.id === payment.bookingId);
    if (expired && payer) {
      await notifyOnce(
        tx,
        notifierOf(services),
        payer,
        "hold_expired",
        "hold_expired",
        { startsAt: payer.startsAt.toISOString(), groupSize: bookings.length },
        services.clock(),
      );
    }
    await finish(tx, "processed", `group: ${expired} holds released`);
  });
}
