// Colour and treatment records (#21) through the real tRPC procedures: recorded on a visit that has
// begun, encrypted at rest (formula, notes and photo files), shown newest first and as the drawer's
// "last formula", in the export, moved by a merge, gone (rows and files) after an erasure, and bad
// inputs answered BAD_REQUEST. The clock is injected, so the outcome is the same at any date/hour.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { rotateDataKey } from "../crypto/rotate-key.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture, visitRow } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { upsertCustomerByPhone } from "./customer-store.ts";
import { photoBase64 } from "./treatment-photos.ts";
import { decryptFormula } from "./treatments.ts";

let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
let dataDir: string;
const clock = testClock("2026-03-10T12:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 3 });
  dataDir = mkdtempSync(join(tmpdir(), "cita-treatments-"));
  const base = testServices(t, clock);
  services = { ...base, config: loadConfig({ CITA_ENV: "test", CITA_DATA_DIR: dataDir }) };
});
afterAll(async () => {
  await t?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const as = (role: StaffRole) =>
  callerFor(services, {
    role,
    locationId: f.locationId,
    staffId:
      role === "manager" ? f.managerId : role === "owner" ? f.ownerId : role === "stylist" ? f.staff.laura : f.deskId,
  });

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected an error");
}

const booking = (customerId: string, startsAt: string, status: "completed" | "confirmed" | "cancelled") =>
  visitRow(t.db, f, customerId, startsAt, { status });

const FORMULA = {
  products: [
    { brand: "Wella Koleston", shade: "7/1 Rubio ceniza", amount: 30, unit: "g" as const },
    { brand: null, shade: "8/0", amount: 15.5, unit: "g" as const },
  ],
  developer: { volume: "20 vol", amount: 68, unit: "ml" as const },
  proportions: "1:1.5",
  processingMinutes: 35,
};
const NOTES = "Cuero cabelludo sensible: aplicar a 1 cm de la raíz";

/** A 2400×1200 JPEG carrying EXIF text (as a phone photo carries its GPS position). */
async function photoWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1200, channels: 3, background: { r: 180, g: 90, b: 60 } } })
    .jpeg()
    .withExif({ IFD0: { ImageDescription: "Casa de Quintanilla", Artist: "Quintanilla" } })
    .toBuffer();
}

describe("treatment records", () => {
  let customer: string;
  let done: string;
  let recordId: string;
  let photoId: string;

  it("records a formula on a visit that has begun; encrypted at rest; audited without personal data", async () => {
    customer = f.customers[0]!;
    done = (await booking(customer, "2026-03-03T10:00:00Z", "completed")).id;
    const before = await t.db.changeLog.aggregate({ _max: { version: true } });
    // The front desk types it in for Laura: the record names the visit's stylist.
    const r = await as("front_desk").treatments.record({
      customerId: customer,
      bookingId: done,
      formula: FORMULA,
      notes: `  ${NOTES}  `,
    });
    recordId = r.id;
    expect(r).toMatchObject({
      customerId: customer,
      bookingId: done,
      staffId: f.staff.laura,
      staffName: "Laura",
      visit: { startsAt: "2026-03-03T10:00:00.000Z", services: [{ nameEs: "Tinte", nameEn: "Colour" }] },
      formula: {
        products: [
          { brand: "Wella Koleston", shade: "7/1 Rubio ceniza", amount: 30, unit: "g" },
          { brand: null, shade: "8/0", amount: 15.5, unit: "g" },
        ],
        developer: { volume: "20 vol", amount: 68, unit: "ml" },
        proportions: "1:1.5",
        processingMinutes: 35,
      },
      notes: NOTES,
      photos: [],
      version: 1,
    });
    const raw = await t.db.$queryRaw<{ f: string; n: string }[]>`
      SELECT encode(formula_cipher, 'escape') AS f, encode(notes_cipher, 'escape') AS n FROM treatment_record WHERE id = ${recordId}::uuid`;
    expect(raw[0]!.f).not.toContain("Koleston");
    expect(raw[0]!.f).not.toContain("7/1");
    expect(raw[0]!.n).not.toContain("sensible");
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: "treatment.record" } });
    expect(audit).toMatchObject({ actorId: f.deskId, entityType: "customer", entityId: customer });
    expect(audit.data).toEqual({ recordId, bookingId: done, products: 2, developer: true, notes: "set" });
    const changes = await t.db.changeLog.findMany({ where: { version: { gt: before._max.version ?? 0n } } });
    expect(changes.map((c) => [c.entityType, c.entityId])).toEqual([["customer", customer]]);
    expect(JSON.stringify(changes.map((c) => c.data))).not.toMatch(/Koleston|sensible/);
  });

  it("refuses a future or cancelled visit, another customer's visit, and bad input (BAD_REQUEST, no 5xx)", async () => {
    const future = await booking(customer, "2026-03-20T10:00:00Z", "confirmed");
    expect(
      await codeOf(as("stylist").treatments.record({ customerId: customer, bookingId: future.id, formula: FORMULA })),
    ).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/once the visit has begun/) });
    const cancelled = await booking(customer, "2026-03-01T10:00:00Z", "cancelled");
    expect(
      await codeOf(
        as("stylist").treatments.record({ customerId: customer, bookingId: cancelled.id, formula: FORMULA }),
      ),
    ).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(
      await codeOf(as("stylist").treatments.record({ customerId: f.customers[1]!, bookingId: done, formula: FORMULA })),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^bookingId: /) });
    const bad: [unknown, RegExp][] = [
      [{ ...FORMULA, products: [] }, /^formula\.products/],
      [{ ...FORMULA, products: [{ shade: "7/1", amount: -1, unit: "g" }] }, /^formula\.products\.0\.amount/],
      [{ ...FORMULA, products: [{ shade: "7/1", amount: 10_000, unit: "g" }] }, /^formula\.products\.0\.amount/],
      [{ ...FORMULA, products: [{ shade: "  ", amount: 10, unit: "g" }] }, /^formula\.products\.0\.shade/],
      [{ ...FORMULA, products: [{ shade: "7/1", amount: 10, unit: "kg" }] }, /^formula\.products\.0\.unit/],
      [{ ...FORMULA, processingMinutes: 100_000 }, /^formula\.processingMinutes/],
      [{ ...FORMULA, proportions: "1:1\u0000" }, /^formula\.proportions/],
    ];
    for (const [formula, message] of bad) {
      const e = await codeOf(as("stylist").treatments.record({ customerId: customer, formula: formula as never }));
      expect(e.code).toBe("BAD_REQUEST");
      expect(e.message).toMatch(message);
    }
    expect(
      await codeOf(
        as("stylist").treatments.record({ customerId: customer, formula: FORMULA, notes: "x".repeat(2001) }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^notes/) });
    expect(
      await codeOf(
        as("stylist").treatments.record({ customerId: "00000000-0000-4000-8000-000000000000", formula: FORMULA }),
      ),
    ).toMatchObject({ code: "NOT_FOUND" });
    expect(await t.db.treatmentRecord.count()).toBe(1);
  });

  it("edits with the version seen; a stale edit is a CONFLICT", async () => {
    const edited = await as("stylist").treatments.update({
      recordId,
      version: 1,
      formula: { ...FORMULA, processingMinutes: 40 },
    });
    expect(edited).toMatchObject({ version: 2, notes: NOTES, formula: { processingMinutes: 40 } });
    expect(await codeOf(as("stylist").treatments.update({ recordId, version: 1, notes: "otra cosa" }))).toMatchObject({
      code: "CONFLICT",
    });
  });

  it("photos: only real images, re-encoded without metadata, ≤ 1600 px, encrypted on disk, read only through the query", async () => {
    const original = await photoWithExif();
    expect(original.includes(Buffer.from("Quintanilla"))).toBe(true);
    const p = await as("stylist").treatments.addPhoto({
      recordId,
      kind: "after",
      dataBase64: `data:image/jpeg;base64,${original.toString("base64")}`,
    });
    photoId = p.id;
    expect(p).toMatchObject({ kind: "after", mimeType: "image/jpeg" });
    const files = readdirSync(join(dataDir, "treatments"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[a-f0-9]{32}\.enc$/);
    const onDisk = readFileSync(join(dataDir, "treatments", files[0]!));
    expect(onDisk.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false); // not a plain JPEG
    expect(onDisk.includes(Buffer.from("Quintanilla"))).toBe(false);

    const got = await as("front_desk").treatments.photo({ photoId });
    expect(got.dataUrl.startsWith("data:image/jpeg;base64,")).toBe(true);
    const jpeg = Buffer.from(got.dataUrl.split(",")[1]!, "base64");
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: 1600, height: 800 });
    expect(meta.exif).toBeUndefined();
    expect(jpeg.includes(Buffer.from("Quintanilla"))).toBe(false);

    // Text is not a photo, however it is named; a broken image neither.
    for (const dataBase64 of [
      Buffer.from("hola, esto no es una foto").toString("base64"),
      original.subarray(0, 200).toString("base64"),
    ]) {
      expect(await codeOf(as("stylist").treatments.addPhoto({ recordId, kind: "before", dataBase64 }))).toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(/^dataBase64: /),
      });
    }
    expect(
      await codeOf(as("stylist").treatments.addPhoto({ recordId, kind: "before", dataBase64: "no base64!" })),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(readdirSync(join(dataDir, "treatments"))).toHaveLength(1);
    // A second one, removed again: its row and its file go.
    const extra = await as("stylist").treatments.addPhoto({
      recordId,
      kind: "before",
      dataBase64: original.toString("base64"),
    });
    expect(readdirSync(join(dataDir, "treatments"))).toHaveLength(2);
    expect(await as("stylist").treatments.deletePhoto({ photoId: extra.id })).toEqual({
      photoId: extra.id,
      deleted: true,
    });
    expect(readdirSync(join(dataDir, "treatments"))).toEqual(files);
    expect(await codeOf(as("stylist").treatments.photo({ photoId: extra.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect((await as("stylist").treatments.list({ customerId: customer })).items[0]!.photos).toHaveLength(1);
  });

  it("lists newest first; the drawer's latest formula is the newest record", async () => {
    clock.advance(60_000);
    const later = await as("stylist").treatments.record({
      customerId: customer,
      formula: { products: [{ shade: "Blondor", amount: 20, unit: "g" }], developer: null },
    });
    expect(later).toMatchObject({ bookingId: null, visit: null, staffId: f.staff.laura, notes: null });
    const list = await as("stylist").treatments.list({ customerId: customer });
    expect(list.items.map((r) => r.id)).toEqual([later.id, recordId]);
    expect((await as("front_desk").treatments.latest({ customerId: customer })).record?.id).toBe(later.id);
    expect((await as("front_desk").treatments.latest({ customerId: f.customers[2]! })).record).toBeNull();
    // Deleting the newest one brings the visit's formula back as the latest.
    expect(await as("stylist").treatments.delete({ recordId: later.id, version: later.version })).toMatchObject({
      deleted: true,
      photos: 0,
    });
    const latest = (await as("front_desk").treatments.latest({ customerId: customer })).record;
    expect(latest).toMatchObject({
      id: recordId,
      formula: { products: [{ shade: "7/1 Rubio ceniza" }, { shade: "8/0" }] },
    });
  });

  it("export contains the records with their photos", async () => {
    const doc = await as("manager").customers.export({ customerId: customer });
    expect(doc.treatments).toHaveLength(1);
    expect(doc.treatments[0]).toMatchObject({
      id: recordId,
      bookingId: done,
      staffName: "Laura",
      notes: NOTES,
      formula: {
        products: [
          { brand: "Wella Koleston", shade: "7/1 Rubio ceniza" },
          { brand: null, shade: "8/0" },
        ],
        proportions: "1:1.5",
      },
      photos: [{ kind: "after", mimeType: "image/jpeg", dataBase64: expect.any(String) }],
    });
    const jpeg = Buffer.from(doc.treatments[0]!.photos[0]!.dataBase64!, "base64");
    expect((await sharp(jpeg).metadata()).format).toBe("jpeg");
  });

  it("merge moves the duplicate's records to the survivor", async () => {
    const { customer: dup } = await t.db.$transaction((tx) =>
      upsertCustomerByPhone(tx, t.fc, { phone: "+34600999111", name: "Duplicada" }),
    );
    const r = await as("stylist").treatments.record({ customerId: dup.id, formula: FORMULA });
    const survivor = await t.db.customer.findUniqueOrThrow({ where: { id: f.customers[1]! } });
    await as("manager").customers.merge({
      survivorId: survivor.id,
      duplicateId: dup.id,
      expectedVersions: { survivor: survivor.version, duplicate: dup.version },
    });
    expect((await t.db.treatmentRecord.findUniqueOrThrow({ where: { id: r.id } })).customerId).toBe(survivor.id);
    expect((await as("stylist").treatments.list({ customerId: survivor.id })).items.map((x) => x.id)).toEqual([r.id]);
    // The merged-away id answers with the survivor's records.
    expect((await as("stylist").treatments.latest({ customerId: dup.id })).record?.id).toBe(r.id);
    expect(await codeOf(as("stylist").treatments.record({ customerId: dup.id, formula: FORMULA }))).toMatchObject({
      code: "PRECONDITION_FAILED",
    });
  });

  it("erase removes the records, their photo rows and files; other customers' stay", async () => {
    const other = (await t.db.treatmentRecord.findMany({ where: { customerId: { not: customer } } })).length;
    expect(other).toBe(1);
    const c = await t.db.customer.findUniqueOrThrow({ where: { id: customer } });
    // The upcoming visit is cancelled first (erase refuses while one is to come).
    await t.db.booking.updateMany({
      where: { customerId: customer, status: "confirmed" },
      data: { status: "cancelled" },
    });
    const r = await as("manager").customers.erase({ customerId: customer, confirm: true, version: c.version });
    expect(r.mediaFiles).toBe(1);
    expect(await t.db.treatmentRecord.count({ where: { customerId: customer } })).toBe(0);
    expect(await t.db.treatmentPhoto.count({ where: { id: photoId } })).toBe(0);
    expect(readdirSync(join(dataDir, "treatments"))).toEqual([]);
    expect(await t.db.treatmentRecord.count()).toBe(other);
    expect(await codeOf(as("stylist").treatments.photo({ photoId }))).toMatchObject({ code: "NOT_FOUND" });
    const dump = await t.db.$queryRaw<{ j: string }[]>`SELECT row_to_json(a)::text AS j FROM audit_log a`;
    expect(dump.map((d) => d.j).join("\n")).not.toMatch(/Koleston|sensible|Rubio/);
  });
});

describe("treatment records under a new data key", () => {
  it("key rotation moves formulas, notes, photo files and patch-test notes to the new key (old files removed after commit)", async () => {
    const customer = f.customers[2]!;
    const r = await as("stylist").treatments.record({ customerId: customer, formula: FORMULA, notes: NOTES });
    await as("stylist").treatments.addPhoto({
      recordId: r.id,
      kind: "before",
      dataBase64: (await photoWithExif()).toString("base64"),
    });
    const before = readdirSync(join(dataDir, "treatments"));
    expect(before).toHaveLength(1);
    // A patch test's notes are personal data under the same key (issue #21).
    const test = await as("front_desk").patchTests.record({
      customerId: customer,
      takenAt: "2026-03-01T10:00:00Z",
      product: "Koleston 7/0",
      result: "negative",
      notes: "Sin reacción a las 48 h",
    });
    const to = createFieldCrypto(randomBytes(32));
    // The whole rotation (crypto/rotate-key.ts), as `pnpm db:rotate-key` runs it.
    const rotated = await rotateDataKey(t.db, t.fc, to, { treatmentsDir: join(dataDir, "treatments") });
    expect(rotated.others?.photos).toBe(1);
    expect(rotated.others?.treatments).toBe(await t.db.treatmentRecord.count());
    expect(rotated.others?.patchTests).toBeGreaterThanOrEqual(1);
    const testRow = await t.db.patchTest.findUniqueOrThrow({ where: { id: test.id } });
    expect(to.decrypt(testRow.notesCipher!)).toBe("Sin reacción a las 48 h");
    const after = readdirSync(join(dataDir, "treatments"));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    const row = await t.db.treatmentRecord.findUniqueOrThrow({ where: { id: r.id }, include: { photos: true } });
    expect(decryptFormula(to, row.formulaCipher).products[0]!.brand).toBe("Wella Koleston");
    expect(to.decrypt(row.notesCipher!)).toBe(NOTES);
    expect(() => t.fc.decrypt(row.formulaCipher)).toThrow();
    expect(row.photos[0]!.storageKey).toBe(after[0]);
    const jpeg = await photoBase64(to, join(dataDir, "treatments"), after[0]!);
    expect((await sharp(Buffer.from(jpeg!, "base64")).metadata()).format).toBe("jpeg");
  });
});
