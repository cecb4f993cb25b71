// Repeating visits and group visits for the agent (issue #20): thin wrappers over
// bookings/series.ts (createSeries) and bookings/group.ts (createGroup) + the group's ONE deposit
// link. Both write, so both follow the confirmation rule of tools/bookings.ts: the first call
// returns the proposal (recorded), the second — after the customer's later yes — writes.
import { findSlots } from "../../availability/find.ts";
import type { Slot } from "../../availability/types.ts";
import { createGroup } from "../../bookings/group.ts";
import { MAX_GROUP_PEOPLE } from "../../bookings/group-plan.ts";
import { depositFor } from "../../bookings/policy.ts";
import { SERIES_OFFER_WEEKS, seriesFromBooking, seriesOfferFor } from "../../bookings/series.ts";
import { cancelBooking, previewCancellation } from "../../bookings/transitions.ts";
import { AppError, isAppError } from "../../errors/app-error.ts";
import { localToUtc, toLocal } from "../../time/zoned.ts";
import { describeWhen, euros, hhmm } from "../lang.ts";
import type { ProposalAction } from "../state.ts";
import { bookingSummary, firstName, ownBooking, serviceName, turnNameMaps } from "./common.ts";
import type { ToolContext, ToolDefinition, ToolEffects } from "./types.ts";

const actorOf = (ctx: ToolContext) => ({ type: "agent" as const, id: ctx.customerId });
const bookingDeps = (ctx: ToolContext) => ({ db: ctx.deps.db, fc: ctx.deps.fc, clock: ctx.deps.clock });

/** The same gate as tools/bookings.ts: a proposal first, the write after a later explicit yes. */
function gate(ctx: ToolContext, action: ProposalAction, key: string, summary: Record<string, unknown>) {
  const p = ctx.state.proposals.find((x) => x.action === action && x.key === key);
  if (p && p.turnSeq < ctx.state.turnSeq && ctx.confirmedThisTurn) return null;
  const effects: ToolEffects = { propose: { action, key, turnSeq: ctx.state.turnSeq, summary } };
  return {
    content: {
      status: "confirmation_required",
      action,
      proposal: summary,
      instruction:
        "Nothing was written. Tell the customer exactly this and ask for an explicit yes. Call this tool again with the same arguments only after their reply confirms.",
    },
    effects,
  };
}

// ───────────────────────────── repeating visits ─────────────────────────────

export const repeatBookingTool: ToolDefinition = {
  name: "repeat_booking",
  write: true,
  description: `Make one of the customer's bookings a standing booking: the same services, stylist, weekday and time every N weeks (default: the salon's setting, else ${SERIES_OFFER_WEEKS}), as many visits as the salon's calendar lets be booked now; the booking itself is the first visit. First call: the proposal (the dates); call again after the customer's yes. Visits that collide are reported with the nearest free times; the rest are booked.`,
  input_schema: {
    type: "object",
    properties: {
      booking_id: { type: "string", description: "From hold_slot / list_my_bookings" },
      every_weeks: { type: "integer", minimum: 1, maximum: 52 },
    },
    required: ["booking_id"],
  },
  async run(ctx, input) {
    const b = await ownBooking(ctx, input.booking_id);
    if (b.depositCents > 0) {
      // Each later visit would wait for its own deposit and lapse with its hold: the desk arranges these.
      throw new AppError(
        "BAD_INPUT",
        "A visit with a deposit cannot be made a standing booking from the chat (every visit would need its own deposit); a person at the salon can set it up",
      );
    }
    const every = Number.isInteger(input.every_weeks)
      ? Math.min(52, Math.max(1, Number(input.every_weeks)))
      : (ctx.deps.seriesOfferWeeks ?? SERIES_OFFER_WEEKS);
    const offer = await seriesOfferFor(bookingDeps(ctx), b.id, { everyWeeks: every, locationId: ctx.deps.locationId });
    if (!offer.offer) {
      const why = {
        not_open: "This booking is not an upcoming one",
        in_series_or_group: "This booking already repeats or is part of a group",
        beyond_horizon: "No further visit fits in the salon's open calendar yet; offer it again later",
      }[offer.reason];
      throw new AppError("BAD_INPUT", why);
    }
    const whenOf = (d: Date) => {
      const l = toLocal(d, ctx.timeZone);
      return describeWhen(l.date, hhmm(l.minute), l.weekday, ctx.lang);
    };
    const first = new Date(b.startsAt);
    const minute = toLocal(first, ctx.timeZone).minute;
    const summary = {
      every_weeks: every,
      question: offer.question[ctx.lang],
      first: bookingSummary(b, ctx.lang, ctx.timeZone).when,
      following: offer.dates.slice(1).map((d) => whenOf(localToUtc(d, minute, ctx.timeZone))),
      visits: offer.limit.count,
    };
    const key = `series:${b.id}|${every}|${offer.limit.count}`;
    const pending = gate(ctx, "hold_slot", key, summary);
    if (pending) return pending;
    const result = await seriesFromBooking(
      bookingDeps(ctx),
      { bookingId: b.id, rule: offer.rule, limit: offer.limit, locationId: ctx.deps.locationId },
      actorOf(ctx),
    );
    return {
      content: {
        status: "series_created",
        every_weeks: every,
        rule: result.ruleText[ctx.lang],
        booked: result.booked.map((x) => bookingSummary(x.booking, ctx.lang, ctx.timeZone).when),
        not_booked: result.conflicts.map((c) => ({
          when: whenOf(new Date(c.startsAt)),
          reason: c.message,
          nearest_free: c.alternatives
            .slice(0, 3)
            .map((a) => describeWhen(a.localDate, a.localTime, a.weekday, ctx.lang)),
        })),
      },
      effects: { consume: { action: "hold_slot", key } },
    };
  },
};

// ───────────────────────────── group visits ─────────────────────────────

interface PersonAsk {
  serviceIds: string[];
  name: string | null;
}

interface GroupFound {
  start: Date;
  /** Per person: the slot it gets (its stylists), in the order asked. */
  slots: Slot[];
}

function peopleOf(input: Record<string, unknown>): PersonAsk[] {
  const raw = Array.isArray(input.people) ? input.people : [];
  return raw.slice(0, MAX_GROUP_PEOPLE).map((p) => {
    const o = (p ?? {}) as Record<string, unknown>;
    return {
      serviceIds: Array.isArray(o.service_ids) ? o.service_ids.map(String).slice(0, 4) : [],
      name: typeof o.name === "string" && o.name.trim() ? o.name.trim().slice(0, 80) : null,
    };
  });
}

const PART: Record<string, [number, number]> = {
  morning: [0, 14 * 60],
  afternoon: [14 * 60, 18 * 60],
  evening: [18 * 60, 24 * 60],
};

/**
 * The earliest start on `date` (at `time`, or from it / within the part of the day) at which every
 * person can start together, each on stylists none of the others has.
 */
export async function findGroupTime(
  ctx: ToolContext,
  people: PersonAsk[],
  date: string,
  when: { time?: number | null; dayPart?: string | null },
): Promise<GroupFound | null> {
  const now = ctx.deps.clock();
  // Availability gives one slot per start (its stylist chosen by load): ask per stylist who does all
  // of a person's services, so several stylists' slots at one start can be told apart.
  const slotsFor = new Map<string, Promise<Slot[]>>();
  const personSlots = (serviceIds: string[]) => {
    const key = serviceIds.join(",");
    let p = slotsFor.get(key);
    if (!p) {
      p = (async () => {
        const skills = await ctx.deps.db.staffService.findMany({
          where: {
            serviceId: { in: serviceIds },
            staff: { locationId: ctx.deps.locationId, active: true, bookable: true },
          },
          select: { staffId: true, serviceId: true },
        });
        const count = new Map<string, number>();
        for (const s of skills) count.set(s.staffId, (count.get(s.staffId) ?? 0) + 1);
        const staffIds = [...count].filter(([, n]) => n === new Set(serviceIds).size).map(([id]) => id);
        const lists = await Promise.all(
          staffIds.map((staffId) =>
            findSlots(ctx.deps.db, {
              locationId: ctx.deps.locationId,
              items: serviceIds.map((serviceId) => ({ serviceId, staffId })),
              fromDate: date,
              toDate: date,
              now,
            }),
          ),
        );
        return lists.flat();
      })();
      slotsFor.set(key, p);
    }
    return p;
  };
  const perPerson = await Promise.all(people.map((p) => personSlots(p.serviceIds)));
  const byStart = perPerson.map((slots) => {
    const m = new Map<number, Slot[]>();
    for (const s of slots) m.set(s.start.getTime(), [...(m.get(s.start.getTime()) ?? []), s]);
    return m;
  });
  const starts = [...byStart[0]!.keys()].sort((a, b) => a - b);
  const part = when.dayPart ? PART[when.dayPart] : null;
  for (const start of starts) {
    const minute = toLocal(new Date(start), ctx.timeZone).minute;
    if (when.time != null && minute < when.time) continue;
    if (part && (minute < part[0] || minute >= part[1])) continue;
    const used = new Set<string>();
    const chosen: Slot[] = [];
    for (const m of byStart) {
      const pick = (m.get(start) ?? []).find((s) => s.items.every((i) => !used.has(i.staffId)));
      if (!pick) break;
      for (const i of pick.items) used.add(i.staffId);
      chosen.push(pick);
    }
    if (chosen.length === people.length) return { start: new Date(start), slots: chosen };
  }
  return null;
}

export const holdGroupTool: ToolDefinition = {
  name: "hold_group",
  write: true,
  description: `Book several people in one visit ('somos 3 para mechas y corte el sábado'): 2 to ${MAX_GROUP_PEOPLE} people, each with their own services (the customer is the first; give the others' names if said), all starting together on one date, each with their own stylist. First call: finds the earliest time that fits everyone (at/after 'time', or within 'day_part') and returns the proposal (who, stylist, price, the ONE deposit) — nothing is held. After the customer's yes call again with the same arguments: everyone is held at once (all or nothing) and ONE payment link for the whole deposit is returned.`,
  input_schema: {
    type: "object",
    properties: {
      people: {
        type: "array",
        minItems: 2,
        maxItems: MAX_GROUP_PEOPLE,
        items: {
          type: "object",
          properties: {
            service_ids: { type: "array", items: { type: "string" } },
            name: { type: "string", description: "For the others; omit for the customer" },
          },
          required: ["service_ids"],
        },
      },
      date: { type: "string", description: "YYYY-MM-DD" },
      time: { type: "string", description: "HH:MM: the earliest start wanted" },
      day_part: { type: "string", enum: ["morning", "afternoon", "evening"] },
    },
    required: ["people", "date"],
  },
  async run(ctx, input) {
    const people = peopleOf(input);
    if (people.length < 2) throw new AppError("BAD_INPUT", `people: a group is 2 to ${MAX_GROUP_PEOPLE} people`);
    if (people.some((p) => !p.serviceIds.length)) throw new AppError("BAD_INPUT", "people: each needs a service");
    const date = String(input.date ?? "");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new AppError("BAD_INPUT", "date: YYYY-MM-DD");
    const tm = /^(\d{1,2}):(\d{2})$/.exec(String(input.time ?? ""));
    const found = await findGroupTime(ctx, people, date, {
      time: tm ? Number(tm[1]) * 60 + Number(tm[2]) : null,
      dayPart: typeof input.day_part === "string" ? input.day_part : null,
    });
    if (!found) {
      throw new AppError(
        "NOT_BOOKABLE",
        "No time that day fits everyone together, each with their own stylist; ask for another day or part of the day",
      );
    }
    const maps = await turnNameMaps(ctx);
    const services = await ctx.deps.db.service.findMany({
      where: { id: { in: people.flatMap((p) => p.serviceIds) } },
      select: { id: true, priceCents: true, depositRule: true, depositValue: true },
    });
    const deposit = depositFor(
      found.slots.flatMap((s) =>
        s.items.map((i) => {
          const svc = services.find((x) => x.id === i.serviceId)!;
          return { serviceId: svc.id, priceCents: svc.priceCents, terms: svc };
        }),
      ),
    );
    const local = toLocal(found.start, ctx.timeZone);
    const guestLabel = (n: number) => (ctx.lang === "en" ? `Guest ${n}` : `Acompañante ${n}`);
    const summary = {
      when: describeWhen(local.date, hhmm(local.minute), local.weekday, ctx.lang),
      people: found.slots.map((s, i) => ({
        person: i === 0 ? (ctx.lang === "en" ? "you" : "tú") : (people[i]!.name ?? guestLabel(i + 1)),
        services: s.items.map((it) => serviceName(maps, it.serviceId, ctx.lang)),
        stylist: [...new Set(s.items.map((it) => firstName(maps.staff.get(it.staffId)?.displayName ?? "?")))].join(
          " + ",
        ),
        price: euros(s.priceCents, ctx.lang),
      })),
      total_price: euros(
        found.slots.reduce((n, s) => n + s.priceCents, 0),
        ctx.lang,
      ),
      deposit: deposit.amountCents ? euros(deposit.amountCents, ctx.lang) : null,
    };
    const key = `group:${found.start.toISOString()}|${found.slots.map((s) => s.id).join(",")}`;
    const pending = gate(ctx, "hold_slot", key, summary);
    if (pending) return pending;
    const group = await createGroup(
      bookingDeps(ctx),
      {
        locationId: ctx.deps.locationId,
        organiserId: ctx.customerId,
        startsAt: found.start,
        timing: "together",
        people: found.slots.map((s, i) => ({
          ...(i === 0 ? { customerId: ctx.customerId } : { guestName: people[i]!.name ?? guestLabel(i + 1) }),
          items: s.items.map((it) => ({ serviceId: it.serviceId, staffId: it.staffId })),
        })),
        source: "whatsapp",
        mode: deposit.amountCents > 0 ? "hold" : "book",
        conversationId: ctx.conversationId,
        idempotencyKey: `agent:${ctx.toolUseId}`,
      },
      actorOf(ctx),
    );
    let link: { url: string; amount: string } | null = null;
    let linkError: string | null = null;
    if (group.depositCents > 0) {
      if (!ctx.deps.deposits?.requestGroupLink) linkError = "Online deposit payments are not available: hand over";
      else {
        try {
          const l = await ctx.deps.deposits.requestGroupLink(group.id);
          link = { url: l.url, amount: euros(l.amountCents, ctx.lang) };
        } catch (e) {
          // The group stays held (it expires unpaid); the customer is told a person will follow up.
          if (!isAppError(e)) throw e;
          linkError = e.message;
        }
      }
    }
    const holdEnd = group.holdExpiresAt ? hhmm(toLocal(new Date(group.holdExpiresAt), ctx.timeZone).minute) : null;
    return {
      content: {
        status: group.depositCents > 0 ? "held_awaiting_deposit" : "confirmed",
        ...summary,
        hold_expires_at: holdEnd,
        deposit_link: link,
        ...(linkError ? { deposit_link_error: linkError } : {}),
      },
      effects: { consume: { action: "hold_slot", key } },
    };
  },
};

// ───────────────────────── cancelling a standing booking ─────────────────────────

const LIVE = ["held", "pending_deposit", "confirmed"] as const;

/** The customer's live visits of `b`'s series in scope: this one, or this and every later one. */
async function visitsInScope(ctx: ToolContext, seriesId: string, fromIndex: number, scope: "this" | "following") {
  return ctx.deps.db.booking.findMany({
    where: {
      seriesId,
      customerId: ctx.customerId,
      locationId: ctx.deps.locationId,
      status: { in: [...LIVE] },
      seriesIndex: scope === "this" ? fromIndex : { gte: fromIndex },
    },
    orderBy: { seriesIndex: "asc" },
    select: { id: true },
  });
}

export const cancelSeriesTool: ToolDefinition = {
  name: "cancel_series",
  write: true,
  description:
    "Cancel visits of a standing (repeating) booking: scope 'following' = this visit and every later one of its series, 'this' = only this one. The first call returns each visit with the policy decision (refund or deposit kept, and why) for you to explain; call again with the same arguments only after the customer confirms. Each visit follows the cancellation policy on its own.",
  input_schema: {
    type: "object",
    properties: {
      booking_id: { type: "string", description: "A visit of the series, from list_my_bookings" },
      scope: { type: "string", enum: ["this", "following"] },
      reason: { type: "string" },
    },
    required: ["booking_id", "scope"],
  },
  async run(ctx, input) {
    const b = await ownBooking(ctx, input.booking_id);
    if (!b.seriesId || b.seriesIndex === null) {
      throw new AppError("BAD_INPUT", "This booking does not repeat: use cancel_booking");
    }
    if (!(LIVE as readonly string[]).includes(b.status)) {
      throw new AppError("ILLEGAL_TRANSITION", `This visit is already ${b.status}`);
    }
    const scope = input.scope === "this" ? "this" : "following";
    const visits = await visitsInScope(ctx, b.seriesId, b.seriesIndex, scope);
    const previews = await Promise.all(
      visits.map(async (v) => {
        const view = await ownBooking(ctx, v.id);
        const d = await previewCancellation(bookingDeps(ctx), v.id, { locationId: ctx.deps.locationId });
        return { view, d };
      }),
    );
    const summary = {
      scope,
      visits: previews.map(({ view, d }) => ({
        when: bookingSummary(view, ctx.lang, ctx.timeZone).when,
        refund: euros(d.refundCents, ctx.lang),
        deposit_kept: euros(d.keptCents, ctx.lang),
        explanation: d.explanation[ctx.lang],
      })),
    };
    const key = `series-cancel:${b.id}|${scope}|${visits.map((v) => v.id).join(",")}`;
    const pending = gate(ctx, "cancel_booking", key, summary);
    if (pending) return pending;
    const reason =
      typeof input.reason === "string" && input.reason.trim()
        ? input.reason.trim().slice(0, 200)
        : "Standing booking cancelled by the customer on WhatsApp";
    const cancelled = [];
    for (const { view } of previews) {
      const done = await cancelBooking(bookingDeps(ctx), view.id, actorOf(ctx), {
        by: "customer",
        reason,
        locationId: ctx.deps.locationId,
      });
      let refund: unknown = null;
      if (done.decision.refundCents > 0) {
        refund = ctx.deps.refunds
          ? await ctx.deps.refunds.refundDeposit(view.id, done.decision.refundCents, done.decision.rule)
          : { status: "pending_staff", note: "Automatic refunds are not set up: staff will refund it" };
      }
      cancelled.push({
        when: bookingSummary(done.booking, ctx.lang, ctx.timeZone).when,
        refund_cents: done.decision.refundCents,
        kept_cents: done.decision.keptCents,
        explanation: done.decision.explanation[ctx.lang],
        refund,
      });
    }
    return {
      content: { status: "cancelled", scope, cancelled },
      effects: { consume: { action: "cancel_booking", key } },
    };
  },
};

export const VISIT_TOOLS: ToolDefinition[] = [repeatBookingTool, holdGroupTool, cancelSeriesTool];
