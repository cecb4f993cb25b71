import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";
import { verifyPassword } from "../auth/password.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

describe("staff.list", () => {
  it("lists the location's active staff with their services, never a password hash", async () => {
    const list = await f.as("stylist").staff.list();
    expect(list).toHaveLength(9);
    const laura = list.find((s) => s.email === "laura@cita.demo")!;
    expect(laura).toMatchObject({ role: "stylist", bookable: true, hasPassword: false });
    expect(laura.serviceIds).toHaveLength(9);
    expect(list.find((s) => s.role === "owner")?.hasPassword).toBe(true);
    expect(JSON.stringify(list)).not.toMatch(/argon2|passwordHash/);
  });
});

describe("staff.create / update", () => {
  it("creates a stylist with a hashed initial password, audited", async () => {
    const n0 = await f.counts();
    const s = await f.as("manager").staff.create({
      displayName: "Rocío Vega",
      email: "Rocio@Cita.Demo",
      role: "stylist",
      password: "tijeras-y-peine-2026",
    });
    expect(s).toMatchObject({ email: "rocio@cita.demo", bookable: true, hasPassword: true, version: 1 });
    const row = await f.t.db.staffMember.findUniqueOrThrow({ where: { id: s.id } });
    expect(await verifyPassword(row.passwordHash!, "tijeras-y-peine-2026")).toBe(true);
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const audit = await f.t.db.auditLog.findFirstOrThrow({ where: { entityId: s.id } });
    expect(JSON.stringify(audit.data)).not.toContain("tijeras");
    expect((await f.as("front_desk").staff.list()).map((x) => x.id)).toContain(s.id);
  });

  it("a manager may not create an owner or promote someone to owner; an owner may", async () => {
    const n0 = await f.counts();
    await expect(
      f.as("manager").staff.create({ displayName: "Boss", email: "boss@cita.demo", role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "Only an owner can create an owner" });
    const desk = (await f.as("owner").staff.list()).find((s) => s.role === "front_desk")!;
    await expect(
      f.as("manager").staff.update({ staffId: desk.id, version: desk.version, role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "Only an owner can make someone an owner" });
    const owner = (await f.as("owner").staff.list()).find((s) => s.role === "owner")!;
    await expect(
      f.as("manager").staff.update({ staffId: owner.id, version: owner.version, displayName: "X" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "Only an owner can change an owner" });
    expect(await f.counts()).toEqual(n0);

    const coOwner = await f.as("owner").staff.create({ displayName: "Co Owner", email: "co@cita.demo", role: "owner" });
    expect(coOwner).toMatchObject({ role: "owner", bookable: false, hasPassword: false });
  });

  it("front desk and stylists cannot manage staff", async () => {
    await expect(
      f.as("front_desk").staff.create({ displayName: "X", email: "x@cita.demo", role: "stylist" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("rejects weak passwords, bad emails and duplicate emails with clear messages", async () => {
    const n0 = await f.counts();
    await expect(
      f.as("owner").staff.create({ displayName: "A", email: "a@cita.demo", role: "stylist", password: "short" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "Password must be 8 to 128 characters long" });
    await expect(
      f.as("owner").staff.create({ displayName: "A", email: "not-an-email", role: "stylist" }),
    ).rejects.toThrow("email: Enter a valid email address");
    await expect(
      f.as("owner").staff.create({ displayName: "A", email: "LAURA@cita.demo", role: "stylist" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: "Someone already signs in with laura@cita.demo" });
    expect(await f.counts()).toEqual(n0);
  });

  it("updates with optimistic concurrency; deactivating records disabledAt", async () => {
    const javier = (await f.as("owner").staff.list()).find((s) => s.email === "javier@cita.demo")!;
    const after = await f.as("manager").staff.update({
      staffId: javier.id,
      version: javier.version,
      color: "#000000",
      active: false,
    });
    expect(after).toMatchObject({ color: "#000000", active: false, version: javier.version + 1 });
    const row = await f.t.db.staffMember.findUniqueOrThrow({ where: { id: javier.id } });
    expect(row.disabledAt?.toISOString()).toBe(f.clock().toISOString());
    expect((await f.as("owner").staff.list()).map((s) => s.id)).not.toContain(javier.id);
    expect((await f.as("owner").staff.list({ includeInactive: true })).map((s) => s.id)).toContain(javier.id);

    const n0 = await f.counts();
    await expect(
      f.as("owner").staff.update({ staffId: javier.id, version: javier.version, displayName: "Stale" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await f.counts()).toEqual(n0);
  });

  it("nobody can deactivate themselves", async () => {
    const me = (await f.as("manager").staff.list()).find((s) => s.id === f.ids.manager)!;
    await expect(
      f.as("manager").staff.update({ staffId: me.id, version: me.version, active: false }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
