// Timed jobs with an injected clock: hold expiry and reminders are planned for the right instants
// (pg-boss start_after = real now + (due − clock now)), do nothing before their time or when
// stale, survive a worker killed mid-job, and never send twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { rescheduleBooking } from "../bookings/reschedule.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { createNotificationTable, RecordingNotifier } from "../notifications/notifier.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { expireHoldIfDue, HOLD_EXPIRE_QUEUE, scheduleHoldExpiry, sweepExpiredHolds } from "./holds.ts";
import { registerTimedWorkers } from "./jobs.ts";
import { planFromChanges } from "./planner.ts";
import { planReminders, REMINDER_QUEUE, type ReminderJob, sendReminder, sweepDueReminders } from "./reminders.ts";

const H = 3_600_000;
let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
let notifier: RecordingNotifier;
const queues: JobQueue[] = [];
const clock = testClock("2026-03-09T08:00:00Z");
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 4 });
  await createNotificationTable(t.db, "test_notified");
  notifier = new RecordingNotifier("test_notified");
  services = { ...testServices(t, clock), notifier };
});
afterAll(async () => {
  for (const q of queues) await q.stop().catch(() => {});
  await t.drop();
});

async function queue(): Promise<JobQueue> {
  const q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
  queues.push(q);
  await q.start();
  return q;
}

const until = async (check: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
};

const jobRows = (name: string) =>
  t.db.$queryRawUnsafe<{ id: string; data: Record<string, string>; start_after: Date; state: string }[]>(
    "SELECT id::text, data, start_after, state::text FROM pgboss.job WHERE name = $1 ORDER BY created_on",
    name,
  );

const notified = async (bookingId: string, kind?: string) =>
  Number(
    (
      await t.db.$queryRawUnsafe<{ n: bigint }[]>(
        "SELECT count(*) AS n FROM test_notified WHERE booking_id = $1::uuid AND ($2::text IS NULL OR facts->>'kind' = $2 OR kind = $2)",
        bookingId,
        kind ?? null,
      )
    )[0]!.n,
  );

const book = (mode: "hold" | "book", date: string, h: number, customer = 0) =>
  createBooking(
    services,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt: at(date, h),
      items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
      source: mode === "hold" ? "whatsapp" : "console",
      mode,
    },
    { type: "agent" },
  );

describe("hold expiry", () => {
  it("is planned for the hold's end, does nothing a second early, expires exactly at it, and a stale job does nothing", async () => {
    const q = await queue();
    await q.define({ name: HOLD_EXPIRE_QUEUE });
    services.jobs = q;
    try {
      const b = await book("hold", "2026-03-11", 12);
      const expiresAt = new Date(b.holdExpiresAt!);
      expect(expiresAt.getTime() - clock().getTime()).toBe(30 * 60_000);
      const realBefore = Date.now();
      await planFromChanges(services);
      const [job] = (await jobRows(HOLD_EXPIRE_QUEUE)).filter((j) => j.data.bookingId === b.id);
      // start_after = real now + 30 min (the clock's distance to the hold's end).
      expect(job!.start_after.getTime()).toBeGreaterThanOrEqual(realBefore + 30 * 60_000 - 1000);
      expect(job!.start_after.getTime()).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1000);

      clock.set(new Date(expiresAt.getTime() - 1000));
      expect(await expireHoldIfDue(services, b.id)).toBe("not_due");
      // The hold is extended (e.g. the deposit link): the job planned for the old end does nothing.
      await t.db.booking.update({
        where: { id: b.id },
        data: { holdExpiresAt: new Date(expiresAt.getTime() + 10 * 60_000) },
      });
      clock.set(expiresAt);
      expect(await expireHoldIfDue(services, b.id)).toBe("not_due");
      clock.set(new Date(expiresAt.getTime() + 10 * 60_000));
      expect(await expireHoldIfDue(services, b.id)).toBe("expired");
      expect(await expireHoldIfDue(services, b.id)).toBe("not_held");
      expect((await t.db.booking.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("expired");
      expect(await notified(b.id, "hold_expired")).toBe(1);
    } finally {
      clock.set("2026-03-09T08:00:00Z");
      services.jobs = undefined;
    }
  });

  it("a real pg-boss worker fires the job at its instant and expires the hold", async () => {
    const q = await queue();
    services.jobs = q;
    try {
      await registerTimedWorkers(q, services);
      const b = await book("hold", "2026-03-11", 16, 1);
      clock.set(new Date(new Date(b.holdExpiresAt!).getTime() - 2000)); // 2 s before the end
      await scheduleHoldExpiry(services, b.id, new Date(b.holdExpiresAt!));
      const sent = Date.now();
      clock.advance(2000); // the test's clock moves with the wait
      await until(async () => (await t.db.booking.findUniqueOrThrow({ where: { id: b.id } })).status === "expired");
      expect(Date.now() - sent).toBeGreaterThanOrEqual(1500); // not before its start_after
    } finally {
      clock.set("2026-03-09T08:00:00Z");
      await q.stop();
      services.jobs = undefined;
    }
  });

  it("the sweep expires any hold whose job was lost", async () => {
    const b = await book("hold", "2026-03-12", 12, 2);
    clock.set(new Date(new Date(b.holdExpiresAt!).getTime() + 1));
    try {
      expect(await sweepExpiredHolds(services)).toBeGreaterThanOrEqual(1);
      expect((await t.db.booking.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("expired");
    } finally {
      clock.set("2026-03-09T08:00:00Z");
    }
  });
});

describe("reminders", () => {
  it("are planned 24 h and 2 h before (and a follow-up after), sent at their instant in the customer's language with quick replies, once", async () => {
    await t.db.customer.update({ where: { id: f.customers[3]! }, data: { language: "en" } });
    const q = await queue();
    await q.define({ name: REMINDER_QUEUE });
    services.jobs = q;
    try {
      const b = await book("book", "2026-03-11", 11, 3);
      const start = new Date(b.startsAt);
      expect(await planReminders(services, b.id)).toBe(3);
      const jobs = (await jobRows(REMINDER_QUEUE)).filter((j) => j.data.bookingId === b.id);
      const real = Date.now();
      const byKind = Object.fromEntries(jobs.map((j) => [j.data.kind, j]));
      for (const [kind, due] of [
        ["reminder_1440m", start.getTime() - 24 * H],
        ["reminder_120m", start.getTime() - 2 * H],
      ] as const) {
        expect(byKind[kind]!.data.dueAt).toBe(new Date(due).toISOString());
        expect(Math.abs(byKind[kind]!.start_after.getTime() - (real + (due - clock().getTime())))).toBeLessThan(5000);
      }
      const job = { bookingId: b.id, kind: "reminder_1440m", startsAt: b.startsAt };
      clock.set(new Date(start.getTime() - 24 * H - 1000));
      expect(await sendReminder(services, job)).toBe("not_due");
      expect(await sweepDueReminders(services)).toBe(0);
      clock.set(new Date(start.getTime() - 24 * H));
      expect(await sweepDueReminders(services)).toBe(1);
      expect(await sendReminder(services, job)).toBe("already_sent");
      expect(await sweepDueReminders(services)).toBe(0);
      const sent = notifier.of("reminder", b.id);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.facts).toMatchObject({
        language: "en",
        kind: "reminder_1440m",
        localTime: "11:00",
        services: ["Haircut"],
        quickReplies: [
          { id: "confirm", title: "I'll be there" },
          { id: "reschedule", title: "Reschedule" },
          { id: "cancel", title: "Cancel" },
        ],
      });
      clock.set(new Date(start.getTime() - 2 * H));
      expect(await sweepDueReminders(services)).toBe(1);
      expect(await notified(b.id)).toBe(2);
    } finally {
      clock.set("2026-03-09T08:00:00Z");
      services.jobs = undefined;
    }
  });

  it("a booking moved after planning: the old job finds it stale; the new booking gets its own reminders", async () => {
    const b = await book("book", "2026-03-13", 11, 0);
    const old: ReminderJob = { bookingId: b.id, kind: "reminder_120m", startsAt: b.startsAt, dueAt: "" };
    const moved = await rescheduleBooking(
      services,
      { bookingId: b.id, startsAt: at("2026-03-13", 16) },
      { type: "agent" },
    );
    clock.set(new Date(new Date(b.startsAt).getTime() - 2 * H));
    try {
      expect(await sendReminder(services, old)).toBe("stale"); // cancelled (moved) booking
      // Same id, different start planned (the handler compares the start it was planned for).
      expect(await sendReminder(services, { ...old, bookingId: moved.id })).toBe("stale");
      expect(await notified(b.id)).toBe(0);
      clock.set(new Date(new Date(moved.startsAt).getTime() - 2 * H));
      expect(await sendReminder(services, { ...old, bookingId: moved.id, startsAt: moved.startsAt })).toBe("sent");
    } finally {
      clock.set("2026-03-09T08:00:00Z");
    }
  });

  it("a worker killed between claim and completion: nothing half-sent; after restart exactly one reminder goes out", async () => {
    const b = await book("book", "2026-03-16", 12, 1);
    const start = new Date(b.startsAt);
    clock.set(new Date(start.getTime() - 2 * H));
    try {
      const first = await queue();
      await first.define({ name: REMINDER_QUEUE, expireInSeconds: 120 });
      let reached!: () => void;
      const inHandler = new Promise<void>((r) => {
        reached = r;
      });
      let crash!: (e: Error) => void;
      const gate = new Promise<void>((_, reject) => {
        crash = reject;
      });
      gate.catch(() => {});
      await first.work<ReminderJob>(REMINDER_QUEUE, async (d) => {
        await sendReminder(services, d, undefined, {
          beforeCommit: async () => {
            reached();
            await gate; // the process "dies" here: the transaction never commits
          },
        });
      });
      const jobId = await first.send<ReminderJob>(REMINDER_QUEUE, {
        bookingId: b.id,
        kind: "reminder_120m",
        startsAt: b.startsAt,
        dueAt: new Date(start.getTime() - 2 * H).toISOString(),
      });
      await inHandler; // claimed, notification written inside the open transaction
      await first.stop({ graceful: false });
      crash(new Error("killed"));
      await new Promise((r) => setTimeout(r, 300));
      expect(await notified(b.id)).toBe(0);
      expect(await t.db.reminderSent.count({ where: { bookingId: b.id } })).toBe(0);
      const [row] = await t.db.$queryRawUnsafe<{ state: string }[]>(
        "SELECT state::text FROM pgboss.job WHERE id = $1::uuid",
        jobId,
      );
      // Claimed and never completed: pg-boss retries it (after its expiry if the process really died
      // — "active"; at once if the in-process handler's rejection still reached it — "retry").
      expect(["active", "retry"]).toContain(row!.state);

      // Restart: a new queue and workers; the sweep sends the missed reminder once.
      const second = await queue();
      services.jobs = second;
      await registerTimedWorkers(second, services);
      expect(await sweepDueReminders(services)).toBe(1);
      // pg-boss's retry of the killed job arrives later: it finds the reminder already sent.
      expect(await sendReminder(services, { bookingId: b.id, kind: "reminder_120m", startsAt: b.startsAt })).toBe(
        "already_sent",
      );
      // And a fresh delivery through the real worker changes nothing either.
      await second.send<ReminderJob>(REMINDER_QUEUE, {
        bookingId: b.id,
        kind: "reminder_120m",
        startsAt: b.startsAt,
        dueAt: new Date(start.getTime() - 2 * H).toISOString(),
      });
      await until(async () =>
        (await jobRows(REMINDER_QUEUE)).some((j) => j.data.bookingId === b.id && j.state === "completed"),
      );
      expect(await notified(b.id)).toBe(1);
      expect(await t.db.reminderSent.count({ where: { bookingId: b.id } })).toBe(1);
    } finally {
      clock.set("2026-03-09T08:00:00Z");
      services.jobs = undefined;
    }
  }, 40_000);

  it("a follow-up goes out after a completed visit, once", async () => {
    const b = await book("book", "2026-03-10", 12, 2);
    await t.db.booking.update({ where: { id: b.id }, data: { status: "completed" } });
    clock.set(new Date(new Date(b.endsAt).getTime() + 2 * H));
    try {
      expect(await sweepDueReminders(services)).toBe(1);
      expect(await sweepDueReminders(services)).toBe(0);
      expect(notifier.of("follow_up", b.id)).toHaveLength(1);
    } finally {
      clock.set("2026-03-09T08:00:00Z");
    }
  });
});
