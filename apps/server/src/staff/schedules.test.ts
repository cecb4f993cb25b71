import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

const version = async (staffId: string) =>
  (await f.t.db.staffMember.findUniqueOrThrow({ where: { id: staffId } })).version;

describe("staff.getSchedule", () => {
  it("a stylist reads their own schedule but nobody else's", async () => {
    const own = await f.as("stylist").staff.getSchedule({ staffId: f.laura.id });
    expect(own.weekly.filter((b) => b.weekday === 2)).toEqual([
      { weekday: 2, kind: "work", startMinute: 600, endMinute: 1140 },
      { weekday: 2, kind: "break", startMinute: 840, endMinute: 900 },
    ]);
    expect(own.weekly.some((b) => b.weekday === 1)).toBe(false); // Monday off
    const carlos = await f.t.db.staffMember.findUniqueOrThrow({ where: { email: "carlos@cita.demo" } });
    await expect(f.as("stylist").staff.getSchedule({ staffId: carlos.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You can only see your own schedule",
    });
    expect((await f.as("front_desk").staff.getSchedule({ staffId: carlos.id })).staffId).toBe(carlos.id);
  });
});

describe("staff.setWeeklySchedule", () => {
  it("replaces the week; the next read sees it; audited in the same transaction", async () => {
    const v = await version(f.laura.id);
    const n0 = await f.counts();
    const blocks = [
      { weekday: 1, kind: "work" as const, startMinute: 540, endMinute: 1020 },
      { weekday: 1, kind: "break" as const, startMinute: 780, endMinute: 840 },
      { weekday: 3, kind: "work" as const, startMinute: 600, endMinute: 840 },
      { weekday: 3, kind: "work" as const, startMinute: 900, endMinute: 1200 },
    ];
    const after = await f.as("manager").staff.setWeeklySchedule({ staffId: f.laura.id, version: v, blocks });
    expect(after.version).toBe(v + 1);
    const read = await f.as("stylist").staff.getSchedule({ staffId: f.laura.id });
    // Ordered by weekday, then work before break, then start.
    expect(read.weekly).toEqual([blocks[0], blocks[1], blocks[2], blocks[3]]);
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const change = await f.t.db.changeLog.findFirstOrThrow({ orderBy: { version: "desc" } });
    expect(change).toMatchObject({ entityType: "staff", entityId: f.laura.id, op: "upsert" });
  });

  it("rejects breaks outside work, overlaps and inverted blocks, writing nothing", async () => {
    const v = await version(f.laura.id);
    const n0 = await f.counts();
    const set = (blocks: { weekday: number; kind: "work" | "break"; startMinute: number; endMinute: number }[]) =>
      f.as("owner").staff.setWeeklySchedule({ staffId: f.laura.id, version: v, blocks });
    await expect(
      set([
        { weekday: 2, kind: "work", startMinute: 600, endMinute: 840 },
        { weekday: 2, kind: "break", startMinute: 820, endMinute: 880 },
      ]),
    ).rejects.toThrow("Break on Tuesday 13:40–14:40 is not within working hours");
    await expect(set([{ weekday: 4, kind: "break", startMinute: 820, endMinute: 880 }])).rejects.toThrow(
      /not within working hours/,
    );
    await expect(
      set([
        { weekday: 5, kind: "work", startMinute: 600, endMinute: 900 },
        { weekday: 5, kind: "work", startMinute: 840, endMinute: 1000 },
      ]),
    ).rejects.toThrow("Work blocks on Friday overlap: 10:00–15:00 and 14:00–16:40");
    await expect(set([{ weekday: 5, kind: "work", startMinute: 900, endMinute: 900 }])).rejects.toThrow(
      "Work blocks on Friday: 15:00–15:00 must start before it ends",
    );
    await expect(set([{ weekday: 5, kind: "work", startMinute: 900, endMinute: 1500 }])).rejects.toThrow(
      "blocks.0.endMinute: must be between 0 and 1440 minutes",
    );
    expect(await f.counts()).toEqual(n0);
    expect(await version(f.laura.id)).toBe(v);
  });

  it("a stale version is a CONFLICT", async () => {
    const v = await version(f.laura.id);
    await expect(
      f.as("owner").staff.setWeeklySchedule({ staffId: f.laura.id, version: v - 1, blocks: [] }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("date overrides and time off", () => {
  it("adds a day off, replaces it with custom hours, removes it", async () => {
    const off = await f.as("owner").staff.addDateOverride({ staffId: f.laura.id, date: "2026-04-14", kind: "off" });
    expect(off.dateOverrides).toEqual([
      { id: expect.any(String), date: "2026-04-14", kind: "off", startMinute: null, endMinute: null },
    ]);
    const custom = await f.as("owner").staff.addDateOverride({
      staffId: f.laura.id,
      date: "2026-04-14",
      kind: "custom_hours",
      startMinute: 720,
      endMinute: 960,
    });
    expect(custom.dateOverrides).toEqual([
      { id: expect.any(String), date: "2026-04-14", kind: "custom_hours", startMinute: 720, endMinute: 960 },
    ]);
    await expect(
      f.as("owner").staff.addDateOverride({ staffId: f.laura.id, date: "2026-04-15", kind: "custom_hours" }),
    ).rejects.toThrow("startMinute: Custom hours need a start and an end");
    await expect(
      f.as("owner").staff.addDateOverride({
        staffId: f.laura.id,
        date: "2026-04-15",
        kind: "custom_hours",
        startMinute: 960,
        endMinute: 720,
      }),
    ).rejects.toThrow("Custom hours on 2026-04-15: 16:00–12:00 must start before it ends");
    const removed = await f.as("owner").staff.removeDateOverride({
      staffId: f.laura.id,
      overrideId: custom.dateOverrides[0]!.id,
    });
    expect(removed.dateOverrides).toEqual([]);
    expect(removed.version).toBe(off.version + 2);
  });

  it("adds and removes time off as instants; rejects an inverted range", async () => {
    const added = await f.as("manager").staff.addTimeOff({
      staffId: f.laura.id,
      startsAt: "2026-05-04T07:00:00.000Z",
      endsAt: "2026-05-08T19:00:00.000Z",
      reason: "Vacaciones",
    });
    expect(added.timeOff).toEqual([
      {
        id: expect.any(String),
        startsAt: "2026-05-04T07:00:00.000Z",
        endsAt: "2026-05-08T19:00:00.000Z",
        reason: "Vacaciones",
      },
    ]);
    // Reading "from" a later local date hides it.
    expect((await f.as("stylist").staff.getSchedule({ staffId: f.laura.id, from: "2026-05-09" })).timeOff).toEqual([]);
    await expect(
      f.as("manager").staff.addTimeOff({
        staffId: f.laura.id,
        startsAt: "2026-05-04T07:00:00Z",
        endsAt: "2026-05-04T07:00:00Z",
      }),
    ).rejects.toThrow("Time off must start before it ends");
    const after = await f.as("manager").staff.removeTimeOff({ staffId: f.laura.id, timeOffId: added.timeOff[0]!.id });
    expect(after.timeOff).toEqual([]);
    const actions = (await f.t.db.auditLog.findMany({ where: { entityId: f.laura.id } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["staff.addTimeOff", "staff.removeTimeOff"]));
  });

  it("front desk cannot change schedules", async () => {
    await expect(
      f.as("front_desk").staff.addDateOverride({ staffId: f.laura.id, date: "2026-04-20", kind: "off" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
