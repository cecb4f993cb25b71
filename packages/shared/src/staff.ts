// Staff members, their weekly schedules, date overrides and time off.
import { z } from "zod";
import { isoWeekday, minuteOfDay, staffServiceOverride } from "./catalog.ts";
import { dateString, isoInstant, language, localDate, staffRole, uuid } from "./common.ts";
import { instant, line, list, rowVersion } from "./input.ts";

export const staffView = z.object({
  id: uuid,
  displayName: z.string(),
  email: z.string(),
  role: staffRole,
  bookable: z.boolean(),
  active: z.boolean(),
  color: z.string(),
  language: z.string(),
  calendarId: z.string().nullable(),
  hasPassword: z.boolean(),
  version: z.number().int(),
  serviceIds: z.array(uuid),
});
export type StaffView = z.infer<typeof staffView>;

export const staffListInput = z
  .object({ includeInactive: z.boolean().default(false) })
  .default({ includeInactive: false });

const displayName = line(120, {
  trim: true,
  min: 1,
  empty: "Display name cannot be empty",
  tooLong: "Display name is too long",
});
const email = z.email("Enter a valid email address").max(254);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, "Colour must be a hex colour like #6366f1");

export const staffCreateInput = z.object({
  displayName,
  email,
  role: staffRole,
  bookable: z.boolean().optional(),
  color: color.optional(),
  language: language.optional(),
  /** Optional initial password (checked against the password policy on the server). */
  password: z.string().max(1024).optional(),
});
export type StaffCreateInput = z.infer<typeof staffCreateInput>;

export const staffUpdateInput = z.object({
  staffId: uuid,
  version: rowVersion,
  displayName: displayName.optional(),
  email: email.optional(),
  role: staffRole.optional(),
  bookable: z.boolean().optional(),
  active: z.boolean().optional(),
  color: color.optional(),
  language: language.optional(),
  calendarId: line(300).nullable().optional(),
  password: z.string().max(1024).optional(),
});
export type StaffUpdateInput = z.infer<typeof staffUpdateInput>;

export const scheduleBlockKind = z.enum(["work", "break"]);
export const scheduleBlock = z.object({
  weekday: isoWeekday,
  kind: scheduleBlockKind,
  startMinute: minuteOfDay,
  endMinute: minuteOfDay,
});
export type ScheduleBlock = z.infer<typeof scheduleBlock>;

export const dateOverrideKind = z.enum(["off", "custom_hours"]);
export const dateOverrideView = z.object({
  id: uuid,
  date: dateString,
  kind: dateOverrideKind,
  startMinute: z.number().int().nullable(),
  endMinute: z.number().int().nullable(),
});
export const timeOffView = z.object({
  id: uuid,
  startsAt: isoInstant,
  endsAt: isoInstant,
  reason: z.string().nullable(),
});

export const staffScheduleView = z.object({
  staffId: uuid,
  version: z.number().int(),
  weekly: z.array(scheduleBlock),
  dateOverrides: z.array(dateOverrideView),
  timeOff: z.array(timeOffView),
});
export type StaffScheduleView = z.infer<typeof staffScheduleView>;

export const staffGetScheduleInput = z.object({
  staffId: uuid,
  /** Overrides and time off from this local date on (default: all). */
  from: localDate.optional(),
});

export const staffSetWeeklyScheduleInput = z.object({
  staffId: uuid,
  version: rowVersion,
  blocks: list(scheduleBlock, 200),
});

export const staffAddDateOverrideInput = z
  .object({
    staffId: uuid,
    version: rowVersion.optional(),
    date: localDate,
    kind: dateOverrideKind,
    startMinute: minuteOfDay.optional(),
    endMinute: minuteOfDay.optional(),
  })
  .refine((v) => v.kind === "off" || (v.startMinute !== undefined && v.endMinute !== undefined), {
    message: "Custom hours need a start and an end",
    path: ["startMinute"],
  })
  .refine((v) => v.kind === "custom_hours" || (v.startMinute === undefined && v.endMinute === undefined), {
    message: "A day off has no hours",
    path: ["startMinute"],
  });
export const staffRemoveDateOverrideInput = z.object({
  staffId: uuid,
  overrideId: uuid,
  version: rowVersion.optional(),
});

export const staffAddTimeOffInput = z
  .object({
    staffId: uuid,
    version: rowVersion.optional(),
    startsAt: instant,
    endsAt: instant,
    reason: line(200, { trim: true }).nullable().optional(),
  })
  .refine((v) => Date.parse(v.endsAt) > Date.parse(v.startsAt), {
    message: "Time off must start before it ends",
    path: ["endsAt"],
  });
export const staffRemoveTimeOffInput = z.object({ staffId: uuid, timeOffId: uuid, version: rowVersion.optional() });

/** One service a stylist does, with their own timing/price where it differs from the service's. */
export const staffSkill = z.object({
  serviceId: uuid,
  durationMinutes: staffServiceOverride.shape.durationMinutes,
  processingMinutes: staffServiceOverride.shape.processingMinutes,
  finishingMinutes: staffServiceOverride.shape.finishingMinutes,
  priceCents: staffServiceOverride.shape.priceCents,
});
export type StaffSkill = z.infer<typeof staffSkill>;

/** Replaces the services a stylist does (their skills), with per-stylist overrides. */
export const staffSetServicesInput = z.object({
  staffId: uuid,
  version: rowVersion,
  services: list(staffSkill, 500),
});

// ───────────── Issue #21: a stylist who also works at other locations ─────────────

export const staffLocationsInput = z.object({ staffId: uuid });
export const staffSetLocationsInput = z.object({
  staffId: uuid,
  version: rowVersion,
  /** The OTHER locations they also work at (their home location is where they were created). */
  locationIds: list(uuid, 20),
});
export const staffLocationsView = z.object({
  staffId: uuid,
  homeLocationId: uuid,
  otherLocationIds: z.array(uuid),
  version: z.number().int(),
});
export type StaffLocationsView = z.infer<typeof staffLocationsView>;
