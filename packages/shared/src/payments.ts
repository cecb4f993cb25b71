import { z } from "zod";
import { bookingOutput, moneyDecisionOutput } from "./bookings.ts";
import { uuid } from "./common.ts";
import { idempotencyKey, int, rowVersion, text } from "./input.ts";

export const resendDepositLinkInput = z.object({ bookingId: uuid });

export const depositLinkOutput = z.object({
  paymentId: z.string(),
  bookingId: z.string(),
  checkoutSessionId: z.string(),
  checkoutUrl: z.string(),
  expiresAt: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  reused: z.boolean(),
});

export const refundInput = z.object({
  bookingId: uuid,
  /** Minor units; omitted = everything still refundable. */
  amountCents: int(1, 10_000_000).optional(),
  reason: text(300, { trim: true, min: 1 }),
  /** One per refund the person intends (a double click must not refund twice). */
  idempotencyKey,
});

export const paymentsForBookingInput = z.object({ bookingId: uuid });

export const refundOutput = z.object({
  id: z.string(),
  paymentId: z.string(),
  bookingId: z.string(),
  amountCents: z.number().int(),
  status: z.enum(["pending", "succeeded", "failed"]),
  providerRefundId: z.string().nullable(),
  reason: z.string(),
});

export const cancelWithRefundInput = z.object({
  id: uuid,
  by: z.enum(["customer", "staff"]),
  reason: text(300, { trim: true, min: 1 }),
  staffWaiver: z.boolean().optional(),
  expectedVersion: rowVersion.optional(),
});

export const cancelWithRefundOutput = z.object({
  booking: bookingOutput,
  decision: moneyDecisionOutput,
  refund: z.enum(["none", "queued", "done"]),
});

export const paymentOutput = z.object({
  id: z.string(),
  status: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  checkoutUrl: z.string().nullable(),
  expiresAt: z.string().nullable(),
  paidAt: z.string().nullable(),
  refunds: z.array(z.object({ id: z.string(), amountCents: z.number().int(), status: z.string(), reason: z.string() })),
});

export const integrationStatusOutput = z.object({
  kind: z.string(),
  mode: z.enum(["off", "live", "sandbox"]),
  healthy: z.boolean(),
  lastError: z.string().nullable(),
});

export type DepositLinkOutput = z.infer<typeof depositLinkOutput>;
export type RefundOutput = z.infer<typeof refundOutput>;
