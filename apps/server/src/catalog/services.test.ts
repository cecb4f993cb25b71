import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

const slugsOf = (hits: { service: { slug: string } }[]) => hits.map((h) => h.service.slug);

describe("services.search (pg_trgm)", () => {
  it("finds balayage for a misspelt 'balayaje'", async () => {
    const hits = await f.as("stylist").services.search({ query: "balayaje" });
    expect(hits[0]?.service.slug).toBe("balayage");
    expect(hits[0]!.score).toBeGreaterThan(0.45);
  });

  it("finds mechas for 'mecha' and ranks it first", async () => {
    const hits = await f.as("front_desk").services.search({ query: "mecha" });
    expect(hits[0]?.service.slug).toBe("mechas");
  });

  it("finds Manicura for the English 'manicure', case-insensitively", async () => {
    const hits = await f.as("front_desk").services.search({ query: "MANICURE" });
    expect(hits[0]?.service.nameEs).toBe("Manicura");
    expect(slugsOf(hits)).toContain("manicura-semipermanente");
    expect(slugsOf(hits)).not.toContain("corte-mujer");
  });

  it("finds the cuts for 'corte', each scoring a full match", async () => {
    const hits = await f.as("front_desk").services.search({ query: "corte" });
    expect(slugsOf(hits).slice(0, 3).sort()).toEqual(["corte-hombre", "corte-infantil", "corte-mujer"]);
    expect(hits.slice(0, 3).every((h) => h.score === 1)).toBe(true);
    expect(slugsOf(hits)).not.toContain("manicura");
  });

  it("is accent-insensitive both ways", async () => {
    expect(slugsOf(await f.as("owner").services.search({ query: "tinte raiz" }))[0]).toBe("tinte-raiz");
    expect(slugsOf(await f.as("owner").services.search({ query: "pestanas" }))[0]).toBe("lifting-pestanas");
    expect(slugsOf(await f.as("owner").services.search({ query: "Diseño" }))[0]).toBe("diseno-cejas");
  });

  it("returns nothing for unrelated text, and the index exists", async () => {
    expect(await f.as("owner").services.search({ query: "xyzzy" })).toEqual([]);
    const idx = await f.t.db.$queryRaw<{ indexdef: string }[]>`
      SELECT indexdef FROM pg_indexes WHERE indexname = 'service_name_trgm'`;
    expect(idx[0]?.indexdef).toMatch(/gin_trgm_ops/);
  });

  it("rejects an empty query with a clear message", async () => {
    await expect(f.as("owner").services.search({ query: "  " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "query: Type something to search for",
    });
  });
});

describe("services.list", () => {
  it("lists active services with the stylists who do them and their overrides", async () => {
    const list = await f.as("stylist").services.list();
    expect(list.length).toBe(16);
    const balayage = list.find((s) => s.slug === "balayage")!;
    expect(balayage).toMatchObject({ processingMinutes: 45, depositRule: "fixed", depositValue: 3000 });
    expect(balayage.staff.map((s) => s.displayName).sort()).toEqual(["Laura Martín", "Marta López"]);
    expect(balayage.staff.find((s) => s.displayName === "Laura Martín")).toMatchObject({
      durationMinutes: 65,
      priceCents: 13500,
      processingMinutes: null,
    });
  });
});

describe("services writes", () => {
  it("creates a service with a generated slug, audited and logged in the same transaction", async () => {
    const n0 = await f.counts();
    const s = await f.as("manager").services.create({
      nameEs: "Tratamiento de keratina",
      nameEn: "Keratin express",
      category: "treatments",
      durationMinutes: 30,
      processingMinutes: 20,
      finishingMinutes: 15,
      priceCents: 6000,
      depositRule: "percent",
      depositValue: 25,
    });
    expect(s.slug).toBe("tratamiento-de-keratina"); // the seeded one is "keratina"
    expect(s.version).toBe(1);
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const change = await f.t.db.changeLog.findFirstOrThrow({ orderBy: { version: "desc" } });
    expect(change).toMatchObject({ entityType: "service", entityId: s.id, op: "upsert", locationId: f.locationId });
    expect((await f.as("stylist").services.search({ query: "keratin express" }))[0]?.service.id).toBe(s.id);
  });

  it("rejects bad phases, prices and deposits with clear messages and writes nothing", async () => {
    const n0 = await f.counts();
    const base = { nameEs: "Prueba", nameEn: "Test", category: "x", durationMinutes: 30, priceCents: 1000 };
    const owner = f.as("owner").services;
    await expect(owner.create({ ...base, durationMinutes: 0 })).rejects.toThrow(
      "durationMinutes: Duration must be more than 0 minutes",
    );
    await expect(owner.create({ ...base, processingMinutes: -5 })).rejects.toThrow(
      "processingMinutes: Processing time cannot be negative",
    );
    await expect(owner.create({ ...base, priceCents: 10.5 })).rejects.toThrow("Price must be in whole cents");
    await expect(owner.create({ ...base, depositRule: "percent", depositValue: 120 })).rejects.toThrow(
      "A percentage deposit must be between 0 and 100",
    );
    await expect(owner.create({ ...base, depositRule: "fixed", depositValue: 5000 })).rejects.toThrow(
      "A fixed deposit must be more than 0 and at most the price",
    );
    await expect(owner.create({ ...base, depositRule: "none", depositValue: 5 })).rejects.toThrow(
      "A service without a deposit cannot have a deposit value",
    );
    await expect(owner.create({ ...base, slug: "balayage" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await f.counts()).toEqual(n0);
  });

  it("updates with optimistic concurrency; a stale version is a CONFLICT and writes nothing", async () => {
    const s = (await f.as("owner").services.list()).find((x) => x.slug === "corte-hombre")!;
    const updated = await f.as("owner").services.update({ serviceId: s.id, version: s.version, priceCents: 2000 });
    expect(updated).toMatchObject({ priceCents: 2000, version: s.version + 1, durationMinutes: 30 });
    expect((await f.as("stylist").services.list()).find((x) => x.id === s.id)?.priceCents).toBe(2000);

    const n0 = await f.counts();
    await expect(
      f.as("manager").services.update({ serviceId: s.id, version: s.version, priceCents: 1500 }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/changed by someone else/) });
    expect(await f.counts()).toEqual(n0);
    expect((await f.as("owner").services.list()).find((x) => x.id === s.id)?.priceCents).toBe(2000);
  });

  it("checks deposit rules against the merged row on update", async () => {
    const s = (await f.as("owner").services.list()).find((x) => x.slug === "tinte-raiz")!; // fixed 1000
    await expect(
      f.as("owner").services.update({ serviceId: s.id, version: s.version, priceCents: 500 }),
    ).rejects.toThrow(/at most the price/);
  });

  it("archives (hidden from list and search unless asked) and restores", async () => {
    const s = (await f.as("owner").services.list()).find((x) => x.slug === "pedicura")!;
    const archived = await f.as("owner").services.archive({ serviceId: s.id, version: s.version });
    expect(archived.active).toBe(false);
    expect((await f.as("owner").services.list()).map((x) => x.id)).not.toContain(s.id);
    expect((await f.as("owner").services.list({ includeArchived: true })).map((x) => x.id)).toContain(s.id);
    expect(slugsOf(await f.as("owner").services.search({ query: "pedicura" }))).not.toContain("pedicura");
    expect(slugsOf(await f.as("owner").services.search({ query: "pedicura", includeArchived: true }))).toContain(
      "pedicura",
    );
    const restored = await f
      .as("owner")
      .services.archive({ serviceId: s.id, version: archived.version, archived: false });
    expect(restored.active).toBe(true);
    expect(await f.t.db.auditLog.count({ where: { entityId: s.id, action: "service.archive" } })).toBe(1);
  });

  it("sets who does a service with per-stylist overrides", async () => {
    const s = (await f.as("owner").services.list()).find((x) => x.slug === "arreglo-barba")!;
    const carlos = await f.t.db.staffMember.findUniqueOrThrow({ where: { email: "carlos@cita.demo" } });
    const after = await f.as("manager").services.setStaff({
      serviceId: s.id,
      version: s.version,
      staff: [{ staffId: carlos.id, durationMinutes: 15, priceCents: 1200 }, { staffId: f.laura.id }],
    });
    expect(after.version).toBe(s.version + 1);
    expect(after.staff).toEqual([
      {
        staffId: carlos.id,
        displayName: "Carlos Ruiz",
        durationMinutes: 15,
        processingMinutes: null,
        finishingMinutes: null,
        priceCents: 1200,
      },
      {
        staffId: f.laura.id,
        displayName: "Laura Martín",
        durationMinutes: null,
        processingMinutes: null,
        finishingMinutes: null,
        priceCents: null,
      },
    ]);
    await expect(
      f.as("manager").services.setStaff({
        serviceId: s.id,
        version: after.version,
        staff: [{ staffId: carlos.id }, { staffId: carlos.id }],
      }),
    ).rejects.toThrow(/listed twice/);
    await expect(
      f.as("manager").services.setStaff({
        serviceId: s.id,
        version: after.version,
        staff: [{ staffId: "00000000-0000-4000-8000-000000000000" }],
      }),
    ).rejects.toThrow(/does not work at this location/);
    await expect(
      f.as("manager").services.setStaff({ serviceId: s.id, version: s.version, staff: [] }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("is forbidden to roles without settings.write", async () => {
    const s = (await f.as("owner").services.list())[0]!;
    await expect(
      f.as("front_desk").services.update({ serviceId: s.id, version: s.version, priceCents: 1 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("services.search query plan", () => {
  it("has a name predicate the service_name_trgm index can serve", async () => {
    // The real query also filters by location; which index wins then is the planner's call (at
    // demo scale it is the (location_id, slug) index or a sequential scan). This checks the
    // fuzzy predicate itself matches the trigram index's expression, so it can be used.
    // Enough rows that the statistics are not trivial, then forbid the sequential scan.
    await f.t.db.service.createMany({
      data: Array.from({ length: 2000 }, (_, i) => ({
        locationId: f.locationId,
        slug: `bulk-${i}`,
        nameEs: `Servicio ${i} ${(i * 7919).toString(36)}`,
        nameEn: `Service ${i}`,
        category: "bulk",
        durationMinutes: 30,
        priceCents: 1000,
        active: false,
      })),
    });
    await f.t.db.$executeRawUnsafe("ANALYZE service");
    const plan = await f.t.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
        `EXPLAIN SELECT id FROM service
           WHERE lower(name_es || ' ' || name_en) %> $1 OR lower(name_es || ' ' || name_en) %> $2`,
        "balayaje",
        "balayaje",
      );
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Bitmap Index Scan on service_name_trgm/);
    expect(slugsOf(await f.as("owner").services.search({ query: "balayaje" }))[0]).toBe("balayage");
  });
});
