import { z } from "zod";
import { BOOKING_STATUSES, bookingSource, bookingStatus, localDate, uuid } from "./common.ts";
import {
  dateRange,
  idempotencyKey as idempotencyKeyField,
  instant,
  int,
  line,
  list,
  pageCursor,
  rowVersion,
  text,
} from "./input.ts";

export const visitItemInput = z.object({ serviceId: uuid, staffId: uuid });
export const visitRequestItem = z.object({ serviceId: uuid, staffId: uuid.nullable() });

/** At most this many services in one visit. */
export const MAX_VISIT_ITEMS = 4;

export const availabilityInput = z
  .object({
    items: list(visitRequestItem, MAX_VISIT_ITEMS, 1),
    fromDate: localDate,
    toDate: localDate,
    limit: int(1, 2000).optional(),
  })
  .superRefine(dateRange({ from: "fromDate", to: "toDate", order: "fromDate must not be after toDate" }));

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
  /** Repeating visit: its series and occurrence number; group visit: its group (issue #20). */
  seriesId: z.string().nullable(),
  seriesIndex: z.number().nullable(),
  groupId: z.string().nullable(),
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

const idempotencyKey = idempotencyKeyField.optional();
const expectedVersion = rowVersion.optional();

export const createBookingInput = z.object({
  customerId: uuid,
  /** Within the location's booking horizon, and at most a few weeks back (bookings/time-window.ts). */
  startsAt: instant,
  items: list(visitItemInput, MAX_VISIT_ITEMS, 1),
  mode: z.enum(["book", "hold"]).default("book"),
  waiveDeposit: z.boolean().optional(),
  /** Relaxes opening and working hours and the notice; never the time window. */
  allowOutsideHours: z.boolean().optional(),
  guestName: line(120, { trim: true, min: 1 }).optional(),
  notes: text(2000).optional(),
  /** Staff only (issue #21): book without the valid patch test the visit needs (audited). */
  overridePatchTest: z.boolean().optional(),
  idempotencyKey,
});

export const bookingIdInput = z.object({ id: uuid, expectedVersion });

export const rescheduleInput = z.object({
  id: uuid,
  startsAt: instant,
  items: list(visitItemInput, MAX_VISIT_ITEMS, 1).optional(),
  expectedVersion,
  allowOutsideHours: z.boolean().optional(),
  idempotencyKey,
});

export const cancelInput = z.object({
  id: uuid,
  by: z.enum(["customer", "staff"]),
  reason: text(500, { trim: true, min: 1 }),
  staffWaiver: z.boolean().optional(),
  expectedVersion,
});

export const moneyDecisionOutput = z.object({
  rule: z.string(),
  refundCents: z.number(),
  keptCents: z.number(),
  explanation: z.object({ es: z.string(), en: z.string() }),
});

export const notesInput = z.object({
  id: uuid,
  notes: text(2000),
  expectedVersion,
});

/** A booking id alone (get), and with the waiver a cancellation preview may assume. */
export const bookingGetInput = z.object({ id: uuid });
export const previewCancelInput = z.object({ id: uuid, staffWaiver: z.boolean().optional() });

const bookingSearchFields = z.object({
  fromDate: localDate.optional(),
  toDate: localDate.optional(),
  staffId: uuid.optional(),
  customerId: uuid.optional(),
  status: list(bookingStatus, BOOKING_STATUSES.length).optional(),
  source: list(bookingSource, bookingSource.options.length).optional(),
  cursor: pageCursor.nullish(),
  limit: int(1, 500).default(100),
});
const searchRange = dateRange({ from: "fromDate", to: "toDate" });

export const bookingSearchInput = bookingSearchFields.superRefine(searchRange);
/** A stylist's own bookings: the same dates and pages, no other filters. */
export const myBookingsInput = bookingSearchFields
  .pick({ fromDate: true, toDate: true, cursor: true, limit: true })
  .superRefine(searchRange);

export const bookingPageOutput = z.object({ items: z.array(bookingOutput), nextCursor: z.string().nullable() });
