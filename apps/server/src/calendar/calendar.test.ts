// Google Calendar sync with the real googleapis client against the local fake Calendar server:
// bookings written / moved / deleted, the stylist's busy time imported and honoured by
// availability, 410 → full resync, 403 rate limits retried, push notifications → sync.
import { google } from "googleapis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../availability/find.ts";
import { createBooking } from "../bookings/create.ts";
import { rescheduleBooking } from "../bookings/reschedule.ts";
import { cancelBooking } from "../bookings/transitions.ts";
import { loadConfig } from "../config/env.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { ensureChannel, hashToken } from "./channels.ts";
import { eventIdFor } from "./client.ts";
import { FakeCalendar } from "./fakes/fake-calendar.ts";
import { syncBusyTime } from "./import-busy.ts";
import { registerCalendarWorkers } from "./jobs.ts";
import { syncBookingsToCalendars } from "./sync-bookings.ts";

const CAL = "laura.salon@group.calendar.google.com";
const FAST = { retry: { attempts: 5, baseMs: 5, maxMs: 20 } };
let t: TestDatabase;
let f: SalonFixture;
let fake: FakeCalendar;
let services: AppServices;
let jobs: JobQueue;
let server: { app: { close(): Promise<unknown> }; url: string };
const clock = testClock("2026-03-09T08:00:00Z");
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");
const staffActor = () => ({ type: "staff" as const, id: f.deskId });

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc);
  fake = new FakeCalendar();
  await fake.start();
  // A static token: the service-account token exchange cannot be pointed at a fake (§4.1).
  const auth = new google.auth.OAuth2();
  auth.setCredentials({ access_token: "test-token", expiry_date: Date.now() + 3_600_000 });
  jobs = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  services = {
    ...testServices(t, clock),
    config: loadConfig({ CITA_ENV: "test", GOOGLE_API_ROOT: fake.url }),
    calendarAuth: auth,
    jobs,
  };
  server = await startTestServer(services);
  services.config = loadConfig({ CITA_ENV: "test", GOOGLE_API_ROOT: fake.url, CITA_PUBLIC_URL: server.url });
  await t.db.staffMember.update({ where: { id: f.staff.laura }, data: { calendarId: CAL } });
  await t.db.calendarConnection.create({ data: { staffId: f.staff.laura, calendarId: CAL } });
  await registerCalendarWorkers(jobs, services);
}, 60_000);

afterAll(async () => {
  await server?.app.close();
  await jobs?.stop();
  await fake?.stop();
  await t?.drop();
});

const until = async (check: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
};

const book = (date: string, h: number, customer = 0) =>
  createBooking(
    services,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt: at(date, h),
      items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
      source: "console",
      mode: "book",
    },
    staffActor(),
  );

const lauraSlots = async (date: string) =>
  (
    await findSlots(t.db, {
      locationId: f.locationId,
      items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
      fromDate: date,
      toDate: date,
      now: clock(),
    })
  ).map((s) => s.localTime);

describe("bookings → the stylist's calendar", () => {
  it("writes an event with a deterministic id, the booking id in private properties and no phone; moves it; deletes it", async () => {
    const b = await book("2026-03-11", 12);
    const r1 = await syncBookingsToCalendars(services, FAST);
    expect(r1).toMatchObject({ written: 1, failed: 0 });
    const id = eventIdFor(b.items[0]!.id);
    expect(id).toMatch(/^[a-v0-9]{26}$/);
    const ev = fake.events(CAL).get(id)!;
    expect(ev).toMatchObject({
      status: "confirmed",
      start: { dateTime: b.startsAt, timeZone: "Europe/Madrid" },
      extendedProperties: { private: { citaBookingId: b.id } },
    });
    expect(JSON.stringify(ev)).not.toContain("+34600000000");
    expect(JSON.stringify(ev)).not.toContain("600000000");
    expect(fake.requests.at(-1)?.query.sendUpdates).toBe("none");

    // A retry of an insert that had reached Google (409 duplicate) patches instead of duplicating.
    await t.db.calendarEvent.update({ where: { itemId: b.items[0]!.id }, data: { written: false } });
    await syncBookingsToCalendars(services, FAST);
    expect(fake.live(CAL)).toHaveLength(1);
    expect(fake.requests.some((r) => r.method === "PATCH")).toBe(true);

    // Moved: the new booking's item gets its event, the old one's is deleted.
    const moved = await rescheduleBooking(services, { bookingId: b.id, startsAt: at("2026-03-11", 15) }, staffActor());
    await syncBookingsToCalendars(services, FAST);
    expect(fake.events(CAL).get(id)?.status).toBe("cancelled");
    const newEv = fake.events(CAL).get(eventIdFor(moved.items[0]!.id))!;
    expect(newEv).toMatchObject({ status: "confirmed", start: { dateTime: at("2026-03-11", 15).toISOString() } });
    expect(fake.live(CAL)).toHaveLength(1);

    // Cancelled: deleted.
    await cancelBooking(services, moved.id, staffActor(), { by: "staff", reason: "test" });
    await syncBookingsToCalendars(services, FAST);
    expect(fake.live(CAL)).toHaveLength(0);
  });

  it("403 rateLimitExceeded and 503 are retried with backoff (the client library would not retry a POST)", async () => {
    fake.failNext.push({ status: 403, reason: "rateLimitExceeded", method: "POST" });
    fake.failNext.push({ status: 403, reason: "userRateLimitExceeded", method: "POST" });
    fake.failNext.push({ status: 503, reason: "backendError", method: "POST" });
    const before = fake.requests.filter((r) => r.method === "POST").length;
    const b = await book("2026-03-12", 11);
    const r = await syncBookingsToCalendars(services, FAST);
    expect(r).toMatchObject({ written: 1, failed: 0 });
    expect(fake.requests.filter((r) => r.method === "POST").length - before).toBe(4);
    expect(fake.events(CAL).get(eventIdFor(b.items[0]!.id))?.status).toBe("confirmed");
  });

  it("a calendar that keeps failing is flagged; bookings still work; it recovers on the next run", async () => {
    for (let i = 0; i < 5; i++) fake.failNext.push({ status: 503, reason: "backendError", method: "POST" });
    const b = await book("2026-03-13", 11);
    expect(b.status).toBe("confirmed");
    const r = await syncBookingsToCalendars(services, { retry: { attempts: 3, baseMs: 5, maxMs: 10 } });
    expect(r.failed).toBe(1);
    const conn = await t.db.calendarConnection.findUniqueOrThrow({ where: { staffId: f.staff.laura } });
    expect(conn.lastError).toBeTruthy();
    expect(conn.failingSince).toBeInstanceOf(Date);
    expect(await t.db.integrationStatus.findUnique({ where: { kind: "google_calendar" } })).toMatchObject({
      healthy: false,
      mode: "sandbox",
    });
    expect(await book("2026-03-13", 14, 1)).toMatchObject({ status: "confirmed" }); // booking unaffected
    fake.failNext.length = 0;
    const again = await syncBookingsToCalendars(services, FAST);
    expect(again.failed).toBe(0);
    expect(fake.events(CAL).get(eventIdFor(b.items[0]!.id))?.status).toBe("confirmed");
    const healed = await t.db.calendarConnection.findUniqueOrThrow({ where: { staffId: f.staff.laura } });
    expect(healed).toMatchObject({ lastError: null, failingSince: null });
    expect(await t.db.integrationStatus.findUnique({ where: { kind: "google_calendar" } })).toMatchObject({
      healthy: true,
    });
  });
});

describe("the stylist's own events → availability", () => {
  it("imports busy time (timed and all-day), skips free, declined and Cita's own events, and findSlots honours it", async () => {
    expect(await lauraSlots("2026-03-16")).toContain("10:00");
    const dentist = fake.putExternal(CAL, {
      summary: "Dentista",
      start: { dateTime: "2026-03-16T10:00:00+01:00" },
      end: { dateTime: "2026-03-16T11:00:00+01:00" },
    });
    fake.putExternal(CAL, {
      summary: "Free",
      transparency: "transparent",
      start: { dateTime: "2026-03-16T12:00:00+01:00" },
      end: { dateTime: "2026-03-16T13:00:00+01:00" },
    });
    fake.putExternal(CAL, {
      summary: "Declined",
      attendees: [{ email: CAL, self: true, responseStatus: "declined" }],
      start: { dateTime: "2026-03-16T14:00:00+01:00" },
      end: { dateTime: "2026-03-16T15:00:00+01:00" },
    });
    fake.putExternal(CAL, { summary: "Vacaciones", start: { date: "2026-03-17" }, end: { date: "2026-03-18" } });
    const r = await syncBusyTime(services, f.staff.laura, FAST);
    expect(r).toMatchObject({ full: true });
    const rows = await t.db.externalBusy.findMany({ where: { staffId: f.staff.laura }, orderBy: { startsAt: "asc" } });
    expect(rows.map((x) => [x.startsAt.toISOString(), x.endsAt.toISOString(), x.allDay])).toEqual([
      ["2026-03-16T09:00:00.000Z", "2026-03-16T10:00:00.000Z", false],
      ["2026-03-16T23:00:00.000Z", "2026-03-17T23:00:00.000Z", true], // the whole local day
    ]);
    const slots = await lauraSlots("2026-03-16");
    expect(slots).not.toContain("10:00");
    expect(slots).not.toContain("10:30");
    expect(slots).toContain("11:00");
    expect(slots).toContain("12:00"); // transparent: still free
    expect(slots).toContain("14:00"); // declined: still free
    expect(await lauraSlots("2026-03-17")).toEqual([]);

    // Incremental: the dentist is cancelled; only the change is read (syncToken), the slot comes back.
    fake.removeExternal(CAL, dentist);
    const inc = await syncBusyTime(services, f.staff.laura, FAST);
    expect(inc).toMatchObject({ full: false, removed: 1 });
    const list = fake.requests.filter((x) => x.method === "GET").at(-1)!;
    expect(list.query.syncToken).toBeTruthy();
    expect(list.query.timeMin).toBeUndefined();
    expect(await lauraSlots("2026-03-16")).toContain("10:00");
  });

  it("410 Gone on the sync token triggers a full resync", async () => {
    fake.invalidateSyncTokens(CAL);
    const lunch = fake.putExternal(CAL, {
      summary: "Comida",
      start: { dateTime: "2026-03-18T13:00:00+01:00" },
      end: { dateTime: "2026-03-18T14:00:00+01:00" },
    });
    const gets = fake.requests.filter((x) => x.method === "GET").length;
    const r = await syncBusyTime(services, f.staff.laura, FAST);
    expect(r).toMatchObject({ full: true });
    const calls = fake.requests.filter((x) => x.method === "GET").slice(gets);
    expect(calls[0]?.query.syncToken).toBeTruthy(); // answered 410
    expect(calls[1]?.query.syncToken).toBeUndefined(); // full listing
    expect(await t.db.externalBusy.count({ where: { staffId: f.staff.laura, externalId: lunch } })).toBe(1);
    expect(await t.db.externalBusy.count({ where: { staffId: f.staff.laura, allDay: true } })).toBe(1);
  });

  it("a push notification (channel id + token) triggers a sync; a wrong token is refused; channels are renewed", async () => {
    expect(await ensureChannel(services, f.staff.laura, FAST)).toBe("created");
    const conn = await t.db.calendarConnection.findUniqueOrThrow({ where: { staffId: f.staff.laura } });
    const ch = fake.channels.get(conn.channelId!)!;
    expect(ch.address).toBe(`${server.url}/webhooks/google-calendar`);
    expect(conn.channelTokenHash).toBe(hashToken(ch.token!));
    expect(conn.channelTokenHash).not.toBe(ch.token);
    expect((await fake.notify(ch.id, "sync")).status).toBe(200);

    const meeting = fake.putExternal(CAL, {
      summary: "Reunión",
      start: { dateTime: "2026-03-19T16:00:00+01:00" },
      end: { dateTime: "2026-03-19T17:00:00+01:00" },
    });
    expect((await fake.notify(ch.id, "exists", "not-the-token")).status).toBe(401);
    expect((await fake.notify(ch.id, "exists")).status).toBe(200);
    await until(async () => (await t.db.externalBusy.count({ where: { externalId: meeting } })) === 1);
    expect(await lauraSlots("2026-03-19")).not.toContain("16:00");

    // Not yet near expiry: kept. A day before expiry: a new channel, the old one stopped.
    expect(await ensureChannel(services, f.staff.laura, FAST)).toBe("fresh");
    clock.set(new Date(ch.expiration - 3_600_000));
    try {
      expect(await ensureChannel(services, f.staff.laura, FAST)).toBe("created");
    } finally {
      clock.set("2026-03-09T08:00:00Z");
    }
    const renewed = await t.db.calendarConnection.findUniqueOrThrow({ where: { staffId: f.staff.laura } });
    expect(renewed.channelId).not.toBe(ch.id);
    expect(ch.stopped).toBe(true);
    expect((await fake.notify(ch.id, "exists")).status).toBe(404); // the old channel is no longer ours
  });
});
