// Issue #21, several locations on one server, the console side: the location a request acts on
// (x-cita-location header, checked against the staff's locations), locations.mine, reports split by
// location with a total, and the offline replica's sync keeping only the role's locations.
// Injected clock: the bookings sit in a fixed March week, whatever day the tests run.
import { combineReports } from "@cita/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendChange } from "../changes/change-log.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { createSecondLocation, type SecondLocation } from "../testing/second-location.ts";
import { accessTokenFor, callerFor, startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import type { AppContext } from "../trpc/context.ts";
import { createCallerFactory } from "../trpc/init.ts";
import { appRouter } from "../trpc/router.ts";

const PERIOD = { from: "2026-03-02", to: "2026-03-08" };
const at = (date: string, h: number) => localToUtc(date, h * 60, "Europe/Madrid").toISOString();
const NIL = "00000000-0000-0000-0000-000000000000";

let t: TestDatabase;
let a: SalonFixture;
let b: SecondLocation;
let services: AppServices;
const clock = testClock("2026-02-20T09:00:00Z");
const createCaller = createCallerFactory(appRouter);

/** A tRPC caller as `staffId`, asking for `location` (the x-cita-location header) when given. */
function as(staffId: string, role: StaffRole, home: string, location?: string | null) {
  const now = Math.floor(clock().getTime() / 1000);
  const ctx: AppContext = {
    ...services,
    requestId: "test",
    ip: "127.0.0.1",
    userAgent: "vitest",
    auth: { sub: staffId, role, loc: home, sid: NIL, iat: now, exp: now + 900 },
    locationHeader: location ?? null,
  };
  return createCaller(ctx);
}

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createSalonFixture(t.db, t.fc, { customers: 2 });
  b = await createSecondLocation(t.db, a);
  services = testServices(t, clock);
  // A: one haircut, completed (€20). B: a blow-dry, completed (€18), and highlights, confirmed.
  const deskA = callerFor(services, { staffId: a.deskId, role: "front_desk", locationId: a.locationId });
  const cut = await deskA.bookings.create({
    customerId: a.customers[0]!,
    startsAt: at("2026-03-03", 10),
    items: [{ serviceId: a.services.cut, staffId: a.staff.laura }],
    allowOutsideHours: true,
  });
  const deskB = callerFor(services, { staffId: b.deskId, role: "front_desk", locationId: b.locationId });
  const blow = await deskB.bookings.create({
    customerId: a.customers[1]!,
    startsAt: at("2026-03-03", 11),
    items: [{ serviceId: b.services.blowDry, staffId: b.staff.marta }],
    allowOutsideHours: true,
  });
  await deskB.bookings.create({
    customerId: a.customers[1]!,
    startsAt: at("2026-03-04", 10),
    items: [{ serviceId: b.services.highlights, staffId: b.staff.marta }],
    allowOutsideHours: true,
  });
  // Chats the assistant answered that week: one at B, one tied to no location (the default's).
  for (const locationId of [b.locationId, null]) {
    const c = await t.db.conversation.create({
      data: {
        customerId: a.customers[0]!,
        channel: "chatwoot",
        channelAccount: "7",
        externalId: `ext-${locationId ?? "none"}`,
        locationId,
      },
    });
    await t.db.agentTurn.create({
      data: { conversationId: c.id, mode: "guided", status: "completed", startedAt: new Date(at("2026-03-03", 9)) },
    });
  }
  clock.set("2026-03-03T15:00:00Z");
  for (const [desk, id] of [
    [deskA, cut.id],
    [deskB, blow.id],
  ] as const) {
    await desk.bookings.checkIn({ id });
    await desk.bookings.complete({ id });
  }
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

describe("the location a request acts on", () => {
  it("is the home location without a header, the asked one when the staff may see it", async () => {
    const manager = as(a.managerId, "manager", a.locationId);
    expect((await manager.locations.get()).id).toBe(a.locationId);
    const atB = as(a.managerId, "manager", a.locationId, b.locationId);
    expect((await atB.locations.get()).id).toBe(b.locationId);
    // Everything scoped by the location follows: B's services only.
    const names = (await atB.services.list({})).map((s: { nameEs: string }) => s.nameEs);
    expect(names).toContain("Peinado Norte");
    expect(names).not.toContain("Corte");
  });

  it("refuses a location the staff may not see (FORBIDDEN) and a malformed one (BAD_REQUEST)", async () => {
    const deskA = as(a.deskId, "front_desk", a.locationId, b.locationId);
    await expect(deskA.locations.get()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(deskA.bookings.search({ fromDate: PERIOD.from, toDate: PERIOD.to })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const bad = as(a.deskId, "front_desk", a.locationId, "not-a-location");
    await expect(bad.locations.get()).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const unknown = as(a.managerId, "manager", a.locationId, "7b1d0c2e-0000-4000-8000-000000000000");
    await expect(unknown.locations.get()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("lets a stylist or front desk linked to B act there (locations.mine lists home first)", async () => {
    expect((await as(a.staff.laura, "stylist", a.locationId).locations.mine()).map((l) => [l.name, l.home])).toEqual([
      ["Test Salon", true],
      ["Salón Norte", false],
    ]);
    expect(await as(a.deskId, "front_desk", a.locationId).locations.mine()).toHaveLength(1);
    const mine = await as(a.ownerId, "owner", a.locationId).locations.mine();
    expect(mine.map((l) => l.id)).toEqual(expect.arrayContaining([a.locationId, b.locationId]));
    expect(mine[0]).toMatchObject({ id: a.locationId, home: true });
  });

  it("travels as the x-cita-location header over HTTP (the direct JSON path)", async () => {
    const server = await startTestServer(services);
    try {
      const call = async (staffId: string, role: StaffRole, header?: string) => {
        const token = accessTokenFor({ staffId, role, locationId: a.locationId }, services);
        const res = await fetch(`${server.url}/trpc/locations.get`, {
          headers: { authorization: `Bearer ${token}`, ...(header ? { "x-cita-location": header } : {}) },
        });
        return { status: res.status, body: (await res.json()) as { result?: { data: { id: string } } } };
      };
      expect((await call(a.managerId, "manager")).body.result?.data.id).toBe(a.locationId);
      expect((await call(a.managerId, "manager", b.locationId)).body.result?.data.id).toBe(b.locationId);
      expect((await call(a.deskId, "front_desk", b.locationId)).status).toBe(403);
      expect((await call(a.deskId, "front_desk", "x")).status).toBe(400);
    } finally {
      await server.app.close();
    }
  });
});

describe("reports per location", () => {
  it("reports.get covers the location the request acts on", async () => {
    const repA = await as(a.managerId, "manager", a.locationId).reports.get(PERIOD);
    expect(repA.locationId).toBe(a.locationId);
    expect(repA.bookings.total).toBe(1);
    expect(repA.revenue.totalCents).toBe(2000);
    const repB = await as(a.managerId, "manager", a.locationId, b.locationId).reports.get(PERIOD);
    expect(repB.locationId).toBe(b.locationId);
    expect(repB.bookings.total).toBe(2);
    expect(repB.revenue.totalCents).toBe(1800);
    expect(repB.revenue.byService.map((s) => s.nameEs)).toEqual(["Peinado Norte"]);
    // Conversations: B's own; the one without a location counts for the default (first) location.
    expect(repB.agent.conversations).toBe(1);
    const first = await t.db.location.findFirstOrThrow({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    expect(repA.agent.conversations).toBe(first.id === a.locationId ? 1 : 0);
    // B's manager may ask for B's report by id, not for A's? Managers see every location.
    const viaInput = await as(b.managerId, "manager", b.locationId).reports.get({
      ...PERIOD,
      locationId: a.locationId,
    });
    expect(viaInput.revenue.totalCents).toBe(2000);
  });

  it("reports.allLocations splits the figures by location and adds them up", async () => {
    const all = await as(a.ownerId, "owner", a.locationId).reports.allLocations(PERIOD);
    const byName = Object.fromEntries(all.locations.map((l) => [l.name, l.report]));
    expect(byName["Test Salon"]!.bookings.total).toBe(1);
    expect(byName["Salón Norte"]!.bookings.total).toBe(2);
    expect(all.total.bookings.total).toBe(3);
    expect(all.total.bookings.byStatus.completed).toBe(2);
    expect(all.total.bookings.byStatus.confirmed).toBe(1);
    expect(all.total.revenue).toEqual({ totalCents: 3800, visits: 2 });
    expect(all.total.currency).toBe("EUR");
    expect(all.total).toEqual(combineReports(all.locations.map((l) => l.report)));
    // Front desk has no reports at all (reports.read).
    await expect(as(a.deskId, "front_desk", a.locationId).reports.allLocations(PERIOD)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("the offline replica's sync", () => {
  async function fullSync(caller: ReturnType<typeof as>) {
    const upserts: { entityType: string; row: { id: string; locationId?: string } }[] = [];
    const deletes = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await caller.changes.sync({ limit: 500, ...(cursor ? { cursor } : {}) });
      for (const c of page.changes) {
        if (c.op === "upsert") upserts.push({ entityType: c.entityType, row: c.row as never });
        else deletes.add(c.entityId);
      }
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    return { upserts, deletes };
  }

  it("keeps only the locations the role may see", async () => {
    const desk = await fullSync(as(a.deskId, "front_desk", a.locationId));
    const bookings = desk.upserts.filter((c) => c.entityType === "booking");
    expect(bookings.length).toBe(1);
    expect(bookings.every((c) => c.row.locationId === a.locationId)).toBe(true);
    const services = desk.upserts.filter((c) => c.entityType === "service").map((c) => c.row.locationId);
    expect(services).not.toContain(b.locationId);
    expect(desk.upserts.some((c) => c.entityType === "location" && c.row.id === b.locationId)).toBe(false);

    // B's front desk: B's bookings only, and of A's stylists only Laura, who also works at B.
    await t.db.$transaction(async (tx) => {
      for (const id of [a.staff.laura, a.staff.carlos])
        await appendChange(tx, { entityType: "staff", entityId: id, op: "upsert", locationId: a.locationId, data: {} });
    });
    const deskB = await fullSync(as(b.deskId, "front_desk", b.locationId));
    expect(
      deskB.upserts.filter((c) => c.entityType === "booking").every((c) => c.row.locationId === b.locationId),
    ).toBe(true);
    const staffB = deskB.upserts.filter((c) => c.entityType === "staff").map((c) => c.row.id);
    expect(staffB).toContain(a.staff.laura);
    expect(staffB).not.toContain(a.staff.carlos);
    expect(deskB.deletes.has(a.staff.carlos)).toBe(true);

    const owner = await fullSync(as(a.ownerId, "owner", a.locationId));
    const ownerBookings = owner.upserts.filter((c) => c.entityType === "booking").map((c) => c.row.locationId);
    expect(ownerBookings.sort()).toEqual([a.locationId, b.locationId, b.locationId].sort());
  });
});
