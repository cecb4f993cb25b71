// Bookings → stylists' Google Calendars. Two steps, both idempotent:
// 1. collect: reads change_log from its cursor; for each changed booking, records in calendar_event
//    (an outbox) what should be on each stylist's calendar — an event per item while the visit is
//    confirmed / checked in / completed, none once it is cancelled, expired or moved (a move is a
//    new booking with new item ids: the old events are deleted, the new ones inserted).
// 2. push: writes every row not yet written. Inserts use a deterministic event id (eventIdFor), so
//    a retry that finds its event already there (409) patches it instead of duplicating it.
import type { calendar_v3 } from "googleapis";
import type { Db } from "../db/client.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";
import type { PaymentServices } from "../payments/common.ts";
import { changedBookings, writeCursor } from "../reminders/planner.ts";
import type { AppServices } from "../services.ts";
import {
  type CalendarServices,
  calendarFor,
  DEFAULT_RETRY,
  eventIdFor,
  type RetryOptions,
  statusOf,
  withBackoff,
} from "./client.ts";
import { markCalendarFailing, markCalendarOk } from "./health.ts";

export const PUSH_QUEUE = "calendar.push";
const CURSOR = "calendar.bookings";

export type CalendarSyncServices = PaymentServices & CalendarServices & Partial<Pick<AppServices, "calendarAuth">>;

const ON_CALENDAR: BookingStatus[] = ["confirmed", "checked_in", "completed"];

export async function collectBookingChanges(services: CalendarSyncServices): Promise<number> {
  const db = services.db as Db;
  let n = 0;
  for (;;) {
    const { ids, upTo } = await changedBookings(db, CURSOR);
    if (upTo === null) break;
    const bookings = await db.booking.findMany({
      where: { id: { in: ids } },
      include: {
        items: { include: { staff: { select: { calendarId: true, calendar: { select: { calendarId: true } } } } } },
      },
    });
    for (const b of bookings) {
      const wanted = ON_CALENDAR.includes(b.status);
      for (const item of b.items) {
        const calendarId = item.staff.calendar?.calendarId ?? item.staff.calendarId;
        const existing = await db.calendarEvent.findUnique({ where: { itemId: item.id } });
        if (!calendarId && !existing) continue;
        if (wanted && calendarId) {
          const same =
            existing?.wanted &&
            existing.calendarId === calendarId &&
            existing.startsAt.getTime() === item.startsAt.getTime() &&
            existing.endsAt.getTime() === item.endsAt.getTime();
          if (same) continue;
          await db.calendarEvent.upsert({
            where: { itemId: item.id },
            create: {
              itemId: item.id,
              bookingId: b.id,
              staffId: item.staffId,
              calendarId,
              eventId: eventIdFor(item.id),
              startsAt: item.startsAt,
              endsAt: item.endsAt,
              wanted: true,
            },
            update: { calendarId, startsAt: item.startsAt, endsAt: item.endsAt, wanted: true, written: false },
          });
          n++;
        } else if (existing?.wanted) {
          await db.calendarEvent.update({ where: { itemId: item.id }, data: { wanted: false, written: false } });
          n++;
        }
      }
    }
    await writeCursor(db, CURSOR, upTo.toString());
  }
  return n;
}

async function eventBody(
  db: Db,
  services: CalendarSyncServices,
  row: { itemId: string; eventId: string; bookingId: string; startsAt: Date; endsAt: Date },
) {
  const item = await db.bookingItem.findUniqueOrThrow({
    where: { id: row.itemId },
    include: {
      service: { select: { nameEs: true } },
      booking: { select: { customer: { select: { nameCipher: true } }, location: { select: { timeZone: true } } } },
    },
  });
  const name = item.booking.customer.nameCipher ? services.fc.decrypt(item.booking.customer.nameCipher) : null;
  const tz = item.booking.location.timeZone;
  // No phone number or notes: only what the stylist needs to recognise the appointment.
  return {
    id: row.eventId,
    summary: name ? `${item.service.nameEs} – ${name.split(" ")[0]}` : item.service.nameEs,
    description: "Reservado en Cita",
    start: { dateTime: row.startsAt.toISOString(), timeZone: tz },
    end: { dateTime: row.endsAt.toISOString(), timeZone: tz },
    extendedProperties: { private: { citaBookingId: row.bookingId, citaItemId: row.itemId } },
  } satisfies calendar_v3.Schema$Event;
}

export async function pushCalendarEvents(
  services: CalendarSyncServices,
  opts: { retry?: RetryOptions; limit?: number } = {},
): Promise<{ written: number; failed: number }> {
  const cal = calendarFor(services);
  if (!cal) return { written: 0, failed: 0 };
  const db = services.db as Db;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const rows = await db.calendarEvent.findMany({
    where: { written: false },
    orderBy: { updatedAt: "asc" },
    take: opts.limit ?? 200,
  });
  let written = 0;
  let failed = 0;
  const failingStaff = new Set<string>();
  for (const row of rows) {
    if (failingStaff.has(row.staffId)) continue; // one failure per calendar per run is enough
    try {
      if (row.wanted) {
        const body = await eventBody(db, services, row);
        try {
          await withBackoff(
            () => cal.events.insert({ calendarId: row.calendarId, sendUpdates: "none", requestBody: body }),
            retry,
          );
        } catch (e) {
          if (statusOf(e) !== 409) throw e;
          // Already there (a retry, or a move of the same item): make it match.
          const { id: _id, ...patch } = body;
          await withBackoff(
            () =>
              cal.events.patch({
                calendarId: row.calendarId,
                eventId: row.eventId,
                sendUpdates: "none",
                requestBody: patch,
              }),
            retry,
          );
        }
      } else {
        try {
          await withBackoff(
            () => cal.events.delete({ calendarId: row.calendarId, eventId: row.eventId, sendUpdates: "none" }),
            retry,
          );
        } catch (e) {
          // 410: already deleted; 404: never written. Both are the wanted end state (§4.2).
          if (statusOf(e) !== 410 && statusOf(e) !== 404) throw e;
        }
      }
      // Only if nothing changed the row meanwhile (a newer wish must still be pushed).
      await db.calendarEvent.updateMany({
        where: { itemId: row.itemId, updatedAt: row.updatedAt },
        data: { written: true, attempts: 0, lastError: null },
      });
      written++;
      await markCalendarOk(db, services, row.staffId, services.clock());
    } catch (e) {
      failed++;
      failingStaff.add(row.staffId);
      services.log.warn({ err: e, staffId: row.staffId, itemId: row.itemId }, "calendar write failed; will retry");
      await db.calendarEvent.update({
        where: { itemId: row.itemId },
        data: { attempts: { increment: 1 }, lastError: String((e as Error).message).slice(0, 500) },
      });
      await markCalendarFailing(db, services, row.staffId, e, services.clock());
    }
  }
  return { written, failed };
}

export async function syncBookingsToCalendars(services: CalendarSyncServices, opts: { retry?: RetryOptions } = {}) {
  if (!calendarFor(services)) return { collected: 0, written: 0, failed: 0 };
  const collected = await collectBookingChanges(services);
  return { collected, ...(await pushCalendarEvents(services, opts)) };
}
