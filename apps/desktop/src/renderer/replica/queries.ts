// Reading the replica the way the online views read the server: bookings in the console's Booking
// shape (service and stylist names joined from the replica), the bookings list's filters, customer
// search and history.
import type { BookingStatusName, SyncBookingRow, SyncCustomerRow, SyncServiceRow, SyncStaffRow } from "@cita/shared";
import type { Booking, Service } from "../api.ts";
import type { LocalSource, Snapshot } from "../store.ts";
import { addDays, localToUtc } from "../time.ts";
import type { ReplicaDb, StoredBooking } from "./db.ts";

/**
 * Issue #21: the location the console shows. The replica holds every location the role may see
 * (the server's sync keeps only those); offline, the calendar, lists and snapshot show this one.
 * Set by the shell (ui/App.tsx) whenever the location is chosen; null = the replica's first.
 */
let shownLocationId: string | null = null;
export function setShownLocation(id: string | null): void {
  shownLocationId = id;
}

export interface Names {
  services: ReadonlyMap<string, SyncServiceRow>;
  staff: ReadonlyMap<string, SyncStaffRow>;
}

export async function loadNames(db: ReplicaDb): Promise<Names> {
  const [services, staff] = await Promise.all([db.services.toArray(), db.staff.toArray()]);
  return { services: new Map(services.map((s) => [s.id, s])), staff: new Map(staff.map((s) => [s.id, s])) };
}

export function toBooking(b: StoredBooking, names: Names): Booking {
  return {
    id: b.id,
    locationId: b.locationId,
    customerId: b.customerId,
    guestName: b.guestName,
    status: b.status,
    source: b.source,
    startsAt: b.startsAt,
    endsAt: b.endsAt,
    holdExpiresAt: b.holdExpiresAt,
    totalPriceCents: b.totalPriceCents,
    depositCents: b.depositCents,
    // What the salon still holds of the deposit.
    depositPaidCents: Math.max(0, (b.depositTakenCents ?? 0) - (b.depositRefundedCents ?? 0)),
    currency: b.currency,
    notes: b.notes,
    cancelledAt: b.cancelledAt,
    cancelledBy: b.cancelledBy as Booking["cancelledBy"],
    cancelReason: b.cancelReason,
    rescheduledFromId: b.rescheduledFromId,
    conversationId: b.conversationId,
    // Rows stored before repeating visits and groups existed have neither.
    seriesId: b.seriesId ?? null,
    seriesIndex: b.seriesIndex ?? null,
    groupId: b.groupId ?? null,
    version: b.version,
    items: b.items.map((i) => {
      const s = names.services.get(i.serviceId);
      return {
        id: i.id,
        serviceId: i.serviceId,
        serviceName: { es: s?.nameEs ?? "?", en: s?.nameEn ?? "?" },
        staffId: i.staffId,
        staffName: names.staff.get(i.staffId)?.displayName ?? "?",
        startsAt: i.startsAt,
        endsAt: i.endsAt,
        durationMinutes: i.durationMinutes,
        processingMinutes: i.processingMinutes,
        finishingMinutes: i.finishingMinutes,
        priceCents: i.priceCents,
      };
    }),
  };
}

export interface LocalBookingFilter {
  /** Local dates (the location's zone), inclusive. */
  fromDate: string;
  toDate: string;
  staffId?: string;
  status?: BookingStatusName[];
  source?: SyncBookingRow["source"][];
  customerId?: string;
  /** Only this location's bookings (issue #21). */
  locationId?: string | null;
}

/** The bookings list's server-side filters, applied to the replica; ordered by start. */
export async function searchBookings(db: ReplicaDb, f: LocalBookingFilter, tz: string): Promise<StoredBooking[]> {
  const from = new Date(localToUtc(f.fromDate, 0, tz)).toISOString();
  const to = new Date(localToUtc(addDays(f.toDate, 1), 0, tz)).toISOString();
  const rows = f.staffId
    ? await db.bookings.where("staffIds").equals(f.staffId).toArray()
    : await db.bookings.where("startsAt").between(from, to, true, false).toArray();
  return rows
    .filter(
      (b) =>
        b.startsAt >= from &&
        b.startsAt < to &&
        (!f.status?.length || f.status.includes(b.status)) &&
        (!f.source?.length || f.source.includes(b.source)) &&
        (!f.customerId || b.customerId === f.customerId) &&
        (!f.locationId || b.locationId === f.locationId),
    )
    .sort((a, b) => (a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : a.id < b.id ? -1 : 1));
}

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLocaleLowerCase();

/** Name (accent- and case-insensitive, any part) or phone (digits, any part). */
export async function searchCustomers(db: ReplicaDb, query: string, limit = 50): Promise<SyncCustomerRow[]> {
  const q = fold(query.trim());
  const digits = query.replace(/\D/g, "");
  if (!q) return [];
  const all = await db.customers.toArray();
  return all
    .filter(
      (c) =>
        (c.name && fold(c.name).includes(q)) || (digits.length >= 3 && c.phone?.replace(/\D/g, "").includes(digits)),
    )
    .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""))
    .slice(0, limit);
}

/** A customer's bookings in the replica, newest first. */
export async function customerHistory(db: ReplicaDb, customerId: string): Promise<StoredBooking[]> {
  const rows = await db.bookings.where("customerId").equals(customerId).toArray();
  return rows.sort((a, b) => (a.startsAt < b.startsAt ? 1 : -1));
}

/** The store's offline source: the calendar's range and customers' names, from the replica. */
export function localSource(db: ReplicaDb, tz: () => string): LocalSource {
  return {
    async bookingsBetween(fromDate, toDate) {
      const [rows, names] = await Promise.all([
        searchBookings(db, { fromDate, toDate, locationId: shownLocationId }, tz()),
        loadNames(db),
      ]);
      return rows.map((b) => toBooking(b, names));
    },
    async customers(ids) {
      const rows = await db.customers.bulkGet(ids);
      return new Map(rows.flatMap((c) => (c ? [[c.id, { name: c.name, phone: c.phone }] as const] : [])));
    },
  };
}

/** The location, stylists and services as the online store holds them (what the replica lacks is empty). */
export async function offlineSnapshot(
  db: ReplicaDb,
): Promise<Pick<Snapshot, "location" | "staff" | "services"> | null> {
  const [locations, staff, services] = await Promise.all([
    db.locations.toArray(),
    db.staff.toArray(),
    db.services.toArray(),
  ]);
  const loc = locations.find((l) => l.id === shownLocationId) ?? locations[0];
  if (!loc) return null;
  const { createdAt: _c, updatedAt: _u, ...location } = loc;
  return {
    location: { ...location, hours: [], closures: [] },
    staff: staff
      .filter((s) => s.active && s.locationId === loc.id)
      .map((s) => ({
        id: s.id,
        displayName: s.displayName,
        email: s.email,
        role: s.role,
        bookable: s.bookable,
        active: s.active,
        color: s.color,
        language: s.language,
        calendarId: s.calendarId,
        hasPassword: false,
        version: s.version,
        serviceIds: [],
      })),
    services: services
      .filter((s) => s.active && s.locationId === loc.id)
      .sort((a, b) => a.sortOrder - b.sortOrder)
      .map(({ createdAt: _c2, updatedAt: _u2, locationId: _l, ...s }) => ({
        ...s,
        depositRule: s.depositRule as Service["depositRule"],
        staff: [],
      })),
  };
}
