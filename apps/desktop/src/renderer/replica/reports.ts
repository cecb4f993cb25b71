// Reports offline: the same computeReport the server runs, over the replica's rows. Utilisation and
// conversation figures need the server (schedules, chats) and come back empty.
import { computeReport, type ReportInput, type ReportOutput } from "@cita/shared";
import { addDays, localToUtc } from "../time.ts";
import type { ReplicaDb } from "./db.ts";

export function localReportSource(db: ReplicaDb): { load(input: ReportInput): Promise<ReportOutput> } {
  return {
    async load(input) {
      const [locations, services, staff] = await Promise.all([
        db.locations.toArray(),
        db.services.toArray(),
        db.staff.toArray(),
      ]);
      const location = locations.find((l) => !input.locationId || l.id === input.locationId);
      if (!location) throw new Error("This location is not in the local copy");
      // A day of margin each side: the period is in local dates, the index in UTC instants.
      const from = new Date(localToUtc(addDays(input.from, -1), 0, location.timeZone)).toISOString();
      const to = new Date(localToUtc(addDays(input.to, 2), 0, location.timeZone)).toISOString();
      const byVisit = await db.bookings.where("startsAt").between(from, to, true, false).toArray();
      // The assistant's figures count bookings by when they were made, whatever the visit's date.
      const seen = new Set(byVisit.map((b) => b.id));
      const madeThen = await db.bookings
        .filter((b) => !seen.has(b.id) && b.createdAt >= from && b.createdAt < to)
        .toArray();
      const inRange = [...byVisit, ...madeThen];
      // Bookings that replaced one of these by a reschedule mark the originals as moved.
      const ids = new Set(inRange.map((b) => b.id));
      const successors = await db.bookings
        .filter((b) => b.rescheduledFromId !== null && ids.has(b.rescheduledFromId) && !ids.has(b.id))
        .toArray();
      return computeReport(input, {
        location,
        bookings: [...inRange, ...successors],
        services,
        staff,
        capacityMinutesByStaff: null,
        conversations: null,
      });
    },
  };
}
