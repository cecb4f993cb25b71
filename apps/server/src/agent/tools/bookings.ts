// The writing tools (hold, reschedule, cancel) and the customer's own bookings. Writes go through
// createBooking / rescheduleBooking / cancelBooking with an idempotency key from the tool_use_id,
// and only after the customer said yes in a message that came after the proposal.
import { createBooking } from "../../bookings/create.ts";
import { assertPatchTest } from "../../bookings/patch-test.ts";
import { depositFor } from "../../bookings/policy.ts";
import { rescheduleBooking } from "../../bookings/reschedule.ts";
import { searchBookings } from "../../bookings/search.ts";
import { cancelBooking, confirmBooking, previewCancellation } from "../../bookings/transitions.ts";
import type { Actor } from "../../changes/change-log.ts";
import { AppError } from "../../errors/app-error.ts";
import { addDays } from "../../time/zoned.ts";
import { euros } from "../lang.ts";
import { findOffered, type ProposalAction } from "../state.ts";
import { bookingSummary, offeredView, ownBooking } from "./common.ts";
import type { ToolContext, ToolDefinition, ToolEffects } from "./types.ts";

const actorOf = (ctx: ToolContext): Actor => ({ type: "agent", id: ctx.customerId });
const bookingDeps = (ctx: ToolContext) => ({ db: ctx.deps.db, fc: ctx.deps.fc, clock: ctx.deps.clock });

/**
 * The confirmation guardrail. Returns null when this exact action was proposed in an earlier turn
 * and the customer's latest message in this turn is an explicit yes; otherwise the proposal to
 * put to the customer (recorded, so their next "sí" can confirm it).
 */
function confirmationGate(
  ctx: ToolContext,
  action: ProposalAction,
  key: string,
  summary: Record<string, unknown>,
): { content: unknown; effects: ToolEffects } | null {
  const proposal = ctx.state.proposals.find((p) => p.action === action && p.key === key);
  if (proposal && proposal.turnSeq < ctx.state.turnSeq && ctx.confirmedThisTurn) return null;
  return {
    content: {
      status: "confirmation_required",
      action,
      proposal: summary,
      instruction:
        "Nothing was written. Tell the customer exactly this (date, time, stylist, price, deposit or refund) and ask for an explicit yes. Call this tool again with the same arguments only after their reply confirms.",
    },
    effects: { propose: { action, key, turnSeq: ctx.state.turnSeq, summary } },
  };
}

export const holdSlotTool: ToolDefinition = {
  name: "hold_slot",
  write: true,
  description:
    "Hold a slot for the customer (or for another person they name). Only a slot_ref returned by check_availability in this conversation. The first call returns the proposal to confirm; after the customer says yes, call again with the same arguments to hold. A slot with no deposit is confirmed at once; with a deposit, then call request_deposit_link.",
  input_schema: {
    type: "object",
    properties: {
      slot_ref: { type: "string", description: "e.g. S3, from check_availability" },
      guest_name: { type: "string", description: "Name of the person served, when booking for someone else" },
    },
    required: ["slot_ref"],
  },
  async run(ctx, input) {
    const ref = String(input.slot_ref ?? "");
    const offered = findOffered(ctx.state, ref);
    if (!offered || offered.forBookingId) {
      throw new AppError(
        "BAD_INPUT",
        "Unknown slot_ref: only slots returned by check_availability (for a new booking) in this conversation can be held",
      );
    }
    const guestName =
      typeof input.guest_name === "string" && input.guest_name.trim() ? input.guest_name.trim().slice(0, 80) : null;
    const services = await ctx.deps.db.service.findMany({
      where: { id: { in: offered.items.map((i) => i.serviceId) } },
      select: { id: true, priceCents: true, depositRule: true, depositValue: true },
    });
    const deposit = depositFor(
      offered.items.map((i) => {
        const s = services.find((x) => x.id === i.serviceId)!;
        return { serviceId: s.id, priceCents: s.priceCents, terms: s };
      }),
    );
    // Issue #21: a service needing a patch test the customer lacks is refused before the proposal
    // (with the reason and the offer), not after their yes.
    await assertPatchTest(
      ctx.deps.db,
      {
        locationId: ctx.deps.locationId,
        customerId: ctx.customerId,
        startsAt: new Date(offered.start),
        items: offered.items,
      },
      ctx.deps.clock(),
    );
    const gate = confirmationGate(ctx, "hold_slot", `${offered.ref}|${guestName ?? ""}`, {
      ...offeredView(offered, ctx.lang),
      for_person: guestName,
      deposit: deposit.amountCents ? euros(deposit.amountCents, ctx.lang) : null,
    });
    if (gate) return gate;
    let booking = await createBooking(
      bookingDeps(ctx),
      {
        locationId: ctx.deps.locationId,
        customerId: ctx.customerId,
        startsAt: new Date(offered.start),
        items: offered.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
        source: "whatsapp",
        mode: "hold",
        guestName,
        conversationId: ctx.conversationId,
        idempotencyKey: `agent:${ctx.toolUseId}`,
      },
      actorOf(ctx),
    );
    if (booking.depositCents === 0 && booking.status === "held") {
      booking = await confirmBooking(bookingDeps(ctx), booking.id, actorOf(ctx));
    }
    return {
      content: {
        status: booking.status === "confirmed" ? "confirmed" : "held_awaiting_deposit",
        booking: bookingSummary(booking, ctx.lang, ctx.timeZone),
        next: booking.status === "confirmed" ? "Tell the customer it is confirmed." : "Call request_deposit_link now.",
      },
      effects: { consume: { action: "hold_slot", key: `${offered.ref}|${guestName ?? ""}` } },
    };
  },
};

export const requestDepositLinkTool: ToolDefinition = {
  name: "request_deposit_link",
  description:
    "Get the online payment link for a held booking's deposit (amount from the database). Paying it confirms the booking; the hold expires otherwise.",
  input_schema: { type: "object", properties: { booking_id: { type: "string" } }, required: ["booking_id"] },
  async run(ctx, input) {
    const b = await ownBooking(ctx, input.booking_id);
    if (b.status !== "held" && b.status !== "pending_deposit") {
      throw new AppError("ILLEGAL_TRANSITION", `This booking is ${b.status}; no deposit link is needed`);
    }
    if (b.depositCents <= 0) throw new AppError("BAD_INPUT", "This booking needs no deposit");
    if (!ctx.deps.deposits) {
      throw new AppError("UNAVAILABLE", "Online deposit payments are not available right now; hand over to a person");
    }
    const link = await ctx.deps.deposits.requestLink(b.id);
    // The link may lengthen the hold (Stripe's 30-minute minimum): the time told is the hold's new end,
    // the same the checkout page shows.
    const after = await ownBooking(ctx, b.id);
    return {
      content: {
        booking_id: b.id,
        url: link.url,
        amount: euros(b.depositCents, ctx.lang),
        amount_cents: b.depositCents,
        hold_expires_at_local_time: bookingSummary(after, ctx.lang, ctx.timeZone).hold_expires_at,
      },
    };
  },
};

export const listMyBookingsTool: ToolDefinition = {
  name: "list_my_bookings",
  description:
    "This customer's bookings (upcoming, and the last past ones with include_past) with booking_id, services, stylist, local date/time, price and deposit. Only ever this customer's.",
  input_schema: { type: "object", properties: { include_past: { type: "boolean" } } },
  async run(ctx, input) {
    const { items } = await searchBookings(ctx.deps.db, ctx.deps.fc, {
      locationId: ctx.deps.locationId,
      customerId: ctx.customerId,
      fromDate: input.include_past ? addDays(ctx.today, -365) : ctx.today,
      limit: 50,
    });
    const now = ctx.deps.clock().getTime();
    const upcoming = items.filter(
      (b) => new Date(b.startsAt).getTime() >= now && ["held", "pending_deposit", "confirmed"].includes(b.status),
    );
    const past = items.filter((b) => new Date(b.startsAt).getTime() < now && b.status === "completed").slice(-3);
    return {
      content: {
        upcoming: upcoming.map((b) => bookingSummary(b, ctx.lang, ctx.timeZone)),
        ...(input.include_past ? { past: past.reverse().map((b) => bookingSummary(b, ctx.lang, ctx.timeZone)) } : {}),
      },
    };
  },
};

export const rescheduleBookingTool: ToolDefinition = {
  name: "reschedule_booking",
  write: true,
  description:
    "Move one of the customer's bookings to a slot_ref from check_availability called with that booking_id. The first call returns the proposal (old and new time) to confirm; call again after the customer's yes. The deposit carries over.",
  input_schema: {
    type: "object",
    properties: { booking_id: { type: "string" }, slot_ref: { type: "string" } },
    required: ["booking_id", "slot_ref"],
  },
  async run(ctx, input) {
    const b = await ownBooking(ctx, input.booking_id);
    const offered = findOffered(ctx.state, String(input.slot_ref ?? ""));
    if (!offered || offered.forBookingId !== b.id) {
      throw new AppError(
        "BAD_INPUT",
        "Unknown slot_ref for this booking: call check_availability with booking_id first and use one of its slot_refs",
      );
    }
    const old = bookingSummary(b, ctx.lang, ctx.timeZone);
    const key = `${b.id}|${offered.ref}`;
    // Issue #21: a move the customer's patch test would not cover is refused before the proposal
    // (a booking staff made without a valid test keeps that decision: the move checks it then).
    const overridden = await ctx.deps.db.booking.findUnique({
      where: { id: b.id },
      select: { patchTestOverrideById: true },
    });
    await assertPatchTest(
      ctx.deps.db,
      {
        locationId: ctx.deps.locationId,
        customerId: ctx.customerId,
        startsAt: new Date(offered.start),
        items: offered.items,
        override: Boolean(overridden?.patchTestOverrideById),
      },
      ctx.deps.clock(),
    );
    const gate = confirmationGate(ctx, "reschedule_booking", key, {
      from: old.when,
      to: offeredView(offered, ctx.lang),
      deposit_carries_over: b.depositPaidCents > 0 ? euros(b.depositPaidCents, ctx.lang) : null,
    });
    if (gate) return gate;
    const moved = await rescheduleBooking(
      bookingDeps(ctx),
      {
        bookingId: b.id,
        startsAt: new Date(offered.start),
        items: offered.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
        locationId: ctx.deps.locationId,
        idempotencyKey: `agent:${ctx.toolUseId}`,
      },
      actorOf(ctx),
    );
    return {
      content: { status: "rescheduled", from: old.when, booking: bookingSummary(moved, ctx.lang, ctx.timeZone) },
      effects: { consume: { action: "reschedule_booking", key } },
    };
  },
};

export const cancelBookingTool: ToolDefinition = {
  name: "cancel_booking",
  write: true,
  description:
    "Cancel one of the customer's bookings. The first call returns the policy decision (refund or deposit kept, and why) for you to explain; call again only after the customer confirms. Refunds are issued automatically when the policy gives one.",
  input_schema: {
    type: "object",
    properties: { booking_id: { type: "string" }, reason: { type: "string" } },
    required: ["booking_id"],
  },
  async run(ctx, input) {
    const b = await ownBooking(ctx, input.booking_id);
    if (!["held", "pending_deposit", "confirmed"].includes(b.status)) {
      throw new AppError("ILLEGAL_TRANSITION", `This booking is already ${b.status}`);
    }
    const decision = await previewCancellation(bookingDeps(ctx), b.id, { locationId: ctx.deps.locationId });
    const summary = {
      booking: bookingSummary(b, ctx.lang, ctx.timeZone),
      policy_rule: decision.rule,
      refund: euros(decision.refundCents, ctx.lang),
      refund_cents: decision.refundCents,
      deposit_kept: euros(decision.keptCents, ctx.lang),
      kept_cents: decision.keptCents,
      explanation: decision.explanation[ctx.lang],
    };
    const gate = confirmationGate(ctx, "cancel_booking", b.id, summary);
    if (gate) return gate;
    const reason =
      typeof input.reason === "string" && input.reason.trim()
        ? input.reason.trim().slice(0, 200)
        : "Cancelled by the customer on WhatsApp";
    const done = await cancelBooking(bookingDeps(ctx), b.id, actorOf(ctx), {
      by: "customer",
      reason,
      locationId: ctx.deps.locationId,
    });
    let refund: unknown = null;
    if (done.decision.refundCents > 0) {
      refund = ctx.deps.refunds
        ? await ctx.deps.refunds.refundDeposit(b.id, done.decision.refundCents, done.decision.rule)
        : { status: "pending_staff", note: "Automatic refunds are not set up: staff will refund it" };
    }
    return {
      content: {
        status: "cancelled",
        booking: bookingSummary(done.booking, ctx.lang, ctx.timeZone),
        policy_rule: done.decision.rule,
        refund_cents: done.decision.refundCents,
        kept_cents: done.decision.keptCents,
        explanation: done.decision.explanation[ctx.lang],
        refund,
      },
      effects: { consume: { action: "cancel_booking", key: b.id } },
    };
  },
};
