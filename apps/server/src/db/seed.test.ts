import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../auth/password.ts";
import { viewCustomer } from "../customers/customer-store.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { toLocal, weekdayOf } from "../time/zoned.ts";
import { easterSunday, holidaysOf } from "./demo-holidays.ts";
import { DEMO_LOGINS, seedDemoSalon } from "./seed.ts";

const now = new Date("2026-03-10T09:00:00Z");
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("demo salon seed", () => {
  it("creates a believable Madrid salon", async () => {
    const r = await seedDemoSalon(t.db, t.fc, { now });
    const loc = await t.db.location.findUniqueOrThrow({ where: { id: r.locationId } });
    expect(loc.timeZone).toBe("Europe/Madrid");
    const stylists = await t.db.staffMember.findMany({
      where: { role: "stylist" },
      include: { scheduleBlocks: true, services: true },
    });
    expect(stylists).toHaveLength(6);
    // Every stylist has a day off and their own skills.
    for (const s of stylists) {
      expect(new Set(s.scheduleBlocks.map((b) => b.weekday)).size).toBeLessThan(7);
      expect(s.services.length).toBeGreaterThan(2);
    }
    expect(await t.db.service.count()).toBeGreaterThanOrEqual(15);
    expect(await t.db.service.count({ where: { processingMinutes: { gt: 0 } } })).toBeGreaterThanOrEqual(3);
    expect(await t.db.service.count({ where: { depositRule: { not: "none" } } })).toBeGreaterThanOrEqual(3);
    expect(await t.db.locationClosure.count()).toBeGreaterThan(0);

    const days = (await t.db.booking.findMany({ select: { startsAt: true } })).map(
      (b) => toLocal(b.startsAt, "Europe/Madrid").date,
    );
    expect(days.some((d) => d < "2026-03-03")).toBe(true); // a week and more in the past
    expect(days.some((d) => d > "2026-03-17")).toBe(true); // and in the future
    expect(r.createdBookings).toBeGreaterThan(100);
    // One change per booking, and one for every other synced row, so a replica's first sync gets it all.
    expect(await t.db.changeLog.count({ where: { entityType: "booking" } })).toBe(r.createdBookings);
    const logged = async (entityType: string) =>
      new Set((await t.db.changeLog.findMany({ where: { entityType } })).map((c) => c.entityId));
    expect(await logged("service")).toEqual(new Set((await t.db.service.findMany()).map((x) => x.id)));
    expect(await logged("staff")).toEqual(new Set((await t.db.staffMember.findMany()).map((x) => x.id)));
    expect(await logged("customer")).toEqual(new Set((await t.db.customer.findMany()).map((x) => x.id)));
    expect((await logged("location")).size).toBe(1);

    const customer = await t.db.customer.findFirstOrThrow();
    expect(viewCustomer(t.fc, customer).phone).toMatch(/^\+\d+$/);
  });

  it("puts no visit on a closure or on a stylist's day off, and has closures ahead on any day", async () => {
    for (const at of ["2026-12-07T09:00:00Z", "2027-12-30T22:30:00Z", "2028-02-29T09:00:00Z"]) {
      const other = await createTestDatabase();
      try {
        const r = await seedDemoSalon(other.db, other.fc, { now: new Date(at) });
        const closures = await other.db.locationClosure.findMany({ where: { locationId: r.locationId } });
        const closed = new Set(closures.map((c) => c.date.toISOString().slice(0, 10)));
        const today = toLocal(new Date(at), "Europe/Madrid").date;
        expect([...closed].filter((d) => d > today).length).toBeGreaterThanOrEqual(9);
        const items = await other.db.bookingItem.findMany({
          include: { staff: { include: { scheduleBlocks: true } } },
        });
        expect(items.length).toBeGreaterThan(50);
        for (const item of items) {
          const local = toLocal(item.startsAt, "Europe/Madrid");
          expect(closed.has(local.date), `${local.date} is a closure`).toBe(false);
          const works = item.staff.scheduleBlocks.some((b) => b.kind === "work" && b.weekday === weekdayOf(local.date));
          expect(works, `${item.staff.displayName} is off on ${local.date}`).toBe(true);
        }
      } finally {
        await other.drop();
      }
    }
  }, 120_000);

  it("gives working logins to owner, manager and front desk", async () => {
    for (const login of DEMO_LOGINS) {
      const staff = await t.db.staffMember.findUniqueOrThrow({ where: { email: login.email } });
      expect(staff.role).toBe(login.role);
      expect(staff.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword(staff.passwordHash!, login.password)).toBe(true);
    }
  });

  it("is idempotent", async () => {
    const counts = async () => [
      await t.db.booking.count(),
      await t.db.staffMember.count(),
      await t.db.service.count(),
      await t.db.customer.count(),
    ];
    const before = await counts();
    const r = await seedDemoSalon(t.db, t.fc, { now });
    expect(r.createdBookings).toBe(0);
    expect(await counts()).toEqual(before);
  });
});

describe("demo holidays", () => {
  it("computes Easter and the Spanish national closures of any year", () => {
    expect(easterSunday(2026)).toBe("2026-04-05");
    expect(easterSunday(2027)).toBe("2027-03-28");
    expect(easterSunday(2028)).toBe("2028-04-16");
    expect(easterSunday(2038)).toBe("2038-04-25");
    const y2027 = holidaysOf(2027);
    expect(y2027).toContainEqual(["2027-03-25", "Jueves Santo"]); // Easter 2027 is 28 March
    expect(y2027).toContainEqual(["2027-12-08", "Inmaculada Concepción"]);
    expect(y2027.map(([d]) => d)).toEqual([...y2027.map(([d]) => d)].sort());
  });
});
