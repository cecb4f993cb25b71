// Colour and treatment records (issue #21): after a visit the stylist writes down the formula
// (products with their amounts, developer, proportions, processing time) and notes. They show on the
// customer's profile and in the booking drawer of the next visit, and guided mode's "lo de siempre"
// prefers the last visit that has one (agent/guided/usual-visit.ts).
//
// Personal data: the formula (as JSON) and the notes are AES-256-GCM ciphertexts like a customer's
// notes; photos are encrypted files (treatment-photos.ts). Export lists them, erase deletes them
// (rows and files), merge moves them to the surviving record. The audit and change-log rows hold
// ids and counts only. Change rows are about the customer (entity "customer"), so a console showing
// that customer re-reads it.
import type { TreatmentFormula, TreatmentView } from "@cita/shared";
import { bumpVersion, recordWrite, type Scope } from "../audit/scope.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";
import { followMerges } from "./customer-store.ts";

/** A visit a formula can be recorded on: it has begun (or is over) and was not called off. */
const RECORDABLE: BookingStatus[] = ["confirmed", "checked_in", "completed"];

export interface TreatmentRecordInput {
  customerId: string;
  bookingId?: string | null;
  formula: TreatmentFormula;
  notes?: string | null;
}

export interface TreatmentUpdateInput {
  recordId: string;
  version: number;
  formula?: TreatmentFormula;
  notes?: string | null;
}

type StoredFormula = TreatmentView["formula"];

/** The formula as stored: every optional field present (null), text trimmed. */
export function normaliseFormula(f: TreatmentFormula): StoredFormula {
  return {
    products: f.products.map((p) => ({
      brand: p.brand?.trim() || null,
      shade: p.shade.trim(),
      amount: p.amount,
      unit: p.unit,
    })),
    developer: f.developer
      ? { volume: f.developer.volume.trim(), amount: f.developer.amount, unit: f.developer.unit }
      : null,
    proportions: f.proportions?.trim() || null,
    processingMinutes: f.processingMinutes ?? null,
  };
}

export function decryptFormula(fc: FieldCrypto, cipher: Uint8Array): StoredFormula {
  return JSON.parse(fc.decrypt(cipher)) as StoredFormula;
}

const cleanNotes = (n: string | null | undefined) => (n?.trim() ? n.trim() : null);

const recordInclude = {
  staff: { select: { displayName: true } },
  photos: { orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }] },
  booking: {
    select: {
      startsAt: true,
      items: {
        orderBy: { position: "asc" as const },
        select: { service: { select: { nameEs: true, nameEn: true } } },
      },
    },
  },
};

type RecordRow = NonNullable<Awaited<ReturnType<typeof loadRecord>>>;

function loadRecord(db: Db | Tx, id: string) {
  return db.treatmentRecord.findUnique({ where: { id }, include: recordInclude });
}

export function viewTreatment(fc: FieldCrypto, r: RecordRow): TreatmentView {
  return {
    id: r.id,
    customerId: r.customerId,
    bookingId: r.bookingId,
    visit: r.booking
      ? {
          startsAt: r.booking.startsAt.toISOString(),
          services: r.booking.items.map((i) => ({ nameEs: i.service.nameEs, nameEn: i.service.nameEn })),
        }
      : null,
    staffId: r.staffId,
    staffName: r.staff?.displayName ?? null,
    formula: decryptFormula(fc, r.formulaCipher),
    notes: r.notesCipher ? fc.decrypt(r.notesCipher) : null,
    photos: r.photos.map((p) => ({
      id: p.id,
      kind: p.kind,
      mimeType: p.mimeType,
      bytes: p.bytes,
      createdAt: p.createdAt.toISOString(),
    })),
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The customer a record may be written for: exists, not erased, not merged away. */
async function writableCustomer(tx: Tx, customerId: string) {
  const c = await tx.customer.findUnique({
    where: { id: customerId },
    select: { id: true, erasedAt: true, mergedIntoId: true },
  });
  if (!c) throw new AppError("NOT_FOUND", "Customer not found");
  if (c.erasedAt) throw new AppError("PRECONDITION_FAILED", "This customer's data has been erased");
  if (c.mergedIntoId) {
    throw new AppError("PRECONDITION_FAILED", "This customer was merged into another one: use that one", {
      mergedIntoId: c.mergedIntoId,
    });
  }
  return c;
}

/** A record as the caller may see it: any location's stylist wrote it, but its customer must be live. */
async function recordFor(tx: Db | Tx, recordId: string): Promise<RecordRow> {
  const r = await loadRecord(tx, recordId);
  if (!r) throw new AppError("NOT_FOUND", "Treatment record not found");
  return r;
}

/** Records a formula (and notes) for a customer, on one of their visits that has begun, or without one. */
export async function recordTreatment(scope: Scope, input: TreatmentRecordInput): Promise<TreatmentView> {
  const formula = normaliseFormula(input.formula);
  const notes = cleanNotes(input.notes);
  return scope.db.$transaction(async (tx: Tx) => {
    await writableCustomer(tx, input.customerId);
    let staffId: string | null = scope.actor.type === "staff" ? (scope.actor.id ?? null) : null;
    if (input.bookingId) {
      const b = await tx.booking.findFirst({
        where: { id: input.bookingId, locationId: scope.locationId },
        select: {
          customerId: true,
          status: true,
          startsAt: true,
          items: { orderBy: { position: "asc" }, select: { staffId: true } },
        },
      });
      if (!b) throw new AppError("NOT_FOUND", "Booking not found");
      if (b.customerId !== input.customerId) {
        throw new AppError("BAD_INPUT", "bookingId: this booking is another customer's");
      }
      if (!RECORDABLE.includes(b.status) || b.startsAt > scope.clock()) {
        throw new AppError(
          "PRECONDITION_FAILED",
          "A formula can be recorded once the visit has begun (not on a future, cancelled or missed booking)",
        );
      }
      // The stylist who did the visit (the first service's), not whoever typed it in at the desk.
      staffId = b.items[0]?.staffId ?? staffId;
    }
    if (staffId) {
      const s = await tx.staffMember.findUnique({ where: { id: staffId }, select: { id: true } });
      if (!s) staffId = null;
    }
    const row = await tx.treatmentRecord.create({
      data: {
        customerId: input.customerId,
        bookingId: input.bookingId ?? null,
        staffId,
        formulaCipher: scope.fc.encrypt(JSON.stringify(formula)),
        notesCipher: notes ? scope.fc.encrypt(notes) : null,
      },
    });
    await recordWrite(tx, scope, {
      action: "treatment.record",
      entityType: "customer",
      entityId: input.customerId,
      // No personal data: ids and counts only.
      audit: {
        recordId: row.id,
        bookingId: row.bookingId,
        products: formula.products.length,
        developer: formula.developer !== null,
        notes: notes ? "set" : "none",
      },
      change: { event: "treatment_recorded", recordId: row.id },
    });
    return viewTreatment(scope.fc, (await loadRecord(tx, row.id))!);
  });
}

/** Edits a record's formula and/or notes (optimistic: the version the editor saw). */
export async function updateTreatment(scope: Scope, input: TreatmentUpdateInput): Promise<TreatmentView> {
  return scope.db.$transaction(async (tx: Tx) => {
    const current = await recordFor(tx, input.recordId);
    await writableCustomer(tx, current.customerId);
    const data: Record<string, unknown> = {};
    const fields: string[] = [];
    if (input.formula !== undefined) {
      data.formulaCipher = scope.fc.encrypt(JSON.stringify(normaliseFormula(input.formula)));
      fields.push("formula");
    }
    if (input.notes !== undefined) {
      const notes = cleanNotes(input.notes);
      data.notesCipher = notes ? scope.fc.encrypt(notes) : null;
      fields.push("notes");
    }
    await bumpVersion(
      "The treatment record",
      input.version,
      (v) =>
        tx.treatmentRecord.updateMany({
          where: { id: input.recordId, ...v },
          data: { ...data, version: { increment: 1 } },
        }),
      () => tx.treatmentRecord.findUnique({ where: { id: input.recordId }, select: { version: true } }),
    );
    const after = (await loadRecord(tx, input.recordId))!;
    await recordWrite(tx, scope, {
      action: "treatment.update",
      entityType: "customer",
      entityId: after.customerId,
      audit: { recordId: after.id, fields, version: after.version },
      change: { event: "treatment_updated", recordId: after.id },
    });
    return viewTreatment(scope.fc, after);
  });
}

/**
 * Deletes a record and its photo rows; returns the photo files to remove once committed (the caller,
 * treatment-photos.ts's deleteTreatmentWithPhotos, removes them).
 */
export async function deleteTreatmentRows(
  scope: Scope,
  input: { recordId: string; version: number },
): Promise<{ customerId: string; storageKeys: string[] }> {
  return scope.db.$transaction(async (tx: Tx) => {
    const current = await recordFor(tx, input.recordId);
    if (current.version !== input.version) {
      throw new AppError(
        "CONFLICT",
        `The treatment record was changed by someone else (you saw version ${input.version}, it is now at version ${current.version}); reload and try again`,
        { currentVersion: current.version },
      );
    }
    const { count } = await tx.treatmentRecord.deleteMany({ where: { id: input.recordId, version: input.version } });
    if (count !== 1) throw new AppError("CONFLICT", "The treatment record was changed by someone else; reload");
    await recordWrite(tx, scope, {
      action: "treatment.delete",
      entityType: "customer",
      entityId: current.customerId,
      audit: { recordId: current.id, photos: current.photos.length },
      change: { event: "treatment_deleted", recordId: current.id },
    });
    return { customerId: current.customerId, storageKeys: current.photos.map((p) => p.storageKey) };
  });
}

/** A customer's records, newest first (a merged-away id answers with the survivor's). */
export async function listTreatments(scope: Scope, customerId: string): Promise<{ items: TreatmentView[] }> {
  const id = await liveCustomerId(scope.db, customerId);
  const rows = await scope.db.treatmentRecord.findMany({
    where: { customerId: id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: recordInclude,
    take: 200,
  });
  return { items: rows.map((r) => viewTreatment(scope.fc, r)) };
}

/** The customer's most recent record (the booking drawer's "Last formula"), or null. */
export async function latestForCustomer(scope: Scope, customerId: string): Promise<{ record: TreatmentView | null }> {
  const id = await liveCustomerId(scope.db, customerId);
  const row = await scope.db.treatmentRecord.findFirst({
    where: { customerId: id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: recordInclude,
  });
  return { record: row ? viewTreatment(scope.fc, row) : null };
}

async function liveCustomerId(db: Db, customerId: string): Promise<string> {
  const found = await db.customer.findUnique({ where: { id: customerId } });
  if (!found) throw new AppError("NOT_FOUND", "Customer not found");
  return (await followMerges(db, found)).id;
}

/**
 * The bookings (among `bookingIds`) that have a treatment record: guided mode's "lo de siempre"
 * prefers the last visit whose formula was written down.
 */
export async function bookingsWithTreatment(
  db: Db | Tx,
  customerId: string,
  bookingIds: string[],
): Promise<Set<string>> {
  if (!bookingIds.length) return new Set();
  const rows = await db.treatmentRecord.findMany({
    where: { customerId, bookingId: { in: bookingIds } },
    select: { bookingId: true },
  });
  return new Set(rows.flatMap((r) => (r.bookingId ? [r.bookingId] : [])));
}
