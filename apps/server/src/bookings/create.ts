// createBooking (the agent's "hold a slot" and the console's "book"): writes the booking, its items
// and the segments that block each stylist, its audit and change-log rows: one statement that is
// its own transaction (bookings/write.ts), or, with an idempotency key, that statement inside the
// transaction that claims the key. The exclusion constraint on
// booking_segment is the guard against double booking; the check against computed availability
// beforehand only produces a better message. Everything the check, the plan and a loser's
// alternatives need comes from one load (booking-context.ts); overlapping writes in this process
// queue behind each other and lose at once when the one ahead commits (claims.ts). Locks are taken
// in the one order of changes/change-log.ts: idempotency claim, then rows and segments, change
// log last.

import type { SlotView } from "../availability/find.ts";
import { bookedResources, loadAvailabilityInputs } from "../availability/load.ts";
import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";
import { inStoredTimeWindow, STORED_TIME_WINDOW } from "../db/constraints.ts";
import { ContentionError, runStatement } from "../db/transaction.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingSource, BookingStatus } from "../generated/prisma/enums.ts";
import { claim, isDuplicateKey, remember, replayed, requestHash } from "../idempotency/idempotency.ts";
import { addDays } from "../time/zoned.ts";
import {
  alternativesIn,
  assertTimeIn,
  type BookingContext,
  claimSegments,
  loadBookingContext,
  planIn,
  type WantedVisit,
  wantedTimeState,
} from "./booking-context.ts";
import { ClaimLost, type ClaimSegment, claimGateFor } from "./claims.ts";
import { doubleBookingGuard, isDoubleBooking } from "./conflict.ts";
import { setTimeHeld } from "./hold-state.ts";
import { assertPatchTest, type PatchTestRefusalDetails } from "./patch-test.ts";
import { type BookingPlan, initialStatus, planBooking } from "./plan.ts";
import { BOOKING_TX } from "./tx-options.ts";
import { type BookingView, bookingInclude, viewBooking } from "./view.ts";
import { type BookingRowInput, writeBooking } from "./write.ts";

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
  /** An occurrence of a repeating visit (bookings/series.ts): its series and number (1 = first). */
  series?: { id: string; index: number } | null;
  /**
   * Console staff only (issue #21): book although the visit needs a valid patch test the customer
   * lacks; the booking records who (patch_test_override_by_id) and its audit row says so.
   */
  overridePatchTest?: boolean;
}

export interface BookingDeps {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
}

const MIN = 60_000;

/** The database refuses bookings outside the stored window too (CHECK constraints); say so clearly. */
const storedWindowError = () =>
  new AppError(
    "BAD_INPUT",
    `Bookings must lie between ${STORED_TIME_WINDOW.from.toISOString().slice(0, 10)} and ${STORED_TIME_WINDOW.to.toISOString().slice(0, 10)}`,
  );

function assertStoredWindow(plan: BookingPlan): void {
  if (!inStoredTimeWindow(plan.startsAt, plan.endsAt) || !inStoredTimeWindow(plan.from, plan.to)) {
    throw storedWindowError();
  }
}

/** A start the database could never store (year 9999, NaN) is refused before anything is loaded. */
function assertStoredInstant(startsAt: Date): void {
  if (Number.isNaN(startsAt.getTime()) || !inStoredTimeWindow(startsAt, new Date(startsAt.getTime() + 1))) {
    throw storedWindowError();
  }
}

/** What a written booking carries over from another (a move keeps status, deposit, series and group). */
export interface BookingExtra {
  rescheduledFromId?: string;
  status?: BookingStatus;
  depositCents?: number;
  seriesId?: string | null;
  seriesIndex?: number | null;
  groupId?: string | null;
}

/** The booking row's own fields for a plan: status, hold, deposit, who and where. */
function bookingRow(
  deps: Omit<BookingDeps, "db">,
  input: CreateBookingInput,
  plan: BookingPlan,
  location: { holdMinutes: number; currency: string },
  now: Date,
  extra: BookingExtra,
): BookingRowInput {
  const depositCents = extra.depositCents ?? (input.waiveDeposit ? 0 : plan.deposit.amountCents);
  const status = extra.status ?? initialStatus(input.mode, depositCents);
  const holds = status === "held" || status === "pending_deposit";
  return {
    locationId: input.locationId,
    customerId: input.customerId,
    status,
    source: input.source,
    holdExpiresAt: holds ? new Date(now.getTime() + location.holdMinutes * MIN) : null,
    depositCents,
    currency: location.currency,
    guestNameCipher: input.guestName ? deps.fc.encrypt(input.guestName) : null,
    notes: input.notes ?? null,
    conversationId: input.conversationId ?? null,
    rescheduledFromId: extra.rescheduledFromId ?? null,
    seriesId: extra.seriesId ?? input.series?.id ?? null,
    seriesIndex: extra.seriesIndex ?? input.series?.index ?? null,
    groupId: extra.groupId ?? null,
  };
}

function bookingAudit(input: CreateBookingInput, plan: BookingPlan, row: BookingRowInput) {
  return {
    action: row.rescheduledFromId ? "booking.rescheduled_in" : "booking.created",
    data: {
      status: row.status,
      source: input.source,
      startsAt: plan.startsAt,
      items: input.items,
      depositCents: row.depositCents,
      depositRule: plan.deposit.rule,
      ...(row.rescheduledFromId ? { rescheduledFromId: row.rescheduledFromId } : {}),
    },
  };
}

/**
 * Holds whose time is up still have active segments until the expiry job runs. Expire the ones in
 * our way first, in this transaction, so they cannot block a real booking. Returns how many.
 */
export async function expireStaleHoldsOverlapping(
  tx: Tx,
  staffIds: string[],
  from: Date,
  to: Date,
  now: Date,
  actor: Actor,
  resourceIds: string[] = [],
): Promise<number> {
  const overlapping = { active: true, startsAt: { lt: to }, endsAt: { gt: from } };
  const stale = await tx.booking.findMany({
    where: {
      status: { in: ["held", "pending_deposit"] },
      holdExpiresAt: { lte: now },
      OR: [
        { segments: { some: { staffId: { in: staffIds }, ...overlapping } } },
        // Issue #21: a stale hold on a basin or station is in the way too.
        ...(resourceIds.length
          ? [{ resourceSegments: { some: { resourceId: { in: resourceIds }, ...overlapping } } }]
          : []),
      ],
    },
    select: { id: true, locationId: true, status: true },
    // One order for every writer expiring the same holds, so two of them cannot lock each other's.
    orderBy: { id: "asc" },
  });
  for (const b of stale) {
    await setTimeHeld(tx, b.id, false);
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
  return stale.length;
}

/**
 * Inserts a booking with items and segments inside an open transaction (reschedule's path, and
 * tests that go past every earlier check): reads the few rows it is planned from, expires stale
 * holds in its way, then writes it in one statement.
 */
export async function insertBooking(
  tx: Tx,
  deps: Omit<BookingDeps, "db">,
  input: CreateBookingInput,
  actor: Actor,
  extra: BookingExtra = {},
): Promise<string> {
  const now = deps.clock();
  assertStoredInstant(input.startsAt);
  // The same load availability and createBooking plan from, read inside this transaction: the
  // location, services, pinned stylists (based here or also working here) and the resources held.
  const day = input.startsAt.toISOString().slice(0, 10);
  const inputs = await loadAvailabilityInputs(tx, {
    locationId: input.locationId,
    items: input.items,
    onlyPinnedStaff: true,
    fromDate: addDays(day, -1),
    toDate: addDays(day, 1),
    now,
  });
  const location = inputs.location;
  const skills = inputs.staff.flatMap((s) =>
    [...s.skills].map(([serviceId, k]) => ({ ...k, staffId: s.id, serviceId })),
  );
  const plan = planBooking(input.startsAt, input.items, inputs.services, skills, bookedResources(inputs));
  assertStoredWindow(plan);
  if (plan.unheldKinds.length) throw resourceTakenError(plan);
  const staffIds = [...new Set(plan.items.map((p) => p.staffId))];
  const resourceIds = (inputs.query.resources ?? []).map((r) => r.id);
  await expireStaleHoldsOverlapping(tx, staffIds, plan.from, plan.to, now, actor, resourceIds);
  const row = bookingRow(deps, input, plan, location, now, extra);
  const { id } = await writeBooking(tx, plan, row, actor, bookingAudit(input, plan, row));
  // A moved booking that staff booked without a valid patch test stays so (issue #21).
  if (extra.rescheduledFromId) {
    await tx.$executeRaw`UPDATE booking n SET patch_test_override_by_id = o.patch_test_override_by_id
                           FROM booking o
                          WHERE n.id = ${id}::uuid AND o.id = ${extra.rescheduledFromId}::uuid
                            AND o.patch_test_override_by_id IS NOT NULL`;
  }
  return id;
}

/** Issue #21: every basin/station/room of a kind the visit needs is held at that time. */
function resourceTakenError(plan: BookingPlan, alternatives: SlotView[] = []): AppError {
  return new AppError("SLOT_TAKEN", `No free ${plan.unheldKinds.join(", ").replaceAll("_", " ")} at that time`, {
    alternatives,
    resources: plan.unheldKinds,
  });
}

/** The nearest alternatives to the wanted visit, on a load of every qualified stylist over the next days. */
async function alternativesFor(
  deps: BookingDeps,
  input: WantedVisit,
  excludeBookingId?: string,
  rival: ClaimSegment[] = [],
): Promise<SlotView[]> {
  const wide = await loadBookingContext(deps.db, input, deps.clock(), "alternatives", excludeBookingId);
  return alternativesIn(wide, input, rival);
}

/**
 * Issue #21: refuses a visit that needs a valid patch test the customer lacks (PATCH_TEST_REQUIRED),
 * unless console staff override it (or the booking being moved was booked so): then answers the
 * refusal's details, for the audit.
 */
async function patchTestCheck(
  deps: BookingDeps,
  input: CreateBookingInput,
  now: Date,
  excludeBookingId?: string,
): Promise<PatchTestRefusalDetails | null> {
  try {
    await assertPatchTest(deps.db, input, now);
    return null;
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "PATCH_TEST_REQUIRED") throw e;
    const moved = excludeBookingId
      ? await deps.db.booking.findUnique({ where: { id: excludeBookingId }, select: { patchTestOverrideById: true } })
      : null;
    if (!input.overridePatchTest && !moved?.patchTestOverrideById) throw e;
    return e.details?.patchTest as PatchTestRefusalDetails;
  }
}

/** Marks a booking made without a valid patch test with who overrode it, and audits it (issue #21). */
async function recordPatchTestOverride(
  tx: Tx,
  bookingId: string,
  locationId: string,
  refusal: PatchTestRefusalDetails,
  actor: Actor,
): Promise<void> {
  const by = actor.type === "staff" ? (actor.id ?? null) : null;
  if (by) await tx.booking.update({ where: { id: bookingId }, data: { patchTestOverrideById: by } });
  await appendAudit(tx, actor, {
    action: "booking.patch_test_overridden",
    entityType: "booking",
    entityId: bookingId,
    locationId,
    data: { reason: refusal.reason, serviceIds: refusal.serviceIds, overriddenBy: by },
  });
}

/** A checked plan, with the patch-test refusal staff overrode (issue #21), if any. */
type CheckedPlan = BookingPlan & { patchTestOverride: PatchTestRefusalDetails | null };

/** The wanted visit's checks on one load: time window, stylists, and (unless relaxed) the rules. */
async function checkOn(
  deps: BookingDeps,
  ctx: BookingContext,
  input: CreateBookingInput,
  now: Date,
  excludeBookingId?: string,
): Promise<CheckedPlan> {
  // Never relaxed, not even by allowOutsideHours: the horizon ahead, a few weeks back.
  assertTimeIn(ctx, input, now);
  const planned = planIn(ctx, input);
  assertStoredWindow(planned);
  // The load says whether any of the visit's services needs a patch test: most bookings skip the look-up.
  const needsTest = planned.items.some((p) => p.service.patchTestRequired !== false);
  const plan: CheckedPlan = {
    ...planned,
    patchTestOverride: needsTest ? await patchTestCheck(deps, input, now, excludeBookingId) : null,
  };
  // Hours may be relaxed by staff; a basin or station that is held cannot (issue #21).
  if (input.allowOutsideHours && plan.unheldKinds.length) {
    throw resourceTakenError(plan, await alternativesFor(deps, input, excludeBookingId));
  }
  if (input.allowOutsideHours) return plan;
  const state = wantedTimeState(ctx, input);
  if (state === "taken") {
    throw new AppError("SLOT_TAKEN", "That time has just been taken", {
      alternatives: await alternativesFor(deps, input, excludeBookingId),
    });
  }
  if (state === "outside") {
    throw new AppError("NOT_BOOKABLE", "That time is outside opening or working hours, too soon, or too far ahead", {
      alternatives: await alternativesFor(deps, input),
    });
  }
  if (plan.unheldKinds.length) throw resourceTakenError(plan, await alternativesFor(deps, input, excludeBookingId));
  return plan;
}

/** Maps the constraint's refusal to the typed conflict error, with the nearest alternatives on a fresh load. */
export async function slotTakenError(
  deps: BookingDeps,
  input: WantedVisit,
  excludeBookingId?: string,
  rival: ClaimSegment[] = [],
): Promise<AppError> {
  return new AppError("SLOT_TAKEN", "That time has just been taken", {
    alternatives: await alternativesFor(deps, input, excludeBookingId, rival),
  });
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
  const now = deps.clock();
  assertStoredInstant(input.startsAt);
  const ctx = await loadBookingContext(deps.db, input, now, "check", excludeBookingId);
  await checkOn(deps, ctx, input, now, excludeBookingId);
}

/** The new booking as callers see it, from what was just written (no reload). */
function viewOfNew(
  id: string,
  itemIds: string[],
  ctx: BookingContext,
  input: CreateBookingInput,
  plan: BookingPlan,
  row: BookingRowInput,
): BookingView {
  const staffName = (staffId: string) => ctx.inputs.staff.find((s) => s.id === staffId)?.displayName ?? "";
  return {
    id,
    locationId: row.locationId,
    customerId: row.customerId,
    guestName: input.guestName || null,
    status: row.status,
    source: row.source,
    startsAt: plan.startsAt.toISOString(),
    endsAt: plan.endsAt.toISOString(),
    holdExpiresAt: row.holdExpiresAt?.toISOString() ?? null,
    totalPriceCents: plan.totalPriceCents,
    depositCents: row.depositCents,
    depositPaidCents: 0,
    currency: row.currency,
    notes: row.notes,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    rescheduledFromId: row.rescheduledFromId,
    conversationId: row.conversationId,
    seriesId: row.seriesId ?? null,
    seriesIndex: row.seriesIndex ?? null,
    groupId: row.groupId ?? null,
    version: 1,
    items: plan.items.map((p, k) => ({
      id: itemIds[k]!,
      serviceId: p.service.id,
      serviceName: { es: p.service.nameEs, en: p.service.nameEn },
      staffId: p.staffId,
      staffName: staffName(p.staffId),
      startsAt: p.span.startsAt.toISOString(),
      endsAt: p.span.endsAt.toISOString(),
      durationMinutes: p.timing.durationMinutes,
      processingMinutes: p.timing.processingMinutes,
      finishingMinutes: p.timing.finishingMinutes,
      priceCents: p.priceCents,
    })),
  };
}

const reload = async (deps: BookingDeps, id: string) =>
  viewBooking(await deps.db.booking.findUniqueOrThrow({ where: { id }, include: bookingInclude }), deps.fc);

export async function createBooking(deps: BookingDeps, input: CreateBookingInput, actor: Actor): Promise<BookingView> {
  if (!input.items.length) throw new AppError("BAD_INPUT", "A booking needs at least one service");
  if (input.overridePatchTest && (actor.type !== "staff" || !actor.id)) {
    throw new AppError("FORBIDDEN", "Only salon staff can book without a valid patch test");
  }
  const key = input.idempotencyKey;
  const hash = requestHash({ ...input, idempotencyKey: undefined });
  if (key) {
    // A retry of a request that already succeeded: answer as the first time, check nothing.
    const prior = await replayed<{ bookingId: string }>(deps.db, "booking.create", key, hash);
    if (prior) return reload(deps, prior.bookingId);
  }
  const now = deps.clock();
  assertStoredInstant(input.startsAt);
  const ctx = await loadBookingContext(deps.db, input, now, "check");
  const plan = await checkOn(deps, ctx, input, now);
  const row = bookingRow(deps, input, plan, ctx.inputs.location, now, {});
  const audit = bookingAudit(input, plan, row);
  // Without an idempotency key the booking is one statement, a transaction of its own; with one,
  // the key is claimed first in a transaction around it (idempotency.ts explains the order).
  const write = async (): Promise<{ id: string; itemIds: string[]; replay: boolean }> => {
    const overridden = plan.patchTestOverride;
    if (!key && !overridden) {
      const written = await runStatement(deps.db, () =>
        writeBooking(deps.db, plan, row, actor, audit, { changeLog: true }),
      );
      return { ...written, replay: false };
    }
    return deps.db.$transaction(async (tx) => {
      if (key) {
        const prior = await replayed<{ bookingId: string }>(tx, "booking.create", key, hash);
        if (prior) return { id: prior.bookingId, itemIds: [], replay: true };
        await claim(tx, "booking.create", key, hash);
      }
      const written = await writeBooking(tx, plan, row, actor, audit);
      if (overridden) await recordPatchTestOverride(tx, written.id, row.locationId, overridden, actor);
      if (key) await remember(tx, "booking.create", key, { bookingId: written.id });
      await appendChange(tx, { entityType: "booking", entityId: written.id, op: "upsert", locationId: row.locationId });
      return { ...written, replay: false };
    }, BOOKING_TX);
  };
  const gate = claimGateFor(deps.db);
  const segments = claimSegments(plan);
  // Queued behind a write for the same time: likely to lose, so the alternatives' inputs load
  // meanwhile (shared by every waiter) instead of after the winner commits.
  const early = gate.contended(segments)
    ? loadBookingContext(deps.db, input, now, "alternatives").catch(() => null)
    : null;
  try {
    const written = await gate.run(segments, async () => {
      try {
        return await write();
      } catch (e) {
        // A hold past its time still holding its segments (the expiry job has not run yet): expire
        // the ones in the way and try once more. Rare, so the common path does not pay for the look.
        if (!isDoubleBooking(e)) throw e;
        const staffIds = [...new Set(plan.items.map((p) => p.staffId))];
        const resourceIds = [...new Set(plan.resourceSegments.map((r) => r.resourceId))];
        const expired = await deps.db.$transaction(
          (tx) => expireStaleHoldsOverlapping(tx, staffIds, plan.from, plan.to, deps.clock(), actor, resourceIds),
          BOOKING_TX,
        );
        if (doubleBookingGuard(e) === "resource") {
          // Another visit took that basin or station first: another of the kind may still be free.
          const fresh = planIn(await loadBookingContext(deps.db, input, deps.clock(), "check"), input);
          if (fresh.unheldKinds.length) throw e;
          plan.resourceSegments = fresh.resourceSegments;
          return await write();
        }
        if (!expired) throw e;
        return await write();
      }
    });
    if (written.replay) return reload(deps, written.id);
    return viewOfNew(written.id, written.itemIds, ctx, input, plan, row);
  } catch (e) {
    // Lost the race: to a write in this process that committed first (no transaction needed to
    // know), refused by the overlap guard, or still colliding after the transaction's retries
    // (db/transaction.ts). Each the same answer as any other loser, with the nearest alternatives.
    if (e instanceof ClaimLost) {
      // A twin with the same key may be the one that committed: answer with its booking.
      const prior = key ? await replayed<{ bookingId: string }>(deps.db, "booking.create", key, hash) : null;
      if (prior) return reload(deps, prior.bookingId);
      const loaded = await early;
      if (loaded) {
        throw new AppError("SLOT_TAKEN", "That time has just been taken", {
          alternatives: alternativesIn(loaded, input, e.winner),
        });
      }
      throw await slotTakenError(deps, input, undefined, e.winner);
    }
    if (isDoubleBooking(e) || e instanceof ContentionError) throw await slotTakenError(deps, input);
    if (key && isDuplicateKey(e)) {
      // A concurrent twin with the same key won the race: answer with its booking.
      const prior = await replayed<{ bookingId: string }>(deps.db, "booking.create", key, hash);
      if (prior) return reload(deps, prior.bookingId);
    }
    throw e;
  }
}
