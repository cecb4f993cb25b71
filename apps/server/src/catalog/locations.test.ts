import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

describe("locations", () => {
  it("returns the caller's location with hours and closures, to every role", async () => {
    const loc = await f.as("stylist").locations.get();
    expect(loc.id).toBe(f.locationId);
    expect(loc.timeZone).toBe("Europe/Madrid");
    expect(loc.hours.filter((h) => h.weekday === 2)).toEqual([{ weekday: 2, startMinute: 570, endMinute: 1200 }]);
    expect(loc.closures.map((c) => c.date)).toContain("2026-12-25");
  });

  it("updates settings; the next read sees them; audit and change rows are written with it", async () => {
    const before = await f.as("manager").locations.get();
    const n0 = await f.counts();
    const updated = await f.as("manager").locations.update({
      version: before.version,
      name: "Salón Cita Chamberí",
      slotStepMinutes: 30,
      holdMinutes: 20,
      cancellationWindowHours: 48,
      lateCancelKeepsDeposit: false,
      timeZone: "Atlantic/Canary",
    });
    expect(updated.version).toBe(before.version + 1);
    const read = await f.as("front_desk").locations.get();
    expect(read).toMatchObject({
      name: "Salón Cita Chamberí",
      slotStepMinutes: 30,
      holdMinutes: 20,
      cancellationWindowHours: 48,
      lateCancelKeepsDeposit: false,
      noShowKeepsDeposit: true,
      timeZone: "Atlantic/Canary",
      version: before.version + 1,
    });
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const change = await f.t.db.changeLog.findFirstOrThrow({ orderBy: { version: "desc" } });
    expect(change).toMatchObject({ entityType: "location", entityId: f.locationId, op: "upsert" });
    const audit = await f.t.db.auditLog.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actorType: "staff", actorId: f.ids.manager, action: "location.update" });
  });

  it("switches the repeat offer on (every N weeks) and off; refuses intervals outside 1–52, as the database does", async () => {
    const before = await f.as("manager").locations.get();
    expect(before.seriesOfferWeeks).toBeNull();
    const on = await f.as("manager").locations.update({ version: before.version, seriesOfferWeeks: 4 });
    expect(on.seriesOfferWeeks).toBe(4);
    for (const bad of [0, 53, 2.5]) {
      await expect(
        f.as("manager").locations.update({ version: on.version, seriesOfferWeeks: bad }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(
      f.t.db.$executeRaw`UPDATE location SET series_offer_weeks = 60 WHERE id = ${f.locationId}::uuid`,
    ).rejects.toThrow(/location_series_offer_weeks/);
    const off = await f.as("manager").locations.update({ version: on.version, seriesOfferWeeks: null });
    expect(off.seriesOfferWeeks).toBeNull();
  });

  it("refuses a stale version with CONFLICT and writes nothing", async () => {
    const loc = await f.as("owner").locations.get();
    await f.as("owner").locations.update({ version: loc.version, phone: "+34911111111" });
    const n0 = await f.counts();
    await expect(f.as("manager").locations.update({ version: loc.version, name: "Stale" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/changed by someone else/),
    });
    expect(await f.counts()).toEqual(n0);
    expect((await f.as("owner").locations.get()).name).not.toBe("Stale");
  });

  it("rejects bad settings with clear messages", async () => {
    const { version } = await f.as("owner").locations.get();
    await expect(f.as("owner").locations.update({ version, timeZone: "Europe/Atlantis" })).rejects.toThrow(
      /not a known time zone/,
    );
    await expect(f.as("owner").locations.update({ version, slotStepMinutes: 7 })).rejects.toThrow(
      /Slot step must divide the day evenly/,
    );
    await expect(f.as("owner").locations.update({ version, holdMinutes: 1 })).rejects.toThrow(
      /hold must last at least 5 minutes/,
    );
  });

  it("reminder settings: 24 h and 2 h with a 2 h follow-up by default; saved largest first, follow-up off; synced", async () => {
    const before = await f.as("owner").locations.get();
    expect(before).toMatchObject({ reminderOffsetsMinutes: [1440, 120], followUpMinutes: 120 });
    const n0 = await f.counts();
    const updated = await f.as("manager").locations.update({
      version: before.version,
      reminderOffsetsMinutes: [120, 2880, 30],
      followUpMinutes: null,
    });
    expect(updated).toMatchObject({
      reminderOffsetsMinutes: [2880, 120, 30],
      followUpMinutes: null,
      version: before.version + 1,
    });
    expect(await f.as("front_desk").locations.get()).toMatchObject({
      reminderOffsetsMinutes: [2880, 120, 30],
      followUpMinutes: null,
    });
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const audit = await f.t.db.auditLog.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(audit).toMatchObject({
      action: "location.update",
      data: { fields: { reminderOffsetsMinutes: [2880, 120, 30], followUpMinutes: null } },
    });
    // The console's replica receives them with the location row.
    const sync = await f.as("manager").changes.sync({ entities: ["location"] });
    expect(sync.changes.find((c) => c.entityId === f.locationId)?.row).toMatchObject({
      reminderOffsetsMinutes: [2880, 120, 30],
      followUpMinutes: null,
    });
    // No reminders at all is a setting too; the follow-up comes back.
    const none = await f.as("owner").locations.update({
      version: updated.version,
      reminderOffsetsMinutes: [],
      followUpMinutes: 24 * 60,
    });
    expect(none).toMatchObject({ reminderOffsetsMinutes: [], followUpMinutes: 1440 });
  });

  it("refuses bad reminder settings with clear messages and writes nothing", async () => {
    const { version } = await f.as("owner").locations.get();
    const n0 = await f.counts();
    const update = (input: { reminderOffsetsMinutes?: number[]; followUpMinutes?: number | null }) =>
      f.as("owner").locations.update({ version, ...input });
    await expect(update({ reminderOffsetsMinutes: [1440, 10] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "reminderOffsetsMinutes.1: A reminder must be at least 15 minutes before the visit",
    });
    await expect(update({ reminderOffsetsMinutes: [8 * 1440] })).rejects.toThrow(
      /A reminder can be at most 7 days \(168 hours\) before the visit/,
    );
    await expect(update({ reminderOffsetsMinutes: [2880, 1440, 120, 60] })).rejects.toThrow(
      /At most 3 reminders before a visit/,
    );
    await expect(update({ reminderOffsetsMinutes: [120, 1440, 120] })).rejects.toThrow(
      /Each reminder must be at a different time/,
    );
    await expect(update({ reminderOffsetsMinutes: [90.5] })).rejects.toThrow(/A reminder must be whole minutes/);
    await expect(update({ followUpMinutes: 5 })).rejects.toThrow(
      /The follow-up must be at least 15 minutes after the visit/,
    );
    await expect(update({ followUpMinutes: 10_081 })).rejects.toThrow(
      /The follow-up can be at most 7 days \(168 hours\) after the visit/,
    );
    expect(await f.counts()).toEqual(n0);
    expect(await f.as("owner").locations.get()).toMatchObject({ version });
  });

  it("only settings.write roles may change settings", async () => {
    const { version } = await f.as("owner").locations.get();
    await expect(f.as("front_desk").locations.update({ version, name: "Nope" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(f.as("stylist").locations.setHours({ version, hours: [] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("replaces opening hours, with split hours, and validates them", async () => {
    const { version } = await f.as("owner").locations.get();
    const n0 = await f.counts();
    await expect(
      f.as("owner").locations.setHours({ version, hours: [{ weekday: 1, startMinute: 600, endMinute: 540 }] }),
    ).rejects.toThrow(/Opening hours on Monday: 10:00–09:00 must start before it ends/);
    await expect(
      f.as("owner").locations.setHours({
        version,
        hours: [
          { weekday: 3, startMinute: 540, endMinute: 840 },
          { weekday: 3, startMinute: 800, endMinute: 1200 },
        ],
      }),
    ).rejects.toThrow(/Opening hours on Wednesday overlap: 09:00–14:00 and 13:20–20:00/);
    await expect(
      f.as("owner").locations.setHours({ version, hours: [{ weekday: 8, startMinute: 0, endMinute: 60 }] }),
    ).rejects.toThrow(/weekday must be 1 \(Monday\) to 7 \(Sunday\)/);
    expect(await f.counts()).toEqual(n0);

    const hours = [
      { weekday: 1, startMinute: 600, endMinute: 840 },
      { weekday: 1, startMinute: 960, endMinute: 1200 },
      { weekday: 6, startMinute: 540, endMinute: 900 },
    ];
    const after = await f.as("owner").locations.setHours({ version, hours });
    expect(after.hours).toEqual(hours);
    expect((await f.as("stylist").locations.get()).hours).toEqual(hours);
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
  });

  it("adds and removes closures; a duplicate date is a conflict", async () => {
    const loc = await f.as("owner").locations.get();
    const added = await f.as("owner").locations.addClosure({ date: "2026-08-14", reason: "Vacaciones de verano" });
    expect(added.version).toBe(loc.version + 1);
    const closure = added.closures.find((c) => c.date === "2026-08-14")!;
    expect(closure.reason).toBe("Vacaciones de verano");
    await expect(f.as("owner").locations.addClosure({ date: "2026-08-14", reason: "again" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/already closed on 2026-08-14/),
    });
    await expect(f.as("owner").locations.addClosure({ date: "2026-02-30", reason: "x" })).rejects.toThrow(
      /^date: must be a real date/,
    );
    const removed = await f.as("owner").locations.removeClosure({ closureId: closure.id });
    expect(removed.closures.map((c) => c.date)).not.toContain("2026-08-14");
    const actions = await f.t.db.auditLog.findMany({
      where: { action: { in: ["location.addClosure", "location.removeClosure"] } },
    });
    expect(actions.map((a) => a.action).sort()).toEqual(["location.addClosure", "location.removeClosure"]);
    await expect(f.as("owner").locations.removeClosure({ closureId: closure.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("atomicity", () => {
  it("rolls back the row and its audit row when the change-log append fails", async () => {
    const before = await f.as("owner").locations.get();
    const n0 = await f.counts();
    await f.t.db.$executeRawUnsafe(`
      CREATE FUNCTION fail_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'change log unavailable'; END $$`);
    await f.t.db.$executeRawUnsafe(
      "CREATE TRIGGER fail_change BEFORE INSERT ON change_log FOR EACH ROW EXECUTE FUNCTION fail_change()",
    );
    try {
      await expect(
        f.as("owner").locations.update({ version: before.version, name: "Never saved" }),
      ).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
      await expect(f.as("owner").locations.addClosure({ date: "2026-10-13", reason: "Puente" })).rejects.toMatchObject({
        code: "INTERNAL_SERVER_ERROR",
      });
    } finally {
      await f.t.db.$executeRawUnsafe("DROP TRIGGER fail_change ON change_log");
      await f.t.db.$executeRawUnsafe("DROP FUNCTION fail_change()");
    }
    const after = await f.as("owner").locations.get();
    expect(after).toEqual(before);
    expect(await f.counts()).toEqual(n0);
  });
});
