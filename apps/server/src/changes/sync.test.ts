// changes.sync: the offline replica's pull, through the tRPC caller (every middleware) on a real DB.
import { randomUUID } from "node:crypto";
import { changesSyncOutput, type SyncChange } from "@cita/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCustomerFields } from "../customers/customer-store.ts";
import type { Db } from "../db/client.ts";
import type { AppServices } from "../services.ts";
import { callerFor, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { appendChangeNow, type ChangeInput } from "./change-log.ts";
import { commitChange } from "./test-support.ts";

let t: TestDatabase;
let services: AppServices;

beforeAll(async () => {
  t = await createTestDatabase();
  services = testServices(t);
});

afterAll(async () => {
  await t?.drop();
});

// A manager: sees every location's rows (issue #21; a front desk's sync keeps its own locations only,
// reports/locations.test.ts).
const desk = () => callerFor(services, { staffId: randomUUID(), role: "manager", locationId: randomUUID() });

/** Runs a write and appends its change in one transaction, as domain commands do. */
async function write<T extends { id: string }>(
  db: Db,
  change: Omit<ChangeInput, "entityId">,
  fn: (tx: Parameters<Parameters<Db["$transaction"]>[0]>[0]) => Promise<T>,
): Promise<{ row: T; version: bigint }> {
  return db.$transaction(async (tx) => {
    const row = await fn(tx);
    const version = await appendChangeNow(tx, { ...change, entityId: row.id });
    return { row, version };
  });
}

/** Pages through sync until hasMore is false. */
async function syncAll(cursor: string | null, limit: number, entities?: SyncChange["entityType"][]) {
  const pages: { changes: SyncChange[]; nextCursor: string; hasMore: boolean }[] = [];
  for (;;) {
    const page = await desk().changes.sync({ cursor, limit, entities });
    pages.push(page);
    cursor = page.nextCursor;
    if (!page.hasMore) return pages;
  }
}

describe("changes.sync", () => {
  it("returns the latest state per entity, tombstones for deletions, and pages with nextCursor", async () => {
    const start = (await desk().changes.sync({ limit: 1 })).nextCursor; // skip whatever the template holds
    const db = t.db;

    const loc = await write(db, { entityType: "location", op: "upsert" }, (tx) =>
      tx.location.create({
        data: {
          slug: `s-${randomUUID().slice(0, 8)}`,
          name: "Salón Sol",
          addressLine: "Calle 1",
          city: "Madrid",
          postalCode: "28001",
          country: "ES",
          timeZone: "Europe/Madrid",
        },
      }),
    );
    const locationId = loc.row.id;
    const staff = await write(db, { entityType: "staff", op: "upsert", locationId }, (tx) =>
      tx.staffMember.create({
        data: {
          locationId,
          displayName: "Ana",
          email: `ana-${randomUUID()}@example.com`,
          role: "stylist",
          passwordHash: "$argon2id$secret",
        },
      }),
    );
    const service = await write(db, { entityType: "service", op: "upsert", locationId }, (tx) =>
      tx.service.create({
        data: {
          locationId,
          slug: "corte",
          nameEs: "Corte",
          nameEn: "Haircut",
          category: "hair",
          durationMinutes: 45,
          priceCents: 3000,
        },
      }),
    );
    const customer = await write(db, { entityType: "customer", op: "upsert" }, (tx) =>
      tx.customer.create({ data: { ...encryptCustomerFields(t.fc, { phone: "+34600111222", name: "Lucía" }) } }),
    );
    const booking = await write(db, { entityType: "booking", op: "upsert", locationId }, (tx) =>
      tx.booking.create({
        data: {
          locationId,
          customerId: customer.row.id,
          status: "confirmed",
          source: "console",
          startsAt: new Date("2026-03-12T10:00:00Z"),
          endsAt: new Date("2026-03-12T10:45:00Z"),
          totalPriceCents: 3000,
          currency: "EUR",
          guestNameCipher: t.fc.encrypt("Marta"),
          items: {
            create: {
              position: 0,
              serviceId: service.row.id,
              staffId: staff.row.id,
              startsAt: new Date("2026-03-12T10:00:00Z"),
              endsAt: new Date("2026-03-12T10:45:00Z"),
              durationMinutes: 45,
              priceCents: 3000,
            },
          },
        },
      }),
    );
    // Changed again: only the newest version may appear, with the current row.
    const booking2 = await write(db, { entityType: "booking", op: "upsert", locationId }, (tx) =>
      tx.booking.update({ where: { id: booking.row.id }, data: { notes: "window seat", version: { increment: 1 } } }),
    );
    // A second service, then deleted: a tombstone.
    const doomed = await write(db, { entityType: "service", op: "upsert", locationId }, (tx) =>
      tx.service.create({
        data: {
          locationId,
          slug: "tinte",
          nameEs: "Tinte",
          nameEn: "Colour",
          category: "colour",
          durationMinutes: 60,
          priceCents: 5000,
        },
      }),
    );
    const deleted = await write(db, { entityType: "service", op: "delete", locationId }, (tx) =>
      tx.service.delete({ where: { id: doomed.row.id } }),
    );
    // A change to a type the replica does not sync is skipped, but the cursor still moves past it.
    const other = await commitChange(db, { entityType: "staff_schedule_block", entityId: randomUUID() });

    const pages = await syncAll(start, 2);
    expect(pages.map((p) => p.changes.length)).toEqual([2, 2, 2]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    for (const p of pages) expect(changesSyncOutput.safeParse(p).success).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBe(String(other));

    const all = pages.flatMap((p) => p.changes);
    expect(all.map((c) => [c.entityType, c.entityId, c.version, c.op])).toEqual([
      ["location", loc.row.id, String(loc.version), "upsert"],
      ["staff", staff.row.id, String(staff.version), "upsert"],
      ["service", service.row.id, String(service.version), "upsert"],
      ["customer", customer.row.id, String(customer.version), "upsert"],
      ["booking", booking.row.id, String(booking2.version), "upsert"],
      ["service", doomed.row.id, String(deleted.version), "delete"],
    ]);
    // Each page's cursor is the newest version on it.
    expect(pages[0]!.nextCursor).toBe(String(staff.version));

    const byType = Object.fromEntries(
      all.map((c) => [c.entityType === "service" ? `${c.entityType}:${c.op}` : c.entityType, c]),
    );
    expect(byType.customer!.row).toMatchObject({ id: customer.row.id, phone: "+34600111222", name: "Lucía" });
    expect(byType.staff!.row).toMatchObject({ displayName: "Ana", role: "stylist" });
    expect(byType.staff!.row).not.toHaveProperty("passwordHash");
    expect(byType.location!.row).toMatchObject({ name: "Salón Sol", timeZone: "Europe/Madrid" });
    expect(byType["service:upsert"]!.row).toMatchObject({ nameEn: "Haircut", priceCents: 3000 });
    expect(byType["service:delete"]!.row).toBeNull();
    expect(byType.booking!.row).toMatchObject({
      notes: "window seat",
      guestName: "Marta",
      version: 2,
      startsAt: "2026-03-12T10:00:00.000Z",
      items: [{ position: 0, serviceId: service.row.id, staffId: staff.row.id, durationMinutes: 45 }],
    });

    // Incremental: from the last cursor, only what changed since.
    const cursor = pages.at(-1)!.nextCursor;
    expect(await desk().changes.sync({ cursor, limit: 100 })).toEqual({
      changes: [],
      nextCursor: cursor,
      hasMore: false,
    });
    const renamed = await write(db, { entityType: "customer", op: "upsert" }, (tx) =>
      tx.customer.update({ where: { id: customer.row.id }, data: { language: "en", version: { increment: 1 } } }),
    );
    const next = await desk().changes.sync({ cursor, limit: 100 });
    expect(next.changes).toEqual([
      expect.objectContaining({ entityType: "customer", entityId: customer.row.id, version: String(renamed.version) }),
    ]);
    expect(next.changes[0]!.row).toMatchObject({ language: "en", version: 2 });

    // Filtered by entity type.
    const services = (await syncAll(start, 1000, ["service"])).flatMap((p) => p.changes);
    expect(services.map((c) => [c.entityId, c.op])).toEqual([
      [service.row.id, "upsert"],
      [doomed.row.id, "delete"],
    ]);
  });

  it("reports an upsert whose row is gone as a tombstone", async () => {
    const ghost = randomUUID();
    const v = await commitChange(t.db, { entityType: "customer", entityId: ghost, op: "upsert" });
    const page = await desk().changes.sync({ cursor: String(v - 1n), limit: 10 });
    expect(page.changes).toEqual([
      { version: String(v), entityType: "customer", entityId: ghost, op: "delete", row: null },
    ]);
  });

  it("is refused to anonymous callers and to roles without calendar.read, and validates input", async () => {
    await expect(callerFor(services, null).changes.sync({ limit: 10 })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const stylist = callerFor(services, { staffId: randomUUID(), role: "stylist", locationId: randomUUID() });
    await expect(stylist.changes.sync({ limit: 10 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    for (const bad of [{ limit: 1001 }, { cursor: "abc", limit: 10 }, { limit: 10, entities: ["payment"] }]) {
      await expect(desk().changes.sync(bad as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    // The subscription checks the same way before anything streams.
    await expect(callerFor(services, null).changes.stream({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
