// Repeating visits (issue #20, part 2). A series is a booking_series row (the rule and its limit)
// and its occurrences, each a NORMAL booking made through createBooking — the same checks, plan,
// deposit policy and exclusion constraint as any other — carrying series_id and its number
// (series_index, 1 = first; unique per series). An occurrence that cannot be booked (taken, or
// outside the salon's rules or horizon) is reported with the alternatives the booking path
// computed; the rest are booked. Changing or cancelling works on one occurrence or on "this and
// the following" (only those numbers ≥ this one), each through the normal move
// (rescheduleBooking) or cancel (cancelWithRefund: the policy per occurrence).
//
// The occurrences themselves (dates, DST, RRULE) are computed by series-rule.ts (pure).
import type { SlotView } from "../availability/find.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Db } from "../db/client.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import type { CancelledBy } from "../generated/prisma/enums.ts";
import type { PaymentServices } from "../payments/common.ts";
import { cancelWithRefund } from "../payments/refunds.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";
import { type BookingDeps, type CreateBookingInput, createBooking, type NewBookingItem } from "./create.ts";
import { rescheduleBooking } from "./reschedule.ts";
import { describeRule, type SeriesLimit, type SeriesRule, seriesOccurrences } from "./series-rule.ts";
import { isOpen } from "./state.ts";
import { bookingTimeWindow } from "./time-window.ts";
import { type BookingView, loadBooking, viewBooking } from "./view.ts";

export type { SeriesLimit, SeriesRule } from "./series-rule.ts";

/** The usual rhythm the agent offers after a booking ("cada 4 semanas"). */
export const SERIES_OFFER_WEEKS = 4;
/** The most visits an offered series proposes. */
export const SERIES_OFFER_MAX_VISITS = 12;

/** What the agent asks after a booking where the salon offers series. */
export function seriesOfferQuestion(weeks: number = SERIES_OFFER_WEEKS): { es: string; en: string } {
  return weeks === 1
    ? { es: "¿Quieres dejarla fijada cada semana?", en: "Would you like to make it a standing booking every week?" }
    : {
        es: `¿Quieres dejarla fijada cada ${weeks} semanas?`,
        en: `Would you like to make it a standing booking every ${weeks} weeks?`,
      };
}

/** The question for the usual rhythm (the agent's prompt uses it). */
export const SERIES_OFFER_QUESTION = seriesOfferQuestion(SERIES_OFFER_WEEKS);

export type SeriesOffer =
  | {
      offer: true;
      rule: SeriesRule;
      /** As many visits as the booking horizon lets be booked now (2 … SERIES_OFFER_MAX_VISITS). */
      limit: { count: number };
      question: { es: string; en: string };
      /** The visits' local dates (YYYY-MM-DD), the booking's own first. */
      dates: string[];
    }
  | { offer: false; reason: "not_open" | "in_series_or_group" | "beyond_horizon" };

/**
 * Whether to ask "¿Quieres dejarla fijada cada N semanas?" after a booking, and what saying yes
 * would book (pass rule and limit to seriesFromBooking). Only an open booking outside any series
 * or group, and only when at least one more visit fits within the salon's booking horizon.
 */
export async function seriesOfferFor(
  deps: BookingDeps,
  bookingId: string,
  opts: { everyWeeks?: number; locationId?: string } = {},
): Promise<SeriesOffer> {
  const b = await deps.db.booking.findUnique({
    where: { id: bookingId },
    select: {
      locationId: true,
      status: true,
      startsAt: true,
      seriesId: true,
      groupId: true,
      location: { select: { timeZone: true, horizonDays: true } },
    },
  });
  if (!b || (opts.locationId && b.locationId !== opts.locationId)) throw new AppError("NOT_FOUND", "No such booking");
  if (!isOpen(b.status) || b.status === "checked_in") return { offer: false, reason: "not_open" };
  if (b.seriesId || b.groupId) return { offer: false, reason: "in_series_or_group" };
  const weeks = opts.everyWeeks ?? SERIES_OFFER_WEEKS;
  const rule: SeriesRule = { kind: "weeks", every: weeks };
  const now = deps.clock();
  const latest = bookingTimeWindow(now, b.location.horizonDays).latest.getTime();
  const fits = seriesOccurrences(b.startsAt, rule, { count: SERIES_OFFER_MAX_VISITS }, b.location.timeZone, now).filter(
    (o) => o.startsAt.getTime() <= latest,
  );
  if (fits.length < 2) return { offer: false, reason: "beyond_horizon" };
  return {
    offer: true,
    rule,
    limit: { count: fits.length },
    question: seriesOfferQuestion(weeks),
    dates: fits.map((o) => o.date),
  };
}

export interface CreateSeriesInput extends Omit<CreateBookingInput, "series" | "idempotencyKey"> {
  rule: SeriesRule;
  limit: SeriesLimit;
}

/** An occurrence that could not be booked: why, and the nearest free alternatives. */
export interface SeriesConflict {
  /** 1 = the first visit. */
  index: number;
  startsAt: string;
  /** PATCH_TEST_REQUIRED (issue #21): the customer's test does not cover that visit (e.g. too old by then). */
  code: "SLOT_TAKEN" | "NOT_BOOKABLE" | "BAD_INPUT" | "PATCH_TEST_REQUIRED";
  message: string;
  alternatives: SlotView[];
}

export interface SeriesResult {
  seriesId: string;
  rule: SeriesRule;
  ruleText: { es: string; en: string };
  booked: { index: number; booking: BookingView }[];
  conflicts: SeriesConflict[];
}

/** The errors an occurrence may meet that are reported instead of failing the whole series. */
const REPORTED = new Set(["SLOT_TAKEN", "NOT_BOOKABLE", "BAD_INPUT", "PATCH_TEST_REQUIRED"]);

function conflictOf(e: unknown, index: number, startsAt: Date): SeriesConflict | null {
  if (!isAppError(e) || !REPORTED.has(e.code)) return null;
  const alternatives = Array.isArray(e.details?.alternatives) ? (e.details.alternatives as SlotView[]) : [];
  return {
    index,
    startsAt: startsAt.toISOString(),
    code: e.code as SeriesConflict["code"],
    message: e.message,
    alternatives,
  };
}

/**
 * Creates a series from a first booking request, a rule and a limit: every occurrence is booked
 * through createBooking (its own statement, guarded by the exclusion constraint); the ones that
 * cannot be are reported with alternatives. Nothing booked at all → the series is not kept and
 * SLOT_TAKEN/NOT_BOOKABLE is thrown with the conflicts in its details.
 */
export function createSeries(deps: BookingDeps, input: CreateSeriesInput, actor: Actor): Promise<SeriesResult> {
  return startSeries(deps, input, actor, null);
}

/** Makes an existing booking the first visit of a new series (the agent's "¿la dejamos fijada?"). */
export interface SeriesFromBookingInput {
  bookingId: string;
  rule: SeriesRule;
  limit: SeriesLimit;
  /** How the later visits are made (default "book": confirmed, or awaiting their own deposit). */
  mode?: "hold" | "book";
  waiveDeposit?: boolean;
  locationId?: string;
}

/**
 * The booking becomes visit 1 of a series (linked in the series' own transaction; it must be open
 * and not in a series or group already), and the later visits are booked as createSeries does:
 * each through createBooking, collisions reported with alternatives.
 */
export async function seriesFromBooking(
  deps: BookingDeps,
  input: SeriesFromBookingInput,
  actor: Actor,
): Promise<SeriesResult> {
  const b = await loadBooking(deps.db, input.bookingId, input.locationId);
  if (!isOpen(b.status) || b.status === "checked_in") {
    throw new AppError("ILLEGAL_TRANSITION", `A booking that is ${b.status.replace("_", " ")} cannot start a series`);
  }
  if (b.seriesId || b.groupId) throw new AppError("BAD_INPUT", "This booking is already part of a series or a group");
  return startSeries(
    deps,
    {
      locationId: b.locationId,
      customerId: b.customerId,
      startsAt: b.startsAt,
      items: b.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
      source: b.source,
      mode: input.mode ?? "book",
      ...(input.waiveDeposit !== undefined ? { waiveDeposit: input.waiveDeposit } : {}),
      guestName: b.guestNameCipher ? deps.fc.decrypt(b.guestNameCipher) : null,
      notes: b.notes,
      conversationId: b.conversationId,
      rule: input.rule,
      limit: input.limit,
    },
    actor,
    b,
  );
}

async function startSeries(
  deps: BookingDeps,
  input: CreateSeriesInput,
  actor: Actor,
  first: { id: string; version: number } | null,
): Promise<SeriesResult> {
  const location = await deps.db.location.findUnique({ where: { id: input.locationId } });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const customer = await deps.db.customer.findFirst({
    where: { id: input.customerId, erasedAt: null },
    select: { id: true },
  });
  if (!customer) throw new AppError("NOT_FOUND", "Unknown customer");
  if (!input.items.length) throw new AppError("BAD_INPUT", "A booking needs at least one service");
  const occurrences = seriesOccurrences(input.startsAt, input.rule, input.limit, location.timeZone, deps.clock());
  const last = occurrences.at(-1)!;
  const series = await deps.db.$transaction(async (tx) => {
    const row = await tx.bookingSeries.create({
      data: {
        locationId: input.locationId,
        customerId: input.customerId,
        rule:
          input.rule.kind === "rrule"
            ? input.rule.rule
                .trim()
                .toUpperCase()
                .replace(/^RRULE:/, "")
            : null,
        intervalWeeks: input.rule.kind === "weeks" ? input.rule.every : null,
        count: occurrences.length,
        until: "until" in input.limit ? localToUtc(addDays(last.date, 1), 0, location.timeZone) : null,
        createdByStaffId: actor.type === "staff" ? (actor.id ?? null) : null,
      },
    });
    await appendAudit(tx, actor, {
      action: "booking_series.created",
      entityType: "booking_series",
      entityId: row.id,
      locationId: input.locationId,
      data: { rule: input.rule, limit: input.limit, occurrences: occurrences.length },
    });
    if (first) {
      // The existing booking is visit 1, unless someone changed it meanwhile.
      const linked = await tx.booking.updateMany({
        where: { id: first.id, version: first.version, seriesId: null, groupId: null },
        data: { seriesId: row.id, seriesIndex: 1, version: { increment: 1 } },
      });
      if (linked.count !== 1) throw new AppError("CONFLICT", "This booking was changed by someone else; reload it");
      await appendAudit(tx, actor, {
        action: "booking.series_started",
        entityType: "booking",
        entityId: first.id,
        locationId: input.locationId,
        data: { seriesId: row.id, seriesIndex: 1 },
      });
      await appendChange(tx, { entityType: "booking", entityId: first.id, op: "upsert", locationId: input.locationId });
    }
    return row;
  });
  const booked: SeriesResult["booked"] = [];
  const conflicts: SeriesConflict[] = [];
  const { rule: _rule, limit: _limit, ...request } = input;
  for (const occ of occurrences) {
    const index = occ.index + 1;
    if (first && index === 1) {
      booked.push({ index, booking: viewBooking(await loadBooking(deps.db, first.id), deps.fc) });
      continue;
    }
    try {
      const booking = await createBooking(
        deps,
        { ...request, startsAt: occ.startsAt, series: { id: series.id, index } },
        actor,
      );
      booked.push({ index, booking });
    } catch (e) {
      const conflict = conflictOf(e, index, occ.startsAt);
      if (!conflict) {
        // An unknown service or stylist fails the first visit already: keep no empty series.
        if (!booked.length) await deps.db.bookingSeries.delete({ where: { id: series.id } });
        throw e;
      }
      conflicts.push(conflict);
    }
  }
  if (!booked.length) {
    await deps.db.bookingSeries.delete({ where: { id: series.id } });
    const first = conflicts[0]!;
    throw new AppError(first.code, "No visit of the series could be booked", {
      conflicts,
      alternatives: first.alternatives,
    });
  }
  return {
    seriesId: series.id,
    rule: input.rule,
    ruleText: { es: describeRule(input.rule, "es"), en: describeRule(input.rule, "en") },
    booked,
    conflicts,
  };
}

export interface SeriesView {
  id: string;
  rule: SeriesRule;
  ruleText: { es: string; en: string };
  /** Visits the series was made with. */
  total: number;
  occurrences: { index: number; bookingId: string; startsAt: string; status: BookingView["status"] }[];
}

const ruleOf = (s: { rule: string | null; intervalWeeks: number | null }): SeriesRule =>
  s.intervalWeeks ? { kind: "weeks", every: s.intervalWeeks } : { kind: "rrule", rule: s.rule ?? "" };

/** The series a booking belongs to (its number in it and its siblings), or null. */
export async function seriesOfBooking(
  db: Db,
  bookingId: string,
  locationId?: string,
): Promise<{ series: SeriesView; index: number } | null> {
  const b = await db.booking.findUnique({
    where: { id: bookingId },
    select: { locationId: true, seriesId: true, seriesIndex: true },
  });
  if (!b || (locationId && b.locationId !== locationId)) throw new AppError("NOT_FOUND", "No such booking");
  if (!b.seriesId || !b.seriesIndex) return null;
  const s = await db.bookingSeries.findUniqueOrThrow({
    where: { id: b.seriesId },
    include: {
      bookings: {
        where: { seriesIndex: { not: null } },
        orderBy: { seriesIndex: "asc" },
        select: { id: true, seriesIndex: true, startsAt: true, status: true },
      },
    },
  });
  const rule = ruleOf(s);
  return {
    index: b.seriesIndex,
    series: {
      id: s.id,
      rule,
      ruleText: { es: describeRule(rule, "es"), en: describeRule(rule, "en") },
      total: s.count ?? Math.max(...s.bookings.map((x) => x.seriesIndex ?? 0)),
      occurrences: s.bookings.map((x) => ({
        index: x.seriesIndex!,
        bookingId: x.id,
        startsAt: x.startsAt.toISOString(),
        status: x.status,
      })),
    },
  };
}

/** "this": only the chosen occurrence; "following": it and every later one of its series. */
export type SeriesScope = "this" | "following";

/** The open occurrences a scope covers, in order (the chosen one first). */
async function occurrencesInScope(db: Db, bookingId: string, scope: SeriesScope, locationId?: string) {
  const b = await db.booking.findUnique({
    where: { id: bookingId },
    select: { id: true, locationId: true, seriesId: true, seriesIndex: true, startsAt: true, status: true },
  });
  if (!b || (locationId && b.locationId !== locationId)) throw new AppError("NOT_FOUND", "No such booking");
  if (!b.seriesId || !b.seriesIndex) throw new AppError("BAD_INPUT", "This booking is not part of a series");
  if (scope === "this") return { chosen: b, targets: [b] };
  const rest = await db.booking.findMany({
    where: { seriesId: b.seriesId, seriesIndex: { gte: b.seriesIndex } },
    orderBy: { seriesIndex: "asc" },
    select: { id: true, locationId: true, seriesId: true, seriesIndex: true, startsAt: true, status: true },
  });
  return { chosen: b, targets: rest.filter((x) => isOpen(x.status) && x.status !== "checked_in") };
}

export interface MoveSeriesInput {
  bookingId: string;
  scope: SeriesScope;
  /** The chosen occurrence's new start; later ones move by the same days to the same local time. */
  startsAt: Date;
  /** New services/stylists for every occurrence moved; defaults to each booking's own. */
  items?: NewBookingItem[];
  locationId?: string;
  allowOutsideHours?: boolean;
}

export interface MoveSeriesResult {
  moved: { index: number; booking: BookingView }[];
  conflicts: (SeriesConflict & { bookingId: string })[];
}

/**
 * Moves one occurrence, or it and the following ones: each keeps its own date shifted by the same
 * number of days as the chosen one and takes the chosen one's new local time (so a 10:00 → 12:00
 * change stays 12:00 across DST). Each move is the normal one (old booking cancelled as rescheduled,
 * a linked new one keeps status, deposit and the occurrence number); a move whose time is taken is
 * reported with alternatives and leaves that occurrence as it was. Earlier occurrences never change.
 */
export async function moveSeriesOccurrences(
  deps: BookingDeps,
  input: MoveSeriesInput,
  actor: Actor,
): Promise<MoveSeriesResult> {
  const { chosen, targets } = await occurrencesInScope(deps.db, input.bookingId, input.scope, input.locationId);
  if (!isOpen(chosen.status) || chosen.status === "checked_in") {
    throw new AppError("ILLEGAL_TRANSITION", `A booking that is ${chosen.status.replace("_", " ")} cannot be moved`);
  }
  const { timeZone } = await deps.db.location.findUniqueOrThrow({
    where: { id: chosen.locationId },
    select: { timeZone: true },
  });
  const from = toLocal(chosen.startsAt, timeZone);
  const to = toLocal(input.startsAt, timeZone);
  const dayShift = Math.round((Date.parse(to.date) - Date.parse(from.date)) / 86_400_000);
  const moved: MoveSeriesResult["moved"] = [];
  const conflicts: MoveSeriesResult["conflicts"] = [];
  for (const occ of targets) {
    const startsAt =
      occ.id === chosen.id
        ? input.startsAt
        : localToUtc(addDays(toLocal(occ.startsAt, timeZone).date, dayShift), to.minute, timeZone);
    try {
      const booking = await rescheduleBooking(
        deps,
        {
          bookingId: occ.id,
          startsAt,
          ...(input.items ? { items: input.items } : {}),
          allowOutsideHours: input.allowOutsideHours ?? false,
        },
        actor,
      );
      moved.push({ index: occ.seriesIndex!, booking });
    } catch (e) {
      const conflict = conflictOf(e, occ.seriesIndex!, startsAt);
      if (!conflict) throw e;
      conflicts.push({ ...conflict, bookingId: occ.id });
    }
  }
  return { moved, conflicts };
}

export interface CancelSeriesInput {
  bookingId: string;
  scope: SeriesScope;
  by: CancelledBy;
  reason: string;
  staffWaiver?: boolean;
  locationId?: string;
}

/** Cancels one occurrence or it and the following ones, each by the policy for that occurrence. */
export async function cancelSeriesOccurrences(
  services: PaymentServices,
  input: CancelSeriesInput,
  actor: Actor,
): Promise<{ cancelled: { index: number; bookingId: string; rule: string; refundCents: number }[] }> {
  if (!input.reason.trim()) throw new AppError("BAD_INPUT", "Say why the booking is cancelled");
  const { targets } = await occurrencesInScope(services.db, input.bookingId, input.scope, input.locationId);
  const cancelled: { index: number; bookingId: string; rule: string; refundCents: number }[] = [];
  for (const occ of targets) {
    const r = await cancelWithRefund(services, occ.id, actor, {
      by: input.by,
      reason: input.reason,
      ...(input.staffWaiver !== undefined ? { staffWaiver: input.staffWaiver } : {}),
    });
    cancelled.push({
      index: occ.seriesIndex!,
      bookingId: occ.id,
      rule: r.decision.rule,
      refundCents: r.decision.refundCents,
    });
  }
  return { cancelled };
}
