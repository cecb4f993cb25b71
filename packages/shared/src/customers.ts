// Customers: personal data is encrypted at rest on the server; these are the decrypted views.
import { z } from "zod";
import { bookingStatus, isoInstant, language, pageInput, uuid } from "./common.ts";

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
  query: z.string().trim().min(1, "Type a name or a phone number").max(100),
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

const name = z.string().trim().min(1, "Name cannot be empty").max(120, "Name is too long");
const notes = z.string().max(5000, "Notes are too long (max 5000 characters)");

export const customerCreateInput = z.object({
  /** International format; normalised to E.164 on the server. */
  phone: z.string().trim().min(1, "Phone is required").max(40),
  name,
  language: language.default("es"),
  marketingConsent: z.boolean().default(false),
  notes: notes.nullable().optional(),
});
export const customerUpdateInput = z.object({
  customerId: uuid,
  version: z.number().int().min(1),
  name: name.optional(),
  language: language.optional(),
  marketingConsent: z.boolean().optional(),
  notes: notes.nullable().optional(),
});
