// A customer's data, all of it, as one JSON document (a data-subject access or portability request):
// the profile decrypted, consent, bookings at every location with items and payments, conversations
// with every message (and the stored images / voice notes), waitlist wishes (their words decrypted)
// with the offers made, and the audit entries about them.
// The export itself is audited ("customer.export", counts only): who took a copy of whose data.
import { readFile, stat } from "node:fs/promises";
import type { CustomerExportDto } from "@cita/shared";
import type { Scope } from "../audit/scope.ts";
import { appendAudit } from "../changes/change-log.ts";
import { AppError } from "../errors/app-error.ts";
import { exportPatchTests } from "./patch-tests.ts";
import { attachmentsOf, auditAbout, insideDir, type MediaOptions, treatmentsDirFor } from "./personal-data.ts";
import { exportTreatments } from "./treatment-photos.ts";

/** Stored media above this size are listed without their bytes. */
export const EXPORT_MEDIA_MAX_BYTES = 5 * 1024 * 1024;

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

async function mediaBase64(path: string | null | undefined, media: MediaOptions): Promise<string | null> {
  if (!path || !media.mediaDir || !insideDir(media.mediaDir, path)) return null;
  try {
    if ((await stat(path)).size > EXPORT_MEDIA_MAX_BYTES) return null;
    return (await readFile(path)).toString("base64");
  } catch {
    return null; // not stored (yet), or removed
  }
}

export async function exportCustomer(
  scope: Scope,
  customerId: string,
  media: MediaOptions = {},
): Promise<CustomerExportDto> {
  const fc = scope.fc;
  const db = scope.db;
  const c = await db.customer.findUnique({ where: { id: customerId } });
  if (!c) throw new AppError("NOT_FOUND", "Customer not found");
  if (c.mergedIntoId) {
    throw new AppError("PRECONDITION_FAILED", "This customer was merged into another one: export that one", {
      mergedIntoId: c.mergedIntoId,
    });
  }
  const merged = await db.customer.findMany({ where: { mergedIntoId: c.id }, orderBy: { createdAt: "asc" } });
  const ids = [c.id, ...merged.map((m) => m.id)];
  const bookings = await db.booking.findMany({
    where: { customerId: { in: ids } },
    orderBy: { startsAt: "asc" },
    include: {
      location: { select: { name: true } },
      items: {
        orderBy: { position: "asc" },
        include: { service: { select: { nameEs: true, nameEn: true } }, staff: { select: { displayName: true } } },
      },
      payments: { orderBy: { createdAt: "asc" }, include: { refunds: { orderBy: { createdAt: "asc" } } } },
    },
  });
  const conversations = await db.conversation.findMany({
    where: { customerId: { in: ids } },
    orderBy: { createdAt: "asc" },
    include: { messages: { orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }] } },
  });
  const wishes = await db.waitlistWish.findMany({
    where: { customerId: { in: ids } },
    orderBy: { createdAt: "asc" },
    include: {
      location: { select: { name: true } },
      staff: { select: { displayName: true } },
      services: { orderBy: { position: "asc" }, include: { service: { select: { nameEs: true } } } },
      offers: { orderBy: { createdAt: "asc" } },
    },
  });
  const audit = await auditAbout(db, {
    customerIds: ids,
    bookingIds: bookings.map((b) => b.id),
    conversationIds: conversations.map((x) => x.id),
    paymentIds: bookings.flatMap((b) => b.payments.map((p) => p.id)),
  });

  const doc: CustomerExportDto = {
    format: "cita.customer-export/v1",
    exportedAt: iso(scope.clock()),
    customer: {
      id: c.id,
      phone: c.phoneCipher ? fc.decrypt(c.phoneCipher) : null,
      name: c.nameCipher ? fc.decrypt(c.nameCipher) : null,
      notes: c.notesCipher ? fc.decrypt(c.notesCipher) : null,
      language: c.language,
      noShowCount: c.noShowCount,
      erased: c.erasedAt !== null,
      erasedAt: isoOrNull(c.erasedAt),
      createdAt: iso(c.createdAt),
      updatedAt: iso(c.updatedAt),
      mergedRecords: merged.map((m) => ({ id: m.id, phone: m.phoneCipher ? fc.decrypt(m.phoneCipher) : null })),
    },
    consent: { marketingConsent: c.marketingConsent, consentAt: isoOrNull(c.consentAt) },
    bookings: bookings.map((b) => ({
      id: b.id,
      location: b.location.name,
      status: b.status,
      source: b.source,
      startsAt: iso(b.startsAt),
      endsAt: iso(b.endsAt),
      guestName: b.guestNameCipher ? fc.decrypt(b.guestNameCipher) : null,
      notes: b.notes,
      totalPriceCents: b.totalPriceCents,
      depositCents: b.depositCents,
      currency: b.currency,
      cancelledAt: isoOrNull(b.cancelledAt),
      cancelledBy: b.cancelledBy,
      cancelReason: b.cancelReason,
      createdAt: iso(b.createdAt),
      items: b.items.map((i) => ({
        serviceNameEs: i.service.nameEs,
        serviceNameEn: i.service.nameEn,
        staffName: i.staff.displayName,
        startsAt: iso(i.startsAt),
        endsAt: iso(i.endsAt),
        priceCents: i.priceCents,
      })),
      payments: b.payments.map((p) => ({
        id: p.id,
        provider: p.provider,
        amountCents: p.amountCents,
        currency: p.currency,
        status: p.status,
        paidAt: isoOrNull(p.paidAt),
        createdAt: iso(p.createdAt),
        refunds: p.refunds.map((r) => ({
          amountCents: r.amountCents,
          status: r.status,
          reason: r.reason,
          createdAt: iso(r.createdAt),
        })),
      })),
    })),
    conversations: await Promise.all(
      conversations.map(async (x) => ({
        id: x.id,
        channel: x.channel,
        mode: x.mode,
        createdAt: iso(x.createdAt),
        messages: await Promise.all(
          x.messages.map(async (m) => ({
            id: m.id,
            direction: m.direction,
            author: m.author,
            kind: m.kind,
            body: m.body,
            attachments: await Promise.all(
              attachmentsOf(m.attachments).map(async (a) => ({
                type: a.type,
                mimeType: a.mimeType ?? null,
                bytes: a.bytes ?? null,
                dataBase64: await mediaBase64(a.storedPath, media),
              })),
            ),
            deliveryStatus: m.deliveryStatus,
            sentAt: iso(m.sentAt),
          })),
        ),
      })),
    ),
    waitlist: wishes.map((w) => ({
      id: w.id,
      location: w.location.name,
      services: w.services.map((s) => s.service.nameEs),
      stylist: w.staff?.displayName ?? null,
      dateFrom: iso(w.dateFrom).slice(0, 10),
      dateTo: iso(w.dateTo).slice(0, 10),
      dayParts: w.dayParts,
      expiresAt: iso(w.expiresAt),
      status: w.status,
      note: w.noteCipher ? fc.decrypt(w.noteCipher) : null,
      createdAt: iso(w.createdAt),
      offers: w.offers.map((o) => ({ startsAt: iso(o.startsAt), status: o.status, sentAt: isoOrNull(o.sentAt) })),
    })),
    treatments: await exportTreatments(fc, db, ids, treatmentsDirFor(media)),
    patchTests: await exportPatchTests(fc, db, ids),
    audit: audit.map((a) => ({
      at: iso(a.at),
      actorType: a.actorType,
      actorId: a.actorId,
      action: a.action,
      entityType: a.entityType,
      entityId: a.entityId,
      data: a.data ?? null,
    })),
  };

  await scope.db.$transaction((tx) =>
    appendAudit(tx, scope.actor, {
      action: "customer.export",
      entityType: "customer",
      entityId: c.id,
      locationId: scope.locationId,
      // Counts only: the export's content is personal data.
      data: {
        bookings: doc.bookings.length,
        conversations: doc.conversations.length,
        messages: doc.conversations.reduce((n, x) => n + x.messages.length, 0),
        auditEntries: doc.audit.length,
      },
    }),
  );
  return doc;
}
