// Loads everything computeAvailability needs for one location and visit from PostgreSQL, in a
// handful of queries. Busy time comes from three sources: time off, active booking segments
// (holds past their expiry no longer count), and external calendars (via BusyTimeSource).
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { addDays, localToUtc } from "../time/zoned.ts";
import type { AvailabilityQuery, Interval, ServiceSpec, StaffAvailability, VisitItemRequest } from "./types.ts";

/** External busy time (Google Calendar in production; the external_busy table by default). */
export interface BusyTimeSource {
  busy(db: Tx, staffIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>>;
}

/** Reads the busy time calendar sync has imported into external_busy. */
export const storedExternalBusy: BusyTimeSource = {
  async busy(db, staffIds, from, to) {
    const rows = await db.externalBusy.findMany({
      where: { staffId: { in: staffIds }, startsAt: { lt: to }, endsAt: { gt: from } },
      select: { staffId: true, startsAt: true, endsAt: true },
    });
    const out = new Map<string, Interval[]>();
    for (const r of rows) {
      const list = out.get(r.staffId) ?? [];
      list.push({ start: r.startsAt.getTime(), end: r.endsAt.getTime() });
      out.set(r.staffId, list);
    }
    return out;
  },
};

export interface LoadAvailabilityParams {
  locationId: string;
  items: VisitItemRequest[];
  fromDate: string;
  toDate: string;
  now: Date;
  limit?: number;
  /** Ignore this booking's own segments (when moving it). */
  excludeBookingId?: string;
  busySource?: BusyTimeSource;
  /** Leave existing bookings out (to tell "taken" from "outside hours"). */
  ignoreBookings?: boolean;
}

const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

export async function loadAvailabilityQuery(db: Tx, p: LoadAvailabilityParams): Promise<AvailabilityQuery> {
  const location = await db.location.findUnique({
    where: { id: p.locationId },
    include: {
      hours: true,
      closures: {
        where: { date: { gte: new Date(`${p.fromDate}T00:00:00Z`), lte: new Date(`${p.toDate}T00:00:00Z`) } },
      },
    },
  });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const serviceIds = [...new Set(p.items.map((i) => i.serviceId))];
  const services = await db.service.findMany({
    where: { id: { in: serviceIds }, locationId: location.id, active: true },
  });
  if (services.length !== serviceIds.length) throw new AppError("NOT_FOUND", "Unknown or archived service");
  const pinned = p.items.map((i) => i.staffId).filter((s): s is string => !!s);

  // Margins of a day on each side cover any zone offset and buffers.
  const from = new Date(localToUtc(p.fromDate, 0, location.timeZone).getTime() - 86_400_000);
  const to = new Date(localToUtc(addDays(p.toDate, 1), 0, location.timeZone).getTime() + 86_400_000);

  const staff = await db.staffMember.findMany({
    where: {
      locationId: location.id,
      active: true,
      bookable: true,
      OR: [{ id: { in: pinned } }, { services: { some: { serviceId: { in: serviceIds } } } }],
    },
    orderBy: { displayName: "asc" },
    include: {
      services: { where: { serviceId: { in: serviceIds } } },
      scheduleBlocks: true,
      dateOverrides: {
        where: { date: { gte: new Date(`${p.fromDate}T00:00:00Z`), lte: new Date(`${p.toDate}T00:00:00Z`) } },
      },
      timeOff: { where: { startsAt: { lt: to }, endsAt: { gt: from } } },
    },
  });
  for (const id of pinned) {
    if (!staff.some((s) => s.id === id)) throw new AppError("NOT_FOUND", "That stylist is not available for booking");
  }
  const staffIds = staff.map((s) => s.id);
  const segments = p.ignoreBookings
    ? []
    : await db.bookingSegment.findMany({
        where: {
          staffId: { in: staffIds },
          active: true,
          startsAt: { lt: to },
          endsAt: { gt: from },
          ...(p.excludeBookingId ? { bookingId: { not: p.excludeBookingId } } : {}),
          // A hold whose time is up no longer blocks anyone, even before the expiry job runs.
          NOT: { booking: { status: { in: ["held", "pending_deposit"] }, holdExpiresAt: { lte: p.now } } },
        },
        select: { staffId: true, startsAt: true, endsAt: true },
      });
  const external = await (p.busySource ?? storedExternalBusy).busy(db, staffIds, from, to);

  const busy = new Map<string, Interval[]>(staffIds.map((id) => [id, [...(external.get(id) ?? [])]]));
  for (const s of segments) busy.get(s.staffId)!.push({ start: s.startsAt.getTime(), end: s.endsAt.getTime() });

  const staffAvailability: StaffAvailability[] = staff.map((s) => ({
    id: s.id,
    name: s.displayName,
    weekly: s.scheduleBlocks.map((b) => ({
      weekday: b.weekday,
      kind: b.kind,
      startMinute: b.startMinute,
      endMinute: b.endMinute,
    })),
    overrides: s.dateOverrides.map((o) => ({
      date: dateOnly(o.date),
      kind: o.kind,
      startMinute: o.startMinute,
      endMinute: o.endMinute,
    })),
    busy: [...busy.get(s.id)!, ...s.timeOff.map((t) => ({ start: t.startsAt.getTime(), end: t.endsAt.getTime() }))],
    skills: new Map(s.services.map((k) => [k.serviceId, k])),
  }));
  const serviceSpecs: ServiceSpec[] = services.map((s) => ({
    id: s.id,
    durationMinutes: s.durationMinutes,
    processingMinutes: s.processingMinutes,
    finishingMinutes: s.finishingMinutes,
    bufferBeforeMinutes: s.bufferBeforeMinutes,
    bufferAfterMinutes: s.bufferAfterMinutes,
    priceCents: s.priceCents,
  }));

  return {
    now: p.now,
    location: {
      timeZone: location.timeZone,
      slotStepMinutes: location.slotStepMinutes,
      minNoticeMinutes: location.minNoticeMinutes,
      horizonDays: location.horizonDays,
      hours: location.hours,
      closures: location.closures.map((c) => dateOnly(c.date)),
    },
    services: serviceSpecs,
    staff: staffAvailability,
    items: p.items,
    fromDate: p.fromDate,
    toDate: p.toDate,
    ...(p.limit ? { limit: p.limit } : {}),
  };
}
