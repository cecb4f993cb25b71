import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "./test-fixture.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
let serviceId: string;
beforeAll(async () => {
  f = await demoFixture();
  // A little history: a service edited three times by two people, a location edit, a customer.
  let s = (await f.as("owner").services.list()).find((x) => x.slug === "corte-mujer")!;
  serviceId = s.id;
  for (const [role, price] of [
    ["owner", 3600],
    ["manager", 3700],
    ["owner", 3800],
  ] as const) {
    f.clock.advance(60_000);
    s = await f.as(role).services.update({ serviceId: s.id, version: s.version, priceCents: price });
  }
  f.clock.advance(60_000);
  const loc = await f.as("manager").locations.get();
  await f.as("manager").locations.update({ version: loc.version, holdMinutes: 25 });
  await f.as("front_desk").customers.create({ phone: "+34699000001", name: "Ada" });
});
afterAll(() => f.t.drop());

describe("audit.list", () => {
  it("lists newest first with who did it", async () => {
    const { items } = await f.as("owner").audit.list({});
    expect(items.map((i) => i.action)).toEqual([
      "customer.create",
      "location.update",
      "service.update",
      "service.update",
      "service.update",
    ]);
    expect(items[0]).toMatchObject({ actorType: "staff", actorId: f.ids.front_desk, actorName: "Lucía Moreno" });
    expect(items[1]).toMatchObject({ actorName: "Pablo Serrano", entityType: "location", entityId: f.locationId });
    expect(items[2]!.data).toEqual({ fields: { priceCents: 3800 } });
  });

  it("filters by entity, actor and date range", async () => {
    const byEntity = await f.as("manager").audit.list({ entityType: "service", entityId: serviceId });
    expect(byEntity.items).toHaveLength(3);
    const byActor = await f.as("manager").audit.list({ actorId: f.ids.owner });
    expect(byActor.items.map((i) => i.data)).toEqual([
      { fields: { priceCents: 3800 } },
      { fields: { priceCents: 3600 } },
    ]);
    const all = (await f.as("owner").audit.list({})).items;
    const second = all.find((i) => (i.data as { fields?: { priceCents?: number } }).fields?.priceCents === 3700)!;
    const ranged = await f
      .as("owner")
      .audit.list({ from: second.at, to: new Date(Date.parse(second.at) + 1).toISOString() });
    expect(ranged.items.map((i) => i.id)).toEqual([second.id]);
    await expect(f.as("owner").audit.list({ from: second.at, to: second.at })).rejects.toThrow(
      "The date range must start before it ends",
    );
  });

  it("pages with a cursor, newest first, without repeats or gaps", async () => {
    const all = (await f.as("owner").audit.list({})).items.map((i) => i.id);
    const p1 = await f.as("owner").audit.list({ limit: 2 });
    const p2 = await f.as("owner").audit.list({ limit: 2, cursor: p1.nextCursor });
    const p3 = await f.as("owner").audit.list({ limit: 2, cursor: p2.nextCursor });
    expect([...p1.items, ...p2.items, ...p3.items].map((i) => i.id)).toEqual(all);
    expect(p3.nextCursor).toBeNull();
    await expect(f.as("owner").audit.list({ cursor: "abc" })).rejects.toThrow(/Invalid cursor/);
  });

  it("is for owners and managers only, and only shows the caller's location", async () => {
    await expect(f.as("front_desk").audit.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    const other = await f.t.db.location.create({
      data: {
        slug: "other",
        name: "Other",
        addressLine: "-",
        city: "-",
        postalCode: "-",
        country: "ES",
        timeZone: "Europe/Madrid",
      },
    });
    const { callerFor } = await import("../testing/test-app.ts");
    const elsewhere = callerFor(f.services, { role: "owner", locationId: other.id, staffId: f.ids.owner });
    expect((await elsewhere.audit.list({})).items).toEqual([]);
  });
});
