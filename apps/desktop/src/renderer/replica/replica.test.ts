// The replica against a real Cita server (demo salon, real tRPC over HTTP), with Dexie on
// fake-indexeddb standing in for the browser's IndexedDB: full sync, deltas with tombstones, the
// role policy, and the offline queue's replay with conflicts shown rather than lost.
import "fake-indexeddb/auto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../server/src/testing/test-db.ts";
import { type ConsoleServer, type StaffClient, staffClient, startConsoleServer } from "../../../test/harness.ts";
import { type Api, createApi } from "../api.ts";
import { apiReplayTarget, apiSyncSource } from "./connect.ts";
import { ReplicaDb } from "./db.ts";
import { replicaPolicyFor } from "./policy.ts";
import { searchBookings, searchCustomers } from "./queries.ts";
import { Replica } from "./replica.ts";

const MANAGER = { email: "manager@cita.demo", password: "cita-manager-demo" };
const DESK = { email: "desk@cita.demo", password: "cita-desk-demo" };

let tdb: TestDatabase;
let server: ConsoleServer;
let manager: { api: Api; staff: { id: string } };
let other: StaffClient;
let n = 0;

async function signedInApi(who: { email: string; password: string }) {
  const { tokens } = await staffClient(server.url, who.email, who.password);
  return { api: createApi(server.url, async () => tokens.accessToken), staff: tokens.staff };
}

function replicaFor(api: Api, role: "manager" | "front_desk", now = () => Date.now()) {
  const db = new ReplicaDb(`test-replica-${++n}`);
  return new Replica(db, {
    source: apiSyncSource(api),
    target: apiReplayTarget(api),
    policy: replicaPolicyFor(role),
    now,
  });
}

/** Every booking the server has from the window start on, as the console's search sees them. */
async function serverBookings(client: StaffClient, fromDate: string) {
  const out = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<StaffClient["bookings"]["search"]["query"]>> = await client.bookings.search.query({
      fromDate,
      // A search spans at most 366 days (the input contract); the window start plus a year covers
      // every booking the demo has (180 days back at most, the 60-day horizon ahead).
      toDate: new Date(Date.parse(`${fromDate}T12:00:00Z`) + 365 * 86_400_000).toISOString().slice(0, 10),
      limit: 500,
      cursor,
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  server = await startConsoleServer(tdb.url);
  manager = await signedInApi(MANAGER);
  other = (await staffClient(server.url, "owner@cita.demo", "cita-owner-demo")).client;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await tdb?.drop();
});

describe("replica sync", () => {
  it("fills the replica with the window's bookings, the customers seen in them, services, staff and the location", async () => {
    const replica = replicaFor(manager.api, "manager");
    await replica.load(manager.staff as never);
    const r = await replica.sync();
    expect(r?.full).toBe(true);
    const db = replica.db;
    const meta = await db.readMeta();
    const fromDate = meta.windowFrom!.slice(0, 10);
    const expected = await serverBookings(other, fromDate);
    const stored = await db.bookings.toArray();
    expect(stored.length).toBeGreaterThan(0);
    // The server's search goes by local date; the window starts at UTC midnight, so compare by id
    // for bookings safely inside it.
    const inside = expected.filter((b) => b.startsAt >= meta.windowFrom!);
    expect(new Set(stored.map((b) => b.id))).toEqual(new Set(inside.map((b) => b.id)));
    const referenced = new Set(stored.map((b) => b.customerId));
    const customers = await db.customers.toArray();
    expect(new Set(customers.map((c) => c.id))).toEqual(referenced);
    expect(await db.services.count()).toBe((await other.services.list.query({ includeArchived: true })).length);
    expect(await db.staff.count()).toBeGreaterThan(0);
    expect(await db.locations.count()).toBe(1);
    expect(meta.cursor).toMatch(/^\d+$/);
    expect(replica.getSnapshot().syncedAt).not.toBeNull();

    // Customer search and the list filters work on the local copy.
    const someone = customers.find((c) => c.name)!;
    expect((await searchCustomers(db, someone.name!.slice(0, 4).toUpperCase())).map((c) => c.id)).toContain(someone.id);
    const loc = (await db.locations.toArray())[0]!;
    const all = await searchBookings(db, { fromDate, toDate: "2099-12-31" }, loc.timeZone);
    const confirmed = await searchBookings(db, { fromDate, toDate: "2099-12-31", status: ["confirmed"] }, loc.timeZone);
    expect(confirmed.length).toBe(all.filter((b) => b.status === "confirmed").length);
    replica.close();
  });

  it("applies only the changes since its cursor, including tombstones and notes written elsewhere", async () => {
    const replica = replicaFor(manager.api, "manager");
    await replica.load(manager.staff as never);
    await replica.sync();
    const before = await replica.db.bookings.toArray();
    const target = before.find((b) => b.status === "confirmed")!;
    const changed = await other.bookings.setNotes.mutate({ id: target.id, notes: "Alergia al amoníaco" });
    const r = await replica.sync();
    expect(r?.full).toBe(false);
    expect(r?.changes).toBe(1);
    const row = await replica.db.bookings.get(target.id);
    expect(row?.notes).toBe("Alergia al amoníaco");
    expect(row?.version).toBe(changed.version);
    replica.close();
  });

  it("keeps no customer notes for the front desk, and a shorter past", async () => {
    const desk = await signedInApi(DESK);
    const replica = replicaFor(desk.api, "front_desk");
    await replica.load(desk.staff as never);
    await replica.sync();
    const customers = await replica.db.customers.toArray();
    expect(customers.length).toBeGreaterThan(0);
    expect(customers.every((c) => c.notes === null)).toBe(true);
    const meta = await replica.db.readMeta();
    expect(Date.now() - Date.parse(meta.windowFrom!)).toBeLessThanOrEqual(15 * 86_400_000);
    expect(replicaPolicyFor("stylist").enabled).toBe(false);
    replica.close();
  });

  it("wipes another person's replica before filling it, and is deleted by erase()", async () => {
    const name = `test-replica-erase`;
    const db = new ReplicaDb(name);
    const replica = new Replica(db, {
      source: apiSyncSource(manager.api),
      target: apiReplayTarget(manager.api),
      policy: replicaPolicyFor("manager"),
      now: Date.now,
    });
    await replica.load({ ...manager.staff, id: "00000000-0000-4000-8000-0000000000ff" } as never);
    await replica.sync();
    expect(await db.bookings.count()).toBeGreaterThan(0);
    await replica.load(manager.staff as never);
    expect(await db.bookings.count()).toBe(0);
    replica.close();
    const { Dexie } = await import("dexie");
    expect(await Dexie.exists(name)).toBe(true);
    await Dexie.delete(name);
    expect(await Dexie.exists(name)).toBe(false);
  });
});

describe("offline queue", () => {
  it("replays notes in order on their base versions; a booking changed meanwhile is a conflict kept for the user", async () => {
    const replica = replicaFor(manager.api, "manager");
    await replica.load(manager.staff as never);
    await replica.sync();
    const open = (await replica.db.bookings.toArray()).filter((b) => b.status === "confirmed");
    const [a, b] = [open[0]!, open[1]!];

    // Offline: two notes on A (the second on top of the first), one on B.
    await replica.enqueue({ kind: "notes", bookingId: a.id, baseVersion: a.version, notes: "Trae su propio tinte" });
    await replica.enqueue({
      kind: "notes",
      bookingId: a.id,
      baseVersion: a.version,
      notes: "Trae su propio tinte. Llega 10 min tarde",
    });
    await replica.enqueue({ kind: "notes", bookingId: b.id, baseVersion: b.version, notes: "Nota de la tarde" });
    expect((await replica.db.bookings.get(a.id))?.notes).toBe("Trae su propio tinte. Llega 10 min tarde");
    // Meanwhile someone at the server changes B.
    await other.bookings.setNotes.mutate({ id: b.id, notes: "Cambio en el servidor" });

    const r = await replica.replay();
    expect(r).toMatchObject({ sent: 2, conflicts: 1, failed: 0, waiting: 0 });
    expect((await other.bookings.get.query({ id: a.id })).notes).toBe("Trae su propio tinte. Llega 10 min tarde");
    expect((await other.bookings.get.query({ id: b.id })).notes).toBe("Cambio en el servidor");
    const queue = replica.getSnapshot().queue;
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({
      bookingId: b.id,
      state: "conflict",
      notes: "Nota de la tarde",
      serverNotes: "Cambio en el servidor",
    });

    // "Keep mine": sent on top of the server's version.
    await replica.keepMine(queue[0]!.seq!);
    expect((await other.bookings.get.query({ id: b.id })).notes).toBe("Nota de la tarde");
    expect(replica.getSnapshot().queue).toHaveLength(0);
    replica.close();
  });

  it("keeps a refused no-show as failed (visible), holds later changes to that booking behind it, and can discard it", async () => {
    const replica = replicaFor(manager.api, "manager");
    await replica.load(manager.staff as never);
    await replica.sync();
    const future = (await replica.db.bookings.toArray()).find(
      (b) => b.status === "confirmed" && Date.parse(b.startsAt) > Date.now() + 3_600_000,
    )!;
    await replica.enqueue({ kind: "noShow", bookingId: future.id, baseVersion: future.version });
    await replica.enqueue({ kind: "notes", bookingId: future.id, baseVersion: future.version, notes: "después" });
    expect((await replica.db.bookings.get(future.id))?.status).toBe("no_show");
    const r = await replica.replay();
    expect(r).toMatchObject({ sent: 0, failed: 1, waiting: 1 });
    expect(replica.getSnapshot().queue[0]).toMatchObject({ state: "failed" });
    expect(replica.getSnapshot().queue[0]!.error).toMatch(/before it starts/);
    await replica.discard(replica.getSnapshot().queue[0]!.seq!);
    expect((await replica.db.bookings.get(future.id))?.status).toBe("confirmed");
    // The note behind it now goes through.
    expect(await replica.replay()).toMatchObject({ sent: 1 });
    expect((await other.bookings.get.query({ id: future.id })).notes).toBe("después");
    replica.close();
  });

  it("stops at a network failure and sends the rest later", async () => {
    const dead = createApi("http://127.0.0.1:9", async () => null);
    const db = new ReplicaDb(`test-replica-${++n}`);
    const replica = new Replica(db, {
      source: apiSyncSource(dead),
      target: apiReplayTarget(dead),
      policy: replicaPolicyFor("manager"),
      now: Date.now,
    });
    await db.bookings.put({ id: "b1", version: 3 } as never);
    await replica.enqueue({ kind: "notes", bookingId: "b1", baseVersion: 3, notes: "x" });
    expect(await replica.sync()).toBeNull();
    expect(replica.getSnapshot().lastError).toBeTruthy();
    expect(await replica.replay()).toMatchObject({ sent: 0, conflicts: 0, failed: 0, waiting: 1 });
    expect(replica.getSnapshot().queue[0]).toMatchObject({ state: "queued" });
    replica.close();
  });
});
