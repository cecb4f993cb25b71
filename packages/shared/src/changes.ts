// Live change stream (changes.stream, SSE) and the offline replica's sync (changes.sync).
import { z } from "zod";
import { locationView } from "./catalog.ts";
import { bookingSource, bookingStatus, isoInstant, staffRole, uuid } from "./common.ts";
import { customerView } from "./customers.ts";
import { INT8_MAX, int, list } from "./input.ts";

/** A change-log version: a bigint (PostgreSQL int8) as a decimal string (SSE event ids, sync cursors). */
export const changeVersion = z
  .string()
  .regex(/^\d{1,19}$/, "must be a change-log version")
  .refine((v) => !/^\d{1,19}$/.test(v) || BigInt(v) <= INT8_MAX, "must be a change-log version");

export const changeOp = z.enum(["upsert", "delete"]);
export type ChangeOpName = z.infer<typeof changeOp>;

export const changesStreamInput = z.object({
  /** Resume after this version (set by httpSubscriptionLink on reconnect). */
  lastEventId: changeVersion.nullish(),
  /** Only this location's changes, plus location-less ones (customers). */
  locationId: uuid.optional(),
});
export type ChangesStreamInput = z.infer<typeof changesStreamInput>;

/** One change as streamed to consoles. `data` is whatever the writing command recorded. */
export const changeEvent = z.object({
  version: changeVersion,
  entityType: z.string(),
  entityId: z.string(),
  op: changeOp,
  locationId: uuid.nullable(),
  at: isoInstant,
  data: z.unknown(),
});
export type ChangeEvent = z.infer<typeof changeEvent>;

export const SYNC_ENTITIES = ["booking", "customer", "service", "staff", "location"] as const;
export const syncEntity = z.enum(SYNC_ENTITIES);
export type SyncEntity = z.infer<typeof syncEntity>;

export const changesSyncInput = z.object({
  /** The previous page's nextCursor; omit for a full sync. */
  cursor: changeVersion.nullish(),
  limit: int(1, 1000).default(500),
  /** Default: every synced entity type. */
  entities: list(syncEntity, SYNC_ENTITIES.length, 1).optional(),
});
export type ChangesSyncInput = z.input<typeof changesSyncInput>;

const instant = isoInstant;
const nullableInstant = isoInstant.nullable();

export const syncBookingItemRow = z.object({
  id: uuid,
  position: z.number().int(),
  serviceId: uuid,
  staffId: uuid,
  startsAt: instant,
  endsAt: instant,
  durationMinutes: z.number().int(),
  processingMinutes: z.number().int(),
  finishingMinutes: z.number().int(),
  priceCents: z.number().int(),
});

export const syncBookingRow = z.object({
  id: uuid,
  locationId: uuid,
  customerId: uuid,
  guestName: z.string().nullable(),
  status: bookingStatus,
  source: bookingSource,
  startsAt: instant,
  endsAt: instant,
  holdExpiresAt: nullableInstant,
  totalPriceCents: z.number().int(),
  depositCents: z.number().int(),
  /** Deposits paid for this visit, whatever was refunded later (payments that reached "paid"). */
  depositTakenCents: z.number().int().default(0),
  /** What went back to the customer (succeeded refunds). Taken − refunded = kept by the salon. */
  depositRefundedCents: z.number().int().default(0),
  currency: z.string(),
  notes: z.string().nullable(),
  cancelledAt: nullableInstant,
  cancelledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  rescheduledFromId: uuid.nullable(),
  conversationId: uuid.nullable(),
  createdByStaffId: uuid.nullable(),
  /** A repeating visit's series and occurrence number (issue #20); null outside a series. */
  seriesId: uuid.nullable().default(null),
  seriesIndex: z.number().int().nullable().default(null),
  /** The group visit this person's booking belongs to (issue #20); null when booked alone. */
  groupId: uuid.nullable().default(null),
  version: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
  items: z.array(syncBookingItemRow),
});

/** The same decrypted view customers.get returns. */
export const syncCustomerRow = customerView;

export const syncServiceRow = z.object({
  id: uuid,
  locationId: uuid,
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
  depositRule: z.string(),
  depositValue: z.number().int(),
  active: z.boolean(),
  sortOrder: z.number().int(),
  version: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});

/** A staff member without the password hash. */
export const syncStaffRow = z.object({
  id: uuid,
  locationId: uuid,
  displayName: z.string(),
  email: z.string(),
  role: staffRole,
  bookable: z.boolean(),
  active: z.boolean(),
  disabledAt: nullableInstant,
  calendarId: z.string().nullable(),
  color: z.string(),
  language: z.string(),
  version: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});

/** locations.get's view without hours and closures (those sync as part of it), plus timestamps. */
export const syncLocationRow = locationView.omit({ hours: true, closures: true }).extend({
  createdAt: instant,
  updatedAt: instant,
});

const syncChangeBase = { version: changeVersion, entityId: z.string() };
const upsertOrDelete = <T extends z.ZodType>(entityType: SyncEntity, row: T) =>
  z.union([
    z.object({ ...syncChangeBase, entityType: z.literal(entityType), op: z.literal("upsert"), row }),
    z.object({ ...syncChangeBase, entityType: z.literal(entityType), op: z.literal("delete"), row: z.null() }),
  ]);

/** The latest state of one entity (`op: "upsert"`), or a tombstone (`op: "delete"`, row null). */
export const syncChange = z.union([
  upsertOrDelete("booking", syncBookingRow),
  upsertOrDelete("customer", syncCustomerRow),
  upsertOrDelete("service", syncServiceRow),
  upsertOrDelete("staff", syncStaffRow),
  upsertOrDelete("location", syncLocationRow),
]);
export type SyncChange = z.infer<typeof syncChange>;

export const changesSyncOutput = z.object({
  /** Ascending by version; each entity at most once per page. */
  changes: z.array(syncChange),
  /** Pass as `cursor` next time (also when hasMore is false: it is where the replica is up to). */
  nextCursor: changeVersion,
  hasMore: z.boolean(),
});
export type ChangesSyncOutput = z.infer<typeof changesSyncOutput>;

export type SyncBookingRow = z.infer<typeof syncBookingRow>;
export type SyncCustomerRow = z.infer<typeof syncCustomerRow>;
export type SyncServiceRow = z.infer<typeof syncServiceRow>;
export type SyncStaffRow = z.infer<typeof syncStaffRow>;
export type SyncLocationRow = z.infer<typeof syncLocationRow>;
