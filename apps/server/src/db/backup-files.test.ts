// Treatment photos travel in a backup (db/backup.ts): recorded through the real tRPC procedures,
// backed up with the database, restored into another database and data dir, and read there through
// the same query. A backup whose photo bytes were altered is refused whole: the empty database
// stays empty and no file lands in the data dir.
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treatmentsDirOf } from "../config/data-dir.ts";
import { loadConfig } from "../config/env.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture, visitRow } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { backupDatabase, fileDirsOf, readBackupManifest, restoreDatabase } from "./backup.ts";

let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
let dataDir: string;
let work: string;
const clock = testClock("2026-03-10T12:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 1 });
  dataDir = await mkdtemp(join(tmpdir(), "cita-backup-files-"));
  work = await mkdtemp(join(tmpdir(), "cita-backup-files-out-"));
  services = { ...testServices(t, clock), config: loadConfig({ CITA_ENV: "test", CITA_DATA_DIR: dataDir }) };
});
afterAll(async () => {
  await t?.drop();
  for (const d of [dataDir, work]) if (d) await rm(d, { recursive: true, force: true });
});

const photo = (r: number) =>
  sharp({ create: { width: 320, height: 240, channels: 3, background: { r, g: 90, b: 60 } } })
    .jpeg()
    .toBuffer();

/** A finished colour visit with a formula and a before and an after photo, as the stylist records them. */
async function recordWithPhotos() {
  const customerId = f.customers[0]!;
  const visit = await visitRow(t.db, f, customerId, "2026-03-03T10:00:00Z");
  const stylist = callerFor(services, { role: "stylist", locationId: f.locationId, staffId: f.staff.laura });
  const record = await stylist.treatments.record({
    customerId,
    bookingId: visit.id,
    formula: {
      products: [{ brand: "Wella Koleston", shade: "7/1", amount: 30, unit: "g" }],
      developer: { volume: "20 vol", amount: 45, unit: "ml" },
      proportions: "1:1.5",
      processingMinutes: 35,
    },
    notes: "Raíz sensible",
  });
  const photos = [];
  for (const [kind, r] of [
    ["before", 40],
    ["after", 200],
  ] as const) {
    const dataBase64 = (await photo(r)).toString("base64");
    photos.push(await stylist.treatments.addPhoto({ recordId: record.id, kind, dataBase64 }));
  }
  return { record, photos };
}

describe("treatment photos in backups", () => {
  it("are backed up with the database and restored into another data dir, readable there", async () => {
    const { photos } = await recordWithPhotos();
    const stylist = callerFor(services, { role: "stylist", locationId: f.locationId, staffId: f.staff.laura });
    const originals = await Promise.all(photos.map((p) => stylist.treatments.photo({ photoId: p.id })));

    const file = join(work, "with-photos.cita-backup.gz");
    const b = await backupDatabase(t.url, file, () => clock(), { files: fileDirsOf(dataDir) });
    const manifest = await readBackupManifest(file);
    expect(manifest.files).toHaveLength(2);
    expect(manifest.missingFiles).toBe(0);
    expect(b.manifest.files!.every((x) => /^treatments\/[a-f0-9]{32}\.enc$/.test(x.path))).toBe(true);
    // The files stay encrypted inside the backup: no JPEG in the clear.
    const text = gunzipSync(await readFile(file));
    const plain = Buffer.from(originals[0]!.dataUrl.split(",")[1]!, "base64");
    expect(text.includes(plain.subarray(0, 64))).toBe(false);

    const target = await createTestDatabase();
    const targetDir = await mkdtemp(join(tmpdir(), "cita-restored-"));
    try {
      const r = await restoreDatabase(target.url, file, { files: fileDirsOf(targetDir) });
      expect(r.files).toBe(2);
      expect((await readdir(treatmentsDirOf(targetDir))).sort()).toEqual(
        (await readdir(treatmentsDirOf(dataDir))).sort(),
      );
      const restored = {
        ...testServices({ ...t, db: target.db }, clock),
        config: loadConfig({ CITA_ENV: "test", CITA_DATA_DIR: targetDir }),
      };
      const there = callerFor(restored, { role: "stylist", locationId: f.locationId, staffId: f.staff.laura });
      for (const [i, p] of photos.entries())
        expect(await there.treatments.photo({ photoId: p.id })).toEqual(originals[i]);
    } finally {
      await target.drop();
      await rm(targetDir, { recursive: true, force: true });
    }
  });

  it("refuses a backup whose photo bytes were altered: nothing restored, no file written", async () => {
    const file = join(work, "with-photos.cita-backup.gz");
    const lines = gunzipSync(await readFile(file))
      .toString("utf8")
      .split("\n");
    const at = lines.findIndex((l) => l.startsWith("file treatments/")) + 1;
    const bytes = Buffer.from(lines[at]!, "base64");
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    lines[at] = bytes.toString("base64");
    const tampered = join(work, "tampered.cita-backup.gz");
    await writeFile(tampered, gzipSync(lines.join("\n")));

    const target = await createTestDatabase();
    const targetDir = await mkdtemp(join(tmpdir(), "cita-restored-"));
    try {
      await expect(restoreDatabase(target.url, tampered, { files: fileDirsOf(targetDir) })).rejects.toThrow(
        /does not match its checksum/,
      );
      expect(await target.db.treatmentPhoto.count()).toBe(0);
      expect(await target.db.customer.count()).toBe(0);
      await expect(readdir(treatmentsDirOf(targetDir))).rejects.toThrow(/ENOENT/);
      // Nor may a backup with photos be restored where they would have nowhere to go.
      await expect(restoreDatabase(target.url, file)).rejects.toThrow(/treatment photos/);
    } finally {
      await target.drop();
      await rm(targetDir, { recursive: true, force: true });
    }
  });

  it("counts a photo whose file is gone instead of failing the backup", async () => {
    const [key] = await readdir(treatmentsDirOf(dataDir));
    await unlink(join(treatmentsDirOf(dataDir), key!));
    const file = join(work, "one-missing.cita-backup.gz");
    const b = await backupDatabase(t.url, file, () => clock(), { files: fileDirsOf(dataDir) });
    expect(b.manifest.files).toHaveLength(1);
    expect(b.manifest.missingFiles).toBe(1);
  });
});
