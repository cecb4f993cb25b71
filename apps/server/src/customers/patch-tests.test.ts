// Patch tests on a customer (issue #21) through the tRPC procedures as the console calls them:
// record (notes encrypted at rest, audited without health data), list, delete by mistake; who may;
// and the tests follow the person into the export, a merge and an erasure.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
let customers: { id: string; version: number }[];
beforeAll(async () => {
  f = await demoFixture();
  customers = await f.t.db.customer.findMany({
    where: { erasedAt: null, mergedIntoId: null },
    orderBy: { createdAt: "asc" },
    take: 4,
  });
});
afterAll(() => f.t.drop());

const D = 86_400_000;
const ago = (days: number) => new Date(f.clock().getTime() - days * D).toISOString();
const codeOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  return (e as TRPCError).code;
};

describe("patchTests", () => {
  it("front desk records a test; notes are encrypted at rest; the audit holds no result or notes", async () => {
    const customerId = customers[0]!.id;
    const before = await f.counts();
    const t = await f.as("front_desk").patchTests.record({
      customerId,
      takenAt: ago(3),
      product: "Koleston 7/1",
      result: "negative",
      notes: "Leve picor detrás de la oreja",
    });
    expect(t).toMatchObject({ customerId, product: "Koleston 7/1", result: "negative" });
    expect(t.notes).toBe("Leve picor detrás de la oreja");
    expect(t.recordedBy).toBeTruthy();
    const row = await f.t.db.patchTest.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.recordedByStaffId).toBe(f.ids.front_desk);
    expect(Buffer.from(row.notesCipher!).toString("utf8")).not.toContain("picor");
    const after = await f.counts();
    expect(after.audit - before.audit).toBe(1);
    expect(after.change - before.change).toBe(1);
    const audit = await f.t.db.auditLog.findFirstOrThrow({ where: { action: "customer.patch_test_recorded" } });
    expect(JSON.stringify(audit.data)).not.toMatch(/negative|picor|Koleston/);

    const list = await f.as("manager").patchTests.list({ customerId });
    expect(list.tests.map((x) => x.id)).toEqual([t.id]);
  });

  it("lists newest first", async () => {
    const customerId = customers[1]!.id;
    const older = await f
      .as("manager")
      .patchTests.record({ customerId, takenAt: ago(200), product: "A", result: "negative" });
    const newer = await f
      .as("manager")
      .patchTests.record({ customerId, takenAt: ago(1), product: "B", result: "positive" });
    const { tests } = await f.as("front_desk").patchTests.list({ customerId });
    expect(tests.map((x) => x.id)).toEqual([newer.id, older.id]);
    expect(tests[1]!.notes).toBeNull();
  });

  it("refuses a test dated in the future, an empty product, a stylist, an unknown customer", async () => {
    const customerId = customers[0]!.id;
    const future = new Date(f.clock().getTime() + 2 * D).toISOString();
    expect(
      await codeOf(
        f.as("front_desk").patchTests.record({ customerId, takenAt: future, product: "X", result: "negative" }),
      ),
    ).toBe("BAD_REQUEST");
    expect(
      await codeOf(
        f.as("front_desk").patchTests.record({ customerId, takenAt: ago(1), product: "  ", result: "negative" }),
      ),
    ).toBe("BAD_REQUEST");
    expect(await codeOf(f.as("stylist").patchTests.list({ customerId }))).toBe("FORBIDDEN");
    expect(
      await codeOf(
        f.as("front_desk").patchTests.record({
          customerId: "00000000-0000-4000-8000-000000000000",
          takenAt: ago(1),
          product: "X",
          result: "negative",
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("deletes one recorded by mistake, audited with the reason", async () => {
    const customerId = customers[2]!.id;
    const t = await f
      .as("front_desk")
      .patchTests.record({ customerId, takenAt: ago(2), product: "Igora", result: "negative" });
    await f.as("front_desk").patchTests.delete({ id: t.id, reason: "Wrong customer" });
    expect((await f.as("front_desk").patchTests.list({ customerId })).tests).toEqual([]);
    const audit = await f.t.db.auditLog.findFirstOrThrow({ where: { action: "customer.patch_test_deleted" } });
    expect(audit.data).toMatchObject({ patchTestId: t.id, reason: "Wrong customer" });
    expect(await codeOf(f.as("front_desk").patchTests.delete({ id: t.id, reason: "again" }))).toBe("NOT_FOUND");
  });

  it("follow the person: export lists them (notes decrypted), a merge moves them, an erasure removes them", async () => {
    // Fresh records: no upcoming bookings stand in the erasure's way.
    const survivor = await f.as("manager").customers.create({ phone: "+34600111222", name: "Nerea Prueba" });
    const duplicate = await f.as("manager").customers.create({ phone: "+34600111333", name: "Nerea P." });
    await f.as("front_desk").patchTests.record({
      customerId: duplicate.id,
      takenAt: ago(10),
      product: "Majirel",
      result: "negative",
      notes: "ok",
    });
    await f.as("manager").customers.merge({
      survivorId: survivor.id,
      duplicateId: duplicate.id,
      expectedVersions: { survivor: survivor.version, duplicate: duplicate.version },
    });
    const moved = await f.as("front_desk").patchTests.list({ customerId: survivor.id });
    expect(moved.tests.map((t) => t.product)).toEqual(["Majirel"]);

    const doc = await f.as("manager").customers.export({ customerId: survivor.id });
    expect(doc.patchTests).toMatchObject([{ product: "Majirel", result: "negative", notes: "ok" }]);

    await f.as("manager").customers.erase({ customerId: survivor.id, confirm: true });
    expect(await f.t.db.patchTest.count({ where: { customerId: { in: [survivor.id, duplicate.id] } } })).toBe(0);
  });
});
