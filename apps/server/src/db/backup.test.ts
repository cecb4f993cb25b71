// Backups (issue #19 item 2): the demo salon plus a day of traffic, backed up and restored into a
// fresh embedded PostgreSQL data dir, compares equal table by table (row count and a checksum of the
// contents); the retention and the daily schedule as pure functions with an injected clock.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { freePort } from "../testing/global-setup.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import {
  backupDatabase,
  backupFileName,
  backupNow,
  backupStatus,
  backupTimeOf,
  dailyBackupDue,
  databaseFingerprint,
  expiredBackups,
  foreignKeyOrder,
  readBackupManifest,
  restoreDatabase,
  runBackup,
  scheduledBackup,
} from "./backup.ts";
import { createDb } from "./client.ts";
import { type EmbeddedPg, ensureDatabase, startEmbeddedPostgres } from "./embedded.ts";
import { seedDemoSalon } from "./seed.ts";
import { seedDemoChats } from "./seed-chats.ts";

const NOW = "2026-03-10T09:00:00Z";
let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "cita-backup-test-"));
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The demo salon, its chats, and a day at the desk: bookings made, one cancelled, one moved. */
async function salonWithADayOfTraffic(): Promise<void> {
  const clock = testClock(NOW);
  const { locationId } = await seedDemoSalon(t.db, t.fc, { now: clock() });
  await seedDemoChats(t.db, t.fc, clock());
  const services = testServices(t, clock);
  const desk = (await t.db.staffMember.findFirstOrThrow({ where: { role: "front_desk" } })).id;
  const api = callerFor(services, { staffId: desk, role: "front_desk", locationId });
  const customers = await t.db.customer.findMany({ take: 12, orderBy: { createdAt: "asc" } });
  const service = await t.db.service.findFirstOrThrow({ where: { depositRule: "none", active: true } });
  const made: { id: string; version: number }[] = [];
  for (const [i, day] of ["2026-03-11", "2026-03-12", "2026-03-13"].entries()) {
    const slots = await api.availability.search({
      items: [{ serviceId: service.id, staffId: null }],
      fromDate: day,
      toDate: day,
      limit: 20,
    });
    for (const slot of slots.filter((_, k) => k % 3 === 0).slice(0, 4)) {
      clock.advance(7 * 60_000);
      const b = await api.bookings
        .create({
          customerId: customers[(made.length + i) % customers.length]!.id,
          startsAt: slot.start,
          items: slot.items.map((x) => ({ serviceId: x.serviceId, staffId: x.staffId })),
        })
        .catch(() => null); // a slot taken by an earlier booking of the day
      if (b) made.push(b);
    }
  }
  expect(made.length).toBeGreaterThanOrEqual(6);
  await api.bookings.cancel({ id: made[0]!.id, by: "customer", reason: "gripe", expectedVersion: made[0]!.version });
  await api.bookings.setNotes({ id: made[1]!.id, notes: "Trae su propio tinte", expectedVersion: made[1]!.version });
}

describe("backup and restore", () => {
  let target: EmbeddedPg | null = null;
  let targetDir = "";
  afterAll(async () => {
    await target?.stop();
    if (targetDir) await rm(targetDir, { recursive: true, force: true });
  });

  it("restores the salon plus a day of traffic into a fresh data dir, every table equal", async () => {
    await salonWithADayOfTraffic();
    const file = join(dir, backupFileName(new Date(NOW)));
    const t0 = Date.now();
    const b = await backupDatabase(t.url, file);
    const backupMs = Date.now() - t0;
    expect(existsSync(`${file}.partial`)).toBe(false);
    const manifest = await readBackupManifest(file);
    expect(manifest.tables.map((x) => x.name)).toContain("_prisma_migrations");
    expect(manifest.migrations.length).toBeGreaterThan(0);
    expect(manifest.keyFingerprint).toBeNull(); // the test database never ran checkDataKey

    targetDir = await mkdtemp(join(tmpdir(), "cita-restore-pg-"));
    const t1 = Date.now();
    target = await startEmbeddedPostgres({ dataDir: targetDir, port: await freePort(), ephemeral: true });
    const url = await ensureDatabase(target.url, "cita");
    const startMs = Date.now() - t1;
    const t2 = Date.now();
    const r = await restoreDatabase(url, file);
    const restoreMs = Date.now() - t2;
    expect(r.migratedAfter).toEqual([]);

    const before = await databaseFingerprint(t.url);
    const after = await databaseFingerprint(url);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after).toEqual(before);
    for (const m of manifest.tables) expect(after[m.name]).toEqual({ rows: m.rows, checksum: m.checksum });
    const rows = Object.values(before).reduce((n, x) => n + x.rows, 0);
    expect(before.booking!.rows).toBeGreaterThan(100);
    expect(before.message!.rows).toBeGreaterThan(0);
    console.log(
      `backup round trip: ${Object.keys(before).length} tables, ${rows} rows, ${(b.bytes / 1024).toFixed(0)} KB gzip; backup ${backupMs} ms, fresh data dir ${startMs} ms, restore+verify ${restoreMs} ms`,
    );

    // The restored database works for Cita: personal data decrypts with the same key, ids continue.
    const db = createDb(url, { max: 2 });
    try {
      const original = await t.db.customer.findFirstOrThrow({ orderBy: { id: "asc" } });
      const restored = await db.customer.findFirstOrThrow({ orderBy: { id: "asc" } });
      expect(restored).toEqual(original);
      const seq = await db.$queryRaw<{ v: bigint }[]>`SELECT nextval('change_log_version_seq') AS v`;
      const max = await t.db.$queryRaw<{ v: bigint }[]>`SELECT max(version) AS v FROM change_log`;
      expect(seq[0]!.v).toBeGreaterThan(max[0]!.v);
    } finally {
      await db.$disconnect();
    }

    // A second restore into the now full database is refused, and changes nothing.
    await expect(restoreDatabase(url, file)).rejects.toThrow(/not empty/);
    expect(await databaseFingerprint(url)).toEqual(before);
  }, 90_000);

  it("refuses a damaged file and leaves the empty database empty", async () => {
    const broken = join(dir, "broken.cita-backup.gz");
    await writeFile(broken, "not a backup");
    const fresh = await createTestDatabase();
    try {
      await expect(restoreDatabase(fresh.url, broken)).rejects.toThrow();
      expect(await fresh.db.booking.count()).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  it("keeps the folder's backups, prunes old ones and records the last one for the console", async () => {
    const backups = await mkdtemp(join(tmpdir(), "cita-backups-"));
    try {
      const config = loadConfig({ CITA_ENV: "test", CITA_BACKUP_DIR: backups, CITA_BACKUP_KEEP_DAYS: "2" });
      const old = backupFileName(new Date("2026-03-01T02:00:00Z"));
      await writeFile(join(backups, old), "");
      await writeFile(join(backups, "notes.txt"), "mine");
      const state = await runBackup(config, { url: t.url, now: () => new Date(NOW) });
      expect(state.lastAttempt).toMatchObject({ ok: true, at: NOW.replace("Z", ".000Z") });
      expect(state.lastOk!.bytes).toBeGreaterThan(1000);
      expect((await readdir(backups)).sort()).toEqual(
        [backupFileName(new Date(NOW)), "backup-state.json", "notes.txt"].sort(),
      );
      const status = await backupStatus(config);
      expect(status).toMatchObject({ enabled: true, dir: backups, keepDays: 2, hour: 3 });
      expect(status.lastOk).toMatchObject({ file: backupFileName(new Date(NOW)), bytes: state.lastOk!.bytes });

      // A failure is recorded next to the last good backup, which stays shown.
      const failed = await runBackup(config, { url: "postgresql://x:y@127.0.0.1:1/none", now: () => new Date(NOW) });
      expect(failed.lastAttempt).toMatchObject({ ok: false });
      expect(failed.lastOk).toEqual(state.lastOk);
    } finally {
      await rm(backups, { recursive: true, force: true });
    }
  });

  it("runs the daily backup by itself: at once when there is none, then once a day from the backup hour", async () => {
    const backups = await mkdtemp(join(tmpdir(), "cita-backups-"));
    try {
      const clock = testClock("2026-03-11T01:50:00Z"); // 02:50 in Madrid
      const services = {
        ...testServices(t, clock),
        config: loadConfig({ CITA_ENV: "test", DATABASE_URL: t.url, CITA_BACKUP_DIR: backups }),
      };
      const files = async () => (await readdir(backups)).filter((n) => n.endsWith(".cita-backup.gz")).length;
      await scheduledBackup(services);
      expect(await files()).toBe(1);
      clock.set("2026-03-11T01:55:00Z"); // 02:55: today's 03:00 has not come
      await scheduledBackup(services);
      expect(await files()).toBe(1);
      clock.set("2026-03-11T02:05:00Z"); // 03:05
      await scheduledBackup(services);
      expect(await files()).toBe(2);
      clock.set("2026-03-11T02:15:00Z");
      await scheduledBackup(services);
      expect(await files()).toBe(2);
      expect((await backupStatus(services.config)).lastOk?.at).toBe("2026-03-11T02:05:00.000Z");
    } finally {
      await rm(backups, { recursive: true, force: true });
    }
  });

  it("backs up only this server's own database", async () => {
    const services = testServices(t);
    await expect(
      backupNow({ ...services, config: loadConfig({ CITA_ENV: "test", CITA_BACKUP_DIR: dir }) }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    await expect(
      backupNow({ ...services, config: loadConfig({ CITA_ENV: "test", DATABASE_URL: "postgresql://a:b@h/c" }) }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: /provider's backups/ });
  });
});

describe("retention and schedule", () => {
  const at = (iso: string) => new Date(iso);

  it("names backups by time and reads the time back", () => {
    const when = at("2026-12-07T02:00:05Z");
    expect(backupFileName(when)).toBe("cita-20261207-020005Z.cita-backup.gz");
    expect(backupTimeOf(backupFileName(when))).toEqual(when);
    expect(backupTimeOf("holiday-photos.zip")).toBeNull();
  });

  it("keeps N days of backups, always the newest, and leaves other files alone", () => {
    const names = ["2026-12-01", "2026-12-03", "2026-12-05", "2026-12-06", "2026-12-07"].map((d) =>
      backupFileName(at(`${d}T02:00:00Z`)),
    );
    const now = at("2026-12-07T02:30:00Z");
    expect(expiredBackups([...names, "notes.txt"], now, 3)).toEqual([names[1], names[0]]);
    expect(expiredBackups(names, now, 7)).toEqual([]);
    // Off for a month: the one backup left is kept, however old.
    expect(expiredBackups([names[0]!], at("2027-01-15T02:00:00Z"), 3)).toEqual([]);
    expect(expiredBackups(names, at("2027-01-15T02:00:00Z"), 3)).toEqual(names.slice(0, 4).reverse());
  });

  it("is due once a day from the backup hour, in the salon's time zone", () => {
    const tz = "Europe/Madrid"; // 03:00 Madrid = 02:00 UTC in winter, 01:00 UTC in summer
    expect(dailyBackupDue(at("2026-12-07T01:50:00Z"), at("2026-12-06T02:00:00Z"), 3, tz)).toBe(false);
    expect(dailyBackupDue(at("2026-12-07T02:00:00Z"), at("2026-12-06T02:00:00Z"), 3, tz)).toBe(true);
    expect(dailyBackupDue(at("2026-12-07T02:10:00Z"), at("2026-12-07T02:00:30Z"), 3, tz)).toBe(false);
    // The computer was off at 03:00: the backup runs when it is next on.
    expect(dailyBackupDue(at("2026-12-07T08:30:00Z"), at("2026-12-06T02:00:00Z"), 3, tz)).toBe(true);
    expect(dailyBackupDue(at("2026-12-07T08:30:00Z"), null, 3, tz)).toBe(true);
    // Summer time: 03:00 Madrid is 01:00 UTC.
    expect(dailyBackupDue(at("2026-07-07T01:05:00Z"), at("2026-07-06T01:00:00Z"), 3, tz)).toBe(true);
    // A backup hour of 23: before 23:00 the last slot is yesterday's.
    expect(dailyBackupDue(at("2026-12-07T20:00:00Z"), at("2026-12-06T22:05:00Z"), 23, tz)).toBe(false);
  });

  it("loads parents before children", () => {
    const tables = ["booking_item", "booking", "customer", "location"].map((name) => ({ name }));
    const order = foreignKeyOrder(tables, [
      { child: "booking_item", parent: "booking" },
      { child: "booking", parent: "customer" },
      { child: "booking", parent: "location" },
      { child: "customer", parent: "location" },
    ]).map((x) => x.name);
    expect(order).toEqual(["location", "customer", "booking", "booking_item"]);
  });
});
