// Customers: personal data is encrypted at rest on the server; these are the decrypted views.
import { z } from "zod";
import { bookingStatus, isoInstant, language, pageInput, uuid } from "./common.ts";
import { line, rowVersion, text } from "./input.ts";
import { patchTestExport } from "./patch-tests.ts";
import { treatmentExport } from "./treatments.ts";

export const customerView = z.object({
  id: uuid,
  phone: z.string().nullable(),
  name: z.string().nullable(),
  notes: z.string().nullable(),
  language: z.string(),
  marketingConsent: z.boolean(),
  noShowCount: z.number().int(),
  erased: z.boolean(),
  version: z.number().int(),
});
export type CustomerViewDto = z.infer<typeof customerView>;

export const customerSummary = customerView.omit({ notes: true });

export const customerSearchInput = pageInput.extend({
  /** A phone number (exact match) or part of a name (accent- and case-insensitive). */
  query: line(100, { trim: true, min: 1, empty: "Type a name or a phone number" }),
});
export const customerSearchOutput = z.object({
  items: z.array(customerSummary),
  nextCursor: z.string().nullable(),
  /** How the query was understood. */
  matchedBy: z.enum(["phone", "name"]),
});

export const customerHistoryItem = z.object({
  serviceId: uuid,
  serviceNameEs: z.string(),
  serviceNameEn: z.string(),
  staffId: uuid,
  staffName: z.string(),
  priceCents: z.number().int(),
});
export const customerBooking = z.object({
  id: uuid,
  startsAt: isoInstant,
  /** Local date at the location, YYYY-MM-DD. */
  date: z.string(),
  status: bookingStatus,
  totalPriceCents: z.number().int(),
  currency: z.string(),
  items: z.array(customerHistoryItem),
});
export const customerGetInput = z.object({ customerId: uuid });
export const customerDetail = z.object({
  customer: customerView,
  bookings: z.array(customerBooking),
  noShowCount: z.number().int(),
});

const name = line(120, { trim: true, min: 1, empty: "Name cannot be empty", tooLong: "Name is too long" });
const notes = text(5000, { tooLong: "Notes are too long (max 5000 characters)" });

export const customerCreateInput = z.object({
  /** International format; normalised to E.164 on the server. */
  phone: line(40, { trim: true, min: 1, empty: "Phone is required" }),
  name,
  language: language.default("es"),
  marketingConsent: z.boolean().default(false),
  notes: notes.nullable().optional(),
});
export const customerUpdateInput = z.object({
  customerId: uuid,
  version: rowVersion,
  name: name.optional(),
  language: language.optional(),
  marketingConsent: z.boolean().optional(),
  notes: notes.nullable().optional(),
});

// ─────────────── Merge, export, erase (issue #8) ───────────────

export const customerMergeInput = z
  .object({
    /** The record that stays. */
    survivorId: uuid,
    /** The record folded into the survivor; afterwards it only routes its phone to the survivor. */
    duplicateId: uuid,
    /** The versions the caller saw, so a merge never overwrites an edit it did not see. */
    expectedVersions: z.object({ survivor: rowVersion, duplicate: rowVersion }),
  })
  .refine((v) => v.survivorId !== v.duplicateId, {
    message: "A customer cannot be merged into itself",
    path: ["duplicateId"],
  });
export const customerMergeOutput = z.object({
  customer: customerView,
  duplicateId: uuid,
  movedBookings: z.number().int(),
  movedConversations: z.number().int(),
});

export const customerExportInput = z.object({ customerId: uuid });

const exportAttachment = z.object({
  type: z.string(),
  mimeType: z.string().nullable(),
  bytes: z.number().int().nullable(),
  /** The stored file itself (images, voice notes up to 5 MB); null when not stored or too large. */
  dataBase64: z.string().nullable(),
});
const exportMessage = z.object({
  id: uuid,
  direction: z.enum(["inbound", "outbound"]),
  author: z.enum(["customer", "bot", "staff", "system"]),
  kind: z.string(),
  body: z.string().nullable(),
  attachments: z.array(exportAttachment),
  deliveryStatus: z.string(),
  sentAt: isoInstant,
});
const exportRefund = z.object({
  amountCents: z.number().int(),
  status: z.string(),
  reason: z.string(),
  createdAt: isoInstant,
});
const exportPayment = z.object({
  id: uuid,
  provider: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  status: z.string(),
  paidAt: isoInstant.nullable(),
  createdAt: isoInstant,
  refunds: z.array(exportRefund),
});
const exportBooking = z.object({
  id: uuid,
  location: z.string(),
  status: bookingStatus,
  source: z.string(),
  startsAt: isoInstant,
  endsAt: isoInstant,
  guestName: z.string().nullable(),
  notes: z.string().nullable(),
  totalPriceCents: z.number().int(),
  depositCents: z.number().int(),
  currency: z.string(),
  cancelledAt: isoInstant.nullable(),
  cancelledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  createdAt: isoInstant,
  items: z.array(
    z.object({
      serviceNameEs: z.string(),
      serviceNameEn: z.string(),
      staffName: z.string(),
      startsAt: isoInstant,
      endsAt: isoInstant,
      priceCents: z.number().int(),
    }),
  ),
  payments: z.array(exportPayment),
});
/** Everything Cita holds about one person (a data-subject access / portability request). */
export const customerExport = z.object({
  format: z.literal("cita.customer-export/v1"),
  exportedAt: isoInstant,
  customer: z.object({
    id: uuid,
    phone: z.string().nullable(),
    name: z.string().nullable(),
    notes: z.string().nullable(),
    language: z.string(),
    noShowCount: z.number().int(),
    erased: z.boolean(),
    erasedAt: isoInstant.nullable(),
    createdAt: isoInstant,
    updatedAt: isoInstant,
    /** Records merged into this one (other phone numbers the person wrote from). */
    mergedRecords: z.array(z.object({ id: uuid, phone: z.string().nullable() })),
  }),
  consent: z.object({ marketingConsent: z.boolean(), consentAt: isoInstant.nullable() }),
  bookings: z.array(exportBooking),
  conversations: z.array(
    z.object({
      id: uuid,
      channel: z.string(),
      mode: z.string(),
      createdAt: isoInstant,
      messages: z.array(exportMessage),
    }),
  ),
  /** Waitlist wishes (issue #20): what they asked for, in their words, and what was offered. */
  waitlist: z.array(
    z.object({
      id: uuid,
      location: z.string(),
      services: z.array(z.string()),
      stylist: z.string().nullable(),
      dateFrom: z.string(),
      dateTo: z.string(),
      dayParts: z.array(z.string()),
      expiresAt: isoInstant,
      status: z.string(),
      note: z.string().nullable(),
      createdAt: isoInstant,
      offers: z.array(z.object({ startsAt: isoInstant, status: z.string(), sentAt: isoInstant.nullable() })),
    }),
  ),
  /** Colour and treatment records (issue #21): formulas, notes and before/after photos. */
  treatments: z.array(treatmentExport),
  /** Skin-allergy (patch) tests (issue #21): when, product, result, notes. */
  patchTests: z.array(patchTestExport),
  audit: z.array(
    z.object({
      at: isoInstant,
      actorType: z.string(),
      actorId: z.string().nullable(),
      action: z.string(),
      entityType: z.string(),
      entityId: z.string(),
      data: z.unknown(),
    }),
  ),
});
export type CustomerExportDto = z.infer<typeof customerExport>;

export const customerEraseInput = z.object({
  customerId: uuid,
  /** Must be true: erasing cannot be undone. */
  confirm: z.literal(true, { error: "Confirm the erasure (confirm: true); it cannot be undone" }),
  /** The version the caller saw (optional: refused with CONFLICT when the customer changed since). */
  version: rowVersion.optional(),
});
export const customerEraseOutput = z.object({
  customerId: uuid,
  erasedAt: isoInstant,
  /** Bookings kept for the figures, with guest names, notes and reasons removed. */
  bookings: z.number().int(),
  conversations: z.number().int(),
  messages: z.number().int(),
  mediaFiles: z.number().int(),
  webhookEvents: z.number().int(),
  auditEntriesRedacted: z.number().int(),
  changeEntriesRedacted: z.number().int(),
  mergedRecords: z.number().int(),
});
