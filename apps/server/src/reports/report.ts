// reports.get: loads a period's rows for the caller's location — as the offline replica stores them
// (changes/sync.ts views) — plus what only the server knows (stylists' capacity, conversation
// figures), and hands everything to the pure computeReport in @cita/shared.
import {
  combineReports,
  computeReport,
  type ReportAllInput,
  type ReportAllOutput,
  type ReportInput,
  type ReportOutput,
} from "@cita/shared";
import type { Scope } from "../audit/scope.ts";
import { allowedLocations, mayUseLocation } from "../auth/locations.ts";
import { bookingRowInclude, viewBookingRow, viewServiceRow, viewStaffRow } from "../changes/sync.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { addDays, localToUtc } from "../time/zoned.ts";
import { refilledFromWaitlist } from "../waitlist/waitlist.ts";
import { loadCapacity } from "./capacity.ts";

/**
 * Conversation figures for [start, end):
 * - handedOver: conversations the assistant escalated to a person (a "conversation.escalated" audit
 *   row: the agent asked for a human). A person taking a chat over on their own is not counted.
 * - withBot: conversations in which the assistant ran at least one turn.
 * Issue #21: a conversation belongs to its location (conversation.location_id, from its inbox or
 * the customer's answer); one without a location is the default location's (the first one: what the
 * assistant answers with, agent/wire.ts). `locationId` null = every conversation.
 */
export async function conversationFigures(
  db: Tx,
  start: Date,
  end: Date,
  locationId: string | null = null,
): Promise<{ handedOver: number; withBot: number }> {
  const [escalated, turns] = await Promise.all([
    db.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT a.entity_id)::int AS n FROM audit_log a
        LEFT JOIN conversation c ON a.entity_id = c.id::text
       WHERE a.action = 'conversation.escalated' AND a.entity_type = 'conversation'
         AND a.at >= ${start} AND a.at < ${end}
         AND (${locationId}::uuid IS NULL OR COALESCE(c.location_id,
              (SELECT id FROM location ORDER BY created_at, id LIMIT 1)) = ${locationId}::uuid)`,
    db.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT t.conversation_id)::int AS n FROM agent_turn t
        JOIN conversation c ON c.id = t.conversation_id
       WHERE t.started_at >= ${start} AND t.started_at < ${end}
         AND (${locationId}::uuid IS NULL OR COALESCE(c.location_id,
              (SELECT id FROM location ORDER BY created_at, id LIMIT 1)) = ${locationId}::uuid)`,
  ]);
  return { handedOver: escalated[0]?.n ?? 0, withBot: turns[0]?.n ?? 0 };
}

/** Every location the caller may see, each location's report, and the sum (issue #21). */
export async function getReportAllLocations(scope: Scope, input: ReportAllInput): Promise<ReportAllOutput> {
  const locations = await allowedLocations(scope.db, { sub: scope.actor.id ?? "", role: scope.role });
  const reports: ReportAllOutput["locations"] = [];
  // One after the other: each is a handful of queries, and a salon group has a few locations.
  for (const l of locations) {
    reports.push({
      locationId: l.id,
      name: l.name,
      report: await getReport({ ...scope, locationId: l.id }, { from: input.from, to: input.to }),
    });
  }
  return { from: input.from, to: input.to, locations: reports, total: combineReports(reports.map((r) => r.report)) };
}

export async function getReport(scope: Scope, input: ReportInput): Promise<ReportOutput> {
  const { db } = scope;
  const locationId = input.locationId ?? scope.locationId;
  if (
    locationId !== scope.locationId &&
    !(await mayUseLocation(db, { sub: scope.actor.id ?? "", role: scope.role, loc: scope.locationId }, locationId))
  ) {
    throw new AppError("FORBIDDEN", "Reports cover the locations you may see only");
  }
  const location = await db.location.findUnique({ where: { id: locationId } });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const tz = location.timeZone;
  // The period as instants: from local midnight of `from` to local midnight after `to`.
  const start = localToUtc(input.from, 0, tz);
  const end = localToUtc(addDays(input.to, 1), 0, tz);
  const range = { gte: start, lt: end };

  const [bookings, services, staff, conversations] = await Promise.all([
    // Visits in the period, and bookings made in it (the assistant's outcomes go by creation date).
    db.booking.findMany({
      where: { locationId: location.id, OR: [{ startsAt: range }, { createdAt: range }] },
      include: bookingRowInclude,
    }),
    db.service.findMany({ where: { locationId: location.id } }),
    db.staffMember.findMany({ where: { locationId: location.id } }),
    conversationFigures(db, start, end, location.id),
  ]);
  // The bookings that replaced cancelled ones by a reschedule, wherever they fall: they mark the
  // originals as moved (computeReport then counts only the successor, in its own period).
  const have = new Set(bookings.map((b) => b.id));
  const cancelled = bookings.filter((b) => b.status === "cancelled").map((b) => b.id);
  const successors = cancelled.length
    ? await db.booking.findMany({ where: { rescheduledFromId: { in: cancelled } }, include: bookingRowInclude })
    : [];
  const rows = [...bookings, ...successors.filter((b) => !have.has(b.id))].map((b) => viewBookingRow(scope.fc, b));

  // Capacity for every active bookable stylist, and anyone with booked time in the period.
  const staffIds = new Set(staff.filter((s) => s.active && s.bookable).map((s) => s.id));
  for (const b of bookings) {
    if (b.startsAt >= start && b.startsAt < end) for (const i of b.items) staffIds.add(i.staffId);
  }
  const capacityMinutesByStaff = await loadCapacity(db, {
    locationId: location.id,
    timeZone: tz,
    staffIds: [...staffIds],
    from: input.from,
    to: input.to,
    start,
    end,
  });

  return computeReport(input, {
    location,
    bookings: rows,
    services: services.map(viewServiceRow),
    staff: staff.map(viewStaffRow),
    capacityMinutesByStaff,
    conversations,
    refilledFromWaitlist: await refilledFromWaitlist(db, location.id, start, end),
  });
}
