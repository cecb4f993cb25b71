import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

const bySlug = async (slug: string) => (await f.as("owner").services.list()).find((s) => s.slug === slug)!;
const staffVersion = async (id: string) => (await f.t.db.staffMember.findUniqueOrThrow({ where: { id } })).version;

describe("staff.setServices", () => {
  it("replaces a stylist's services with overrides; touched services get a new version; one audit row", async () => {
    const carlos = await f.t.db.staffMember.findUniqueOrThrow({ where: { email: "carlos@cita.demo" } });
    // Carlos does corte-mujer, corte-hombre, corte-infantil, lavado-peinado and arreglo-barba.
    const [barba, hombre, mujer, infantil, lavado, manicura] = await Promise.all(
      ["arreglo-barba", "corte-hombre", "corte-mujer", "corte-infantil", "lavado-peinado", "manicura"].map(bySlug),
    );
    const v = await staffVersion(carlos.id);
    const n0 = await f.counts();
    const after = await f.as("manager").staff.setServices({
      staffId: carlos.id,
      version: v,
      services: [
        { serviceId: hombre!.id }, // unchanged
        { serviceId: barba!.id, durationMinutes: 15, priceCents: 900 }, // override added
        { serviceId: manicura!.id }, // new skill
      ],
    });
    expect(after.version).toBe(v + 1);
    expect(new Set(after.serviceIds)).toEqual(new Set([hombre!.id, barba!.id, manicura!.id]));
    const rows = await f.t.db.staffService.findMany({ where: { staffId: carlos.id } });
    expect(rows.find((r) => r.serviceId === barba!.id)).toMatchObject({ durationMinutes: 15, priceCents: 900 });
    expect(rows.find((r) => r.serviceId === hombre!.id)).toMatchObject({ durationMinutes: null, priceCents: null });
    // Three cuts lost Carlos, barba changed his timing, manicura gained him; corte-hombre is untouched.
    expect((await bySlug("corte-mujer")).version).toBe(mujer!.version + 1);
    expect((await bySlug("arreglo-barba")).version).toBe(barba!.version + 1);
    expect((await bySlug("manicura")).version).toBe(manicura!.version + 1);
    expect((await bySlug("corte-hombre")).version).toBe(hombre!.version);
    expect((await bySlug("corte-mujer")).staff.some((s) => s.staffId === carlos.id)).toBe(false);
    expect((await bySlug("manicura")).staff.find((s) => s.staffId === carlos.id)).toBeTruthy();
    expect((await bySlug("lavado-peinado")).version).toBe(lavado!.version + 1);
    // One audit row; a change row for the stylist and one per touched service (5).
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 6 });
    const audit = await f.t.db.auditLog.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ action: "staff.setServices", entityId: carlos.id, actorId: f.ids.manager });
    const changes = await f.t.db.changeLog.findMany({ orderBy: { version: "desc" }, take: 6 });
    expect(changes.map((c) => `${c.entityType}:${c.entityId}`).sort()).toEqual(
      [
        `staff:${carlos.id}`,
        `service:${mujer!.id}`,
        `service:${infantil!.id}`,
        `service:${lavado!.id}`,
        `service:${barba!.id}`,
        `service:${manicura!.id}`,
      ].sort(),
    );
  });

  it("a service edit based on the old stylist list is a CONFLICT afterwards", async () => {
    const s = await bySlug("pedicura");
    await f.as("owner").staff.setServices({
      staffId: f.laura.id,
      version: await staffVersion(f.laura.id),
      services: [
        ...(await f.t.db.staffService.findMany({ where: { staffId: f.laura.id } })).map((r) => ({
          serviceId: r.serviceId,
          durationMinutes: r.durationMinutes,
          processingMinutes: r.processingMinutes,
          finishingMinutes: r.finishingMinutes,
          priceCents: r.priceCents,
        })),
        { serviceId: s.id },
      ],
    });
    await expect(
      f.as("owner").services.setStaff({ serviceId: s.id, version: s.version, staff: [] }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("rejects duplicates, unknown or archived services, bad overrides and stale versions, writing nothing", async () => {
    const carlos = await f.t.db.staffMember.findUniqueOrThrow({ where: { email: "carlos@cita.demo" } });
    const hombre = await bySlug("corte-hombre");
    const v = await staffVersion(carlos.id);
    const n0 = await f.counts();
    const call = (services: { serviceId: string; durationMinutes?: number; priceCents?: number }[], version = v) =>
      f.as("manager").staff.setServices({ staffId: carlos.id, version, services });
    await expect(call([{ serviceId: hombre.id }, { serviceId: hombre.id }])).rejects.toThrow(/listed twice/);
    await expect(call([{ serviceId: "00000000-0000-4000-8000-000000000000" }])).rejects.toThrow(
      /not offered at this location/,
    );
    await expect(call([{ serviceId: hombre.id, durationMinutes: 0 }])).rejects.toThrow(/more than 0 minutes/);
    await expect(call([{ serviceId: hombre.id, priceCents: -5 }])).rejects.toThrow(/Price cannot be negative/);
    await expect(call([{ serviceId: hombre.id }], v - 1)).rejects.toMatchObject({ code: "CONFLICT" });
    const archived = await f.as("owner").services.create({
      nameEs: "Servicio retirado",
      nameEn: "Retired service",
      category: "x",
      durationMinutes: 30,
      priceCents: 1000,
    });
    await f.as("owner").services.archive({ serviceId: archived.id, version: archived.version });
    const n1 = await f.counts();
    await expect(call([{ serviceId: archived.id }])).rejects.toThrow(/archived/);
    expect(await f.counts()).toEqual(n1);
    expect(n1.audit - n0.audit).toBe(2); // only the create and archive above
    expect(await staffVersion(carlos.id)).toBe(v);
  });

  it("needs settings.write and a staff member of the caller's location", async () => {
    const carlos = await f.t.db.staffMember.findUniqueOrThrow({ where: { email: "carlos@cita.demo" } });
    const v = await staffVersion(carlos.id);
    for (const role of ["front_desk", "stylist"] as const) {
      await expect(
        f.as(role).staff.setServices({ staffId: carlos.id, version: v, services: [] }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      f.as("manager").staff.setServices({
        staffId: "00000000-0000-4000-8000-000000000000",
        version: 1,
        services: [],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
