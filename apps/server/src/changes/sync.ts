// Offline-replica sync: the latest state of every entity changed after a cursor, read from
// change_log (which entities, in which order) and the entity tables (what they look like now).
import {
  type ChangesSyncOutput,
  SYNC_ENTITIES,
  type SyncBookingRow,
  type SyncChange,
  type SyncEntity,
  type SyncLocationRow,
  type SyncServiceRow,
  type SyncStaffRow,
} from "@cita/shared";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { viewCustomer } from "../customers/customer-store.ts";
import type { Db } from "../db/client.ts";
import type {
  Booking,
  BookingItem,
  Location,
  Payment,
  Prisma,
  Refund,
  Service,
  StaffMember,
} from "../generated/prisma/client.ts";

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** What viewBookingRow needs beside the booking: its items, and its payments with their refunds. */
export const bookingRowInclude = {
  items: true,
  payments: { select: { status: true, amountCents: true, refunds: { select: { status: true, amountCents: true } } } },
} satisfies Prisma.BookingInclude;

type RowPayment = Pick<Payment, "status" | "amountCents"> & { refunds: Pick<Refund, "status" | "amountCents">[] };
const TAKEN = new Set(["paid", "partially_refunded", "refunded"]);

export function viewBookingRow(
  fc: FieldCrypto,
  b: Booking & { items: BookingItem[]; payments: RowPayment[] },
): SyncBookingRow {
  return {
    id: b.id,
    locationId: b.locationId,
    customerId: b.customerId,
    guestName: b.guestNameCipher ? fc.decrypt(b.guestNameCipher) : null,
    status: b.status,
    source: b.source,
    startsAt: iso(b.startsAt),
    endsAt: iso(b.endsAt),
    holdExpiresAt: isoOrNull(b.holdExpiresAt),
    totalPriceCents: b.totalPriceCents,
    depositCents: b.depositCents,
    depositTakenCents: b.payments.filter((p) => TAKEN.has(p.status)).reduce((n, p) => n + p.amountCents, 0),
    depositRefundedCents: b.payments
      .flatMap((p) => p.refunds)
      .filter((r) => r.status === "succeeded")
      .reduce((n, r) => n + r.amountCents, 0),
    currency: b.currency,
    notes: b.notes,
    cancelledAt: isoOrNull(b.cancelledAt),
    cancelledBy: b.cancelledBy,
    cancelReason: b.cancelReason,
    rescheduledFromId: b.rescheduledFromId,
    seriesId: b.seriesId,
    seriesIndex: b.seriesIndex,
    groupId: b.groupId,
    conversationId: b.conversationId,
    createdByStaffId: b.createdByStaffId,
    version: b.version,
    createdAt: iso(b.createdAt),
    updatedAt: iso(b.updatedAt),
    items: [...b.items]
      .sort((x, y) => x.position - y.position)
      .map((i) => ({
        id: i.id,
        position: i.position,
        serviceId: i.serviceId,
        staffId: i.staffId,
        startsAt: iso(i.startsAt),
        endsAt: iso(i.endsAt),
        durationMinutes: i.durationMinutes,
        processingMinutes: i.processingMinutes,
        finishingMinutes: i.finishingMinutes,
        priceCents: i.priceCents,
      })),
  };
}

export function viewServiceRow(s: Service): SyncServiceRow {
  return {
    id: s.id,
    locationId: s.locationId,
    slug: s.slug,
    nameEs: s.nameEs,
    nameEn: s.nameEn,
    descriptionEs: s.descriptionEs,
    descriptionEn: s.descriptionEn,
    category: s.category,
    durationMinutes: s.durationMinutes,
    processingMinutes: s.processingMinutes,
    finishingMinutes: s.finishingMinutes,
    bufferBeforeMinutes: s.bufferBeforeMinutes,
    bufferAfterMinutes: s.bufferAfterMinutes,
    priceCents: s.priceCents,
    depositRule: s.depositRule,
    depositValue: s.depositValue,
    active: s.active,
    sortOrder: s.sortOrder,
    version: s.version,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** Never includes the password hash. */
export function viewStaffRow(s: StaffMember): SyncStaffRow {
  return {
    id: s.id,
    locationId: s.locationId,
    displayName: s.displayName,
    email: s.email,
    role: s.role,
    bookable: s.bookable,
    active: s.active,
    disabledAt: isoOrNull(s.disabledAt),
    calendarId: s.calendarId,
    color: s.color,
    language: s.language,
    version: s.version,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

export function viewLocationRow(l: Location): SyncLocationRow {
  return {
    id: l.id,
    slug: l.slug,
    name: l.name,
    addressLine: l.addressLine,
    city: l.city,
    postalCode: l.postalCode,
    country: l.country,
    phone: l.phone,
    timeZone: l.timeZone,
    currency: l.currency,
    defaultLanguage: l.defaultLanguage,
    slotStepMinutes: l.slotStepMinutes,
    minNoticeMinutes: l.minNoticeMinutes,
    horizonDays: l.horizonDays,
    holdMinutes: l.holdMinutes,
    cancellationWindowHours: l.cancellationWindowHours,
    lateCancelKeepsDeposit: l.lateCancelKeepsDeposit,
    noShowKeepsDeposit: l.noShowKeepsDeposit,
    reminderOffsetsMinutes: l.reminderOffsetsMinutes,
    followUpMinutes: l.followUpMinutes,
    seriesOfferWeeks: l.seriesOfferWeeks,
    version: l.version,
    createdAt: iso(l.createdAt),
    updatedAt: iso(l.updatedAt),
  };
}

type BookingRowInput = Parameters<typeof viewBookingRow>[1];

/**
 * The bookings viewBookingRow needs, with their items and payments, in ONE query: PostgreSQL builds
 * the nested parts as JSON. A first sync reads 20,000 of these; through the ORM's relation loading
 * (three queries and per-row mapping) a page of 1,000 took ~120 ms of the ~250 ms it cost, this
 * takes a fraction (measured by replica.bench.ts).
 */
export async function loadBookingRows(db: Db, ids: string[]): Promise<BookingRowInput[]> {
  const rows = await db.$queryRaw<
    (Omit<BookingRowInput, "items" | "payments"> & { items: unknown; payments: unknown })[]
  >`
    SELECT b.id, b.location_id AS "locationId", b.customer_id AS "customerId",
      b.guest_name_cipher AS "guestNameCipher", b.status::text AS status, b.source::text AS source,
      b.starts_at AS "startsAt", b.ends_at AS "endsAt", b.hold_expires_at AS "holdExpiresAt",
      b.total_price_cents AS "totalPriceCents", b.deposit_cents AS "depositCents", b.currency, b.notes,
      b.cancelled_at AS "cancelledAt", b.cancelled_by::text AS "cancelledBy", b.cancel_reason AS "cancelReason",
      b.rescheduled_from_id AS "rescheduledFromId", b.conversation_id AS "conversationId",
      b.series_id AS "seriesId", b.series_index AS "seriesIndex", b.group_id AS "groupId",
      b.created_by_staff_id AS "createdByStaffId", b.version, b.created_at AS "createdAt", b.updated_at AS "updatedAt",
      COALESCE((
        SELECT json_agg(json_build_object(
          'id', i.id, 'bookingId', i.booking_id, 'position', i.position, 'serviceId', i.service_id,
          'staffId', i.staff_id, 'startsAt', to_char(i.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'endsAt', to_char(i.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'durationMinutes', i.duration_minutes, 'processingMinutes', i.processing_minutes,
          'finishingMinutes', i.finishing_minutes, 'priceCents', i.price_cents) ORDER BY i.position)
        FROM booking_item i WHERE i.booking_id = b.id), '[]'::json) AS items,
      COALESCE((
        SELECT json_agg(json_build_object('status', p.status, 'amountCents', p.amount_cents,
          'refunds', COALESCE((SELECT json_agg(json_build_object('status', r.status, 'amountCents', r.amount_cents))
                               FROM refund r WHERE r.payment_id = p.id), '[]'::json)))
        FROM payment p WHERE p.booking_id = b.id), '[]'::json) AS payments
    FROM booking b WHERE b.id = ANY(${ids}::uuid[])`;
  return rows.map((r) => ({
    ...r,
    items: (r.items as (Omit<BookingItem, "startsAt" | "endsAt"> & { startsAt: string; endsAt: string })[]).map(
      (i) => ({
        ...i,
        startsAt: new Date(i.startsAt),
        endsAt: new Date(i.endsAt),
      }),
    ),
    payments: r.payments as BookingRowInput["payments"],
  })) as BookingRowInput[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Current rows of one entity type, as JSON views, keyed by id (absent = no longer exists). */
async function loadRows(db: Db, fc: FieldCrypto, type: SyncEntity, ids: string[]): Promise<Map<string, unknown>> {
  const where = { id: { in: ids.filter((id) => UUID_RE.test(id)) } };
  const out = new Map<string, unknown>();
  if (!where.id.in.length) return out;
  switch (type) {
    case "booking":
      for (const b of await loadBookingRows(db, where.id.in)) out.set(b.id, viewBookingRow(fc, b));
      break;
    case "customer":
      for (const c of await db.customer.findMany({ where })) out.set(c.id, viewCustomer(fc, c));
      break;
    case "service":
      for (const s of await db.service.findMany({ where })) out.set(s.id, viewServiceRow(s));
      break;
    case "staff":
      for (const s of await db.staffMember.findMany({ where })) out.set(s.id, viewStaffRow(s));
      break;
    case "location":
      for (const l of await db.location.findMany({ where })) out.set(l.id, viewLocationRow(l));
      break;
  }
  return out;
}

export interface SyncQuery {
  /** A change-log version (exclusive); null = from the beginning. */
  cursor?: bigint | null;
  limit: number;
  entities?: readonly SyncEntity[];
  /**
   * Issue #21: the locations the caller may see (auth/locations.ts); null/absent = every location.
   * Bookings, services and locations of other locations, and staff whose home is elsewhere, come as
   * tombstones (a replica that held one drops it); a stylist based elsewhere who also works at a visible
   * location is kept. Customers are the installation's, not a location's.
   */
  locationIds?: readonly string[] | null;
}

/** The location a synced row belongs to (customers: none). */
function rowLocation(type: SyncEntity, row: unknown): string | null {
  if (type === "customer") return null;
  const r = row as { id: string; locationId?: string };
  return type === "location" ? r.id : (r.locationId ?? null);
}

/**
 * One page of the replica sync. Each entity changed after `cursor` appears once, at its newest
 * version, ordered by that version; its row is read now (so it may be newer than the version — the
 * entity then shows up again on a later page, which is harmless). Deleted entities, and entities whose
 * row no longer exists, come as `op: "delete"` tombstones with `row: null`.
 *
 * Paging is exact: page k ends at the newest version V it returned, and every entity whose newest
 * version is ≤ V is on page ≤ k. The scan is bounded by the head read first, and versions become
 * visible in commit order (appendChange), so nothing committed later can land at or below a cursor
 * already handed out.
 */
export async function syncChanges(db: Db, fc: FieldCrypto, q: SyncQuery): Promise<ChangesSyncOutput> {
  const cursor = q.cursor ?? 0n;
  const types = q.entities?.length ? [...new Set(q.entities)] : [...SYNC_ENTITIES];
  const head = (await db.changeLog.aggregate({ _max: { version: true } }))._max.version ?? 0n;
  if (head <= cursor) return { changes: [], nextCursor: cursor.toString(), hasMore: false };

  const latest = await db.$queryRaw<{ version: bigint; entity_type: string; entity_id: string; op: string }[]>`
    SELECT c.version, c.entity_type, c.entity_id, c.op::text AS op
    FROM change_log c
    JOIN (
      SELECT max(version) AS version
      FROM change_log
      WHERE version > ${cursor} AND version <= ${head} AND entity_type = ANY(${types}::text[])
      GROUP BY entity_type, entity_id
      ORDER BY max(version)
      LIMIT ${q.limit + 1}
    ) m ON m.version = c.version
    ORDER BY c.version`;
  const hasMore = latest.length > q.limit;
  const page = hasMore ? latest.slice(0, q.limit) : latest;

  const visible = q.locationIds ? new Set(q.locationIds) : null;
  const rows = new Map<SyncEntity, Map<string, unknown>>();
  for (const type of types) {
    const ids = page.filter((c) => c.entity_type === type && c.op !== "delete").map((c) => c.entity_id);
    if (ids.length) rows.set(type, await loadRows(db, fc, type, ids));
  }

  // Stylists based elsewhere who also work at a visible location (staff_location) are kept too.
  const linkedStaff = new Set<string>();
  const staffRows = rows.get("staff");
  if (visible && staffRows?.size) {
    const links = await db.staffLocation.findMany({
      where: { staffId: { in: [...staffRows.keys()] }, locationId: { in: [...visible] } },
      select: { staffId: true },
    });
    for (const l of links) linkedStaff.add(l.staffId);
  }

  const changes = page.map((c): SyncChange => {
    const type = c.entity_type as SyncEntity;
    let row = c.op === "delete" ? undefined : rows.get(type)?.get(c.entity_id);
    const at = row === undefined ? null : rowLocation(type, row);
    if (visible && at !== null && !visible.has(at) && !(type === "staff" && linkedStaff.has(c.entity_id)))
      row = undefined;
    const base = { version: c.version.toString(), entityType: type, entityId: c.entity_id };
    return (row ? { ...base, op: "upsert", row } : { ...base, op: "delete", row: null }) as SyncChange;
  });
  const nextCursor = hasMore ? page[page.length - 1]!.version : head;
  return { changes, nextCursor: nextCursor.toString(), hasMore };
}
