// Loads everything computeAvailability needs for one location and visit from PostgreSQL, in a
// handful of queries. Busy time comes from three sources: time off, active booking segments
// (holds past their expiry no longer count), and external calendars (via BusyTimeSource).
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Service } from "../generated/prisma/client.ts";
import { addDays, localToUtc } from "../time/zoned.ts";
import type {
  AvailabilityQuery,
  DateOverride,
  Interval,
  ServiceSpec,
  StaffAvailability,
  VisitItemRequest,
  WeeklyBlock,
} from "./types.ts";

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

/** A stylist's stored weekly blocks and date overrides as the engine reads them (reports' capacity too). */
export function workingSchedule(s: {
  scheduleBlocks: readonly WeeklyBlock[];
  dateOverrides: readonly {
    date: Date;
    kind: DateOverride["kind"];
    startMinute: number | null;
    endMinute: number | null;
  }[];
}): Pick<StaffAvailability, "weekly" | "overrides"> {
  return {
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
  };
}

/**
 * Everything availability and a booking read, loaded once: the query with each stylist's busy time
 * *without* existing bookings, the booked segments apart (so "taken" and "outside hours" are told
 * apart, and alternatives computed, from the same load), and the rows a booking is priced and
 * written from.
 */
export interface AvailabilityInputs {
  query: AvailabilityQuery;
  /** Active booking segments (live holds included) per stylist, in epoch ms. */
  booked: Map<string, Interval[]>;
  location: { id: string; timeZone: string; holdMinutes: number; currency: string; horizonDays: number };
  /** The visit's services (active, this location's), as stored: names, timing, price, deposit terms. */
  services: Service[];
  staff: {
    id: string;
    displayName: string;
    skills: Map<
      string,
      {
        durationMinutes: number | null;
        processingMinutes: number | null;
        finishingMinutes: number | null;
        priceCents: number | null;
      }
    >;
  }[];
}

/** The query with booked time added to each stylist's busy time (plus any `extra`, e.g. a just-won claim). */
export function withBookings(
  inputs: AvailabilityInputs,
  extra: Map<string, Interval[]> = new Map(),
): AvailabilityQuery {
  return {
    ...inputs.query,
    staff: inputs.query.staff.map((s) => ({
      ...s,
      busy: [...s.busy, ...(inputs.booked.get(s.id) ?? []), ...(extra.get(s.id) ?? [])],
    })),
  };
}

export async function loadAvailabilityQuery(db: Tx, p: LoadAvailabilityParams): Promise<AvailabilityQuery> {
  const inputs = await loadAvailabilityInputs(db, p);
  return p.ignoreBookings ? inputs.query : withBookings(inputs);
}

export async function loadAvailabilityInputs(db: Tx, p: LoadAvailabilityParams): Promise<AvailabilityInputs> {
  const serviceIds = [...new Set(p.items.map((i) => i.serviceId))];
  const pinned = p.items.map((i) => i.staffId).filter((s): s is string => !!s);
  // Independent reads run in parallel on the pool (one round trip of latency instead of three).
  const dayRange = { gte: new Date(`${p.fromDate}T00:00:00Z`), lte: new Date(`${p.toDate}T00:00:00Z`) };
  const [location, services, staffRows] = await Promise.all([
    db.location.findUnique({
      where: { id: p.locationId },
      include: { hours: true, closures: { where: { date: dayRange } } },
    }),
    db.service.findMany({ where: { id: { in: serviceIds }, locationId: p.locationId, active: true } }),
    db.staffMember.findMany({
      where: {
        locationId: p.locationId,
        active: true,
        bookable: true,
        OR: [{ id: { in: pinned } }, { services: { some: { serviceId: { in: serviceIds } } } }],
      },
      orderBy: { displayName: "asc" },
      include: {
        services: { where: { serviceId: { in: serviceIds } } },
        scheduleBlocks: true,
        dateOverrides: { where: { date: dayRange } },
        // Narrowed to the exact range below, once the zone is known.
        timeOff: { where: { endsAt: { gt: new Date(`${p.fromDate}T00:00:00Z`) } } },
      },
    }),
  ]);
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  if (services.length !== serviceIds.length) throw new AppError("NOT_FOUND", "Unknown or archived service");
  // Margins of a day on each side cover any zone offset and buffers.
  const from = new Date(localToUtc(p.fromDate, 0, location.timeZone).getTime() - 86_400_000);
  const to = new Date(localToUtc(addDays(p.toDate, 1), 0, location.timeZone).getTime() + 86_400_000);
  const staff = staffRows.map((s) => ({ ...s, timeOff: s.timeOff.filter((t) => t.startsAt < to && t.endsAt > from) }));
  for (const id of pinned) {
    if (!staff.some((s) => s.id === id)) throw new AppError("NOT_FOUND", "That stylist is not available for booking");
  }
  const staffIds = staff.map((s) => s.id);
  // Aggregated in SQL: one row per stylist with arrays of epoch-ms bounds, instead of thousands
  // of row objects (this query dominates the cost of an availability request).
  const [segments, external] = await Promise.all([
    p.ignoreBookings
      ? []
      : db.$queryRaw<{ staff_id: string; starts: number[]; ends: number[] }[]>`
        SELECT s.staff_id::text AS staff_id,
               array_agg((extract(epoch FROM s.starts_at) * 1000)::float8) AS starts,
               array_agg((extract(epoch FROM s.ends_at) * 1000)::float8) AS ends
          FROM booking_segment s
          JOIN booking b ON b.id = s.booking_id
         WHERE s.staff_id = ANY(${staffIds}::uuid[])
           AND s.active
           AND s.starts_at < ${to} AND s.ends_at > ${from}
           AND (${p.excludeBookingId ?? null}::uuid IS NULL OR s.booking_id <> ${p.excludeBookingId ?? null}::uuid)
           -- A hold whose time is up no longer blocks anyone, even before the expiry job runs.
           AND NOT (b.status IN ('held', 'pending_deposit') AND b.hold_expires_at <= ${p.now})
         GROUP BY s.staff_id`,
    (p.busySource ?? storedExternalBusy).busy(db, staffIds, from, to),
  ]);

  const booked = new Map<string, Interval[]>();
  for (const row of segments) {
    const list: Interval[] = [];
    for (let i = 0; i < row.starts.length; i++) list.push({ start: Number(row.starts[i]), end: Number(row.ends[i]) });
    booked.set(row.staff_id, list);
  }

  const staffAvailability: StaffAvailability[] = staff.map((s) => ({
    id: s.id,
    name: s.displayName,
    ...workingSchedule(s),
    busy: [
      ...(external.get(s.id) ?? []),
      ...s.timeOff.map((t) => ({ start: t.startsAt.getTime(), end: t.endsAt.getTime() })),
    ],
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

  const query: AvailabilityQuery = {
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
  return {
    query,
    booked,
    location: {
      id: location.id,
      timeZone: location.timeZone,
      holdMinutes: location.holdMinutes,
      currency: location.currency,
      horizonDays: location.horizonDays,
    },
    services,
    staff: staff.map((s) => ({
      id: s.id,
      displayName: s.displayName,
      skills: new Map(s.services.map((k) => [k.serviceId, k])),
    })),
  };
}
