import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INPUT_WINDOW } from "@cita/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { CHECK_CONSTRAINTS, STORED_TIME_WINDOW } from "./constraints.ts";
import { applyMigrations, listMigrations, MIGRATIONS_DIR } from "./migrate.ts";

// The database refuses what the input contract refuses (migration 20261207042102_sane_ranges).
const MIGRATION = "20261207042102_sane_ranges";

interface Ids {
  location: string;
  staff: string;
  service: string;
  customer: string;
  booking: string;
  item: string;
}

/** A location, stylist, service, customer, and one sound booking with one item. */
async function seedRows(c: pg.Client): Promise<Ids> {
  const one = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows[0].id as string;
  const location = await one(
    `INSERT INTO location (id, slug, name, address_line, city, postal_code, country, time_zone, updated_at)
     VALUES (gen_random_uuid(), 'x', 'X', 'a', 'b', 'c', 'ES', 'Europe/Madrid', now()) RETURNING id`,
  );
  const staff = await one(
    `INSERT INTO staff_member (id, location_id, display_name, email, role, updated_at)
     VALUES (gen_random_uuid(), $1, 'S', 's@x', 'stylist', now()) RETURNING id`,
    [location],
  );
  const service = await one(
    `INSERT INTO service (id, location_id, slug, name_es, name_en, category, duration_minutes, price_cents, updated_at)
     VALUES (gen_random_uuid(), $1, 'cut', 'Corte', 'Cut', 'cuts', 30, 1000, now()) RETURNING id`,
    [location],
  );
  const customer = await one(`INSERT INTO customer (id, updated_at) VALUES (gen_random_uuid(), now()) RETURNING id`);
  const booking = await insertBooking(c, { location, customer }, "2026-03-10T10:00Z", "2026-03-10T12:00Z");
  const item = await insertItem(c, { booking, service, staff }, "2026-03-10T10:00Z", "2026-03-10T12:00Z");
  return { location, staff, service, customer, booking, item };
}

async function insertBooking(
  c: pg.Client,
  ids: { location: string; customer: string },
  from: string,
  to: string,
  priceCents = 1000,
): Promise<string> {
  const r = await c.query(
    `INSERT INTO booking (id, location_id, customer_id, status, source, starts_at, ends_at, total_price_cents, currency, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'confirmed', 'console', $3, $4, $5, 'EUR', now()) RETURNING id`,
    [ids.location, ids.customer, from, to, priceCents],
  );
  return r.rows[0].id;
}

async function insertItem(
  c: pg.Client,
  ids: { booking: string; service: string; staff: string },
  from: string,
  to: string,
  priceCents = 1000,
): Promise<string> {
  const r = await c.query(
    `INSERT INTO booking_item (id, booking_id, position, service_id, staff_id, starts_at, ends_at, duration_minutes, price_cents)
     VALUES (gen_random_uuid(), $1, (SELECT count(*) FROM booking_item WHERE booking_id = $1), $2, $3, $4, $5, 30, $6)
     RETURNING id`,
    [ids.booking, ids.service, ids.staff, from, to, priceCents],
  );
  return r.rows[0].id;
}

function insertSegment(c: pg.Client, ids: Ids, from: string, to: string) {
  return c.query(
    `INSERT INTO booking_segment (id, booking_id, item_id, staff_id, kind, starts_at, ends_at, active)
     VALUES (gen_random_uuid(), $1, $2, $3, 'application', $4, $5, true) RETURNING id`,
    [ids.booking, ids.item, ids.staff, from, to],
  );
}

describe("CHECK constraints", () => {
  let t: TestDatabase;
  let c: pg.Client;
  let ids: Ids;

  beforeAll(async () => {
    t = await createTestDatabase();
    c = new pg.Client({ connectionString: t.url });
    await c.connect();
    ids = await seedRows(c);
  });
  afterAll(async () => {
    await c.end();
    await t.drop();
  });

  const refused = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { code?: string; constraint?: string }) => e,
    );

  it("use the input contract's window", () => {
    expect(STORED_TIME_WINDOW.from.toISOString().slice(0, 10)).toBe(INPUT_WINDOW.from);
    expect(STORED_TIME_WINDOW.to.toISOString().slice(0, 10)).toBe(INPUT_WINDOW.to);
  });

  it("are all in place", async () => {
    const rows = await c.query<{ tbl: string; conname: string }>(
      `SELECT conrelid::regclass::text AS tbl, conname FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace`,
    );
    for (const [table, names] of Object.entries(CHECK_CONSTRAINTS)) {
      for (const name of names) expect(rows.rows).toContainEqual({ tbl: table, conname: name });
    }
  });

  it("refuse a booking segment ending in year 10000", async () => {
    const e = await refused(insertSegment(c, ids, "9999-12-31T23:30Z", "10000-01-01T00:30Z"));
    expect(e).toMatchObject({ code: "23514", constraint: "booking_segment_sane_range" });
  });

  it("refuse a booking segment ending before it starts, or before 2000", async () => {
    expect(await refused(insertSegment(c, ids, "2026-03-10T11:00Z", "2026-03-10T10:30Z"))).toMatchObject({
      code: "23514",
      constraint: "booking_segment_positive_range",
    });
    expect(await refused(insertSegment(c, ids, "1999-12-31T23:00Z", "2000-01-01T00:30Z"))).toMatchObject({
      code: "23514",
      constraint: "booking_segment_sane_range",
    });
    await insertSegment(c, ids, "2026-03-10T10:00Z", "2026-03-10T10:30Z"); // a sound one still goes in
  });

  it("refuse bookings and items in year 10000 or inverted", async () => {
    expect(await refused(insertBooking(c, ids, "9999-12-31T23:00Z", "10000-01-01T01:00Z"))).toMatchObject({
      constraint: "booking_sane_range",
    });
    expect(
      await refused(insertItem(c, { ...ids, booking: ids.booking }, "2026-03-10T12:00Z", "2026-03-10T11:00Z")),
    ).toMatchObject({ constraint: "booking_item_positive_range" });
    expect(await refused(insertItem(c, ids, "2099-12-31T23:30Z", "2100-01-01T00:00Z"))).toMatchObject({
      constraint: "booking_item_sane_range",
    });
  });

  it("refuse negative money", async () => {
    expect(await refused(insertItem(c, ids, "2026-03-10T10:00Z", "2026-03-10T10:30Z", -1))).toMatchObject({
      code: "23514",
      constraint: "booking_item_price_non_negative",
    });
    expect(await refused(insertBooking(c, ids, "2026-03-11T10:00Z", "2026-03-11T11:00Z", -500))).toMatchObject({
      constraint: "booking_money_non_negative",
    });
    expect(await refused(c.query(`UPDATE service SET price_cents = -1 WHERE id = $1`, [ids.service]))).toMatchObject({
      constraint: "service_money_non_negative",
    });
    expect(
      await refused(
        c.query(
          `INSERT INTO payment (id, booking_id, amount_cents, currency, status, updated_at)
           VALUES (gen_random_uuid(), $1, -100, 'EUR', 'pending', now())`,
          [ids.booking],
        ),
      ),
    ).toMatchObject({ constraint: "payment_amount_non_negative" });
  });

  it("refuse staff time off that ends before it starts", async () => {
    const e = await refused(
      c.query(`INSERT INTO staff_time_off (id, staff_id, starts_at, ends_at) VALUES (gen_random_uuid(), $1, $2, $3)`, [
        ids.staff,
        "2026-05-02T00:00Z",
        "2026-05-01T00:00Z",
      ]),
    );
    expect(e).toMatchObject({ code: "23514", constraint: "staff_time_off_positive_range" });
  });
});

describe(`migration ${MIGRATION} on a database that already holds bad rows`, () => {
  let t: TestDatabase;
  let before: string;

  beforeAll(async () => {
    t = await createTestDatabase({ template: null });
    // The migrations before this one, on their own.
    before = await mkdtemp(join(tmpdir(), "cita-migrations-"));
    await cp(MIGRATIONS_DIR, before, { recursive: true, filter: (src) => !src.includes(MIGRATION) });
    const earlier = (await listMigrations(before)).migrationDirectories.map((m) => m.path);
    expect(earlier).not.toContain(MIGRATION);
    await applyMigrations(t.url, before);
  });
  afterAll(async () => {
    await t.drop();
    await rm(before, { recursive: true, force: true });
  });

  it("stops with a message naming the offending rows, changes nothing, and applies once they are fixed", async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      const ids = await seedRows(c);
      const year10000 = (await insertSegment(c, ids, "9999-12-31T23:30Z", "10000-01-01T00:30Z")).rows[0].id as string;
      const inverted = (
        await c.query(
          `INSERT INTO staff_time_off (id, staff_id, starts_at, ends_at) VALUES (gen_random_uuid(), $1, $2, $3) RETURNING id`,
          [ids.staff, "2026-05-02T00:00Z", "2026-05-01T00:00Z"],
        )
      ).rows[0].id as string;
      const negative = await insertItem(c, ids, "2026-03-10T12:00Z", "2026-03-10T12:30Z", -1);

      const err = await applyMigrations(t.url).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const message = err!.message;
      expect(message).toContain("existing rows break the new CHECK constraints");
      expect(message).toContain(`booking_segment (booking_segment_sane_range): 1 row(s): ${year10000}`);
      expect(message).toContain(`booking_item (booking_item_price_non_negative): 1 row(s): ${negative}`);
      expect(message).toContain(`staff_time_off (staff_time_off_positive_range): 1 row(s): ${inverted}`);

      // Nothing was added: the whole script is one transaction.
      const added = await c.query(`SELECT conname FROM pg_constraint WHERE conname = 'booking_item_sane_range'`);
      expect(added.rowCount).toBe(0);

      // Fixed by hand, marked rolled back (as `prisma migrate resolve --rolled-back` does): it applies.
      await c.query(`DELETE FROM booking_segment WHERE id = $1`, [year10000]);
      await c.query(`DELETE FROM staff_time_off WHERE id = $1`, [inverted]);
      await c.query(`UPDATE booking_item SET price_cents = 0 WHERE id = $1`, [negative]);
      await c.query(
        `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL`,
        [MIGRATION],
      );
      expect(await applyMigrations(t.url)).toEqual([MIGRATION]);
      const now = await c.query(`SELECT conname FROM pg_constraint WHERE conname = 'booking_item_sane_range'`);
      expect(now.rowCount).toBe(1);
    } finally {
      await c.end();
    }
  });
});
