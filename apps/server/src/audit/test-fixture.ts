// Test wiring shared by the catalog, staff, customers and audit tests: a cloned database with the
// demo salon, and tRPC callers acting as each demo login (through the real middleware).
import { DEMO_LOGINS, seedDemoSalon } from "../db/seed.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";

export const NOW = "2026-03-10T09:00:00Z";

export async function demoFixture() {
  const t: TestDatabase = await createTestDatabase();
  const clock = testClock(NOW);
  const { locationId } = await seedDemoSalon(t.db, t.fc, { now: clock() });
  const services = testServices(t, clock);
  const ids = {} as Record<"owner" | "manager" | "front_desk", string>;
  for (const l of DEMO_LOGINS) {
    ids[l.role] = (await t.db.staffMember.findUniqueOrThrow({ where: { email: l.email } })).id;
  }
  const laura = await t.db.staffMember.findUniqueOrThrow({ where: { email: "laura@cita.demo" } });
  const as = (role: StaffRole, staffId?: string) =>
    callerFor(services, {
      role,
      locationId,
      staffId: staffId ?? (role === "stylist" ? laura.id : ids[role as keyof typeof ids]),
    });
  const counts = async () => ({ audit: await t.db.auditLog.count(), change: await t.db.changeLog.count() });
  return { t, clock, services, locationId, ids, laura, as, counts };
}
