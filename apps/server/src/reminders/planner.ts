// Bookings are written by several areas (console, agent, payments). Rather than each remembering to
// schedule follow-ups, a planner reads change_log from its cursor and, for every booking that
// changed, schedules what it now needs: hold expiry at holdExpiresAt, reminders for a confirmed
// visit. Runs every minute and whenever woken; planning twice is harmless (handlers re-check).
import type { Db } from "../db/client.ts";
import type { PaymentServices } from "../payments/common.ts";
import { scheduleHoldExpiry } from "./holds.ts";
import { DEFAULT_REMINDER_SETTINGS, planReminders, type ReminderSettings } from "./reminders.ts";

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

export async function planFromChanges(
  services: PaymentServices,
  settings: ReminderSettings = DEFAULT_REMINDER_SETTINGS,
): Promise<{ bookings: number }> {
  let total = 0;
  for (;;) {
    const { ids, upTo } = await changedBookings(services.db, PLAN_QUEUE);
    if (upTo === null) break;
    const rows = await services.db.booking.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, holdExpiresAt: true },
    });
    for (const b of rows) {
      if ((b.status === "held" || b.status === "pending_deposit") && b.holdExpiresAt) {
        await scheduleHoldExpiry(services, b.id, b.holdExpiresAt);
      } else if (b.status === "confirmed") {
        await planReminders(services, b.id, settings);
      }
    }
    total += rows.length;
    await writeCursor(services.db, PLAN_QUEUE, upTo.toString());
  }
  return { bookings: total };
}
