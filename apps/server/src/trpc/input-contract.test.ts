// The input contract at the edge (issue "Trust at the edges"): requests that used to answer 500 or
// commit nonsense now answer BAD_REQUEST naming the field, and leave the salon readable for everyone.
// Each case here failed on the code before the contract (packages/shared/src/input.ts).
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../bookings/create.ts";
import { BOOKING_BACKDATE_DAYS } from "../bookings/time-window.ts";
import { seedDemoSalon } from "../db/seed.ts";
import { AppError } from "../errors/app-error.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { overlappingActiveSegments } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";
import type { AppServices } from "./context.ts";

const NOW = "2026-03-10T09:00:00Z";
const TZ = "Europe/Madrid";
const DAY_MS = 86_400_000;

let t: TestDatabase;
let services: AppServices;
let locationId: string;
let staffIds: Record<StaffRole, string>;
let customerId: string;
let item: { serviceId: string; staffId: string };
let conversationId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const clock = testClock(NOW);
  ({ locationId } = await seedDemoSalon(t.db, t.fc, { now: clock() }));
  services = testServices(t, clock);
  const byRole = async (role: StaffRole) =>
    (await t.db.staffMember.findFirstOrThrow({ where: { role }, orderBy: { email: "asc" } })).id;
  staffIds = {
    owner: await byRole("owner"),
    manager: await byRole("manager"),
    front_desk: await byRole("front_desk"),
    stylist: await byRole("stylist"),
  };
  customerId = (await t.db.customer.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
  const skill = await t.db.staffService.findFirstOrThrow({ orderBy: [{ staffId: "asc" }, { serviceId: "asc" }] });
  item = { serviceId: skill.serviceId, staffId: skill.staffId };
  conversationId = (
    await t.db.conversation.create({
      data: { customerId, channel: "sandbox", channelAccount: "contract", externalId: "c-1", mode: "human" },
    })
  ).id;
});
afterAll(() => t.drop());

const as = (role: StaffRole) => callerFor(services, { staffId: staffIds[role], role, locationId });
const desk = () => as("front_desk");

async function refusal(p: Promise<unknown>): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, "expected a refusal").toBeInstanceOf(TRPCError);
  return e as TRPCError;
}

/** BAD_REQUEST whose message starts with the field's name. */
async function badField(p: Promise<unknown>, field: string): Promise<TRPCError> {
  const e = await refusal(p);
  expect({ code: e.code, message: e.message }).toMatchObject({
    code: "BAD_REQUEST",
    message: expect.stringMatching(new RegExp(`^${field.replace(".", "\\.")}: `)),
  });
  return e;
}

/** Local wall time at the demo salon, as an ISO instant. */
const local = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ).toISOString();
const today = toLocal(new Date(NOW), TZ).date;

describe("text without NUL or control characters", () => {
  it("anonymous login with a NUL in the e-mail is BAD_REQUEST, not 500", async () => {
    const e = await badField(
      callerFor(services, null).auth.login({ email: "owner@cita.demo\u0000", password: "whatever" }),
      "email",
    );
    expect(e.message).toBe("email: must be one line without control characters");
  });

  it("NUL in booking notes (create and setNotes), chat notes and a service search", async () => {
    const booking = await t.db.booking.findFirstOrThrow({ where: { locationId }, orderBy: { id: "asc" } });
    await badField(desk().bookings.setNotes({ id: booking.id, notes: "ok\u0000" }), "notes");
    await badField(
      desk().bookings.create({
        customerId,
        startsAt: local(addDays(today, 2), 3),
        items: [item],
        allowOutsideHours: true,
        notes: "a\u0000b",
      }),
      "notes",
    );
    await badField(desk().chats.note({ conversationId, text: "nota\u0000" }), "text");
    await badField(desk().services.search({ query: "\u0000" }), "query");
    // A lone surrogate PostgreSQL cannot store either.
    await badField(desk().bookings.cancel({ id: booking.id, by: "staff", reason: "x\ud800" }), "reason");
    // Newlines and tabs are text.
    const kept = await desk().bookings.setNotes({ id: booking.id, notes: "línea 1\nlínea 2\tfin" });
    expect(kept.notes).toBe("línea 1\nlínea 2\tfin");
  });
});

describe("dates and instants", () => {
  it('"9999-99-99" is BAD_REQUEST in searches, availability and reports', async () => {
    await badField(desk().bookings.search({ fromDate: "9999-99-99" }), "fromDate");
    await badField(as("stylist").bookings.mine({ toDate: "9999-99-99" }), "toDate");
    await badField(
      desk().availability.search({ items: [{ ...item, staffId: null }], fromDate: "9999-99-99", toDate: "9999-99-99" }),
      "fromDate",
    );
    await badField(as("manager").reports.get({ from: "2026-02-30", to: "2026-03-01" }), "from");
    // A range reaching year 9999 (or just longer than a year) is refused as a whole.
    await badField(desk().bookings.search({ fromDate: "2026-01-01", toDate: "2099-12-31" }), "toDate");
  });

  it("a year-9999 or 1970 booking with allowOutsideHours is refused, and everyone can still read", async () => {
    for (const startsAt of ["9999-12-31T23:59:59Z", "1970-01-01T10:00:00Z", "0000-01-01T10:00:00Z"]) {
      await badField(
        desk().bookings.create({ customerId, startsAt, items: [item], allowOutsideHours: true }),
        "startsAt",
      );
    }
    expect(await t.db.booking.count({ where: { startsAt: { lt: new Date("2000-01-01") } } })).toBe(0);
    expect(await t.db.booking.count({ where: { endsAt: { gte: new Date("2100-01-01") } } })).toBe(0);
    for (const role of ["owner", "manager", "front_desk"] as const) {
      await expect(as(role).changes.sync({})).resolves.toMatchObject({ hasMore: expect.any(Boolean) });
      await expect(as(role).bookings.search({})).resolves.toMatchObject({ items: expect.any(Array) });
    }
  });

  it("year 0000 anywhere an instant goes is BAD_REQUEST (was PostgreSQL 22008)", async () => {
    await badField(
      as("owner").staff.addTimeOff({
        staffId: item.staffId,
        startsAt: "0000-01-01T10:00:00Z",
        endsAt: "2026-03-20T10:00:00Z",
      }),
      "startsAt",
    );
    await badField(as("owner").audit.list({ from: "0000-01-01T00:00:00Z" }), "from");
    const booking = await t.db.booking.findFirstOrThrow({ where: { locationId, status: "confirmed" } });
    await badField(
      desk().bookings.reschedule({ id: booking.id, startsAt: "0000-01-01T10:00:00Z", allowOutsideHours: true }),
      "startsAt",
    );
  });
});

describe("a booking's time window (the domain's rule; allowOutsideHours relaxes hours, never time)", () => {
  it("refuses beyond the location's horizon and too far back, accepts a recent correction", async () => {
    const now = new Date(NOW).getTime();
    const beyondHorizon = new Date(now + 61 * DAY_MS).toISOString(); // the demo salon's horizon is 60 days
    const e = await badField(
      desk().bookings.create({ customerId, startsAt: beyondHorizon, items: [item], allowOutsideHours: true }),
      "startsAt",
    );
    expect(e.cause).toBeInstanceOf(AppError);
    expect((e.cause as AppError).code).toBe("BAD_INPUT");
    const tooFarBack = new Date(now - (BOOKING_BACKDATE_DAYS + 1) * DAY_MS).toISOString();
    await badField(
      desk().bookings.create({ customerId, startsAt: tooFarBack, items: [item], allowOutsideHours: true }),
      "startsAt",
    );
    // Ten days ago at 03:00 (outside every opening hour): a correction staff may enter.
    const correction = await desk().bookings.create({
      customerId,
      startsAt: local(addDays(today, -10), 3),
      items: [item],
      allowOutsideHours: true,
      waiveDeposit: true,
    });
    expect(correction.status).toBe("confirmed");
    expect(await overlappingActiveSegments(t.url)).toBe(0);
  });

  it("is enforced by createBooking itself, whoever calls it", async () => {
    const err = await createBooking(
      { db: t.db, fc: t.fc, clock: services.clock },
      {
        locationId,
        customerId,
        startsAt: new Date("9999-12-31T10:00:00Z"),
        items: [item],
        source: "console",
        mode: "book",
        allowOutsideHours: true,
      },
      { type: "staff", id: staffIds.front_desk },
    ).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("BAD_INPUT");
  });
});

describe("numbers and cursors", () => {
  it("a version beyond PostgreSQL's INTEGER is BAD_REQUEST (was 500)", async () => {
    const service = await t.db.service.findFirstOrThrow({ where: { locationId } });
    await badField(as("owner").services.archive({ serviceId: service.id, version: 2 ** 31 }), "version");
    await badField(desk().customers.update({ customerId, version: Number.MAX_SAFE_INTEGER, name: "Ana" }), "version");
  });

  it("a page cursor the server did not hand out is BAD_REQUEST (was 500)", async () => {
    const forged = Buffer.from("1e400|x").toString("base64url");
    const e = await refusal(desk().bookings.search({ cursor: forged }));
    expect(e.code).toBe("BAD_REQUEST");
    await expect(as("owner").audit.list({ cursor: "9999999999999999999" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await badField(desk().changes.sync({ cursor: "9999999999999999999" }), "cursor");
  });
});
