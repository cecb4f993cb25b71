// Every way time frees up reaches the waitlist through the change-log scan — a stylist's time off
// removed, a booking moved, a hold expired — and the scan runs as a pg-boss job the way the server
// registers it. Offers go out in the customer's language (English here).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { rescheduleBooking } from "../bookings/reschedule.ts";
import { cancelBooking } from "../bookings/transitions.ts";
import { ChangeFeed } from "../changes/feed.ts";
import { OutboxNotifier } from "../channels/notifier.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import { sweepExpiredHolds } from "../reminders/holds.ts";
import type { AppServices } from "../services.ts";
import { addTimeOff, removeTimeOff } from "../staff/schedules.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";
import { registerWaitlistWorkers, scanFreedTime, WAITLIST_QUEUE } from "./jobs.ts";
import { addWish } from "./waitlist.ts";

const TZ = "Europe/Madrid";
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
const clock = testClock("2026-03-09T08:00:00Z");
const queues: JobQueue[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 6 });
  services = { ...testServices(t, clock) };
  services.notifier = new OutboxNotifier(services);
  for (const [i, customerId] of f.customers.entries()) {
    await t.db.conversation.create({
      data: {
        customerId,
        channel: "whatsapp_cloud",
        channelAccount: "pn",
        externalId: `c${i}`,
        lastCustomerMessageAt: clock(),
      },
    });
  }
  await scanFreedTime(services); // the cursor starts at the head of the log
});
afterAll(async () => {
  for (const q of queues) await q.stop().catch(() => {});
  await t.drop();
});

/** The next working day (Monday–Saturday in the fixture) at least `ahead` days from the clock's day. */
function workday(ahead: number): string {
  let d = addDays(toLocal(clock(), TZ).date, ahead);
  while (new Date(`${d}T12:00:00Z`).getUTCDay() === 0) d = addDays(d, 1);
  return d;
}

const wishFor = (customer: number, day: string, dayParts: ("morning" | "afternoon" | "evening")[]) =>
  addWish(
    services,
    f.locationId,
    {
      customerId: f.customers[customer]!,
      serviceIds: [f.services.cut],
      staffId: f.staff.laura,
      dateFrom: day,
      dateTo: day,
      dayParts,
    },
    { type: "agent", id: null },
  );

const messagesTo = (customer: number) =>
  t.db.message.findMany({
    where: { conversation: { customerId: f.customers[customer]! }, direction: "outbound" },
    orderBy: { createdAt: "asc" },
    select: { body: true, kind: true },
  });

describe("freed time reaches the waitlist", () => {
  it("when a stylist's time off is removed", async () => {
    const day = workday(3);
    const manager = {
      db: t.db,
      fc: t.fc,
      clock,
      actor: { type: "staff" as const, id: f.managerId },
      role: "manager" as const,
      locationId: f.locationId,
    };
    const { timeOff } = await addTimeOff(manager, {
      staffId: f.staff.laura,
      startsAt: at(day, 10).toISOString(),
      endsAt: at(day, 19).toISOString(),
      reason: "médico",
    }).then((v) => ({ timeOff: v.timeOff[0]! }));
    const w = await wishFor(0, day, ["morning"]);
    await scanFreedTime(services);
    expect(await t.db.waitlistOffer.count({ where: { wishId: w.id } })).toBe(0); // nothing free yet
    await removeTimeOff(manager, { staffId: f.staff.laura, timeOffId: timeOff.id });
    const { offers } = await scanFreedTime(services);
    expect(offers.find((o) => o.wishId === w.id)).toMatchObject({
      status: "sent",
      startsAt: at(day, 10).toISOString(),
    });
  });

  it("when a booking is moved away from the wished time, in the customer's language", async () => {
    const day = workday(4);
    await t.db.customer.update({ where: { id: f.customers[1]! }, data: { language: "en" } });
    // Laura's afternoon is full but for the booking that will move.
    const fill = [];
    for (let m = 14 * 60; m < 18 * 60; m += 30) {
      fill.push(
        await createBooking(
          services,
          {
            locationId: f.locationId,
            customerId: f.customers[5]!,
            startsAt: at(day, 0, m),
            items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
            source: "console",
            mode: "book",
          },
          { type: "staff", id: f.deskId },
        ),
      );
    }
    const w = await wishFor(1, day, ["afternoon"]);
    await scanFreedTime(services);
    const moving = fill[2]!; // 15:00
    await rescheduleBooking(services, { bookingId: moving.id, startsAt: at(day, 11) }, { type: "staff", id: f.deskId });
    const { offers } = await scanFreedTime(services);
    expect(offers.find((o) => o.wishId === w.id)).toMatchObject({
      startsAt: at(day, 15).toISOString(),
      status: "sent",
    });
    const [msg] = await messagesTo(1);
    expect(msg?.body).toMatch(/^Good news! A slot has opened up/);
    expect(msg?.body).toContain("15:00");
  });

  it("when a hold expires, found by the scan running as the server's pg-boss job", async () => {
    const day = workday(5);
    const hold = await createBooking(
      services,
      {
        locationId: f.locationId,
        customerId: f.customers[5]!,
        startsAt: at(day, 18),
        items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
        source: "whatsapp",
        mode: "hold",
      },
      { type: "agent", id: null },
    );
    const w = await wishFor(2, day, ["evening"]);
    const q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
    queues.push(q);
    await q.start();
    await registerWaitlistWorkers(q, services);
    clock.advance(31 * 60_000); // the hold lapses (30 minutes)
    expect(await sweepExpiredHolds(services)).toBeGreaterThanOrEqual(1);
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: hold.id } })).status).toBe("expired");
    await q.send(WAITLIST_QUEUE, {});
    const end = Date.now() + 15_000;
    while (!(await t.db.waitlistOffer.count({ where: { wishId: w.id } }))) {
      if (Date.now() > end) throw new Error("no offer from the job");
      await new Promise((r) => setTimeout(r, 100));
    }
    const offer = await t.db.waitlistOffer.findFirstOrThrow({ where: { wishId: w.id } });
    expect(offer.startsAt.toISOString()).toBe(at(day, 18).toISOString());
    expect(offer.status).toBe("sent");
  });

  it("within seconds of a cancellation: the change feed wakes the scan between the minute's runs", async () => {
    const day = workday(6);
    const taken = await createBooking(
      services,
      {
        locationId: f.locationId,
        customerId: f.customers[5]!,
        startsAt: at(day, 12),
        items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
        source: "console",
        mode: "book",
      },
      { type: "staff", id: f.deskId },
    );
    const w = await wishFor(3, day, ["morning"]);
    const feed = new ChangeFeed({ url: t.url, db: t.db, log: createLogger("silent") });
    await feed.start();
    const q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
    queues.push(q);
    try {
      await q.start();
      await registerWaitlistWorkers(q, { ...services, changeFeed: feed });
      await scanFreedTime(services); // nothing pending before the cancellation
      await cancelBooking(services, taken.id, { type: "staff", id: f.deskId }, { by: "customer", reason: "viaje" });
      const started = Date.now();
      while (!(await t.db.waitlistOffer.count({ where: { wishId: w.id } }))) {
        // ~1.1 s here (a one-second debounce, then the job): well inside the minute's schedule.
        if (Date.now() - started > 5_000) throw new Error("no offer within 5 s of the cancellation");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await t.db.waitlistOffer.findFirstOrThrow({ where: { wishId: w.id } })).startsAt).toEqual(at(day, 12));
    } finally {
      await feed.stop();
    }
  });
});
