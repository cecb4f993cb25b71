// createBooking (the agent's "hold a slot" and the console's "book"): writes the booking, its items
// and the segments that block each stylist, its audit and change-log rows, in one transaction.
// The exclusion constraint on booking_segment is the guard against double booking; the check
// against computed availability beforehand only produces a better message. Locks are taken in the
// one order of changes/change-log.ts: idempotency claim, then rows and segments, change log last.

import { findSlots, nearestAlternatives, type SlotView, slotView } from "../availability/find.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";
import { inStoredTimeWindow, STORED_TIME_WINDOW } from "../db/constraints.ts";
import { ContentionError } from "../db/transaction.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingSource, BookingStatus } from "../generated/prisma/enums.ts";
import { claim, isDuplicateKey, remember, replayed, requestHash } from "../idempotency/idempotency.ts";
import { toLocal } from "../time/zoned.ts";
import { isDoubleBooking } from "./conflict.ts";
import { depositFor } from "./policy.ts";
import { itemSpan, planSegments, type ServiceTiming } from "./segments.ts";
import { assertBookingTime } from "./time-window.ts";
import { BOOKING_TX } from "./tx-options.ts";
import { type BookingView, bookingInclude, viewBooking } from "./view.ts";

export interface NewBookingItem {
  serviceId: string;
  staffId: string;
}

export interface CreateBookingInput {
  locationId: string;
  customerId: string;
  /** Start of the first item; later items follow back to back. */
  startsAt: Date;
  items: NewBookingItem[];
  source: BookingSource;
  /**
   * "hold": a temporary hold that expires (agent flow; confirmed after the deposit or explicitly).
   * "book": a firm booking (console): confirmed, or awaiting its deposit when one is required
   * and not waived.
   */
  mode: "hold" | "book";
  waiveDeposit?: boolean;
  /**
   * Console only: book outside opening/working hours or the notice (the overlap guard still applies).
   * The time window (horizon ahead, a few weeks back: time-window.ts) is never relaxed.
   */
  allowOutsideHours?: boolean;
  guestName?: string | null;
  notes?: string | null;
  conversationId?: string | null;
  idempotencyKey?: string | null;
}

export interface BookingDeps {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
}

const MIN = 60_000;

async function planItems(tx: Tx, input: CreateBookingInput) {
  const services = await tx.service.findMany({
    where: { id: { in: input.items.map((i) => i.serviceId) }, locationId: input.locationId, active: true },
  });
  const skills = await tx.staffService.findMany({
    where: {
      OR: input.items.map((i) => ({ staffId: i.staffId, serviceId: i.serviceId })),
      staff: { active: true, bookable: true, locationId: input.locationId },
    },
  });
  let cursor = input.startsAt;
  return input.items.map((item, position) => {
    const service = services.find((s) => s.id === item.serviceId);
    if (!service) throw new AppError("NOT_FOUND", "Unknown or archived service");
    const skill = skills.find((k) => k.staffId === item.staffId && k.serviceId === item.serviceId);
    if (!skill) throw new AppError("BAD_INPUT", "That stylist does not do this service");
    const timing: ServiceTiming = {
      bufferBeforeMinutes: service.bufferBeforeMinutes,
      durationMinutes: skill.durationMinutes ?? service.durationMinutes,
      processingMinutes: skill.processingMinutes ?? service.processingMinutes,
      finishingMinutes: skill.finishingMinutes ?? service.finishingMinutes,
      bufferAfterMinutes: service.bufferAfterMinutes,
    };
    const span = itemSpan(cursor, timing);
    cursor = span.endsAt;
    return {
      position,
      service,
      staffId: item.staffId,
      timing,
      span,
      priceCents: skill.priceCents ?? service.priceCents,
    };
  });
}

/**
 * Holds whose time is up still have active segments until the expiry job runs. Expire the ones in
 * our way first, in this transaction, so they cannot block a real booking.
 */
export async function expireStaleHoldsOverlapping(
  tx: Tx,
  staffIds: string[],
  from: Date,
  to: Date,
  now: Date,
  actor: Actor,
) {
  const stale = await tx.booking.findMany({
    where: {
      status: { in: ["held", "pending_deposit"] },
      holdExpiresAt: { lte: now },
      segments: { some: { staffId: { in: staffIds }, active: true, startsAt: { lt: to }, endsAt: { gt: from } } },
    },
    select: { id: true, locationId: true, status: true },
    // One order for every writer expiring the same holds, so two of them cannot lock each other's.
    orderBy: { id: "asc" },
  });
  for (const b of stale) {
    await tx.bookingSegment.updateMany({ where: { bookingId: b.id }, data: { active: false } });
    await tx.booking.update({ where: { id: b.id }, data: { status: "expired", version: { increment: 1 } } });
    await appendAudit(tx, actor, {
      action: "booking.expired",
      entityType: "booking",
      entityId: b.id,
      locationId: b.locationId,
      data: { from: b.status, reason: "hold expired" },
    });
    await appendChange(tx, { entityType: "booking", entityId: b.id, op: "upsert", locationId: b.locationId });
  }
}

/** Inserts a booking with items and segments inside an open transaction (shared with reschedule). */
export async function insertBooking(
  tx: Tx,
  deps: Omit<BookingDeps, "db">,
  input: CreateBookingInput,
  actor: Actor,
  extra: { rescheduledFromId?: string; status?: BookingStatus; depositCents?: number } = {},
): Promise<string> {
  const now = deps.clock();
  const location = await tx.location.findUnique({ where: { id: input.locationId } });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const customer = await tx.customer.findUnique({
    where: { id: input.customerId },
    select: { id: true, erasedAt: true },
  });
  if (!customer || customer.erasedAt) throw new AppError("NOT_FOUND", "Unknown customer");
  const planned = await planItems(tx, input);
  const deposit = depositFor(
    planned.map((p) => ({ serviceId: p.service.id, priceCents: p.priceCents, terms: p.service })),
  );
  const depositCents = extra.depositCents ?? (input.waiveDeposit ? 0 : deposit.amountCents);
  const status: BookingStatus =
    extra.status ?? (input.mode === "hold" ? "held" : depositCents > 0 ? "pending_deposit" : "confirmed");
  const holds = status === "held" || status === "pending_deposit";
  const startsAt = planned[0]!.span.startsAt;
  const endsAt = planned.at(-1)!.span.endsAt;

  const allSegments = planned.flatMap((p) =>
    planSegments(p.span.startsAt, p.timing).map((s) => ({ ...s, staffId: p.staffId, position: p.position })),
  );
  const from = new Date(Math.min(...allSegments.map((s) => s.startsAt.getTime())));
  const to = new Date(Math.max(...allSegments.map((s) => s.endsAt.getTime())));
  if (!inStoredTimeWindow(startsAt, endsAt) || !inStoredTimeWindow(from, to)) {
    // The database refuses it too (CHECK constraints); say so clearly instead.
    throw new AppError(
      "BAD_INPUT",
      `Bookings must lie between ${STORED_TIME_WINDOW.from.toISOString().slice(0, 10)} and ${STORED_TIME_WINDOW.to.toISOString().slice(0, 10)}`,
    );
  }
  await expireStaleHoldsOverlapping(tx, [...new Set(planned.map((p) => p.staffId))], from, to, now, actor);

  const booking = await tx.booking.create({
    data: {
      locationId: input.locationId,
      customerId: input.customerId,
      guestNameCipher: input.guestName ? deps.fc.encrypt(input.guestName) : null,
      status,
      source: input.source,
      startsAt,
      endsAt,
      holdExpiresAt: holds ? new Date(now.getTime() + location.holdMinutes * MIN) : null,
      totalPriceCents: planned.reduce((n, p) => n + p.priceCents, 0),
      depositCents,
      currency: location.currency,
      notes: input.notes ?? null,
      conversationId: input.conversationId ?? null,
      createdByStaffId: actor.type === "staff" ? (actor.id ?? null) : null,
      rescheduledFromId: extra.rescheduledFromId ?? null,
      items: {
        create: planned.map((p) => ({
          position: p.position,
          serviceId: p.service.id,
          staffId: p.staffId,
          startsAt: p.span.startsAt,
          endsAt: p.span.endsAt,
          durationMinutes: p.timing.durationMinutes,
          processingMinutes: p.timing.processingMinutes,
          finishingMinutes: p.timing.finishingMinutes,
          priceCents: p.priceCents,
        })),
      },
    },
    include: { items: true },
  });
  await tx.bookingSegment.createMany({
    data: allSegments.map((s) => ({
      bookingId: booking.id,
      itemId: booking.items.find((i) => i.position === s.position)!.id,
      staffId: s.staffId,
      kind: s.kind,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
    })),
  });
  await appendAudit(tx, actor, {
    action: extra.rescheduledFromId ? "booking.rescheduled_in" : "booking.created",
    entityType: "booking",
    entityId: booking.id,
    locationId: input.locationId,
    data: {
      status,
      source: input.source,
      startsAt,
      items: input.items,
      depositCents,
      depositRule: deposit.rule,
      rescheduledFromId: extra.rescheduledFromId,
    },
  });
  return booking.id;
}

/**
 * Alternatives being computed right now, per client and request: when many requests lose the same
 * slot at once (a burst on one freed time), they share one computation instead of each repeating
 * it while the database is at its busiest. Only in-flight work is shared; nothing is kept after.
 */
const alternativesInFlight = new WeakMap<object, Map<string, Promise<SlotView[]>>>();

function nearestAlternativeViews(
  deps: BookingDeps,
  input: CreateBookingInput,
  excludeBookingId?: string,
): Promise<SlotView[]> {
  const running = alternativesInFlight.get(deps.db) ?? new Map<string, Promise<SlotView[]>>();
  alternativesInFlight.set(deps.db, running);
  const key = JSON.stringify([input.locationId, input.items, input.startsAt.getTime(), excludeBookingId ?? null]);
  const shared = running.get(key);
  if (shared) return shared;
  const computed = (async () => {
    const location = await deps.db.location.findUniqueOrThrow({
      where: { id: input.locationId },
      select: { timeZone: true },
    });
    const alternatives = await nearestAlternatives(deps.db, {
      locationId: input.locationId,
      items: input.items,
      around: input.startsAt,
      timeZone: location.timeZone,
      now: deps.clock(),
      ...(excludeBookingId ? { excludeBookingId } : {}),
    });
    return alternatives.map(slotView);
  })().finally(() => running.delete(key));
  running.set(key, computed);
  return computed;
}

/** Maps the constraint's refusal to the typed conflict error, with the nearest alternatives. */
export async function slotTakenError(
  deps: BookingDeps,
  input: CreateBookingInput,
  excludeBookingId?: string,
): Promise<AppError> {
  const alternatives = [...(await nearestAlternativeViews(deps, input, excludeBookingId))];
  return new AppError("SLOT_TAKEN", "That time has just been taken", { alternatives });
}

/**
 * Checks the wanted time against computed availability, for a clear answer before writing:
 * taken (with alternatives) or outside the salon's rules. Not the guard: two requests can both
 * pass this check; the exclusion constraint then lets only one of them commit.
 */
export async function assertBookable(
  deps: BookingDeps,
  input: CreateBookingInput,
  excludeBookingId?: string,
): Promise<void> {
  // Never relaxed, not even by allowOutsideHours: the horizon ahead, a few weeks back.
  await assertBookingTime(deps.db, input, deps.clock());
  const skills = await deps.db.staffService.count({
    where: { OR: input.items.map((i) => ({ staffId: i.staffId, serviceId: i.serviceId })) },
  });
  if (skills < new Set(input.items.map((i) => `${i.staffId}:${i.serviceId}`)).size) {
    throw new AppError("BAD_INPUT", "That stylist does not do this service");
  }
  if (input.allowOutsideHours) return;
  const location = await deps.db.location.findUnique({ where: { id: input.locationId }, select: { timeZone: true } });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const day = toLocal(input.startsAt, location.timeZone).date;
  const slots = await findSlots(deps.db, {
    locationId: input.locationId,
    items: input.items,
    fromDate: day,
    toDate: day,
    now: deps.clock(),
    ...(excludeBookingId ? { excludeBookingId } : {}),
  });
  if (slots.some((s) => s.start.getTime() === input.startsAt.getTime())) return;
  const ignoringBookings = await findSlots(deps.db, {
    locationId: input.locationId,
    items: input.items,
    fromDate: day,
    toDate: day,
    now: deps.clock(),
    busySource: { busy: async () => new Map() },
    ignoreBookings: true,
  });
  if (ignoringBookings.some((s) => s.start.getTime() === input.startsAt.getTime()))
    throw await slotTakenError(deps, input, excludeBookingId);
  const alternatives = await nearestAlternatives(deps.db, {
    locationId: input.locationId,
    items: input.items,
    around: input.startsAt,
    timeZone: location.timeZone,
    now: deps.clock(),
  });
  throw new AppError("NOT_BOOKABLE", "That time is outside opening or working hours, too soon, or too far ahead", {
    alternatives: alternatives.map(slotView),
  });
}

export async function createBooking(deps: BookingDeps, input: CreateBookingInput, actor: Actor): Promise<BookingView> {
  if (!input.items.length) throw new AppError("BAD_INPUT", "A booking needs at least one service");
  const key = input.idempotencyKey;
  const hash = requestHash({ ...input, idempotencyKey: undefined });
  if (key) {
    // A retry of a request that already succeeded: answer as the first time, check nothing.
    const prior = await replayed<{ bookingId: string }>(deps.db, "booking.create", key, hash);
    if (prior)
      return viewBooking(
        await deps.db.booking.findUniqueOrThrow({ where: { id: prior.bookingId }, include: bookingInclude }),
        deps.fc,
      );
  }
  await assertBookable(deps, input);
  try {
    const id = await deps.db.$transaction(async (tx) => {
      if (key) {
        const prior = await replayed<{ bookingId: string }>(tx, "booking.create", key, hash);
        if (prior) return prior.bookingId;
        await claim(tx, "booking.create", key, hash);
      }
      const bookingId = await insertBooking(tx, deps, input, actor);
      if (key) await remember(tx, "booking.create", key, { bookingId });
      const b = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, select: { locationId: true } });
      await appendChange(tx, { entityType: "booking", entityId: bookingId, op: "upsert", locationId: b.locationId });
      return bookingId;
    }, BOOKING_TX);
    return viewBooking(await deps.db.booking.findUniqueOrThrow({ where: { id }, include: bookingInclude }), deps.fc);
  } catch (e) {
    // Lost the race: refused by the overlap guard, or still colliding after the transaction's
    // retries (db/transaction.ts). Either way the same answer as any other loser.
    if (isDoubleBooking(e) || e instanceof ContentionError) throw await slotTakenError(deps, input);
    if (key && isDuplicateKey(e)) {
      // A concurrent twin with the same key won the race: answer with its booking.
      const prior = await replayed<{ bookingId: string }>(deps.db, "booking.create", key, hash);
      if (prior)
        return viewBooking(
          await deps.db.booking.findUniqueOrThrow({ where: { id: prior.bookingId }, include: bookingInclude }),
          deps.fc,
        );
    }
    throw e;
  }
}
