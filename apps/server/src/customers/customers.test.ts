import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";
import { looksLikePhone, phoneCandidates } from "./customers.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

describe("phone detection", () => {
  it("tells phone numbers from names", () => {
    expect(looksLikePhone("+34 600 111 201")).toBe(true);
    expect(looksLikePhone("600-111-201")).toBe(true);
    expect(looksLikePhone("María")).toBe(false);
    expect(looksLikePhone("12")).toBe(false);
    expect(phoneCandidates("600 111 201", "ES")).toEqual(["+34600111201", "+600111201"]);
    expect(phoneCandidates("0034 600111201", "ES")).toEqual(["+34600111201"]);
  });
});

describe("customers.search", () => {
  it("finds a customer by phone exactly (any formatting, with or without the country code)", async () => {
    for (const q of ["+34 600 111 208", "0034600111208", "600 111 208", "34600111208"]) {
      const r = await f.as("front_desk").customers.search({ query: q });
      expect(r.matchedBy).toBe("phone");
      expect(r.items.map((c) => c.name)).toEqual(["Cristina Álvarez"]);
    }
    const none = await f.as("front_desk").customers.search({ query: "+34 600 111 299" });
    expect(none).toEqual({ items: [], nextCursor: null, matchedBy: "phone" });
  });

  it("finds customers by part of the name, accent- and case-insensitively", async () => {
    const r = await f.as("front_desk").customers.search({ query: "ALVAREZ" });
    expect(r.matchedBy).toBe("name");
    expect(r.items.map((c) => c.name)).toEqual(["Cristina Álvarez"]);
    expect(r.items[0]!.phone).toBe("+34600111208");
    expect((await f.as("front_desk").customers.search({ query: "maría" })).items.map((c) => c.name)).toEqual([
      "María González",
    ]);
    // "mar" is in María, Marta, Marín (Irene) — sorted by folded name.
    expect((await f.as("front_desk").customers.search({ query: "mar" })).items.map((c) => c.name)).toEqual([
      "Irene Marín",
      "María González",
      "Marta Iglesias",
    ]);
  });

  it("pages through name matches with a cursor, without repeats or gaps", async () => {
    const all = await f.as("owner").customers.search({ query: "a", limit: 200 });
    expect(all.items.length).toBeGreaterThan(15);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await f.as("owner").customers.search({ query: "a", limit: 7, cursor });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(all.items.map((c) => c.id));
    expect(pages).toBe(Math.ceil(all.items.length / 7));
    await expect(f.as("owner").customers.search({ query: "a", cursor: "garbage" })).rejects.toThrow(/Invalid cursor/);
  });

  it("is not available to stylists", async () => {
    await expect(f.as("stylist").customers.search({ query: "a" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("customers.get", () => {
  it("returns the profile and booking history at this location, newest first", async () => {
    const booked = await f.t.db.booking.findFirstOrThrow({
      where: { status: "completed" },
      include: { items: { include: { service: true, staff: true } } },
    });
    const d = await f.as("front_desk").customers.get({ customerId: booked.customerId });
    expect(d.customer.id).toBe(booked.customerId);
    expect(d.bookings.length).toBe(await f.t.db.booking.count({ where: { customerId: booked.customerId } }));
    const starts = d.bookings.map((b) => b.startsAt);
    expect([...starts].sort().reverse()).toEqual(starts);
    const b = d.bookings.find((x) => x.id === booked.id)!;
    expect(b).toMatchObject({
      status: "completed",
      totalPriceCents: booked.totalPriceCents,
      currency: "EUR",
      items: [
        {
          serviceId: booked.items[0]!.serviceId,
          serviceNameEs: booked.items[0]!.service.nameEs,
          staffName: booked.items[0]!.staff.displayName,
          priceCents: booked.items[0]!.priceCents,
        },
      ],
    });
    expect(b.date).toMatch(/^2026-0[23]-\d\d$/);
    expect(d.noShowCount).toBe(0);
  });

  it("is NOT_FOUND for an unknown id", async () => {
    await expect(
      f.as("front_desk").customers.get({ customerId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("customers.create / update", () => {
  it("creates with a normalised phone, encrypted name and notes; audit and change carry no personal data", async () => {
    const n0 = await f.counts();
    const c = await f.as("front_desk").customers.create({
      phone: "0044 7700 900 555",
      name: "Grace Hopper",
      language: "en",
      marketingConsent: true,
      notes: "Allergic to ammonia",
    });
    expect(c).toMatchObject({ phone: "+447700900555", name: "Grace Hopper", notes: "Allergic to ammonia", version: 1 });
    expect(await f.counts()).toEqual({ audit: n0.audit + 1, change: n0.change + 1 });
    const row = await f.t.db.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.consentAt?.toISOString()).toBe(f.clock().toISOString());

    const client = new pg.Client({ connectionString: f.t.url });
    await client.connect();
    let dump: string;
    try {
      const { rows } = await client.query(
        `SELECT encode(c.phone_cipher, 'escape') AS p, encode(c.name_cipher, 'escape') AS n,
                encode(c.notes_cipher, 'escape') AS o, a.data AS a, l.data AS l
         FROM customer c, audit_log a, change_log l
         WHERE c.id = $1::uuid AND a.entity_id = $1::text AND l.entity_id = $1::text`,
        [c.id],
      );
      expect(rows).toHaveLength(1);
      dump = JSON.stringify(rows);
    } finally {
      await client.end();
    }
    expect(dump).not.toMatch(/Grace|Hopper|ammonia|7700900555/);

    expect((await f.as("owner").customers.search({ query: "grace" })).items.map((x) => x.id)).toEqual([c.id]);
  });

  it("refuses a second customer with the same phone, and a malformed phone", async () => {
    const n0 = await f.counts();
    await expect(
      f.as("front_desk").customers.create({ phone: "+34 600 111 201", name: "Someone Else" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: "A customer with the phone +34600111201 already exists" });
    await expect(f.as("front_desk").customers.create({ phone: "call me", name: "X" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: '"call me" is not a phone number in international format',
    });
    await expect(f.as("front_desk").customers.create({ phone: "+34600000001", name: " " })).rejects.toThrow(
      "name: Name cannot be empty",
    );
    expect(await f.counts()).toEqual(n0);
  });

  it("updates name, language, consent and notes with optimistic concurrency", async () => {
    const { items } = await f.as("front_desk").customers.search({ query: "+34600111215" });
    const c = items[0]!;
    const after = await f.as("front_desk").customers.update({
      customerId: c.id,
      version: c.version,
      name: "Beatriz Vidal Ortiz",
      notes: "Prefers Laura",
      language: "en",
      marketingConsent: true,
    });
    expect(after).toMatchObject({
      name: "Beatriz Vidal Ortiz",
      notes: "Prefers Laura",
      language: "en",
      marketingConsent: true,
      version: c.version + 1,
    });
    expect((await f.as("owner").customers.get({ customerId: c.id })).customer.notes).toBe("Prefers Laura");
    const row = await f.t.db.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(Buffer.from(row.notesCipher!).toString("latin1")).not.toContain("Laura");

    const n0 = await f.counts();
    await expect(
      f.as("owner").customers.update({ customerId: c.id, version: c.version, notes: "stale" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await f.counts()).toEqual(n0);
    expect((await f.as("owner").customers.get({ customerId: c.id })).customer.notes).toBe("Prefers Laura");

    const cleared = await f.as("owner").customers.update({ customerId: c.id, version: after.version, notes: null });
    expect(cleared.notes).toBeNull();
  });
});
