// Bookings are written by several areas (console, agent, payments). Rather than each remembering to
// schedule follow-ups, a planner reads change_log from its cursor and, for every booking that
// changed, schedules what it now needs: hold expiry at holdExpiresAt, reminders for a confirmed
// visit. Runs every minute and whenever woken; planning twice is harmless (handlers re-check).
// A location whose reminder settings changed gets the kinds it did not send before planned for its
// future confirmed visits (the settings last planned with are kept per location in job_cursor);
// a removed kind's queued jobs find it gone and do nothing, a follow-up moved later re-plans itself,
// and the sweep sends anything now due.
import type { Db } from "../db/client.ts";
import type { PaymentServices } from "../payments/common.ts";
import { scheduleHoldExpiry } from "./holds.ts";
import {
  DEFAULT_REMINDER_SETTINGS,
  planReminders,
  type ReminderSettings,
  reminderSettingsOf,
  remindersFor,
} from "./reminders.ts";

export const PLAN_QUEUE = "timed.plan";

export async function readCursor(db: Db, name: string): Promise<string | null> {
  return (await db.jobCursor.findUnique({ where: { name } }))?.value ?? null;
}

export async function writeCursor(db: Db, name: string, value: string): Promise<void> {
  await db.jobCursor.upsert({ where: { name }, create: { name, value }, update: { value } });
}

/** Booking ids changed after the cursor, oldest first, and the version to store once handled. */
export async function changedBookings(
  db: Db,
  cursorName: string,
  limit = 500,
): Promise<{ ids: string[]; upTo: bigint | null }> {
  const from = BigInt((await readCursor(db, cursorName)) ?? "0");
  const rows = await db.changeLog.findMany({
    where: { version: { gt: from }, entityType: "booking" },
    orderBy: { version: "asc" },
    take: limit,
    select: { version: true, entityId: true },
  });
  return { ids: [...new Set(rows.map((r) => r.entityId))], upTo: rows.at(-1)?.version ?? null };
}

/** The kinds a location's settings send (the instants do not matter here). */
function kindsOf(settings: ReminderSettings): Set<string> {
  const epoch = new Date(0);
  return new Set(remindersFor({ startsAt: epoch, endsAt: epoch }, settings).map((r) => r.kind));
}

function sameSettings(a: ReminderSettings, b: ReminderSettings): boolean {
  const sorted = (s: ReminderSettings) => [...s.offsetsMinutes].sort((x, y) => x - y).join(",");
  return sorted(a) === sorted(b) && a.followUpMinutes === b.followUpMinutes;
}

const plannedWithKey = (locationId: string) => `${PLAN_QUEUE}.settings:${locationId}`;

/**
 * After a change to the location: if its reminder settings differ from those its visits were planned
 * with, plans the kinds it did not send before for every future confirmed visit there. Returns how
 * many reminder jobs were planned.
 */
export async function replanLocation(services: PaymentServices, locationId: string): Promise<number> {
  const loc = await services.db.location.findUnique({
    where: { id: locationId },
    select: { reminderOffsetsMinutes: true, followUpMinutes: true },
  });
  if (!loc || !services.jobs) return 0;
  const now = reminderSettingsOf(loc);
  const stored = await readCursor(services.db, plannedWithKey(locationId));
  // Until the first change, every visit was planned with the defaults.
  const before: ReminderSettings = stored ? JSON.parse(stored) : DEFAULT_REMINDER_SETTINGS;
  if (sameSettings(before, now)) return 0;
  const had = kindsOf(before);
  const added = new Set([...kindsOf(now)].filter((k) => !had.has(k)));
  let n = 0;
  if (added.size) {
    const future = await services.db.booking.findMany({
      where: { locationId, status: "confirmed", startsAt: { gt: services.clock() } },
      select: { id: true },
    });
    for (const b of future) n += await planReminders(services, b.id, now, { kinds: added });
  }
  await writeCursor(services.db, plannedWithKey(locationId), JSON.stringify(now));
  return n;
}

/** Plans what the bookings and locations changed since the cursor need; `settings` overrides every location's (tests). */
export async function planFromChanges(
  services: PaymentServices,
  settings?: ReminderSettings,
): Promise<{ bookings: number; locations: number }> {
  let bookings = 0;
  let locations = 0;
  for (;;) {
    const from = BigInt((await readCursor(services.db, PLAN_QUEUE)) ?? "0");
    const changes = await services.db.changeLog.findMany({
      where: { version: { gt: from }, entityType: { in: ["booking", "location"] } },
      orderBy: { version: "asc" },
      take: 500,
      select: { version: true, entityType: true, entityId: true },
    });
    const upTo = changes.at(-1)?.version;
    if (upTo === undefined) break;
    const idsOf = (type: string) => [...new Set(changes.filter((c) => c.entityType === type).map((c) => c.entityId))];
    const rows = await services.db.booking.findMany({
      where: { id: { in: idsOf("booking") } },
      select: { id: true, status: true, holdExpiresAt: true },
    });
    for (const b of rows) {
      if ((b.status === "held" || b.status === "pending_deposit") && b.holdExpiresAt) {
        await scheduleHoldExpiry(services, b.id, b.holdExpiresAt);
      } else if (b.status === "confirmed") {
        await planReminders(services, b.id, settings);
      }
    }
    bookings += rows.length;
    for (const id of idsOf("location")) {
      await replanLocation(services, id);
      locations++;
    }
    await writeCursor(services.db, PLAN_QUEUE, upTo.toString());
  }
  return { bookings, locations };
}
