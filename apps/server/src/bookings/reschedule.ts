// Moving a booking: the old one is cancelled ("rescheduled") and a new one linked to it is written
// in the same transaction, keeping status and deposit. Old segments are released first, so a
// booking can move onto part of its own time; if the new time is taken, nothing changes.

import type { Actor } from "../changes/change-log.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import { ContentionError } from "../db/transaction.ts";
import { AppError } from "../errors/app-error.ts";
import { claim, isDuplicateKey, remember, replayed, requestHash } from "../idempotency/idempotency.ts";
import { isDoubleBooking } from "./conflict.ts";
import { assertBookable, type BookingDeps, insertBooking, type NewBookingItem, slotTakenError } from "./create.ts";
import { setTimeHeld } from "./hold-state.ts";
import { isOpen } from "./state.ts";
import { BOOKING_TX } from "./tx-options.ts";
import { type BookingView, loadBooking, viewBooking } from "./view.ts";

export interface RescheduleInput {
  bookingId: string;
  startsAt: Date;
  /** New stylists/services per item; defaults to the booking's own. */
  items?: NewBookingItem[];
  locationId?: string;
  expectedVersion?: number;
  idempotencyKey?: string | null;
  allowOutsideHours?: boolean;
}

export async function rescheduleBooking(deps: BookingDeps, input: RescheduleInput, actor: Actor): Promise<BookingView> {
  const key = input.idempotencyKey;
  const hash = requestHash({ ...input, idempotencyKey: undefined });
  if (key) {
    // A retry of a move that already happened: answer as the first time.
    const prior = await replayed<{ bookingId: string }>(deps.db, "booking.reschedule", key, hash);
    if (prior) return viewBooking(await loadBooking(deps.db, prior.bookingId), deps.fc);
  }
  const old = await loadBooking(deps.db, input.bookingId, input.locationId);
  if (!isOpen(old.status) || old.status === "checked_in") {
    throw new AppError("ILLEGAL_TRANSITION", `A booking that is ${old.status.replace("_", " ")} cannot be moved`);
  }
  const items = input.items ?? old.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId }));
  const create = {
    locationId: old.locationId,
    customerId: old.customerId,
    startsAt: input.startsAt,
    items,
    source: old.source,
    mode: "book" as const,
    notes: old.notes,
    conversationId: old.conversationId,
    guestName: old.guestNameCipher ? deps.fc.decrypt(old.guestNameCipher) : null,
    allowOutsideHours: input.allowOutsideHours ?? false,
  };
  await assertBookable(deps, create, old.id);
  try {
    const newId = await deps.db.$transaction(async (tx) => {
      if (key) {
        const prior = await replayed<{ bookingId: string }>(tx, "booking.reschedule", key, hash);
        if (prior) return prior.bookingId;
        await claim(tx, "booking.reschedule", key, hash);
      }
      await tx.$queryRaw`SELECT id FROM booking WHERE id = ${old.id}::uuid FOR UPDATE`;
      const current = await loadBooking(tx, old.id);
      if (current.version !== (input.expectedVersion ?? old.version) || !isOpen(current.status)) {
        throw new AppError("CONFLICT", "This booking was changed by someone else; reload it", {
          version: current.version,
        });
      }
      await setTimeHeld(tx, old.id, false);
      await tx.booking.update({
        where: { id: old.id },
        data: {
          status: "cancelled",
          cancelledAt: deps.clock(),
          cancelledBy:
            actor.type === "staff" ? "staff" : actor.type === "job" || actor.type === "system" ? "system" : "customer",
          cancelReason: "rescheduled",
          version: { increment: 1 },
        },
      });
      // A series' occurrence number moves to the new booking (one booking per number).
      if (current.seriesId) {
        await tx.booking.update({ where: { id: old.id }, data: { seriesId: null, seriesIndex: null } });
      }
      const newId = await insertBooking(tx, deps, create, actor, {
        rescheduledFromId: old.id,
        // Keep where the booking was in its lifecycle, and the deposit it asked for (paid or not).
        status: current.status,
        depositCents: current.depositCents,
        seriesId: current.seriesId,
        seriesIndex: current.seriesIndex,
        groupId: current.groupId,
      });
      // The paid deposit travels with the visit.
      await tx.payment.updateMany({ where: { bookingId: old.id }, data: { bookingId: newId } });
      await appendAudit(tx, actor, {
        action: "booking.rescheduled",
        entityType: "booking",
        entityId: old.id,
        locationId: old.locationId,
        data: { to: newId, from: old.startsAt, newStart: input.startsAt },
      });
      if (key) await remember(tx, "booking.reschedule", key, { bookingId: newId });
      await appendChange(tx, { entityType: "booking", entityId: old.id, op: "upsert", locationId: old.locationId });
      await appendChange(tx, { entityType: "booking", entityId: newId, op: "upsert", locationId: old.locationId });
      return newId;
    }, BOOKING_TX);
    return viewBooking(await loadBooking(deps.db, newId), deps.fc);
  } catch (e) {
    if (isDoubleBooking(e) || e instanceof ContentionError) throw await slotTakenError(deps, create, old.id);
    if (key && isDuplicateKey(e)) {
      const prior = await replayed<{ bookingId: string }>(deps.db, "booking.reschedule", key, hash);
      if (prior) return viewBooking(await loadBooking(deps.db, prior.bookingId), deps.fc);
    }
    throw e;
  }
}
