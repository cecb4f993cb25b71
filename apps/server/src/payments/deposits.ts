// Deposit links: a Stripe Checkout Session per held booking (reference integrations.md §3.1).
// The payment row is written first (pending, with the expiry we will ask for), so a retry after a
// crash or a Stripe outage sends the very same parameters under the same idempotency key (§3.5:
// reusing a key with different parameters is an error).
import type Stripe from "stripe";
import { markAwaitingDeposit } from "../bookings/transitions.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import { scheduleHoldExpiry } from "../reminders/holds.ts";
import { notifierOf, type PaymentServices, publicBaseUrl, TX_OPTIONS } from "./common.ts";
import { reportIntegration } from "./integration-status.ts";
import { requireStripe, stripeMode } from "./stripe-client.ts";

/** Stripe refuses expires_at less than 30 minutes after creation (§3.1: 30 min – 24 h). */
export const MIN_CHECKOUT_MS = 30 * 60_000;
/** Margin over that minimum for clock skew between us and Stripe. */
const SKEW_MS = 60_000;

export interface DepositLink {
  paymentId: string;
  bookingId: string;
  checkoutSessionId: string;
  checkoutUrl: string;
  expiresAt: string;
  amountCents: number;
  currency: string;
  /** An open session already existed and was sent again. */
  reused: boolean;
}

/**
 * Opens the Checkout Session for a deposit payment row (one Session per payment: Stripe's
 * idempotency key is the payment's id) and stores its id and URL; Stripe's health is reported
 * either way. Used for one booking's deposit and for a group's (group-deposit.ts).
 */
export async function openCheckoutSession<P extends { id: string }>(
  services: PaymentServices,
  stripe: Stripe,
  payment: P,
  params: Stripe.Checkout.SessionCreateParams,
  now: Date,
) {
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(params, { idempotencyKey: `deposit-${payment.id}` });
  } catch (e) {
    await reportIntegration(
      services.db,
      "stripe",
      { mode: stripeMode(services.config), healthy: false, lastError: (e as Error).message },
      now,
    ).catch(() => {});
    throw new AppError("UNAVAILABLE", "Stripe did not create the deposit link; try again", {}, { cause: e });
  }
  if (!session.url) throw new AppError("UNAVAILABLE", "Stripe returned a checkout session without a URL");
  const updated = await services.db.payment.update({
    where: { id: payment.id },
    data: { checkoutSessionId: session.id, checkoutUrl: session.url },
  });
  await reportIntegration(services.db, "stripe", { mode: stripeMode(services.config), healthy: true }, now);
  return updated;
}

export async function requestDepositLink(
  services: PaymentServices,
  bookingId: string,
  actor: Actor,
  opts: { locationId?: string } = {},
): Promise<DepositLink> {
  const stripe = requireStripe(services);
  const now = services.clock();
  const prep = await services.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM booking WHERE id = ${bookingId}::uuid FOR UPDATE`;
    const b = await tx.booking.findUnique({
      where: { id: bookingId },
      include: {
        location: { select: { currency: true, name: true } },
        customer: { select: { language: true } },
        items: { orderBy: { position: "asc" }, include: { service: { select: { nameEs: true, nameEn: true } } } },
        payments: { orderBy: { createdAt: "asc" } },
      },
    });
    if (!b || (opts.locationId && b.locationId !== opts.locationId)) throw new AppError("NOT_FOUND", "No such booking");
    if (b.status !== "held" && b.status !== "pending_deposit") {
      throw new AppError("ILLEGAL_TRANSITION", `A booking that is ${b.status.replace("_", " ")} takes no deposit link`);
    }
    if (b.depositCents <= 0) throw new AppError("BAD_INPUT", "This booking needs no deposit");
    if (!b.holdExpiresAt || b.holdExpiresAt <= now) throw new AppError("ILLEGAL_TRANSITION", "The hold has expired");
    if (b.payments.some((p) => p.status === "paid" || p.status === "partially_refunded")) {
      throw new AppError("CONFLICT", "The deposit is already paid");
    }
    const open = b.payments.find(
      (p) =>
        p.status === "pending" &&
        p.checkoutSessionId &&
        p.checkoutUrl &&
        p.expiresAt &&
        p.expiresAt.getTime() > now.getTime() + SKEW_MS,
    );
    if (open) return { b, payment: open, reused: true };
    // A draft left by an interrupted attempt is retried as is while Stripe would still accept its expiry.
    let draft = b.payments.find(
      (p) =>
        p.status === "pending" &&
        !p.checkoutSessionId &&
        p.expiresAt &&
        p.expiresAt.getTime() >= now.getTime() + MIN_CHECKOUT_MS,
    );
    await tx.payment.updateMany({
      where: { bookingId, status: "pending", checkoutSessionId: null, ...(draft ? { id: { not: draft.id } } : {}) },
      data: { status: "expired" },
    });
    if (!draft) {
      // expires_at = the hold's expiry, but at least Stripe's 30-minute minimum; the hold grows to match.
      const expiresAt = new Date(Math.max(b.holdExpiresAt.getTime(), now.getTime() + MIN_CHECKOUT_MS + SKEW_MS));
      draft = await tx.payment.create({
        data: { bookingId, amountCents: b.depositCents, currency: b.location.currency, status: "pending", expiresAt },
      });
      if (expiresAt > b.holdExpiresAt) {
        await tx.booking.update({ where: { id: b.id }, data: { holdExpiresAt: expiresAt, version: { increment: 1 } } });
        await appendAudit(tx, actor, {
          action: "booking.hold_extended",
          entityType: "booking",
          entityId: b.id,
          locationId: b.locationId,
          data: { from: b.holdExpiresAt, to: expiresAt, reason: "deposit checkout minimum 30 min" },
        });
        await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
      }
    }
    return { b, payment: draft, reused: false };
  }, TX_OPTIONS);

  const { b } = prep;
  let payment = prep.payment;
  if (!prep.reused) {
    const lang = b.customer.language === "en" ? "en" : "es";
    const names = b.items.map((i) => (lang === "en" ? i.service.nameEn : i.service.nameEs)).join(" + ");
    const base = publicBaseUrl(services);
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: payment.currency.toLowerCase(),
            unit_amount: payment.amountCents,
            product_data: { name: `${lang === "en" ? "Deposit" : "Depósito"} · ${names} · ${b.location.name}` },
          },
        },
      ],
      client_reference_id: b.id,
      metadata: { booking_id: b.id, payment_id: payment.id },
      // Copied to the PaymentIntent and charge, so refunds and disputes trace back (§3.1).
      payment_intent_data: { metadata: { booking_id: b.id, payment_id: payment.id } },
      expires_at: Math.floor(payment.expiresAt!.getTime() / 1000),
      success_url: `${base}/pay/done?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/pay/cancelled?booking=${b.id}`,
      locale: lang,
    };
    payment = await openCheckoutSession(services, stripe, payment, params, now);
  }

  if (b.status === "held") {
    try {
      await markAwaitingDeposit(services, b.id, actor);
    } catch (e) {
      // The hold ran out or was paid meanwhile: the link's webhook handles whatever comes next.
      if (!isAppError(e) || e.code !== "ILLEGAL_TRANSITION") throw e;
    }
  }
  const current = await services.db.booking.findUniqueOrThrow({
    where: { id: b.id },
    select: { holdExpiresAt: true },
  });
  await services.db.$transaction(async (tx) => {
    if (current.holdExpiresAt) await scheduleHoldExpiry(services, b.id, current.holdExpiresAt, tx);
    await notifierOf(services).notify(tx, { customerId: b.customerId, bookingId: b.id }, "deposit_link", {
      language: b.customer.language,
      url: payment.checkoutUrl,
      amountCents: payment.amountCents,
      currency: payment.currency,
      expiresAt: payment.expiresAt?.toISOString(),
      resent: prep.reused,
    });
  });
  return {
    paymentId: payment.id,
    bookingId: b.id,
    checkoutSessionId: payment.checkoutSessionId!,
    checkoutUrl: payment.checkoutUrl!,
    expiresAt: payment.expiresAt!.toISOString(),
    amountCents: payment.amountCents,
    currency: payment.currency,
    reused: prep.reused,
  };
}
