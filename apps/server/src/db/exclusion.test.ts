import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";

// The database itself refuses double booking, whatever the application does.
let t: TestDatabase;
let c: pg.Client;
let ids: { staff: string; booking: string; item: string };

beforeAll(async () => {
  t = await createTestDatabase();
  c = new pg.Client({ connectionString: t.url });
  await c.connect();
  const loc = await c.query(
    `INSERT INTO location (id, slug, name, address_line, city, postal_code, country, time_zone, updated_at)
     VALUES (gen_random_uuid(), 'x', 'X', 'a', 'b', 'c', 'ES', 'Europe/Madrid', now()) RETURNING id`,
  );
  const staff = await c.query(
    `INSERT INTO staff_member (id, location_id, display_name, email, role, updated_at)
     VALUES (gen_random_uuid(), $1, 'S', 's@x', 'stylist', now()) RETURNING id`,
    [loc.rows[0].id],
  );
  const svc = await c.query(
    `INSERT INTO service (id, location_id, slug, name_es, name_en, category, duration_minutes, price_cents, updated_at)
     VALUES (gen_random_uuid(), $1, 'cut', 'Corte', 'Cut', 'cuts', 30, 1000, now()) RETURNING id`,
    [loc.rows[0].id],
  );
  const cust = await c.query(`INSERT INTO customer (id, updated_at) VALUES (gen_random_uuid(), now()) RETURNING id`);
  const booking = await c.query(
    `INSERT INTO booking (id, location_id, customer_id, status, source, starts_at, ends_at, total_price_cents, currency, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'confirmed', 'console', '2026-03-10T10:00Z', '2026-03-10T12:00Z', 1000, 'EUR', now()) RETURNING id`,
    [loc.rows[0].id, cust.rows[0].id],
  );
  const item = await c.query(
    `INSERT INTO booking_item (id, booking_id, position, service_id, staff_id, starts_at, ends_at, duration_minutes, price_cents)
     VALUES (gen_random_uuid(), $1, 0, $2, $3, '2026-03-10T10:00Z', '2026-03-10T12:00Z', 30, 1000) RETURNING id`,
    [booking.rows[0].id, svc.rows[0].id, staff.rows[0].id],
  );
  ids = { staff: staff.rows[0].id, booking: booking.rows[0].id, item: item.rows[0].id };
});
afterAll(async () => {
  await c.end();
  await t.drop();
});

function insertSegment(from: string, to: string, active = true) {
  return c.query(
    `INSERT INTO booking_segment (id, booking_id, item_id, staff_id, kind, starts_at, ends_at, active)
     VALUES (gen_random_uuid(), $1, $2, $3, 'application', $4, $5, $6)`,
    [ids.booking, ids.item, ids.staff, from, to, active],
  );
}

describe("booking_segment_no_overlap", () => {
  it("accepts back-to-back segments", async () => {
    await insertSegment("2026-03-10T10:00Z", "2026-03-10T10:30Z");
    await insertSegment("2026-03-10T10:30Z", "2026-03-10T11:00Z");
  });

  it("rejects an overlapping active segment with SQLSTATE 23P01", async () => {
    const err = await insertSegment("2026-03-10T10:15Z", "2026-03-10T10:45Z").catch((e) => e);
    expect(err).toMatchObject({ code: "23P01", constraint: "booking_segment_no_overlap" });
  });

  it("ignores inactive (cancelled) segments", async () => {
    await insertSegment("2026-03-10T11:00Z", "2026-03-10T11:30Z", false);
    await insertSegment("2026-03-10T11:00Z", "2026-03-10T11:30Z", true);
  });

  it("rejects reactivating a cancelled segment into an occupied time", async () => {
    await insertSegment("2026-03-10T11:15Z", "2026-03-10T11:45Z", false);
    const err = await c
      .query(`UPDATE booking_segment SET active = true WHERE starts_at = '2026-03-10T11:15Z'`)
      .catch((e) => e);
    expect(err).toMatchObject({ code: "23P01" });
  });
});

describe("booking_resource_segment_no_overlap (issue #21)", () => {
  let resource: string;
  const hold = (from: string, to: string, active = true, phase = "processing") =>
    c.query(
      `INSERT INTO booking_resource_segment (id, booking_id, item_id, resource_id, phase, starts_at, ends_at, active)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`,
      [ids.booking, ids.item, resource, phase, from, to, active],
    );

  beforeAll(async () => {
    const loc = await c.query(`SELECT id FROM location LIMIT 1`);
    const r = await c.query(
      `INSERT INTO resource (id, location_id, kind, name, updated_at)
       VALUES (gen_random_uuid(), $1, 'colour_station', 'Puesto 1', now()) RETURNING id`,
      [loc.rows[0].id],
    );
    resource = r.rows[0].id;
  });

  it("accepts back-to-back holds and refuses an overlapping active one with SQLSTATE 23P01", async () => {
    await hold("2026-03-10T10:00Z", "2026-03-10T10:30Z", true, "application");
    await hold("2026-03-10T10:30Z", "2026-03-10T11:05Z");
    const err = await hold("2026-03-10T10:45Z", "2026-03-10T11:15Z").catch((e) => e);
    expect(err).toMatchObject({ code: "23P01", constraint: "booking_resource_segment_no_overlap" });
  });

  it("ignores released holds, and refuses bringing one back into an occupied time", async () => {
    await hold("2026-03-10T10:45Z", "2026-03-10T11:15Z", false);
    const err = await c
      .query(`UPDATE booking_resource_segment SET active = true WHERE starts_at = '2026-03-10T10:45Z'`)
      .catch((e) => e);
    expect(err).toMatchObject({ code: "23P01" });
  });

  it("refuses kinds that are not slugs and empty ranges", async () => {
    const loc = await c.query(`SELECT id FROM location LIMIT 1`);
    const bad = await c
      .query(
        `INSERT INTO resource (id, location_id, kind, name, updated_at) VALUES (gen_random_uuid(), $1, 'Colour Station', 'X', now())`,
        [loc.rows[0].id],
      )
      .catch((e) => e);
    expect(bad).toMatchObject({ code: "23514" });
    const empty = await hold("2026-03-10T12:00Z", "2026-03-10T12:00Z").catch((e) => e);
    expect(empty).toMatchObject({ code: "23514" });
  });
});
