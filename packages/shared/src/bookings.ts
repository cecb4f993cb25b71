import { z } from "zod";
import { bookingSource, bookingStatus, isoInstant, localDate, uuid } from "./common.ts";

export const visitItemInput = z.object({ serviceId: uuid, staffId: uuid });
export const visitRequestItem = z.object({ serviceId: uuid, staffId: uuid.nullable() });

export const availabilityInput = z
  .object({
    items: z.array(visitRequestItem).min(1).max(4),
    fromDate: localDate,
    toDate: localDate,
    limit: z.number().int().min(1).max(2000).optional(),
  })
  .refine((v) => v.fromDate <= v.toDate, { message: "fromDate must not be after toDate", path: ["toDate"] });

export const slotOutput = z.object({
  id: z.string(),
  start: z.string(),
  end: z.string(),
  localDate: z.string(),
  localTime: z.string(),
  weekday: z.number(),
  priceCents: z.number(),
  items: z.array(
    z.object({
      serviceId: z.string(),
      staffId: z.string(),
      start: z.string(),
      end: z.string(),
      priceCents: z.number(),
    }),
  ),
});

export const bookingOutput = z.object({
  id: z.string(),
  locationId: z.string(),
  customerId: z.string(),
  guestName: z.string().nullable(),
  status: bookingStatus,
  source: bookingSource,
  startsAt: z.string(),
  endsAt: z.string(),
  holdExpiresAt: z.string().nullable(),
  totalPriceCents: z.number(),
  depositCents: z.number(),
  depositPaidCents: z.number(),
  currency: z.string(),
  notes: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  cancelledBy: z.enum(["customer", "staff", "system"]).nullable(),
  cancelReason: z.string().nullable(),
  rescheduledFromId: z.string().nullable(),
  conversationId: z.string().nullable(),
  version: z.number(),
  items: z.array(
    z.object({
      id: z.string(),
      serviceId: z.string(),
      serviceName: z.object({ es: z.string(), en: z.string() }),
      staffId: z.string(),
      staffName: z.string(),
      startsAt: z.string(),
      endsAt: z.string(),
      durationMinutes: z.number(),
      processingMinutes: z.number(),
      finishingMinutes: z.number(),
      priceCents: z.number(),
    }),
  ),
});
export type BookingOutput = z.infer<typeof bookingOutput>;

const idempotencyKey = z.string().min(8).max(200).optional();

export const createBookingInput = z.object({
  customerId: uuid,
  startsAt: isoInstant,
  items: z.array(visitItemInput).min(1).max(4),
  mode: z.enum(["book", "hold"]).default("book"),
  waiveDeposit: z.boolean().optional(),
  allowOutsideHours: z.boolean().optional(),
  guestName: z.string().trim().min(1).max(120).optional(),
  notes: z.string().max(2000).optional(),
  idempotencyKey,
});

export const bookingIdInput = z.object({ id: uuid, expectedVersion: z.number().int().positive().optional() });

export const rescheduleInput = z.object({
  id: uuid,
  startsAt: isoInstant,
  items: z.array(visitItemInput).min(1).max(4).optional(),
  expectedVersion: z.number().int().positive().optional(),
  allowOutsideHours: z.boolean().optional(),
  idempotencyKey,
});

export const cancelInput = z.object({
  id: uuid,
  by: z.enum(["customer", "staff"]),
  reason: z.string().trim().min(1).max(500),
  staffWaiver: z.boolean().optional(),
  expectedVersion: z.number().int().positive().optional(),
});

export const moneyDecisionOutput = z.object({
  rule: z.string(),
  refundCents: z.number(),
  keptCents: z.number(),
  explanation: z.object({ es: z.string(), en: z.string() }),
});

export const notesInput = z.object({
  id: uuid,
  notes: z.string().max(2000),
  expectedVersion: z.number().int().positive().optional(),
});

export const bookingSearchInput = z.object({
  fromDate: localDate.optional(),
  toDate: localDate.optional(),
  staffId: uuid.optional(),
  customerId: uuid.optional(),
  status: z.array(bookingStatus).optional(),
  source: z.array(bookingSource).optional(),
  cursor: z.string().max(200).nullish(),
  limit: z.number().int().min(1).max(500).default(100),
});

export const bookingPageOutput = z.object({ items: z.array(bookingOutput), nextCursor: z.string().nullable() });
