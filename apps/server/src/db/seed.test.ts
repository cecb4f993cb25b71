import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../auth/password.ts";
import { viewCustomer } from "../customers/customer-store.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { toLocal } from "../time/zoned.ts";
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
