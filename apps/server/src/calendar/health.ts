// A calendar that keeps failing is flagged on its connection (lastError, failingSince) and in
// integration_status; bookings carry on regardless (the outbox keeps what still has to be written).
import type { Db } from "../db/client.ts";
import { reportIntegration } from "../payments/integration-status.ts";
import { type CalendarServices, calendarMode } from "./client.ts";

export async function markCalendarFailing(
  db: Db,
  s: CalendarServices,
  staffId: string,
  err: unknown,
  now: Date,
): Promise<void> {
  const message = String((err as Error)?.message ?? err).slice(0, 500);
  const conn = await db.calendarConnection.findUnique({ where: { staffId }, select: { failingSince: true } });
  if (conn) {
    await db.calendarConnection.update({
      where: { staffId },
      data: { lastError: message, failingSince: conn.failingSince ?? now },
    });
  }
  await reportIntegration(db, "google_calendar", { mode: calendarMode(s), healthy: false, lastError: message }, now);
}

export async function markCalendarOk(db: Db, s: CalendarServices, staffId: string, now: Date): Promise<void> {
  await db.calendarConnection.updateMany({
    where: { staffId, OR: [{ lastError: { not: null } }, { failingSince: { not: null } }] },
    data: { lastError: null, failingSince: null },
  });
  const stillFailing = await db.calendarConnection.count({ where: { failingSince: { not: null } } });
  if (!stillFailing) await reportIntegration(db, "google_calendar", { mode: calendarMode(s), healthy: true }, now);
}
