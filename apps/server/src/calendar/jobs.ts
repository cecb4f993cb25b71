// Calendar jobs: push bookings (every minute), import busy time (on push notifications and every
// 5 minutes as a poll), renew push channels (hourly, a day before they expire).
import type { JobQueue } from "../jobs/job-queue.ts";
import { reportIntegration } from "../payments/integration-status.ts";
import type { AppServices } from "../services.ts";
import { ensureChannel, RENEW_QUEUE } from "./channels.ts";
import { calendarFor, calendarMode } from "./client.ts";
import { SYNC_QUEUE, syncBusyTime } from "./import-busy.ts";
import { PUSH_QUEUE, syncBookingsToCalendars } from "./sync-bookings.ts";

export const POLL_QUEUE = "calendar.poll";

/** Staff with a calendar id but no connection row get one (the row keeps sync state). */
export async function ensureConnections(services: AppServices): Promise<string[]> {
  const missing = await services.db.staffMember.findMany({
    where: { calendarId: { not: null }, active: true, calendar: null },
    select: { id: true, calendarId: true },
  });
  for (const s of missing) {
    await services.db.calendarConnection.createMany({
      data: [{ staffId: s.id, calendarId: s.calendarId! }],
      skipDuplicates: true,
    });
  }
  return (await services.db.calendarConnection.findMany({ select: { staffId: true } })).map((c) => c.staffId);
}

export async function registerCalendarWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  const mode = calendarMode(services);
  await reportIntegration(
    services.db,
    "google_calendar",
    {
      mode,
      healthy: mode !== "off",
      lastError: mode === "off" ? "GOOGLE_SERVICE_ACCOUNT_JSON is not set: calendar sync is off" : null,
    },
    services.clock(),
  );
  await jobs.define({ name: SYNC_QUEUE, retryLimit: 5, retryDelaySeconds: 30 });
  await jobs.define({ name: PUSH_QUEUE, retryLimit: 0 });
  await jobs.define({ name: POLL_QUEUE, retryLimit: 0 });
  await jobs.define({ name: RENEW_QUEUE, retryLimit: 2, retryDelaySeconds: 300 });
  await jobs.work<{ staffId: string }>(SYNC_QUEUE, async (d) => {
    await syncBusyTime(services, d.staffId);
  });
  await jobs.work(PUSH_QUEUE, async () => {
    await syncBookingsToCalendars(services);
  });
  await jobs.work(POLL_QUEUE, async () => {
    if (!calendarFor(services)) return;
    for (const staffId of await ensureConnections(services)) {
      await jobs.send(SYNC_QUEUE, { staffId }, { singletonKey: `calendar-sync:${staffId}` });
    }
  });
  await jobs.work(RENEW_QUEUE, async () => {
    if (!calendarFor(services)) return;
    for (const staffId of await ensureConnections(services)) {
      await ensureChannel(services, staffId).catch((err) =>
        services.log.warn({ err, staffId }, "channel renewal failed"),
      );
    }
  });
  if (mode !== "off") {
    await jobs.boss.schedule(PUSH_QUEUE, "* * * * *");
    await jobs.boss.schedule(POLL_QUEUE, "*/5 * * * *");
    await jobs.boss.schedule(RENEW_QUEUE, "17 * * * *");
  }
}
