import { z } from "zod";
import { calendarDate, int, pageCursor } from "./input.ts";

export const uuid = z.uuid();
/** A local calendar date in an input: a real date, YYYY-MM-DD, inside the input window (input.ts). */
export const localDate = calendarDate;
/** A local date as the server sends it (outputs): YYYY-MM-DD. */
export const dateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD");
/** An instant as the server sends it (outputs). Inputs use input.ts's `instant` (bounded). */
export const isoInstant = z.iso.datetime({ offset: true });
export const language = z.enum(["es", "en"]);
export type Language = z.infer<typeof language>;

export const STAFF_ROLES = ["owner", "manager", "front_desk", "stylist"] as const;
export const staffRole = z.enum(STAFF_ROLES);
export type StaffRoleName = z.infer<typeof staffRole>;

export const BOOKING_STATUSES = [
  "held",
  "pending_deposit",
  "confirmed",
  "checked_in",
  "completed",
  "no_show",
  "cancelled",
  "expired",
] as const;
export const bookingStatus = z.enum(BOOKING_STATUSES);
export type BookingStatusName = z.infer<typeof bookingStatus>;

export const bookingSource = z.enum(["whatsapp", "console", "sandbox"]);

/** Cursor pagination: opaque cursor in, next cursor out. */
export const pageInput = z.object({
  cursor: pageCursor.nullish(),
  limit: int(1, 200).default(50),
});
