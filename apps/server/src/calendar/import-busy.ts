// A stylist's own Google Calendar events → external_busy, which availability reads
// (availability/load.ts storedExternalBusy). Incremental sync with a syncToken; a 410 Gone means
// the token is no longer valid: wipe the mirror and sync in full (reference §4.4).
// Not imported: events Cita wrote itself (extendedProperties.private.citaBookingId), free
// ("transparent") events, events the stylist declined, and cancelled ones (which are removed).
// All-day events block the whole local day in the salon's zone.
import type { calendar_v3 } from "googleapis";
import type { Db } from "../db/client.ts";
import { localToUtc } from "../time/zoned.ts";
import {
  type CalendarServices,
  calendarFor,
  DEFAULT_RETRY,
  type RetryOptions,
  statusOf,
  withBackoff,
} from "./client.ts";
import { markCalendarFailing, markCalendarOk } from "./health.ts";
import type { CalendarSyncServices } from "./sync-bookings.ts";

export const SYNC_QUEUE = "calendar.sync";
export const SOURCE = "google";
/** How far back a full sync reads (past busy time does not matter for booking). */
const FULL_SYNC_LOOKBACK_MS = 24 * 3_600_000;

export function blocksTime(e: calendar_v3.Schema$Event): boolean {
  if (e.status === "cancelled") return false;
  if (e.extendedProperties?.private?.citaBookingId) return false;
  if (e.transparency === "transparent") return false;
  if (e.attendees?.some((a) => a.self && a.responseStatus === "declined")) return false;
  return Boolean(e.start?.dateTime || e.start?.date);
}

export function busySpan(
  e: calendar_v3.Schema$Event,
  timeZone: string,
): { startsAt: Date; endsAt: Date; allDay: boolean } | null {
  if (e.start?.date) {
    const endDate = e.end?.date ?? e.start.date;
    return { startsAt: localToUtc(e.start.date, 0, timeZone), endsAt: localToUtc(endDate, 0, timeZone), allDay: true };
  }
  if (e.start?.dateTime && e.end?.dateTime) {
    return { startsAt: new Date(e.start.dateTime), endsAt: new Date(e.end.dateTime), allDay: false };
  }
  return null;
}

class SyncTokenGone extends Error {}

async function listAll(
  cal: calendar_v3.Calendar,
  calendarId: string,
  syncToken: string | null,
  timeMin: Date,
  retry: RetryOptions,
): Promise<{ items: calendar_v3.Schema$Event[]; nextSyncToken: string | null }> {
  const items: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  for (;;) {
    let res: { data: calendar_v3.Schema$Events };
    try {
      res = await withBackoff(
        () =>
          cal.events.list({
            calendarId,
            singleEvents: true, // keep identical between full and incremental calls (§4.4)
            maxResults: 250,
            ...(pageToken ? { pageToken } : {}),
            // syncToken cannot be combined with timeMin (§4.4).
            ...(syncToken ? { syncToken } : { timeMin: timeMin.toISOString() }),
          }),
        retry,
      );
    } catch (e) {
      if (statusOf(e) === 410) throw new SyncTokenGone();
      throw e;
    }
    items.push(...(res.data.items ?? []));
    if (res.data.nextPageToken) {
      pageToken = res.data.nextPageToken;
      continue;
    }
    return { items, nextSyncToken: res.data.nextSyncToken ?? null };
  }
}

export async function syncBusyTime(
  services: CalendarSyncServices & CalendarServices,
  staffId: string,
  opts: { retry?: RetryOptions } = {},
): Promise<{ full: boolean; upserted: number; removed: number } | null> {
  const cal = calendarFor(services);
  if (!cal) return null;
  const db = services.db as Db;
  const conn = await db.calendarConnection.findUnique({
    where: { staffId },
    include: { staff: { select: { location: { select: { timeZone: true } } } } },
  });
  if (!conn) return null;
  const now = services.clock();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const tz = conn.staff.location.timeZone;
  let full = !conn.syncToken;
  let result: Awaited<ReturnType<typeof listAll>>;
  try {
    try {
      result = await listAll(
        cal,
        conn.calendarId,
        conn.syncToken,
        new Date(now.getTime() - FULL_SYNC_LOOKBACK_MS),
        retry,
      );
    } catch (e) {
      if (!(e instanceof SyncTokenGone)) throw e;
      services.log.info({ staffId }, "calendar sync token expired (410): full resync");
      full = true;
      result = await listAll(cal, conn.calendarId, null, new Date(now.getTime() - FULL_SYNC_LOOKBACK_MS), retry);
    }
  } catch (e) {
    await markCalendarFailing(db, services, staffId, e, now);
    throw e;
  }
  let upserted = 0;
  let removed = 0;
  await db.$transaction(
    async (tx) => {
      if (full) removed += (await tx.externalBusy.deleteMany({ where: { staffId, source: SOURCE } })).count;
      for (const e of result.items) {
        if (!e.id) continue;
        const span = blocksTime(e) ? busySpan(e, tz) : null;
        if (!span || span.endsAt <= span.startsAt) {
          if (!full)
            removed += (await tx.externalBusy.deleteMany({ where: { staffId, source: SOURCE, externalId: e.id } }))
              .count;
          continue;
        }
        await tx.externalBusy.upsert({
          where: { staffId_source_externalId: { staffId, source: SOURCE, externalId: e.id } },
          create: { staffId, source: SOURCE, externalId: e.id, ...span },
          update: span,
        });
        upserted++;
      }
      await tx.calendarConnection.update({
        where: { staffId },
        data: { syncToken: result.nextSyncToken, lastSyncedAt: now },
      });
    },
    { maxWait: 15_000, timeout: 60_000 },
  );
  await markCalendarOk(db, services, staffId, now);
  return { full, upserted, removed };
}
