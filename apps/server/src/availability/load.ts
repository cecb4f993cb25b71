// Loads everything computeAvailability needs for one location and visit from PostgreSQL, in a
// handful of queries. Busy time comes from three sources: time off, active booking segments
// (holds past their expiry no longer count), and external calendars (via BusyTimeSource).
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { DepositRule } from "../generated/prisma/enums.ts";
import { mergeSorted, sortIntervals } from "./intervals.ts";
import type { ResourceAvailability, ResourceNeed } from "./resources.ts";
import type {
  AvailabilityQuery,
  DateOverride,
  Interval,
  StaffAvailability,
  StaffSkill,
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
  /** Load only the pinned stylists, not everyone qualified (a booking's own check). */
  onlyPinnedStaff?: boolean;
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
  /** Active resource segments (live holds included) per resource (issue #21), in epoch ms. */
  resourceBooked: Map<string, Interval[]>;
  location: { id: string; timeZone: string; holdMinutes: number; currency: string; horizonDays: number };
  /** The visit's services (active, this location's): names, timing, price, deposit terms. */
  services: PlanServiceRow[];
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

/** A service as a booking is planned from (bookings/plan.ts). */
export interface PlanServiceRow {
  id: string;
  nameEs: string;
  nameEn: string;
  priceCents: number;
  bufferBeforeMinutes: number;
  durationMinutes: number;
  processingMinutes: number;
  finishingMinutes: number;
  bufferAfterMinutes: number;
  depositRule: DepositRule;
  depositValue: number;
  /** The kinds of resource its phases occupy (issue #21). */
  needs?: ResourceNeed[];
  /** Booking it needs a valid patch test (issue #21): only then does a booking look the tests up. */
  patchTestRequired?: boolean;
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
    ...(inputs.query.resources ? { resources: bookedResources(inputs, extra) } : {}),
  };
}

/**
 * The location's needed resources with booked time (plus any `extra`) as busy, sorted and merged as
 * the resource picker reads it (availability/resources.ts); [] when none is needed.
 */
export function bookedResources(
  inputs: AvailabilityInputs,
  extra: Map<string, Interval[]> = new Map(),
): ResourceAvailability[] {
  return (inputs.query.resources ?? []).map((r) => ({
    ...r,
    busy: mergeSorted(
      sortIntervals([...r.busy, ...(inputs.resourceBooked.get(r.id) ?? []), ...(extra.get(r.id) ?? [])]),
    ),
  }));
}

export async function loadAvailabilityQuery(db: Tx, p: LoadAvailabilityParams): Promise<AvailabilityQuery> {
  const inputs = await loadAvailabilityInputs(db, p);
  return p.ignoreBookings ? inputs.query : withBookings(inputs);
}

interface LoadedRow {
  location: {
    id: string;
    time_zone: string;
    slot_step_minutes: number;
    min_notice_minutes: number;
    horizon_days: number;
    hold_minutes: number;
    currency: string;
  } | null;
  window: { from: number; to: number } | null;
  hours: { weekday: number; startMinute: number; endMinute: number }[];
  closures: string[];
  services: PlanServiceRow[];
  staff: {
    id: string;
    name: string;
    skills: ({ serviceId: string } & Required<StaffSkill>)[];
    weekly: WeeklyBlock[];
    overrides: DateOverride[];
    /** [start, end] epoch ms pairs. */
    timeOff: [number, number][];
    external: [number, number][];
    booked: [number, number][];
  }[];
  resources: { id: string; kind: string; booked: [number, number][] }[];
}

/**
 * Loads the inputs in ONE statement (one round trip, one query for the planner instead of a dozen
 * for the ORM): the location and its hours and closures, the services, every bookable stylist who
 * is pinned or does one of them — with skills, weekly schedule, date overrides, time off, stored
 * external busy time and active booking segments (holds past their expiry no longer count) inside
 * the range widened by a day on each side (any zone offset and buffers).
 */
export async function loadAvailabilityInputs(db: Tx, p: LoadAvailabilityParams): Promise<AvailabilityInputs> {
  const serviceIds = [...new Set(p.items.map((i) => i.serviceId))];
  const pinned = p.items.map((i) => i.staffId).filter((s): s is string => !!s);
  const storedBusy = !p.busySource || p.busySource === storedExternalBusy;
  const exclude = p.excludeBookingId ?? null;
  const [row] = await db.$queryRaw<{ j: LoadedRow }[]>`
    WITH loc AS (
      SELECT id, time_zone, slot_step_minutes, min_notice_minutes, horizon_days, hold_minutes, currency
        FROM location WHERE id = ${p.locationId}::uuid
    ), win AS (
      SELECT ((${p.fromDate}::date)::timestamp AT TIME ZONE loc.time_zone) - interval '1 day' AS f,
             ((${p.toDate}::date + 1)::timestamp AT TIME ZONE loc.time_zone) + interval '1 day' AS t
        FROM loc
    ), st AS (
      -- This location's stylists: those based here and those who also work here (issue #21).
      SELECT s.id, s.display_name, s.location_id AS home FROM staff_member s
       WHERE (s.location_id = ${p.locationId}::uuid
              OR EXISTS (SELECT 1 FROM staff_location sl
                          WHERE sl.staff_id = s.id AND sl.location_id = ${p.locationId}::uuid))
         AND s.active AND s.bookable
         AND (s.id = ANY(${pinned}::uuid[])
              OR (NOT ${p.onlyPinnedStaff ?? false}::boolean
                  AND EXISTS (SELECT 1 FROM staff_service k
                               WHERE k.staff_id = s.id AND k.service_id = ANY(${serviceIds}::uuid[]))))
    )
    SELECT json_build_object(
      'location', (SELECT row_to_json(loc) FROM loc),
      'window', (SELECT json_build_object('from', (extract(epoch FROM win.f) * 1000)::float8,
                                          'to', (extract(epoch FROM win.t) * 1000)::float8) FROM win),
      'hours', (SELECT coalesce(json_agg(json_build_object('weekday', h.weekday, 'startMinute', h.start_minute,
                                                           'endMinute', h.end_minute)), '[]'::json)
                  FROM location_hours h WHERE h.location_id = ${p.locationId}::uuid),
      'closures', (SELECT coalesce(json_agg(c.date::text), '[]'::json) FROM location_closure c
                    WHERE c.location_id = ${p.locationId}::uuid AND c.date BETWEEN ${p.fromDate}::date AND ${p.toDate}::date),
      'services', (SELECT coalesce(json_agg(json_build_object(
                      'id', v.id, 'nameEs', v.name_es, 'nameEn', v.name_en, 'priceCents', v.price_cents,
                      'durationMinutes', v.duration_minutes, 'processingMinutes', v.processing_minutes,
                      'finishingMinutes', v.finishing_minutes, 'bufferBeforeMinutes', v.buffer_before_minutes,
                      'bufferAfterMinutes', v.buffer_after_minutes, 'depositRule', v.deposit_rule,
                      'depositValue', v.deposit_value, 'patchTestRequired', v.patch_test_required,
                      'needs', (SELECT coalesce(json_agg(json_build_object('kind', n.kind, 'phase', n.phase)
                                                         ORDER BY n.kind, n.phase), '[]'::json)
                                  FROM service_resource_need n WHERE n.service_id = v.id))), '[]'::json)
                     FROM service v
                    WHERE v.id = ANY(${serviceIds}::uuid[]) AND v.location_id = ${p.locationId}::uuid AND v.active),
      'staff', (SELECT coalesce(json_agg(json_build_object(
          'id', st.id,
          'name', st.display_name,
          'skills', (SELECT coalesce(json_agg(json_build_object('serviceId', k.service_id,
                        'durationMinutes', k.duration_minutes, 'processingMinutes', k.processing_minutes,
                        'finishingMinutes', k.finishing_minutes, 'priceCents', k.price_cents)), '[]'::json)
                       FROM staff_service k WHERE k.staff_id = st.id AND k.service_id = ANY(${serviceIds}::uuid[])),
          'weekly', (SELECT coalesce(json_agg(json_build_object('weekday', b.weekday, 'kind', b.kind,
                        'startMinute', b.start_minute, 'endMinute', b.end_minute)), '[]'::json)
                       FROM staff_schedule_block b
                      -- A block without a location is worked at the stylist's home location.
                      WHERE b.staff_id = st.id AND coalesce(b.location_id, st.home) = ${p.locationId}::uuid),
          'overrides', (SELECT coalesce(json_agg(json_build_object('date', o.date::text, 'kind', o.kind,
                           'startMinute', o.start_minute, 'endMinute', o.end_minute)), '[]'::json)
                          FROM staff_date_override o
                         WHERE o.staff_id = st.id AND o.date BETWEEN ${p.fromDate}::date AND ${p.toDate}::date),
          'timeOff', (SELECT coalesce(json_agg(json_build_array((extract(epoch FROM t.starts_at) * 1000)::float8,
                         (extract(epoch FROM t.ends_at) * 1000)::float8)), '[]'::json)
                        FROM staff_time_off t, win WHERE t.staff_id = st.id AND t.starts_at < win.t AND t.ends_at > win.f),
          'external', (SELECT coalesce(json_agg(json_build_array((extract(epoch FROM x.starts_at) * 1000)::float8,
                          (extract(epoch FROM x.ends_at) * 1000)::float8)), '[]'::json)
                         FROM external_busy x, win
                        WHERE ${storedBusy}::boolean AND x.staff_id = st.id AND x.starts_at < win.t AND x.ends_at > win.f),
          'booked', (SELECT coalesce(json_agg(json_build_array((extract(epoch FROM g.starts_at) * 1000)::float8,
                        (extract(epoch FROM g.ends_at) * 1000)::float8)), '[]'::json)
                       FROM booking_segment g JOIN booking bk ON bk.id = g.booking_id, win
                      WHERE NOT ${p.ignoreBookings ?? false}::boolean
                        AND g.staff_id = st.id AND g.active AND g.starts_at < win.t AND g.ends_at > win.f
                        AND (${exclude}::uuid IS NULL OR g.booking_id <> ${exclude}::uuid)
                        -- A hold whose time is up no longer blocks anyone, even before the expiry job runs.
                        AND NOT (bk.status IN ('held', 'pending_deposit') AND bk.hold_expires_at <= ${p.now}))
        ) ORDER BY st.display_name), '[]'::json) FROM st),
      -- Resources of the kinds the services need, with the time active bookings hold them.
      'resources', (SELECT coalesce(json_agg(json_build_object(
          'id', r.id, 'kind', r.kind,
          'booked', (SELECT coalesce(json_agg(json_build_array((extract(epoch FROM g.starts_at) * 1000)::float8,
                        (extract(epoch FROM g.ends_at) * 1000)::float8)), '[]'::json)
                       FROM booking_resource_segment g JOIN booking bk ON bk.id = g.booking_id, win
                      WHERE NOT ${p.ignoreBookings ?? false}::boolean
                        AND g.resource_id = r.id AND g.active AND g.starts_at < win.t AND g.ends_at > win.f
                        AND (${exclude}::uuid IS NULL OR g.booking_id <> ${exclude}::uuid)
                        AND NOT (bk.status IN ('held', 'pending_deposit') AND bk.hold_expires_at <= ${p.now}))
        ) ORDER BY r.sort_order, r.name), '[]'::json)
          FROM resource r
         WHERE r.location_id = ${p.locationId}::uuid AND r.active
           AND r.kind IN (SELECT n.kind FROM service_resource_need n WHERE n.service_id = ANY(${serviceIds}::uuid[])))
    ) AS j`;
  const loaded = row!.j;
  const location = loaded.location;
  if (!location || !loaded.window) throw new AppError("NOT_FOUND", "Unknown location");
  if (loaded.services.length !== serviceIds.length) throw new AppError("NOT_FOUND", "Unknown or archived service");
  for (const id of pinned) {
    if (!loaded.staff.some((s) => s.id === id))
      throw new AppError("NOT_FOUND", "That stylist is not available for booking");
  }
  const interval = ([start, end]: [number, number]): Interval => ({ start: Number(start), end: Number(end) });
  const external = storedBusy
    ? new Map(loaded.staff.map((s) => [s.id, s.external.map(interval)]))
    : await p.busySource!.busy(
        db,
        loaded.staff.map((s) => s.id),
        new Date(loaded.window.from),
        new Date(loaded.window.to),
      );
  const booked = new Map(loaded.staff.filter((s) => s.booked.length).map((s) => [s.id, s.booked.map(interval)]));
  const resourceBooked = new Map(
    loaded.resources.filter((r) => r.booked.length).map((r) => [r.id, r.booked.map(interval)]),
  );
  const needed = loaded.services.some((s) => s.needs?.length);
  const resources: ResourceAvailability[] = loaded.resources.map((r) => ({ id: r.id, kind: r.kind, busy: [] }));
  const query: AvailabilityQuery = {
    now: p.now,
    location: {
      timeZone: location.time_zone,
      slotStepMinutes: location.slot_step_minutes,
      minNoticeMinutes: location.min_notice_minutes,
      horizonDays: location.horizon_days,
      hours: loaded.hours,
      closures: loaded.closures,
    },
    services: loaded.services.map((s) => ({
      id: s.id,
      durationMinutes: s.durationMinutes,
      processingMinutes: s.processingMinutes,
      finishingMinutes: s.finishingMinutes,
      bufferBeforeMinutes: s.bufferBeforeMinutes,
      bufferAfterMinutes: s.bufferAfterMinutes,
      priceCents: s.priceCents,
      ...(s.needs?.length ? { needs: s.needs } : {}),
    })),
    staff: loaded.staff.map((s) => ({
      id: s.id,
      name: s.name,
      weekly: s.weekly,
      overrides: s.overrides,
      busy: [...(external.get(s.id) ?? []), ...s.timeOff.map(interval)],
      skills: new Map(s.skills.map((k) => [k.serviceId, k])),
    })),
    items: p.items,
    fromDate: p.fromDate,
    toDate: p.toDate,
    ...(p.limit ? { limit: p.limit } : {}),
    ...(needed ? { resources } : {}),
  };
  return {
    query,
    booked,
    resourceBooked,
    location: {
      id: location.id,
      timeZone: location.time_zone,
      holdMinutes: location.hold_minutes,
      currency: location.currency,
      horizonDays: location.horizon_days,
    },
    services: loaded.services,
    staff: loaded.staff.map((s) => ({
      id: s.id,
      displayName: s.name,
      skills: new Map(s.skills.map((k) => [k.serviceId, k])),
    })),
  };
}

/**
 * Issue #21: the resource side of a plan for writers that read rows themselves (group visits):
 * each service's needs and the location's resources of those kinds with the time live bookings
 * hold them in [from, to).
 */
export async function loadResourceState(
  db: Tx,
  locationId: string,
  serviceIds: string[],
  from: Date,
  to: Date,
  now: Date,
): Promise<{ needs: Map<string, ResourceNeed[]>; resources: ResourceAvailability[] }> {
  const needRows = await db.serviceResourceNeed.findMany({ where: { serviceId: { in: serviceIds } } });
  const needs = new Map<string, ResourceNeed[]>();
  for (const n of needRows)
    needs.set(n.serviceId, [...(needs.get(n.serviceId) ?? []), { kind: n.kind, phase: n.phase }]);
  if (!needRows.length) return { needs, resources: [] };
  const rows = await db.resource.findMany({
    where: { locationId, active: true, kind: { in: [...new Set(needRows.map((n) => n.kind))] } },
    orderBy: [{ sortOrder: "asc" }, { name: "asc" }],
    select: {
      id: true,
      kind: true,
      segments: {
        where: {
          active: true,
          startsAt: { lt: to },
          endsAt: { gt: from },
          NOT: { booking: { status: { in: ["held", "pending_deposit"] }, holdExpiresAt: { lte: now } } },
        },
        select: { startsAt: true, endsAt: true },
      },
    },
  });
  const resources = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    busy: mergeSorted(sortIntervals(r.segments.map((g) => ({ start: g.startsAt.getTime(), end: g.endsAt.getTime() })))),
  }));
  return { needs, resources };
}
