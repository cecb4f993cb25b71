// The waitlist tools (issue #20): a customer joins the waitlist for time that is taken today, and
// answers an offer of freed time (waitlist/messages.ts sends it with buttons). Thin wrappers over
// waitlist/waitlist.ts: addWish, acceptOffer, declineOffer, with the customer from the verified
// webhook. Joining holds nothing and needs no later yes (it is the customer's own request); an
// offer is answered by the customer's own reply to it, so accepting books at once (first wins).
import { AppError } from "../../errors/app-error.ts";
import { toLocal } from "../../time/zoned.ts";
import type { DayPart } from "../../waitlist/match.ts";
import { renderWaitlistLost, whenText } from "../../waitlist/messages.ts";
import { acceptOffer, addWish, declineOffer, listWishes } from "../../waitlist/waitlist.ts";
import { hhmm, type Lang } from "../lang.ts";
import { bookingSummary, ownBooking } from "./common.ts";
import type { ToolContext, ToolDefinition } from "./types.ts";

const DAY_PARTS: DayPart[] = ["morning", "afternoon", "evening"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How long an unanswered offer stays answerable by a typed "sí" (the button carries its id anyway). */
const TYPED_ANSWER_MS = 2 * 86_400_000;

const waitlistDeps = (ctx: ToolContext) => ({ db: ctx.deps.db, fc: ctx.deps.fc, clock: ctx.deps.clock });
const actorOf = (ctx: ToolContext) => ({ type: "agent" as const, id: ctx.customerId });

/**
 * The customer's offers a reply can answer, newest first: sent and not answered yet, or lost to a
 * quicker customer without them having been told (answering one of those tells them kindly).
 */
export async function answerableOffers(ctx: Pick<ToolContext, "deps" | "customerId">) {
  const since = new Date(ctx.deps.clock().getTime() - TYPED_ANSWER_MS);
  return ctx.deps.db.waitlistOffer.findMany({
    where: {
      status: { in: ["sent", "lost"] },
      answeredAt: null,
      sentAt: { gte: since },
      wish: { customerId: ctx.customerId, locationId: ctx.deps.locationId },
    },
    orderBy: { sentAt: "desc" },
    select: { id: true, status: true },
  });
}

export const joinWaitlistTool: ToolDefinition = {
  name: "join_waitlist",
  write: true,
  description:
    "Put the customer on the waitlist when no offered time suits them ('avísame si se libera algo el jueves por la tarde con Laura'): services, stylist or anyone, the days (date_from..date_to) and parts of the day. Holds nothing; when time frees up the salon offers it on WhatsApp and the first to confirm gets it. Call it once the customer asked to be told; no confirmation round is needed.",
  input_schema: {
    type: "object",
    properties: {
      service_ids: { type: "array", items: { type: "string" }, description: "From search_services" },
      staff_id: { type: "string", description: "A stylist's id from check_availability/salon_info; omit for anyone" },
      date_from: { type: "string", description: "YYYY-MM-DD" },
      date_to: { type: "string", description: "YYYY-MM-DD; defaults to date_from" },
      day_parts: {
        type: "array",
        items: { type: "string", enum: DAY_PARTS },
        description: "morning (<14:00), afternoon (14–18), evening (≥18); omit for any time",
      },
      note: { type: "string", description: "The customer's own words" },
    },
    required: ["service_ids", "date_from"],
  },
  async run(ctx, input) {
    const serviceIds = Array.isArray(input.service_ids) ? input.service_ids.map(String).slice(0, 4) : [];
    const dateFrom = String(input.date_from ?? "");
    const dateTo = input.date_to ? String(input.date_to) : dateFrom;
    if (!DATE.test(dateFrom) || !DATE.test(dateTo)) throw new AppError("BAD_INPUT", "date_from/date_to: YYYY-MM-DD");
    const parts = (Array.isArray(input.day_parts) ? input.day_parts : []).filter((p): p is DayPart =>
      DAY_PARTS.includes(p as DayPart),
    );
    const dayParts = parts.length ? [...new Set(parts)] : DAY_PARTS;
    const staffId = typeof input.staff_id === "string" && input.staff_id ? input.staff_id : null;
    // A turn resumed after a crash runs this again: the same open wish is answered, not a second one.
    const open = await listWishes(ctx.deps, ctx.deps.locationId, { customerId: ctx.customerId });
    const same = open.find(
      (w) =>
        w.dateFrom === dateFrom &&
        w.dateTo === dateTo &&
        (w.staffId ?? null) === staffId &&
        w.services.map((s) => s.id).join() === serviceIds.join() &&
        w.dayParts.join() === dayParts.join(),
    );
    const wish =
      same ??
      (await addWish(
        waitlistDeps(ctx),
        ctx.deps.locationId,
        {
          customerId: ctx.customerId,
          serviceIds,
          staffId,
          dateFrom,
          dateTo,
          dayParts,
          note: typeof input.note === "string" ? input.note.slice(0, 500) : null,
          conversationId: ctx.conversationId,
        },
        actorOf(ctx),
      ));
    return {
      content: {
        status: "on_waitlist",
        wish: {
          wish_id: wish.id,
          services: wish.services.map((s) => (ctx.lang === "en" ? s.name.en : s.name.es)),
          stylist: wish.staffName ? (wish.staffName.split(" ")[0] ?? wish.staffName) : null,
          date_from: wish.dateFrom,
          date_to: wish.dateTo,
          day_parts: wish.dayParts,
        },
        instruction:
          "Tell the customer they are on the waiting list for these days and parts of the day, that nothing is held, and that the salon will write on WhatsApp if time frees up (first to confirm gets it).",
      },
    };
  },
};

/** What the customer is told when someone else confirmed the freed time first (waitlist/messages.ts). */
async function lostMessage(
  ctx: ToolContext,
  offerId: string,
  alternatives: { start: string; staffId: string | null }[],
  lang: Lang,
) {
  const o = await ctx.deps.db.waitlistOffer.findUniqueOrThrow({
    where: { id: offerId },
    include: {
      staff: { select: { displayName: true } },
      wish: {
        include: {
          location: { select: { name: true, timeZone: true } },
          services: { orderBy: { position: "asc" }, include: { service: { select: { nameEs: true, nameEn: true } } } },
        },
      },
    },
  });
  const facts = {
    offerId: o.id,
    startsAt: o.startsAt.toISOString(),
    timeZone: o.wish.location.timeZone,
    services: {
      es: o.wish.services.map((s) => s.service.nameEs).join(" + "),
      en: o.wish.services.map((s) => s.service.nameEn).join(" + "),
    },
    stylist: o.staff.displayName.split(" ")[0] ?? o.staff.displayName,
    location: o.wish.location.name,
    alternatives: alternatives.map((a) => a.start),
  };
  return {
    message: (renderWaitlistLost(facts, lang).reply as { text: string }).text,
    alternatives: facts.alternatives.map((a) => whenText(a, facts.timeZone, lang)),
    services: facts.services[lang],
    wanted: whenText(facts.startsAt, facts.timeZone, lang),
    // To look these times up (check_availability) and offer them to hold.
    service_ids: o.wish.services.map((s) => s.serviceId),
    alternatives_at: alternatives.map((a) => {
      const l = toLocal(new Date(a.start), facts.timeZone);
      return { date: l.date, time: hhmm(l.minute), staff_id: a.staffId };
    }),
  };
}

export const answerWaitlistOfferTool: ToolDefinition = {
  name: "answer_waitlist_offer",
  // Books (acceptOffer, idempotent per offer): recorded in the ledger before it runs.
  write: true,
  description:
    "The customer answers a waitlist offer the salon sent them ('Se ha liberado un hueco… ¿Lo quieres?'): answer 'accept' books it at once if nobody confirmed it first (their reply to the offer is the confirmation); 'decline' lets it go and keeps them waiting. offer_id only when known (a button id 'waitlist.accept:<id>'); without it the newest unanswered offer is answered. If it was lost, tell them the returned message (nearest free times included); to book one of those, call check_availability with service_ids and an alternatives_at entry.",
  input_schema: {
    type: "object",
    properties: {
      answer: { type: "string", enum: ["accept", "decline"] },
      offer_id: { type: "string" },
    },
    required: ["answer"],
  },
  async run(ctx, input) {
    const answer = input.answer === "decline" ? "decline" : "accept";
    const offers = await answerableOffers(ctx);
    const wanted = typeof input.offer_id === "string" && input.offer_id ? input.offer_id : null;
    const offer = wanted ? offers.find((o) => o.id === wanted) : offers[0];
    if (!offer) {
      // A button tapped twice: the offer this customer already took answers with its booking.
      const taken = wanted
        ? await ctx.deps.db.waitlistOffer.findFirst({
            where: { id: wanted, status: "accepted", wish: { customerId: ctx.customerId } },
            select: { bookingId: true },
          })
        : null;
      if (taken?.bookingId) {
        const b = await ownBooking(ctx, taken.bookingId);
        return { content: { status: "booked", booking: bookingSummary(b, ctx.lang, ctx.timeZone), already: true } };
      }
      throw new AppError("NOT_FOUND", "This customer has no open waitlist offer to answer");
    }
    const deps = waitlistDeps(ctx);
    const opts = { locationId: ctx.deps.locationId };
    if (answer === "decline") {
      await declineOffer(deps, offer.id, actorOf(ctx), opts);
      return {
        content: {
          status: "declined",
          instruction:
            "Tell the customer it's fine: they stay on the waiting list and will hear if other time frees up.",
        },
      };
    }
    const r = await acceptOffer(deps, offer.id, actorOf(ctx), opts);
    if (r.outcome === "lost") {
      return { content: { status: "lost", ...(await lostMessage(ctx, offer.id, r.alternatives, ctx.lang)) } };
    }
    const b = await ownBooking(ctx, r.bookingId);
    const needsDeposit = (b.status === "held" || b.status === "pending_deposit") && b.depositCents > 0;
    return {
      content: {
        status: "booked",
        booking: bookingSummary(b, ctx.lang, ctx.timeZone),
        next: needsDeposit ? "Call request_deposit_link now." : "Tell the customer it is booked.",
      },
    };
  },
};

export const WAITLIST_TOOLS: ToolDefinition[] = [joinWaitlistTool, answerWaitlistOfferTool];
