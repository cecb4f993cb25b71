import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncChanges } from "../changes/sync.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture, visitRow } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { upsertCustomerByPhone } from "./customer-store.ts";

let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
const clock = testClock("2026-03-10T09:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 0 });
  services = testServices(t, clock);
});
afterAll(() => t?.drop());

const as = (role: StaffRole) =>
  callerFor(services, {
    role,
    locationId: f.locationId,
    staffId: role === "manager" ? f.managerId : role === "owner" ? f.ownerId : f.deskId,
  });

const booking = (customerId: string, startsAt: string, status: "completed" | "confirmed" | "no_show") =>
  visitRow(t.db, f, customerId, startsAt, { status, service: "cut" });

async function conversation(customerId: string, externalId: string) {
  return t.db.conversation.create({
    data: { customerId, channel: "whatsapp_cloud", channelAccount: "106540352242922", externalId },
  });
}

describe("customers.merge", () => {
  it("moves bookings, chats, notes, no-shows and consent to the survivor; the duplicate becomes a tombstone", async () => {
    const survivor = await as("front_desk").customers.create({
      phone: "+34 611 000 001",
      name: "Lucía Fernández",
      notes: "Prefiere a Laura",
      language: "es",
    });
    const duplicate = await as("front_desk").customers.create({
      phone: "+34 622 000 002",
      name: "Lucia F.",
      notes: "Piel sensible",
      language: "en",
      marketingConsent: true,
    });
    await t.db.customer.update({ where: { id: survivor.id }, data: { noShowCount: 1 } });
    await t.db.customer.update({ where: { id: duplicate.id }, data: { noShowCount: 2 } });
    const kept = await booking(survivor.id, "2026-02-01T10:00:00Z", "completed");
    const b1 = await booking(duplicate.id, "2026-02-10T10:00:00Z", "no_show");
    const b2 = await booking(duplicate.id, "2026-03-20T10:00:00Z", "confirmed");
    const c1 = await conversation(survivor.id, "34611000001");
    const c2 = await conversation(duplicate.id, "34622000002");
    const s0 = await t.db.customer.findUniqueOrThrow({ where: { id: survivor.id } });
    const d0 = await t.db.customer.findUniqueOrThrow({ where: { id: duplicate.id } });
    const head = (await t.db.changeLog.aggregate({ _max: { version: true } }))._max.version!;

    const r = await as("front_desk").customers.merge({
      survivorId: survivor.id,
      duplicateId: duplicate.id,
      expectedVersions: { survivor: s0.version, duplicate: d0.version },
    });
    expect(r).toMatchObject({
      duplicateId: duplicate.id,
      movedBookings: 2,
      movedConversations: 1,
      customer: {
        id: survivor.id,
        name: "Lucía Fernández",
        phone: "+34611000001",
        notes: "Prefiere a Laura\n\nPiel sensible",
        language: "es",
        marketingConsent: true,
        noShowCount: 3,
        version: s0.version + 1,
      },
    });

    // Bookings and the chat now belong to the survivor, with their versions bumped.
    const moved = await t.db.booking.findMany({ where: { id: { in: [kept.id, b1.id, b2.id] } } });
    expect(moved.map((b) => b.customerId)).toEqual([survivor.id, survivor.id, survivor.id]);
    expect(moved.find((b) => b.id === b1.id)!.version).toBe(2);
    const convs = await t.db.conversation.findMany({ where: { id: { in: [c1.id, c2.id] } } });
    expect(convs.map((c) => c.customerId)).toEqual([survivor.id, survivor.id]);
    const d1 = await t.db.customer.findUniqueOrThrow({ where: { id: duplicate.id } });
    expect(d1).toMatchObject({
      mergedIntoId: survivor.id,
      nameCipher: null,
      notesCipher: null,
      noShowCount: 0,
      version: d0.version + 1,
    });
    const detail = await as("front_desk").customers.get({ customerId: survivor.id });
    expect(detail.bookings.map((b) => b.id).sort()).toEqual([kept.id, b1.id, b2.id].sort());
    // The old id answers with the survivor.
    expect((await as("front_desk").customers.get({ customerId: duplicate.id })).customer.id).toBe(survivor.id);

    // One audit entry naming both; a tombstone for the duplicate; upserts for the survivor and the bookings.
    const audit = await t.db.auditLog.findMany({ where: { action: "customer.merge" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entityType: "customer", entityId: survivor.id, actorId: f.deskId });
    expect(audit[0]!.data).toMatchObject({
      survivorId: survivor.id,
      duplicateId: duplicate.id,
      bookings: expect.arrayContaining([b1.id, b2.id]),
      conversations: [c2.id],
    });
    // Ids are random hex and may contain "611" or "622" by chance: look at everything but the ids.
    const withoutIds = JSON.stringify(audit[0]!.data).replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      "",
    );
    expect(withoutIds).not.toMatch(/Luc|Piel|Laura|611|622/);
    const changes = await t.db.changeLog.findMany({ where: { version: { gt: head } }, orderBy: { version: "asc" } });
    expect(changes.map((c) => [c.entityType, c.entityId, c.op])).toEqual([
      ["customer", survivor.id, "upsert"],
      ["customer", duplicate.id, "delete"],
      ...[b1.id, b2.id].sort().map((id) => ["booking", id, "upsert"]),
      ["conversation", c2.id, "upsert"],
    ]);
    const sync = await syncChanges(t.db, t.fc, { cursor: head, limit: 100, entities: ["customer", "booking"] });
    expect(sync.changes.find((c) => c.entityId === duplicate.id)).toMatchObject({ op: "delete", row: null });
    expect(sync.changes.find((c) => c.entityId === survivor.id)).toMatchObject({
      op: "upsert",
      row: { noShowCount: 3, marketingConsent: true },
    });
    expect(sync.changes.find((c) => c.entityId === b1.id)).toMatchObject({
      op: "upsert",
      row: { customerId: survivor.id },
    });

    // The duplicate's number still reaches the person: search and a new WhatsApp message find the survivor.
    const found = await as("front_desk").customers.search({ query: "+34 622 000 002" });
    expect(found.items.map((c) => c.id)).toEqual([survivor.id]);
    const inbound = await t.db.$transaction((tx) => upsertCustomerByPhone(tx, t.fc, { phone: "34622000002" }));
    expect(inbound).toMatchObject({ created: false, customer: { id: survivor.id } });
    await expect(as("front_desk").customers.create({ phone: "+34622000002", name: "X" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect((await as("front_desk").customers.search({ query: "Lucia F." })).items).toEqual([]);

    // The tombstone is final: no edits, no second merge.
    await expect(
      as("front_desk").customers.update({ customerId: duplicate.id, version: d1.version, notes: "x" }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    await expect(
      as("front_desk").customers.merge({
        survivorId: survivor.id,
        duplicateId: duplicate.id,
        expectedVersions: { survivor: r.customer.version, duplicate: d1.version },
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/already merged/) });
  });

  it("refuses merging a customer into itself and stale versions, writing nothing", async () => {
    const a = await as("front_desk").customers.create({ phone: "+34 633 000 003", name: "Ana Ruiz" });
    const b = await as("front_desk").customers.create({ phone: "+34 644 000 004", name: "Ana R." });
    const n0 = { audit: await t.db.auditLog.count(), change: await t.db.changeLog.count() };
    await expect(
      as("manager").customers.merge({
        survivorId: a.id,
        duplicateId: a.id,
        expectedVersions: { survivor: 1, duplicate: 1 },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "duplicateId: A customer cannot be merged into itself" });
    await as("manager").customers.update({ customerId: b.id, version: b.version, notes: "edited meanwhile" });
    const n1 = { audit: await t.db.auditLog.count(), change: await t.db.changeLog.count() };
    await expect(
      as("manager").customers.merge({
        survivorId: a.id,
        duplicateId: b.id,
        expectedVersions: { survivor: a.version, duplicate: b.version },
      }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        /^The duplicate customer was changed by someone else \(you saw version 1, it is now at version 2\)/,
      ),
    });
    expect(n1).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    expect({ audit: await t.db.auditLog.count(), change: await t.db.changeLog.count() }).toEqual(n1);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id: b.id } })).mergedIntoId).toBeNull();
    await expect(
      as("manager").customers.merge({
        survivorId: a.id,
        duplicateId: "00000000-0000-4000-8000-000000000000",
        expectedVersions: { survivor: a.version, duplicate: 1 },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "The duplicate customer was not found" });
  });

  it("erasing the survivor erases the records merged into it", async () => {
    const a = await as("manager").customers.create({ phone: "+34 655 000 005", name: "Marta Gil" });
    const b = await as("manager").customers.create({ phone: "+34 666 000 006", name: "Marta G." });
    const m = await as("manager").customers.merge({
      survivorId: a.id,
      duplicateId: b.id,
      expectedVersions: { survivor: a.version, duplicate: b.version },
    });
    const exported = await as("manager").customers.export({ customerId: a.id });
    expect(exported.customer.mergedRecords).toEqual([{ id: b.id, phone: "+34666000006" }]);
    expect(exported.audit.map((e) => e.action)).toEqual(expect.arrayContaining(["customer.create", "customer.merge"]));
    const r = await as("manager").customers.erase({ customerId: a.id, confirm: true, version: m.customer.version });
    expect(r.mergedRecords).toBe(1);
    const rows = await t.db.customer.findMany({ where: { id: { in: [a.id, b.id] } } });
    for (const row of rows) {
      expect(row).toMatchObject({ phoneCipher: null, phoneHash: null, nameCipher: null, notesCipher: null });
      expect(row.erasedAt).not.toBeNull();
    }
    const again = await t.db.$transaction((tx) => upsertCustomerByPhone(tx, t.fc, { phone: "+34666000006" }));
    expect(again.created).toBe(true);
    expect([a.id, b.id]).not.toContain(again.customer.id);
  });
});
