// "Settings changes are reflected in availability immediately": each test changes a setting through
// the same tRPC procedures the console's settings use, then asks availability.search in the same
// test — no waiting, no cache to expire. Demo salon, Madrid; dates after the seeded bookings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

// Tuesdays after the ±14 days of demo bookings (NOW is Tuesday 2026-03-10). Laura works Tuesdays
// 10:00–19:00 with a break 14:00–15:00; the salon opens 09:30–20:00 (Madrid is UTC+2 in April).
const TUE = "2026-04-07";
const WED = "2026-04-08";

const service = async (slug: string) => (await f.as("owner").services.list()).find((s) => s.slug === slug)!;
const slots = (serviceId: string, staffId: string | null, date: string) =>
  f.as("manager").availability.search({ items: [{ serviceId, staffId }], fromDate: date, toDate: date, limit: 2000 });
const times = async (serviceId: string, staffId: string | null, date: string) =>
  (await slots(serviceId, staffId, date)).map((s) => s.localTime);
const lauraVersion = async () => (await f.t.db.staffMember.findUniqueOrThrow({ where: { id: f.laura.id } })).version;

describe("settings changes are reflected in availability immediately", () => {
  it("closing the salon on a date empties that day; removing the closure brings it back", async () => {
    const cut = await service("corte-mujer");
    expect((await times(cut.id, null, TUE)).length).toBeGreaterThan(10);
    const loc = await f.as("manager").locations.get();
    const closed = await f
      .as("manager")
      .locations.addClosure({ date: TUE, reason: "Inventario", version: loc.version });
    expect(await times(cut.id, null, TUE)).toEqual([]);
    expect((await times(cut.id, null, WED)).length).toBeGreaterThan(10); // only that date
    const closure = closed.closures.find((c) => c.date === TUE)!;
    await f.as("manager").locations.removeClosure({ closureId: closure.id, version: closed.version });
    expect((await times(cut.id, null, TUE)).length).toBeGreaterThan(10);
  });

  it("new opening hours move the first and last slots at once", async () => {
    const cut = await service("lavado-peinado"); // 30 min
    const before = await times(cut.id, null, TUE);
    expect(before[0]).toBe("09:30"); // Marta starts 09:30 on Tuesdays
    const loc = await f.as("owner").locations.get();
    const hours = loc.hours.map((h) => (h.weekday === 2 ? { ...h, startMinute: 12 * 60, endMinute: 17 * 60 } : h));
    const after = await f.as("owner").locations.setHours({ version: loc.version, hours });
    const now = await times(cut.id, null, TUE);
    expect(now[0]).toBe("12:00");
    expect(now.at(-1)).toBe("16:30");
    await f.as("owner").locations.setHours({ version: after.version, hours: loc.hours });
    expect((await times(cut.id, null, TUE))[0]).toBe("09:30");
  });

  it("a service's new duration and price show in the very next search", async () => {
    const cut = await service("corte-mujer"); // 45 min, €35
    const before = await slots(cut.id, f.laura.id, TUE);
    expect(before.map((s) => s.localTime)).toContain("18:15");
    expect(before[0]!.priceCents).toBe(3500);
    await f.as("manager").services.update({
      serviceId: cut.id,
      version: cut.version,
      durationMinutes: 90,
      priceCents: 4200,
    });
    const after = await slots(cut.id, f.laura.id, TUE);
    expect(after[0]!.priceCents).toBe(4200);
    expect(Date.parse(after[0]!.end) - Date.parse(after[0]!.start)).toBe(90 * 60_000);
    const t = after.map((s) => s.localTime);
    expect(t).toContain("17:30"); // ends 19:00
    expect(t).not.toContain("17:45");
    expect(t).not.toContain("13:00"); // would run into the 14:00 break
  });

  it("time off and a day off take the stylist out at once", async () => {
    const colour = await service("tinte-raiz");
    expect(await times(colour.id, f.laura.id, WED)).toContain("10:00");
    // 10:00–13:00 local (UTC+2).
    const withOff = await f.as("manager").staff.addTimeOff({
      staffId: f.laura.id,
      version: await lauraVersion(),
      startsAt: `${WED}T08:00:00.000Z`,
      endsAt: `${WED}T11:00:00.000Z`,
      reason: "Médico",
    });
    const during = await slots(colour.id, f.laura.id, WED);
    expect(during.length).toBeGreaterThan(0);
    for (const s of during) expect(Date.parse(s.start)).toBeGreaterThanOrEqual(Date.parse(`${WED}T11:00:00.000Z`));
    await f.as("manager").staff.removeTimeOff({
      staffId: f.laura.id,
      timeOffId: withOff.timeOff.at(-1)!.id,
      version: withOff.version,
    });
    expect(await times(colour.id, f.laura.id, WED)).toContain("10:00");
    await f.as("manager").staff.addDateOverride({
      staffId: f.laura.id,
      version: await lauraVersion(),
      date: WED,
      kind: "off",
    });
    expect(await times(colour.id, f.laura.id, WED)).toEqual([]);
  });

  it("a new weekly schedule, and skills taken away, are what the next search offers", async () => {
    const cut = await service("corte-hombre");
    // Laura works Mondays from now on.
    const mon = "2026-04-06";
    expect(await times(cut.id, f.laura.id, mon)).toEqual([]);
    const sched = await f.as("manager").staff.getSchedule({ staffId: f.laura.id });
    await f.as("manager").staff.setWeeklySchedule({
      staffId: f.laura.id,
      version: sched.version,
      blocks: [...sched.weekly, { weekday: 1, kind: "work", startMinute: 10 * 60, endMinute: 14 * 60 }],
    });
    const monday = await times(cut.id, f.laura.id, mon);
    expect(monday[0]).toBe("10:00");
    expect(monday.at(-1)).toBe("13:30");
    // Laura stops doing men's cuts: not offered with her, and "any stylist" never picks her.
    const staff = (await f.as("manager").staff.list()).find((s) => s.id === f.laura.id)!;
    await f.as("manager").staff.setServices({
      staffId: f.laura.id,
      version: staff.version,
      services: staff.serviceIds.filter((id) => id !== cut.id).map((serviceId) => ({ serviceId })),
    });
    expect(await times(cut.id, f.laura.id, TUE)).toEqual([]);
    const any = await slots(cut.id, null, TUE);
    expect(any.length).toBeGreaterThan(0);
    expect(any.some((s) => s.items.some((i) => i.staffId === f.laura.id))).toBe(false);
  });

  it("an archived service is no longer bookable; restored, it is again", async () => {
    const brows = await service("diseno-cejas");
    expect((await times(brows.id, null, TUE)).length).toBeGreaterThan(0);
    const archived = await f.as("owner").services.archive({ serviceId: brows.id, version: brows.version });
    await expect(slots(brows.id, null, TUE)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await f.as("owner").services.archive({ serviceId: brows.id, version: archived.version, archived: false });
    expect((await times(brows.id, null, TUE)).length).toBeGreaterThan(0);
  });
});
