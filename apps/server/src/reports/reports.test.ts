// reports.get against a salon whose week was built through the real booking commands: every figure
// worked out by hand, the period's edges in the salon's zone, reschedules, capacity from schedules,
// conversation figures, and the same booking figures from computeReport on the replica's full sync.
import { computeReport, type ReportOutput, type SyncBookingRow } from "@cita/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BookingDeps, createBooking, type NewBookingItem } from "../bookings/create.ts";
import { rescheduleBooking } from "../bookings/reschedule.ts";
import {
  cancelBooking,
  checkInBooking,
  completeBooking,
  confirmBooking,
  expireHold,
  markNoShow,
} from "../bookings/transitions.ts";
import type { Actor } from "../changes/change-log.ts";
import { syncChanges, viewLocationRow, viewServiceRow, viewStaffRow } from "../changes/sync.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { type Clock, callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { capacityMinutes } from "./capacity.ts";

const TZ = "Europe/Madrid";
/** Madrid local time (UTC+1 in early March). */
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
const PERIOD = { from: "2026-03-02", to: "2026-03-08" }; // Monday to Sunday
const BEFORE = new Date("2026-02-20T09:00:00Z");

let t: TestDatabase;
let f: SalonFixture;
let clock: Clock;
let deps: BookingDeps;
let services: AppServices;
let desk: Actor;
let bot: Actor;
const job: Actor = { type: "job", id: "test" };
const ids: Record<string, string> = {};

async function book(
  name: string,
  startsAt: Date,
  item: NewBookingItem,
  opts: { mode?: "hold" | "book"; by?: Actor } = {},
): Promise<string> {
  const b = await createBooking(
    deps,
    {
      locationId: f.locationId,
      customerId: f.customers[0]!,
      startsAt,
      items: [item],
      source: opts.by === bot ? "whatsapp" : "console",
      mode: opts.mode ?? "book",
      allowOutsideHours: true,
    },
    opts.by ?? desk,
  );
  ids[name] = b.id;
  return b.id;
}

/** Checked in, then completed. */
async function done(bookingId: string) {
  await checkInBooking(deps, bookingId, desk);
  await completeBooking(deps, bookingId, desk);
}

async function pay(bookingId: string, cents: number, refunded = 0) {
  const p = await t.db.payment.create({
    data: {
      bookingId,
      amountCents: cents,
      currency: "EUR",
      status: refunded >= cents ? "refunded" : refunded ? "partially_refunded" : "paid",
      paidAt: clock(),
    },
  });
  if (refunded) {
    await t.db.refund.create({
      data: { paymentId: p.id, amountCents: refunded, status: "succeeded", idempotencyKey: `r-${p.id}`, reason: "x" },
    });
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc);
  clock = testClock(BEFORE);
  deps = { db: t.db, fc: t.fc, clock };
  services = testServices(t, clock);
  desk = { type: "staff", id: f.deskId };
  bot = { type: "agent", id: f.customers[0] };
  const cut = (staffId: string) => ({ serviceId: f.services.cut, staffId });
  const colour = { serviceId: f.services.colour, staffId: f.staff.laura };
  const { laura, carlos } = f.staff;

  // The period's edges: 00:30 on the first day is in, 23:30 the evening before is out; 23:30 on the
  // last day is in, 00:30 the day after is out.
  await done(await book("earliest", at("2026-03-02", 0, 30), cut(laura)));
  await done(await book("eveBefore", at("2026-03-01", 23, 30), cut(laura)));
  await book("latest", at("2026-03-08", 23, 30), cut(carlos));
  await book("dayAfter", at("2026-03-09", 0, 30), cut(carlos));
  // The assistant's colour: held, deposit paid (€10), confirmed, done.
  await book("colour", at("2026-03-03", 10), colour, { mode: "hold", by: bot });
  await pay(ids.colour!, 1000);
  await confirmBooking(deps, ids.colour!, job);
  await done(ids.colour!);
  await done(await book("carlosCut", at("2026-03-03", 11), cut(carlos)));
  // Cancelled by the customer 1 h before (late); and 48 h before with the deposit refunded (not late).
  await book("late", at("2026-03-05", 12), cut(laura));
  await book("early", at("2026-03-06", 12), colour); // pending_deposit
  await pay(ids.early!, 1000, 1000);
  // Moved within the period (Wed → Fri), and out of it (Sat → next Tuesday).
  await book("moved", at("2026-03-04", 10), cut(carlos));
  ids.successor = (await rescheduleBooking(deps, { bookingId: ids.moved!, startsAt: at("2026-03-06", 10) }, desk)).id;
  await book("movedOut", at("2026-03-07", 10), cut(laura));
  ids.successorOut = (
    await rescheduleBooking(deps, { bookingId: ids.movedOut!, startsAt: at("2026-03-10", 10) }, desk)
  ).id;
  // The assistant's holds that expired: one made in the period, one before it.
  await expireHold(deps, await book("abandoned", at("2026-03-12", 10), cut(carlos), { mode: "hold", by: bot }), job);
  await expireHold(deps, await book("oldHold", at("2026-03-13", 10), cut(carlos), { mode: "hold", by: bot }), job);

  clock.set("2026-03-04T11:00:00Z");
  await cancelBooking(deps, ids.early!, desk, { by: "customer", reason: "Travelling" });
  clock.set("2026-03-05T10:00:00Z");
  await cancelBooking(deps, ids.late!, desk, { by: "customer", reason: "Ill" });
  clock.set("2026-03-09T12:00:00Z");
  await markNoShow(deps, ids.latest!, desk);

  // Creation dates: the database stamps now(); pin them so the period decides.
  await t.db.booking.updateMany({ data: { createdAt: BEFORE } });
  await t.db.booking.update({ where: { id: ids.colour! }, data: { createdAt: new Date("2026-03-02T09:00:00Z") } });
  await t.db.booking.update({ where: { id: ids.abandoned! }, data: { createdAt: at("2026-03-08", 23, 30) } });
  await t.db.booking.update({ where: { id: ids.oldHold! }, data: { createdAt: at("2026-03-01", 23, 30) } });

  // Schedules, added after booking: Thursday closed, Laura off Wednesday 10–14 and on a Tuesday
  // break 14–15, Carlos off on Saturday.
  await t.db.locationClosure.create({
    data: { locationId: f.locationId, date: new Date("2026-03-05T00:00:00Z"), reason: "Holiday" },
  });
  await t.db.staffTimeOff.create({
    data: { staffId: laura, startsAt: at("2026-03-04", 10), endsAt: at("2026-03-04", 14) },
  });
  await t.db.staffScheduleBlock.create({
    data: { staffId: laura, weekday: 2, kind: "break", startMinute: 14 * 60, endMinute: 15 * 60 },
  });
  await t.db.staffDateOverride.create({
    data: { staffId: carlos, date: new Date("2026-03-07T00:00:00Z"), kind: "off" },
  });

  // Conversations: #1 answered twice and escalated twice in the period, #2 answered and escalated
  // the evening before, #3 answered at 23:30 on the last day and taken over by a person.
  const conv = async (n: number) =>
    (
      await t.db.conversation.create({
        data: { customerId: f.customers[n]!, channel: "sandbox", channelAccount: "test", externalId: `c${n}` },
      })
    ).id;
  const [c1, c2, c3] = [await conv(0), await conv(1), await conv(2)];
  const turn = (conversationId: string, startedAt: Date) =>
    t.db.agentTurn.create({ data: { conversationId, mode: "guided", status: "completed", startedAt } });
  const audit = (entityId: string, action: string, when: Date) =>
    t.db.auditLog.create({ data: { at: when, actorType: "agent", action, entityType: "conversation", entityId } });
  await turn(c1, at("2026-03-03", 9));
  await turn(c1, at("2026-03-04", 9));
  await turn(c2, at("2026-03-01", 23, 30));
  await turn(c3, at("2026-03-08", 23, 30));
  await audit(c1, "conversation.escalated", at("2026-03-04", 9, 1));
  await audit(c1, "conversation.escalated", at("2026-03-05", 9));
  await audit(c2, "conversation.escalated", at("2026-03-01", 23, 31));
  await audit(c3, "conversation.taken_over", at("2026-03-08", 23, 40));
}, 60_000);
afterAll(() => t.drop());

const manager = () => callerFor(services, { staffId: f.managerId, role: "manager", locationId: f.locationId });

describe("reports.get", () => {
  it("gives the period's figures, worked out by hand", async () => {
    const r = await manager().reports.get({ ...PERIOD, locationId: f.locationId });
    expect(r).toMatchObject({ ...PERIOD, locationId: f.locationId, days: 7, timeZone: TZ, currency: "EUR" });
    // earliest, latest, colour, carlosCut, late, early, successor; moved and movedOut left out.
    expect(r.bookings).toMatchObject({
      total: 7,
      rescheduled: 2,
      byStatus: {
        held: 0,
        pending_deposit: 0,
        confirmed: 1,
        checked_in: 0,
        completed: 3,
        no_show: 1,
        cancelled: 2,
        expired: 0,
      },
      bySource: { whatsapp: 1, console: 6, sandbox: 0 },
    });
    expect(r.noShow).toEqual({ count: 1, of: 4, rate: 0.25 });
    expect(r.lateCancel).toEqual({ count: 1, of: 7, rate: 1 / 7 });
    expect(r.deposits).toEqual({ takenCents: 2000, refundedCents: 1000, keptCents: 1000, bookings: 2 });
    expect(r.revenue).toEqual({
      totalCents: 9000,
      visits: 3,
      byService: [
        { serviceId: f.services.colour, nameEs: "Tinte", nameEn: "Colour", items: 1, cents: 5000 },
        { serviceId: f.services.cut, nameEs: "Corte", nameEn: "Haircut", items: 2, cents: 4000 },
      ],
      byStaff: [
        { staffId: f.staff.laura, name: "Laura", items: 2, cents: 7000 },
        { staffId: f.staff.carlos, name: "Carlos", items: 1, cents: 2000 },
      ],
    });
    // Capacity: Mon–Sat 10–19 = 6 × 540 = 3240, minus Thursday's closure (540). Laura: minus 4 h time
    // off and the 1 h Tuesday break = 2400. Carlos: minus Saturday off = 2160.
    // Booked: Laura 30 (earliest) + 30 + 20 (colour, processing excluded) = 80; Carlos 30 + 30 + 30 = 90.
    expect(r.utilisation).toEqual({
      bookedMinutes: 170,
      capacityMinutes: 4560,
      rate: 170 / 4560,
      byStaff: [
        { staffId: f.staff.carlos, name: "Carlos", bookedMinutes: 90, capacityMinutes: 2160, rate: 90 / 2160 },
        { staffId: f.staff.laura, name: "Laura", bookedMinutes: 80, capacityMinutes: 2400, rate: 80 / 2400 },
      ],
    });
    // Bot bookings created in the period: colour (booked), abandoned (expired at 23:30 on Sunday).
    expect(r.agent).toEqual({ booked: 1, awaiting: 0, abandoned: 1, handedOver: 1, conversations: 2 });
  });

  it("computeReport over the replica's full sync gives the same booking figures", async () => {
    const server = await manager().reports.get(PERIOD);
    // The replica's bookings come from changes.sync (the fixture's location, services and staff were
    // written without change rows, so their rows are built with the same views the sync uses).
    const all = await syncChanges(t.db, t.fc, { limit: 1000 });
    const bookings = all.changes.flatMap((c) =>
      c.entityType === "booking" && c.op === "upsert" ? [c.row as SyncBookingRow] : [],
    );
    // The replica holds every booking, including the ones the server's period query leaves out.
    expect(bookings.length).toBe(Object.keys(ids).length);
    const offline = computeReport(PERIOD, {
      location: viewLocationRow(await t.db.location.findUniqueOrThrow({ where: { id: f.locationId } })),
      bookings,
      services: (await t.db.service.findMany()).map(viewServiceRow),
      staff: (await t.db.staffMember.findMany()).map(viewStaffRow),
    });
    // Server-only figures aside: capacity, the assistant's inbox, slots refilled from the waitlist.
    const bookingFigures = ({ utilisation: _u, agent: _a, refilledFromWaitlist: _w, ...rest }: ReportOutput) => rest;
    expect(bookingFigures(offline)).toEqual(bookingFigures(server));
    expect(offline.bookings.total).toBe(7);
    // What needs schedules or conversations is not known offline.
    expect(offline.utilisation.byStaff.map((u) => [u.name, u.bookedMinutes, u.capacityMinutes])).toEqual([
      ["Carlos", 90, null],
      ["Laura", 80, null],
    ]);
    expect(offline.agent).toEqual({ ...server.agent, handedOver: null, conversations: null });
  });

  it("moves the edges with the period, in the salon's zone", async () => {
    const firstDay = await manager().reports.get({ from: "2026-03-02", to: "2026-03-02" });
    expect(firstDay.bookings.total).toBe(1); // earliest at 00:30
    expect(firstDay.revenue.totalCents).toBe(2000);
    const evening = await manager().reports.get({ from: "2026-03-01", to: "2026-03-01" });
    expect(evening.bookings.byStatus.completed).toBe(1); // eveBefore at 23:30
    expect(evening.agent).toMatchObject({ abandoned: 1, handedOver: 1, conversations: 1 }); // oldHold, #2
    // The week after: dayAfter, and movedOut's successor (on Tuesday 10th) — counted where it landed.
    const next = await manager().reports.get({ from: "2026-03-09", to: "2026-03-15" });
    expect(next.bookings).toMatchObject({ total: 4, rescheduled: 0 });
    expect(next.bookings.byStatus).toMatchObject({ confirmed: 2, expired: 2 });
  });

  it("refuses other roles, other locations and bad periods", async () => {
    const as = (role: "front_desk" | "stylist", staffId: string) =>
      callerFor(services, { staffId, role, locationId: f.locationId });
    await expect(as("front_desk", f.deskId).reports.get(PERIOD)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as("stylist", f.staff.laura).reports.get(PERIOD)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      manager().reports.get({ ...PERIOD, locationId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "Reports cover the locations you may see only" });
    await expect(manager().reports.get({ from: "2026-03-08", to: "2026-03-01" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "to: must not be before from",
    });
    await expect(manager().reports.get({ from: "2025-01-01", to: "2026-03-01" })).rejects.toMatchObject({
      message: "to: a report covers at most 366 days",
    });
  });
});

describe("capacityMinutes", () => {
  const salon = { timeZone: TZ, hours: [{ weekday: 7, startMinute: 0, endMinute: 6 * 60 }], closures: [] };
  const staff = [
    {
      id: "s",
      weekly: [{ weekday: 7, kind: "work" as const, startMinute: 60, endMinute: 6 * 60 }],
      overrides: [],
      timeOff: [],
    },
  ];

  it("counts real minutes on the day the clocks go forward (01:00–06:00 is 4 h on 29 March)", () => {
    expect(capacityMinutes(staff, salon, "2026-03-22", "2026-03-22")).toEqual({ s: 300 });
    expect(capacityMinutes(staff, salon, "2026-03-29", "2026-03-29")).toEqual({ s: 240 });
  });

  it("an override replaces the week; a custom day outside opening hours is cut to them", () => {
    const custom = [
      {
        ...staff[0]!,
        overrides: [{ date: "2026-03-22", kind: "custom_hours" as const, startMinute: 300, endMinute: 600 }],
      },
    ];
    expect(capacityMinutes(custom, salon, "2026-03-16", "2026-03-22")).toEqual({ s: 60 });
  });
});
