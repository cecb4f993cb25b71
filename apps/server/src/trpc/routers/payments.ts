import {
  cancelWithRefundInput,
  cancelWithRefundOutput,
  depositLinkOutput,
  integrationStatusOutput,
  paymentOutput,
  paymentsForBookingInput,
  refundInput,
  refundOutput,
  resendDepositLinkInput,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { loadBooking } from "../../bookings/view.ts";
import { AppError } from "../../errors/app-error.ts";
import { requestDepositLink } from "../../payments/deposits.ts";
import { cancelWithRefund, refundBooking } from "../../payments/refunds.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

type Authed = AppContext & { auth: NonNullable<AppContext["auth"]> };
const staffActor = (ctx: Authed) => ({ type: "staff" as const, id: ctx.auth.sub });

export const paymentsRouter = router({
  /** Sends the deposit link again (the same open session, or a new one if none is open). */
  resendLink: procedureFor("bookings.write")
    .input(clearInput(resendDepositLinkInput))
    .output(depositLinkOutput)
    .mutation(({ ctx, input }) =>
      requestDepositLink(ctx, input.bookingId, staffActor(ctx), { locationId: ctx.auth.loc }),
    ),

  /** A manual refund from the console (managers and owners). */
  refund: procedureFor("payments.refund")
    .input(clearInput(refundInput))
    .output(z.array(refundOutput))
    .mutation(async ({ ctx, input }) => {
      await loadBooking(ctx.db, input.bookingId, ctx.auth.loc);
      const out = await refundBooking(ctx, {
        bookingId: input.bookingId,
        ...(input.amountCents ? { amountCents: input.amountCents } : {}),
        reason: input.reason,
        key: `manual-${input.idempotencyKey}`,
        actor: staffActor(ctx),
        locationId: ctx.auth.loc,
      });
      if (!out.length) throw new AppError("BAD_INPUT", "This booking has no paid deposit to refund");
      return out;
    }),

  /** Cancels and refunds what the salon's policy says (the refund itself runs as a job). */
  cancel: procedureFor("bookings.write")
    .input(clearInput(cancelWithRefundInput))
    .output(cancelWithRefundOutput)
    .mutation(({ ctx, input }) =>
      cancelWithRefund(ctx, input.id, staffActor(ctx), {
        by: input.by,
        reason: input.reason,
        locationId: ctx.auth.loc,
        ...(input.staffWaiver ? { staffWaiver: true } : {}),
        ...(input.expectedVersion ? { expectedVersion: input.expectedVersion } : {}),
      }),
    ),

  forBooking: procedureFor("bookings.read")
    .input(clearInput(paymentsForBookingInput))
    .output(z.array(paymentOutput))
    .query(async ({ ctx, input }) => {
      await loadBooking(ctx.db, input.bookingId, ctx.auth.loc);
      const rows = await ctx.db.payment.findMany({
        where: { bookingId: input.bookingId },
        include: { refunds: { orderBy: { createdAt: "asc" } } },
        orderBy: { createdAt: "asc" },
      });
      return rows.map((p) => ({
        id: p.id,
        status: p.status,
        amountCents: p.amountCents,
        currency: p.currency,
        checkoutUrl: p.checkoutUrl,
        expiresAt: p.expiresAt?.toISOString() ?? null,
        paidAt: p.paidAt?.toISOString() ?? null,
        refunds: p.refunds.map((r) => ({ id: r.id, amountCents: r.amountCents, status: r.status, reason: r.reason })),
      }));
    }),

  /** Whether Stripe and Google Calendar are off, in sandbox or live, and healthy. */
  integrations: procedureFor("settings.write")
    .output(z.array(integrationStatusOutput))
    .query(async ({ ctx }) => {
      const rows = await ctx.db.integrationStatus.findMany({ orderBy: { kind: "asc" } });
      return rows.map((r) => ({
        kind: r.kind,
        mode: (["off", "live", "sandbox"].includes(r.mode) ? r.mode : "off") as "off" | "live" | "sandbox",
        healthy: r.healthy,
        lastError: r.lastError,
      }));
    }),
});
