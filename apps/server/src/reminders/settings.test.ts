// Reminders follow the location's settings (injected clock): a location set to 48 h gets that one
// and none at 24 h or 2 h; settings changed after planning leave the old kinds' jobs doing nothing
// (logged at debug) while the new kinds are planned and fire; with the follow-up off, none is sent;
// a sent reminder is never sent twice, and planning twice queues nothing twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { createNotificationTable, RecordingNotifier } from "../notifications/notifier.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { planFromChanges } from "./planner.ts";
import { planReminders, REMINDER_QUEUE, type ReminderJob, sendReminder, sweepDueReminders } from "./reminders.ts";

const H = 3_600_000;
const START = "2026-03-09T08:00:00Z";
let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
let notifier: RecordingNotifier;
let q: JobQueue;
const logged: { level: number; msg: string; bookingId?: string; kind?: string }[] = [];
const clock = testClock(START);
const at = (date: string, h: number) => localToUtc(date, h * 60, "Europe/Madrid");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 2 });
  await createNotificationTable(t.db, "test_notified");
  notifier = new RecordingNotifier("test_notified");
  const log = createLogger("debug", { write: (line: string) => void logged.push(JSON.parse(line)) });
  q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
  await q.start();
  await q.define({ name: REMINDER_QUEUE });
  services = { ...testServices(t, clock), log, notifier, jobs: q };
});
afterAll(async () => {
  await q?.stop().catch(() => {});
  await t.drop();
});

const manager = () => callerFor(services, { staffId: f.managerId, role: "manager", locationId: f.locationId });

async function setReminders(reminderOffsetsMinutes: number[], followUpMinutes: number | null) {
  const { version } = await manager().locations.get();
  await manager().locations.update({ version, reminderOffsetsMinutes, followUpMinutes });
}

/** The booking's waiting reminder jobs, as "<kind>@<due>". */
const queued = async (bookingId: string) =>
  (
    await t.db.$queryRawUnsafe<{ data: ReminderJob }[]>(
      "SELECT data FROM pgboss.job WHERE name = $1 AND data->>'bookingId' = $2 AND state = 'created' ORDER BY created_on",
      REMINDER_QUEUE,
      bookingId,
    )
  ).map((j) => j.data);

const book = async (date: string, h: number, customer = 0) =>
  createBooking(
    services,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt: at(date, h),
      items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
      source: "console",
      mode: "book",
    },
    { type: "agent" },
  );

/** What a queued job does when the worker fires it at its instant. */
async function fire(job: ReminderJob) {
  clock.set(job.dueAt);
  return sendReminder(services, job);
}

const sentKinds = (bookingId: string) => [
  ...notifier.of("reminder", bookingId).map((n) => n.facts.kind),
  ...notifier.of("follow_up", bookingId).map(() => "follow_up"),
];

describe("reminders follow the location's settings", () => {
  it("settings changed after planning: the old kinds' jobs do nothing, the new ones are planned and fire", async () => {
    try {
      const b = await book("2026-03-13", 11); // Friday, 4 days ahead
      const start = new Date(b.startsAt).getTime();
      await planFromChanges(services);
      const before = await queued(b.id);
      expect(before.map((j) => j.kind).sort()).toEqual(["follow_up", "reminder_120m", "reminder_1440m"]);
      // Planning again queues nothing twice.
      expect(await planReminders(services, b.id)).toBe(0);
      await planFromChanges(services);
      expect(await queued(b.id)).toHaveLength(3);

      await setReminders([48 * 60, 60], 120); // 48 h and 1 h instead of 24 h and 2 h
      expect(await planFromChanges(services)).toMatchObject({ locations: 1 });
      const after = await queued(b.id);
      expect(after.map((j) => `${j.kind}@${j.dueAt}`).sort()).toEqual(
        [
          `follow_up@${new Date(new Date(b.endsAt).getTime() + 2 * H).toISOString()}`,
          `reminder_120m@${new Date(start - 2 * H).toISOString()}`,
          `reminder_1440m@${new Date(start - 24 * H).toISOString()}`,
          `reminder_2880m@${new Date(start - 48 * H).toISOString()}`,
          `reminder_60m@${new Date(start - 1 * H).toISOString()}`,
        ].sort(),
      );
      // The same settings seen again (another location edit) plan nothing more.
      const { version } = await manager().locations.get();
      await manager().locations.update({ version, name: "Test Salon Centro" });
      await planFromChanges(services);
      expect(await queued(b.id)).toHaveLength(5);

      const byKind = Object.fromEntries(after.map((j) => [j.kind, j]));
      expect(await fire(byKind.reminder_2880m!)).toBe("sent");
      expect(await fire(byKind.reminder_1440m!)).toBe("not_configured");
      expect(await sweepDueReminders(services)).toBe(0);
      expect(await fire(byKind.reminder_120m!)).toBe("not_configured");
      expect(await fire(byKind.reminder_60m!)).toBe("sent");
      expect(await sendReminder(services, byKind.reminder_60m!)).toBe("already_sent");
      expect(sentKinds(b.id)).toEqual(["reminder_2880m", "reminder_60m"]);
      expect(notifier.of("reminder", b.id)[0]!.facts).toMatchObject({ hoursBefore: 48, localTime: "11:00" });
      const skipped = logged.filter((l) => l.msg === "reminder skipped: the location no longer sends this kind");
      expect(skipped.map((l) => [l.level, l.bookingId, l.kind])).toEqual([
        [20, b.id, "reminder_1440m"],
        [20, b.id, "reminder_120m"],
      ]);

      // Back to 24 h: its job does something again, but a sent reminder is never sent twice.
      clock.set(START);
      await setReminders([48 * 60, 24 * 60], 120);
      await planFromChanges(services);
      clock.set(new Date(start - 30 * H));
      expect(await sendReminder(services, byKind.reminder_2880m!)).toBe("already_sent");
      expect(await fire(byKind.reminder_1440m!)).toBe("sent");
      expect(await sweepDueReminders(services)).toBe(0);
      expect(sentKinds(b.id)).toEqual(["reminder_2880m", "reminder_60m", "reminder_1440m"]);
    } finally {
      clock.set(START);
    }
  });

  it("set to 48 h with the follow-up off: a reminder 48 h before, none at 24 h or 2 h, no follow-up", async () => {
    try {
      await setReminders([48 * 60], null);
      await planFromChanges(services);
      const b = await book("2026-03-16", 12, 1); // Monday
      const start = new Date(b.startsAt).getTime();
      await planFromChanges(services);
      const jobs = await queued(b.id);
      expect(jobs.map((j) => [j.kind, j.dueAt])).toEqual([["reminder_2880m", new Date(start - 48 * H).toISOString()]]);

      clock.set(new Date(start - 48 * H - 1000));
      expect(await sweepDueReminders(services)).toBe(0);
      expect(await fire(jobs[0]!)).toBe("sent");
      for (const hours of [24, 2]) {
        clock.set(new Date(start - hours * H));
        expect(await sweepDueReminders(services)).toBe(0);
        expect(
          await sendReminder(services, { bookingId: b.id, kind: `reminder_${hours * 60}m`, startsAt: b.startsAt }),
        ).toBe("not_configured");
      }
      await t.db.booking.update({ where: { id: b.id }, data: { status: "completed" } });
      clock.set(new Date(new Date(b.endsAt).getTime() + 2 * H));
      expect(await sweepDueReminders(services)).toBe(0);
      expect(await sendReminder(services, { bookingId: b.id, kind: "follow_up", startsAt: b.startsAt })).toBe(
        "not_configured",
      );
      expect(sentKinds(b.id)).toEqual(["reminder_2880m"]);
      expect(await t.db.reminderSent.findMany({ where: { bookingId: b.id }, select: { kind: true } })).toEqual([
        { kind: "reminder_2880m" },
      ]);
    } finally {
      clock.set(START);
    }
  });
});
