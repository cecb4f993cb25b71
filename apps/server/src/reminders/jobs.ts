// Timed jobs: hold expiry at the hold's end, reminders and follow-ups, their sweeps (every minute,
// catching anything a lost job or a restart would have skipped), and the change-log planner. Reminders
// follow each location's settings; `settings` overrides them all (tests).
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import {
  expireHoldIfDue,
  HOLD_EXPIRE_QUEUE,
  HOLD_SWEEP_QUEUE,
  type HoldExpiryJob,
  sweepExpiredHolds,
} from "./holds.ts";
import { PLAN_QUEUE, planFromChanges } from "./planner.ts";
import {
  REMINDER_QUEUE,
  REMINDER_SWEEP_QUEUE,
  type ReminderJob,
  type ReminderSettings,
  sendReminder,
  sweepDueReminders,
} from "./reminders.ts";

export async function registerTimedWorkers(
  jobs: JobQueue,
  services: AppServices,
  settings?: ReminderSettings,
): Promise<void> {
  await jobs.define({ name: HOLD_EXPIRE_QUEUE, retryLimit: 10, retryDelaySeconds: 5, expireInSeconds: 120 });
  await jobs.define({ name: REMINDER_QUEUE, retryLimit: 10, retryDelaySeconds: 30, expireInSeconds: 120 });
  for (const name of [HOLD_SWEEP_QUEUE, REMINDER_SWEEP_QUEUE, PLAN_QUEUE]) {
    await jobs.define({ name, retryLimit: 0, expireInSeconds: 300 });
  }
  await jobs.work<HoldExpiryJob>(HOLD_EXPIRE_QUEUE, async (d) => {
    await expireHoldIfDue(services, d.bookingId);
  });
  await jobs.work<ReminderJob>(REMINDER_QUEUE, async (d) => {
    await sendReminder(services, d, settings);
  });
  await jobs.work(HOLD_SWEEP_QUEUE, async () => {
    await sweepExpiredHolds(services);
  });
  await jobs.work(REMINDER_SWEEP_QUEUE, async () => {
    await sweepDueReminders(services, settings);
  });
  await jobs.work(PLAN_QUEUE, async () => {
    await planFromChanges(services, settings);
  });
  for (const name of [HOLD_SWEEP_QUEUE, REMINDER_SWEEP_QUEUE, PLAN_QUEUE]) await jobs.boss.schedule(name, "* * * * *");
}
