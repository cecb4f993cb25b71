// reports.get: loads a period's rows for the caller's location — as the offline replica stores them
// (changes/sync.ts views) — plus what only the server knows (stylists' capacity, conversation
// figures), and hands everything to the pure computeReport in @cita/shared.
import { computeReport, type ReportInput, type ReportOutput } from "@cita/shared";
import type { Scope } from "../audit/scope.ts";
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
 * Conversations are not tied to a location (the assistant serves one: agent/wire.ts), so these are
 * the assistant's whole inbox.
 */
export async function conversationFigures(
  db: Tx,
  start: Date,
  end: Date,
): Promise<{ handedOver: number; withBot: number }> {
  const [escalated, turns] = await Promise.all([
    db.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT entity_id)::int AS n FROM audit_log
       WHERE action = 'conversation.escalated' AND entity_type = 'conversation'
         AND at >= ${start} AND at < ${end}`,
    db.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT conversation_id)::int AS n FROM agent_turn
       WHERE started_at >= ${start} AND started_at < ${end}`,
  ]);
  return { handedOver: escalated[0]?.n ?? 0, withBot: turns[0]?.n ?? 0 };
}

export async function getReport(scope: Scope, input: ReportInput): Promise<ReportOutput> {
  if (input.locationId && input.locationId !== scope.locationId) {
    throw new AppError("FORBIDDEN", "Reports cover your own location only");
  }
  const { db } = scope;
  const location = await db.location.findUnique({ where: { id: scope.locationId } });
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
    conversationFigures(db, start, end),
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
