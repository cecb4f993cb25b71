// Locations (opening hours, closures, booking policy) and the service catalogue.
import { z } from "zod";
import { dateString, localDate, uuid } from "./common.ts";
import { int, line, list, rowVersion, text } from "./input.ts";

/** Minutes from local midnight; 1440 is allowed as an end ("until midnight"). */
export const minuteOfDay = z
  .number()
  .int("must be whole minutes")
  .min(0, "must be between 0 and 1440 minutes")
  .max(1440, "must be between 0 and 1440 minutes");
/** ISO weekday: 1 = Monday … 7 = Sunday. */
export const isoWeekday = z
  .number()
  .int()
  .min(1, "weekday must be 1 (Monday) to 7 (Sunday)")
  .max(7, "weekday must be 1 (Monday) to 7 (Sunday)");

// ───────────────────────────── Locations ─────────────────────────────

export const openingHours = z.object({ weekday: isoWeekday, startMinute: minuteOfDay, endMinute: minuteOfDay });
export type OpeningHours = z.infer<typeof openingHours>;

export const closureView = z.object({ id: uuid, date: dateString, reason: z.string() });

export const locationView = z.object({
  id: uuid,
  slug: z.string(),
  name: z.string(),
  addressLine: z.string(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
  phone: z.string().nullable(),
  timeZone: z.string(),
  currency: z.string(),
  defaultLanguage: z.string(),
  slotStepMinutes: z.number().int(),
  minNoticeMinutes: z.number().int(),
  horizonDays: z.number().int(),
  holdMinutes: z.number().int(),
  cancellationWindowHours: z.number().int(),
  lateCancelKeepsDeposit: z.boolean(),
  noShowKeepsDeposit: z.boolean(),
  /** Reminders before a visit, minutes before its start (largest first; empty = none). */
  reminderOffsetsMinutes: z.array(z.number().int()),
  /** The follow-up after a visit, minutes after its end; null = none. */
  followUpMinutes: z.number().int().nullable(),
  /** After a booking, the agent offers to repeat it every this many weeks; null = not offered. */
  seriesOfferWeeks: z.number().int().nullable(),
  version: z.number().int(),
  hours: z.array(openingHours),
  closures: z.array(closureView),
});
export type LocationView = z.infer<typeof locationView>;

const nonEmpty = (what: string, max = 200) =>
  line(max, {
    trim: true,
    min: 1,
    empty: `${what} cannot be empty`,
    tooLong: `${what} is too long (max ${max} characters)`,
  });

/** Reminders and the follow-up: from 15 minutes to 7 days away from the visit. */
export const REMINDER_MIN_MINUTES = 15;
export const REMINDER_MAX_MINUTES = 7 * 24 * 60;
export const MAX_REMINDERS = 3;

const reminderMinutes = (what: string, side: "before" | "after") =>
  z
    .number()
    .int(`${what} must be whole minutes`)
    .min(REMINDER_MIN_MINUTES, `${what} must be at least 15 minutes ${side} the visit`)
    .max(REMINDER_MAX_MINUTES, `${what} can be at most 7 days (168 hours) ${side} the visit`);

/** Minutes before the start, one reminder each: 0–3 of them, each at a different time. */
export const reminderOffsetsInput = z
  .array(reminderMinutes("A reminder", "before"))
  .max(MAX_REMINDERS, "At most 3 reminders before a visit")
  .refine((a) => new Set(a).size === a.length, "Each reminder must be at a different time");
/** Minutes after the end; null = no follow-up. */
export const followUpInput = reminderMinutes("The follow-up", "after").nullable();

export const locationUpdateInput = z.object({
  version: rowVersion,
  name: nonEmpty("Name").optional(),
  addressLine: nonEmpty("Address").optional(),
  city: nonEmpty("City", 100).optional(),
  postalCode: nonEmpty("Postal code", 20).optional(),
  phone: line(40, { trim: true }).nullable().optional(),
  /** IANA zone, e.g. Europe/Madrid (checked on the server). */
  timeZone: line(64, { trim: true, min: 1 }).optional(),
  slotStepMinutes: z
    .number()
    .int()
    .min(5, "Slot step must be at least 5 minutes")
    .max(120, "Slot step must be at most 120 minutes")
    .refine((n) => 1440 % n === 0, "Slot step must divide the day evenly (e.g. 5, 10, 15, 20, 30, 60)")
    .optional(),
  minNoticeMinutes: z.number().int().min(0).max(10_080, "Minimum notice can be at most 7 days").optional(),
  horizonDays: z
    .number()
    .int()
    .min(1, "Horizon must be at least 1 day")
    .max(730, "Horizon can be at most 730 days")
    .optional(),
  holdMinutes: z
    .number()
    .int()
    .min(5, "A hold must last at least 5 minutes")
    .max(1440, "A hold can last at most 24 hours")
    .optional(),
  cancellationWindowHours: z.number().int().min(0).max(720, "Cancellation window can be at most 720 hours").optional(),
  lateCancelKeepsDeposit: z.boolean().optional(),
  noShowKeepsDeposit: z.boolean().optional(),
  reminderOffsetsMinutes: reminderOffsetsInput.optional(),
  followUpMinutes: followUpInput.optional(),
  seriesOfferWeeks: z
    .number()
    .int("Whole weeks only")
    .min(1, "Repeat at least every week")
    .max(52, "Repeat at most every 52 weeks")
    .nullable()
    .optional(),
});
export type LocationUpdateInput = z.infer<typeof locationUpdateInput>;

export const locationSetHoursInput = z.object({
  version: rowVersion,
  hours: list(openingHours, 50),
});
export const locationAddClosureInput = z.object({
  date: localDate,
  reason: nonEmpty("Reason"),
  version: rowVersion.optional(),
});
export const locationRemoveClosureInput = z.object({ closureId: uuid, version: rowVersion.optional() });

// ───────────────────────────── Services ─────────────────────────────

export const DEPOSIT_RULES = ["none", "fixed", "percent"] as const;
export const depositRule = z.enum(DEPOSIT_RULES);

const minutes = (what: string) =>
  z.number().int(`${what} must be whole minutes`).min(0, `${what} cannot be negative`).max(1440);
const cents = (what: string) =>
  z.number().int(`${what} must be in whole cents`).min(0, `${what} cannot be negative`).max(10_000_000);
const depositValue = z.number().int().min(0, "Deposit cannot be negative").max(10_000_000);
const sortOrder = z.number().int().min(0).max(100_000);

/** Issue #21: the service needs a negative skin-allergy test ≥ min hours before, ≤ max months old. */
function patchTestFields<D extends boolean>(defaults: D) {
  const hours = z
    .number()
    .int("Patch test hours must be whole hours")
    .min(1)
    .max(24 * 60);
  const months = z.number().int("Patch test months must be whole months").min(1).max(60);
  return {
    patchTestRequired: defaults ? z.boolean().default(false) : z.boolean().optional(),
    patchTestMinHours: defaults ? hours.default(48) : hours.optional(),
    patchTestMaxMonths: defaults ? months.default(6) : months.optional(),
    isPatchTest: defaults ? z.boolean().default(false) : z.boolean().optional(),
  };
}

export const serviceFields = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Slug must be lowercase letters, digits and dashes")
    .max(80)
    .optional(),
  nameEs: nonEmpty("Spanish name", 120),
  nameEn: nonEmpty("English name", 120),
  descriptionEs: text(2000).nullable().optional(),
  descriptionEn: text(2000).nullable().optional(),
  category: nonEmpty("Category", 60),
  durationMinutes: minutes("Duration").refine((n) => n > 0, "Duration must be more than 0 minutes"),
  processingMinutes: minutes("Processing time").default(0),
  finishingMinutes: minutes("Finishing time").default(0),
  bufferBeforeMinutes: minutes("Buffer before").default(0),
  bufferAfterMinutes: minutes("Buffer after").default(0),
  priceCents: cents("Price"),
  depositRule: depositRule.default("none"),
  /** Cents when fixed, percent (0–100) when percent, 0 when none. */
  depositValue: depositValue.default(0),
  sortOrder: sortOrder.default(0),
  ...patchTestFields(true),
});

export const serviceCreateInput = serviceFields;
export type ServiceCreateInput = z.input<typeof serviceCreateInput>;

export const serviceUpdateInput = z.object({
  serviceId: uuid,
  version: rowVersion,
  ...serviceFields.omit({ slug: true }).partial().shape,
  // `.partial()` keeps the defaults; updates must leave absent fields alone.
  processingMinutes: minutes("Processing time").optional(),
  finishingMinutes: minutes("Finishing time").optional(),
  bufferBeforeMinutes: minutes("Buffer before").optional(),
  bufferAfterMinutes: minutes("Buffer after").optional(),
  depositRule: depositRule.optional(),
  depositValue: depositValue.optional(),
  sortOrder: sortOrder.optional(),
  ...patchTestFields(false),
});
export type ServiceUpdateInput = z.input<typeof serviceUpdateInput>;

export const serviceArchiveInput = z.object({
  serviceId: uuid,
  version: rowVersion,
  archived: z.boolean().default(true),
});

export const staffServiceOverride = z.object({
  staffId: uuid,
  durationMinutes: minutes("Duration")
    .refine((n) => n > 0, "Duration must be more than 0 minutes")
    .nullable()
    .optional(),
  processingMinutes: minutes("Processing time").nullable().optional(),
  finishingMinutes: minutes("Finishing time").nullable().optional(),
  priceCents: cents("Price").nullable().optional(),
});
export const serviceSetStaffInput = z.object({
  serviceId: uuid,
  version: rowVersion,
  staff: list(staffServiceOverride, 200),
});

export const serviceStaffView = z.object({
  staffId: uuid,
  displayName: z.string(),
  durationMinutes: z.number().int().nullable(),
  processingMinutes: z.number().int().nullable(),
  finishingMinutes: z.number().int().nullable(),
  priceCents: z.number().int().nullable(),
});

export const serviceView = z.object({
  id: uuid,
  slug: z.string(),
  nameEs: z.string(),
  nameEn: z.string(),
  descriptionEs: z.string().nullable(),
  descriptionEn: z.string().nullable(),
  category: z.string(),
  durationMinutes: z.number().int(),
  processingMinutes: z.number().int(),
  finishingMinutes: z.number().int(),
  bufferBeforeMinutes: z.number().int(),
  bufferAfterMinutes: z.number().int(),
  priceCents: z.number().int(),
  depositRule,
  depositValue: z.number().int(),
  active: z.boolean(),
  sortOrder: z.number().int(),
  /** Issue #21 (optional: the offline replica's services do not carry them). */
  patchTestRequired: z.boolean().optional(),
  patchTestMinHours: z.number().int().optional(),
  patchTestMaxMonths: z.number().int().optional(),
  isPatchTest: z.boolean().optional(),
  version: z.number().int(),
  staff: z.array(serviceStaffView),
});
export type ServiceView = z.infer<typeof serviceView>;

export const serviceListInput = z
  .object({ includeArchived: z.boolean().default(false) })
  .default({ includeArchived: false });

export const serviceSearchInput = z.object({
  query: line(100, { trim: true, min: 1, empty: "Type something to search for" }),
  includeArchived: z.boolean().default(false),
  limit: int(1, 50).default(10),
});
export const serviceSearchHit = z.object({ service: serviceView, score: z.number() });
