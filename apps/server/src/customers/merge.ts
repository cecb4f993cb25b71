// Merging duplicate customers (the same person written in twice, or writing from a second number).
//
// What moves to the survivor, in one transaction:
//  * bookings (every location: a customer belongs to the business) and conversations. Two
//    conversations on the same channel are NOT merged into one: each is a thread on the provider's
//    side (its own WhatsApp number or Chatwoot conversation), so both are kept and re-pointed, and a
//    reply still goes to the number the person used in that thread;
//  * notes (the duplicate's appended after the survivor's), no-show counts (added), marketing
//    consent (a person who consented through either record has consented; consentAt is the latest),
//    language and name (the survivor's unless it has none).
// The duplicate stays as a row marked `merged_into_id` with its name and notes cleared. It keeps its
// phone's ciphertext and blind index only so that number keeps reaching the person (customer-store.ts
// follows merges); for every reader it is gone: the change log gets a tombstone (`op: "delete"`),
// which the offline replica sync turns into a delete. Erasing the survivor erases it too.

import { bumpVersion, recordWrite, type Scope } from "../audit/scope.ts";
import { appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Customer } from "../generated/prisma/client.ts";
import { logBookingsChanged } from "./booking-changes.ts";
import { type CustomerView, viewCustomer } from "./customer-store.ts";
import { nameFields } from "./name-index.ts";
import { movePatchTests } from "./patch-tests.ts";

export interface CustomerMerge {
  survivorId: string;
  duplicateId: string;
  expectedVersions: { survivor: number; duplicate: number };
}

export interface CustomerMergeResult {
  customer: CustomerView;
  duplicateId: string;
  movedBookings: number;
  movedConversations: number;
}

/** Locks both rows in id order (two merges of the same pair the other way round cannot deadlock). */
async function lockPair(tx: Tx, a: string, b: string): Promise<Map<string, Customer>> {
  const ids = [a, b].sort();
  await tx.$queryRaw`SELECT id FROM customer WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
  const rows = await tx.customer.findMany({ where: { id: { in: ids } } });
  return new Map(rows.map((r) => [r.id, r]));
}

function usable(c: Customer | undefined, label: string): Customer {
  if (!c) throw new AppError("NOT_FOUND", `The ${label} customer was not found`);
  if (c.erasedAt) throw new AppError("PRECONDITION_FAILED", `The ${label} customer's data has been erased`);
  if (c.mergedIntoId) {
    throw new AppError("PRECONDITION_FAILED", `The ${label} customer was already merged into another one`, {
      mergedIntoId: c.mergedIntoId,
    });
  }
  return c;
}

export async function mergeCustomers(scope: Scope, input: CustomerMerge): Promise<CustomerMergeResult> {
  if (input.survivorId === input.duplicateId) {
    throw new AppError("BAD_INPUT", "A customer cannot be merged into itself");
  }
  const fc = scope.fc;
  return scope.db.$transaction(async (tx: Tx) => {
    const rows = await lockPair(tx, input.survivorId, input.duplicateId);
    const survivor = usable(rows.get(input.survivorId), "surviving");
    const duplicate = usable(rows.get(input.duplicateId), "duplicate");
    for (const [c, expected, label] of [
      [survivor, input.expectedVersions.survivor, "The surviving customer"],
      [duplicate, input.expectedVersions.duplicate, "The duplicate customer"],
    ] as const) {
      if (c.version !== expected) {
        throw new AppError(
          "CONFLICT",
          `${label} was changed by someone else (you saw version ${expected}, it is now at version ${c.version}); reload and try again`,
          { customerId: c.id, currentVersion: c.version },
        );
      }
    }

    const survivorNotes = survivor.notesCipher ? fc.decrypt(survivor.notesCipher) : null;
    const duplicateNotes = duplicate.notesCipher ? fc.decrypt(duplicate.notesCipher) : null;
    const notes = [survivorNotes, duplicateNotes].filter((n): n is string => !!n?.trim()).join("\n\n") || null;
    const consent = survivor.marketingConsent || duplicate.marketingConsent;
    const consentDates = [survivor, duplicate]
      .filter((c) => c.marketingConsent && c.consentAt)
      .map((c) => c.consentAt!);
    const consentAt = consent ? (consentDates.sort((a, b) => b.getTime() - a.getTime())[0] ?? scope.clock()) : null;
    // The survivor's phone stays; one without a phone takes the duplicate's (and its blind index).
    const takePhone = !survivor.phoneHash && !!duplicate.phoneHash;
    const fields: string[] = ["bookings", "conversations"];
    if (duplicateNotes?.trim()) fields.push("notes");
    if (duplicate.noShowCount) fields.push("noShowCount");
    if (consent !== survivor.marketingConsent) fields.push("marketingConsent");
    if (!survivor.nameCipher && duplicate.nameCipher) fields.push("name");
    if (takePhone) fields.push("phone");

    // The duplicate first: its blind index must be free before the survivor can take it.
    await bumpVersion(
      "The duplicate customer",
      input.expectedVersions.duplicate,
      (v) =>
        tx.customer.updateMany({
          where: { id: duplicate.id, ...v },
          data: {
            mergedIntoId: survivor.id,
            // Its name and the name's search tokens: search no longer finds it.
            ...nameFields(fc, null),
            notesCipher: null,
            noShowCount: 0,
            marketingConsent: false,
            consentAt: null,
            ...(takePhone ? { phoneCipher: null, phoneHash: null } : {}),
            version: { increment: 1 },
          },
        }),
      () => tx.customer.findUnique({ where: { id: duplicate.id }, select: { version: true } }),
    );
    await bumpVersion(
      "The surviving customer",
      input.expectedVersions.survivor,
      (v) =>
        tx.customer.updateMany({
          where: { id: survivor.id, ...v },
          data: {
            ...(!survivor.nameCipher && duplicate.nameCipher ? nameFields(fc, fc.decrypt(duplicate.nameCipher)) : {}),
            notesCipher: notes ? fc.encrypt(notes) : null,
            language: survivor.language || duplicate.language,
            marketingConsent: consent,
            consentAt,
            noShowCount: survivor.noShowCount + duplicate.noShowCount,
            ...(takePhone ? { phoneCipher: duplicate.phoneCipher, phoneHash: duplicate.phoneHash } : {}),
            version: { increment: 1 },
          },
        }),
      () => tx.customer.findUnique({ where: { id: survivor.id }, select: { version: true } }),
    );
    // Records merged into the duplicate earlier now point straight at the survivor.
    const earlier = await tx.customer.updateMany({
      where: { mergedIntoId: duplicate.id },
      data: { mergedIntoId: survivor.id },
    });

    const bookings = await tx.booking.findMany({
      where: { customerId: duplicate.id },
      select: { id: true, locationId: true },
    });
    await tx.booking.updateMany({
      where: { customerId: duplicate.id },
      data: { customerId: survivor.id, version: { increment: 1 } },
    });
    // Calendar events carry the customer's first name: have the pusher rewrite them.
    await tx.calendarEvent.updateMany({
      where: { bookingId: { in: bookings.map((b) => b.id) }, wanted: true },
      data: { written: false },
    });
    const conversations = await tx.conversation.findMany({
      where: { customerId: duplicate.id },
      select: { id: true },
    });
    await tx.conversation.updateMany({
      where: { customerId: duplicate.id },
      data: { customerId: survivor.id, version: { increment: 1 } },
    });
    // Issue #20: waitlist wishes, repeating-visit series and groups organised follow the person.
    await tx.waitlistWish.updateMany({
      where: { customerId: duplicate.id },
      data: { customerId: survivor.id, version: { increment: 1 } },
    });
    await tx.bookingSeries.updateMany({ where: { customerId: duplicate.id }, data: { customerId: survivor.id } });
    // Issue #21: colour/treatment records (formulas, photos) follow the person too.
    await tx.treatmentRecord.updateMany({ where: { customerId: duplicate.id }, data: { customerId: survivor.id } });
    await movePatchTests(tx, duplicate.id, survivor.id);
    await tx.bookingGroup.updateMany({
      where: { organiserCustomerId: duplicate.id },
      data: { organiserCustomerId: survivor.id },
    });

    const after = await tx.customer.findUniqueOrThrow({ where: { id: survivor.id } });
    // No personal data in the logs: ids, counts and field names only.
    await recordWrite(tx, scope, {
      action: "customer.merge",
      entityType: "customer",
      entityId: survivor.id,
      audit: {
        survivorId: survivor.id,
        duplicateId: duplicate.id,
        fields,
        bookings: bookings.map((b) => b.id),
        conversations: conversations.map((c) => c.id),
        ...(earlier.count ? { earlierMerged: earlier.count } : {}),
      },
      change: { version: after.version, merged: duplicate.id },
    });
    await appendChange(tx, {
      entityType: "customer",
      entityId: duplicate.id,
      op: "delete",
      locationId: scope.locationId,
      data: { mergedInto: survivor.id },
    });
    await logBookingsChanged(
      tx,
      bookings.map((b) => b.id),
      "customer_merged",
    );
    for (const c of conversations) {
      await appendChange(tx, {
        entityType: "conversation",
        entityId: c.id,
        op: "upsert",
        data: { event: "customer_merged", customerId: survivor.id },
      });
    }
    return {
      customer: viewCustomer(fc, after),
      duplicateId: duplicate.id,
      movedBookings: bookings.length,
      movedConversations: conversations.length,
    };
  });
}
