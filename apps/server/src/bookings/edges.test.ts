// Bookings at the edges: contention that outlasts the retries, and dates the database refuses.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db/client.ts";
import { WRITE_RETRY } from "../db/transaction.ts";
import { AppError } from "../errors/app-error.ts";
import { toTrpcError } from "../errors/map-error.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { testClock } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { type BookingDeps, type CreateBookingInput, createBooking, insertBooking } from "./create.ts";
import { cancelBooking } from "./transitions.ts";

let t: TestDatabase;
let f: SalonFixture;
let db: Db;
let deps: BookingDeps;
let retries = 0;
const clock = testClock("2026-03-09T09:00:00Z");
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid");
const agent = { type: "agent" } as const;

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc);
  db = createDb(t.url, { max: 4, retry: { ...WRITE_RETRY, baseDelayMs: 1, onRetry: () => retries++ } });
  deps = { db, fc: t.fc, clock };
  // Simulated contention: the first `fail_first` inserts into booking_segment (and updates of
  // booking) fail as PostgreSQL fails a deadlock victim. A sequence counts them, since the
  // transaction that fails rolls everything else back.
  await t.db.$executeRawUnsafe(`CREATE SEQUENCE contention_count`);
  await t.db.$executeRawUnsafe(`CREATE TABLE contention_plan (fail_first int NOT NULL, sqlstate text NOT NULL)`);
  await t.db.$executeRawUnsafe(`INSERT INTO contention_plan VALUES (0, '40P01')`);
  await t.db.$executeRawUnsafe(`
    CREATE FUNCTION simulate_contention() RETURNS trigger AS $$
    DECLARE plan contention_plan;
    BEGIN
      SELECT * INTO plan FROM contention_plan;
      IF plan.fail_first > 0 AND nextval('contention_count') <= plan.fail_first THEN
        RAISE EXCEPTION 'simulated contention' USING ERRCODE = plan.sqlstate;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await t.db.$executeRawUnsafe(
    `CREATE TRIGGER contention_segment BEFORE INSERT ON booking_segment FOR EACH ROW EXECUTE FUNCTION simulate_contention()`,
  );
  await t.db.$executeRawUnsafe(
    `CREATE TRIGGER contention_booking BEFORE UPDATE ON booking FOR EACH ROW EXECUTE FUNCTION simulate_contention()`,
  );
});
afterAll(async () => {
  await db.$disconnect();
  await t.drop();
});
afterEach(() => contend(0));

async function contend(failFirst: number, sqlstate = "40P01") {
  await t.db.$executeRawUnsafe(`UPDATE contention_plan SET fail_first = ${failFirst}, sqlstate = '${sqlstate}'`);
  await t.db.$executeRawUnsafe(`ALTER SEQUENCE contention_count RESTART`);
  retries = 0;
}

const hold = (startsAt: Date, extra: Partial<CreateBookingInput> = {}): CreateBookingInput => ({
  locationId: f.locationId,
  customerId: f.customers[0]!,
  startsAt,
  items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
  source: "whatsapp",
  mode: "hold",
  ...extra,
});

describe("contention", () => {
  it("a deadlock victim is re-run and books", async () => {
    await contend(2);
    const b = await createBooking(deps, hold(at("2026-03-12", 10)), agent);
    expect(b.status).toBe("held");
    expect(retries).toBe(2);
    // Written once, with its change-log row.
    expect(await t.db.booking.count({ where: { id: b.id } })).toBe(1);
    expect(await t.db.changeLog.count({ where: { entityId: b.id } })).toBe(1);
  });

  it("a race still lost after the retries answers SLOT_TAKEN with alternatives, and writes nothing", async () => {
    await contend(1_000, "40001");
    const startsAt = at("2026-03-12", 11);
    const err = await createBooking(deps, hold(startsAt), agent).catch((e) => e);
    expect(retries).toBe(WRITE_RETRY.attempts - 1);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("SLOT_TAKEN");
    expect((err.details.alternatives as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(await t.db.booking.count({ where: { startsAt } })).toBe(0);
  });

  it("any other write answers CONFLICT (try again), never an internal error", async () => {
    const b = await createBooking(deps, hold(at("2026-03-12", 12)), agent);
    await contend(1_000);
    const err = await cancelBooking(deps, b.id, agent, { by: "customer", reason: "test" }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "CONFLICT", details: { retryable: true } });
    expect(toTrpcError(err).code).toBe("CONFLICT");
    expect((await t.db.booking.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("held");
  });
});

describe("dates the database refuses", () => {
  const year9999 = new Date("9999-12-31T23:30:00Z");
  const desk = () => ({ type: "staff" as const, id: f.deskId });

  it("a console booking outside hours in year 9999 is refused as BAD_INPUT, not stored", async () => {
    const err = await createBooking(
      deps,
      hold(year9999, { mode: "book", source: "console", allowOutsideHours: true }),
      desk(),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("BAD_INPUT");
    expect(await t.db.booking.count({ where: { startsAt: { gte: new Date("2100-01-01T00:00:00Z") } } })).toBe(0);
  });

  it("insertBooking itself (past every earlier check) refuses what the CHECK constraints would", async () => {
    const err = await db
      .$transaction((tx) => insertBooking(tx, deps, hold(year9999, { mode: "book", source: "console" }), desk()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "BAD_INPUT", message: "Bookings must lie between 2000-01-01 and 2100-01-01" });
  });
});
