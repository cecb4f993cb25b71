// Issue #21: resources (basins, colour stations) are held like stylists. A colour holds its
// station through application AND processing — while its stylist is free for someone else — and
// the database's exclusion constraint on booking_resource_segment keeps two bookings off one
// resource whatever the callers do. Real PostgreSQL, the real booking path.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";
import { findSlots } from "../availability/find.ts";
import { AppError } from "../errors/app-error.ts";
import { salonDays } from "../testing/salon-days.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import { createBooking } from "./create.ts";
import { cancelBooking } from "./transitions.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
const MIN = 60_000;
const svc = (slug: string) => f.t.db.service.findFirstOrThrow({ where: { slug } });
const deps = () => ({ db: f.t.db, fc: f.t.fc, clock: f.clock });
const desk = () => ({ type: "staff" as const, id: f.ids.front_desk });

let colourists: string[];
let customers: string[];
let day: string;

beforeAll(async () => {
  f = await demoFixture();
  const tinte = await svc("tinte-raiz");
  colourists = (await f.t.db.staffService.findMany({ where: { serviceId: tinte.id } })).map((k) => k.staffId).sort();
  expect(colourists.length).toBeGreaterThanOrEqual(2);
  customers = (await f.t.db.customer.findMany({ where: { erasedAt: null }, take: 12 })).map((c) => c.id);
  const today = toLocal(f.clock(), "Europe/Madrid").date;
  [day] = await salonDays(
    (q) => findSlots(f.t.db, { locationId: f.locationId, now: f.clock(), ...q }),
    addDays(today, 2),
    [{ serviceId: tinte.id, staffIds: colourists, minStaff: 2, minSlots: 8 }],
  );
});
afterAll(() => f.t.drop());

/** Removes every booking on the test day (each property run starts from an empty day). */
async function clearDay() {
  await f.t.db.booking.deleteMany({ where: { segments: { some: { staffId: { in: colourists } } } } });
  await f.t.db.booking.deleteMany({ where: { resourceSegments: { some: {} } } });
}

/** Overlapping active segments on one resource, as the database sees them. */
async function resourceOverlaps(): Promise<number> {
  const [row] = await f.t.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM booking_resource_segment a JOIN booking_resource_segment b
        ON a.resource_id = b.resource_id AND a.id < b.id AND a.active AND b.active
       AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')`;
  return row!.n;
}

describe("resources (issue #21)", () => {
  it("settings add stations by kind and count and say which phases of a colour hold one", async () => {
    const manager = f.as("manager");
    const made = await manager.resources.create({ kind: "colour_station", name: "Puesto de color", count: 1 });
    expect(made.map((r) => r.name)).toEqual(["Puesto de color"]);
    const basins = await manager.resources.create({ kind: "basin", name: "Lavacabezas", count: 2 });
    expect(basins.map((r) => r.name)).toEqual(["Lavacabezas 1", "Lavacabezas 2"]);
    for (const slug of ["tinte-raiz", "tinte-completo"]) {
      const s = await svc(slug);
      await manager.resources.setServiceNeeds({
        serviceId: s.id,
        needs: [
          { kind: "colour_station", phase: "application" },
          { kind: "colour_station", phase: "processing" },
          { kind: "basin", phase: "finishing" },
        ],
      });
    }
    // A phase the service does not have is refused; a front desk may not edit settings.
    const corte = await svc("corte-mujer");
    await expect(
      manager.resources.setServiceNeeds({ serviceId: corte.id, needs: [{ kind: "basin", phase: "processing" }] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(f.as("front_desk").resources.create({ kind: "basin", name: "Otro", count: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const list = await manager.resources.list();
    expect(list.resources).toHaveLength(3);
    expect(list.needs.filter((n) => n.kind === "colour_station")).toHaveLength(4);
  });

  it("the processing phase occupies its station: another stylist, free then, cannot start a colour on it", async () => {
    await clearDay();
    const tinte = await svc("tinte-raiz");
    const [a, b] = colourists as [string, string];
    const slots = await findSlots(f.t.db, {
      locationId: f.locationId,
      now: f.clock(),
      fromDate: day,
      toDate: day,
      items: [{ serviceId: tinte.id, staffId: a }],
    });
    const first = slots[0]!;
    // The slot itself names the station it holds, for application and processing, and a basin after.
    expect(first.items[0]!.resources?.map((r) => r.phase)).toEqual(["finishing", "application", "processing"]);
    const booked = await createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId: customers[0]!,
        startsAt: first.start,
        items: [{ serviceId: tinte.id, staffId: a }],
        source: "console",
        mode: "book",
        waiveDeposit: true,
      },
      desk(),
    );
    const held = await f.t.db.bookingResourceSegment.findMany({
      where: { bookingId: booked.id },
      include: { resource: true },
      orderBy: { startsAt: "asc" },
    });
    const start = first.start.getTime();
    const appEnd = start + tinte.durationMinutes * MIN;
    const procEnd = appEnd + tinte.processingMinutes * MIN;
    expect(held.map((h) => [h.resource.kind, h.phase, h.startsAt.getTime(), h.endsAt.getTime()])).toEqual([
      ["colour_station", "application", start, appEnd],
      ["colour_station", "processing", appEnd, procEnd],
      ["basin", "finishing", procEnd, procEnd + tinte.finishingMinutes * MIN],
    ]);

    // Stylist b is free during a's processing, but the one station is not: not offered, and refused.
    const during = new Date(appEnd);
    const bSlots = await findSlots(f.t.db, {
      locationId: f.locationId,
      now: f.clock(),
      fromDate: day,
      toDate: day,
      items: [{ serviceId: tinte.id, staffId: b }],
    });
    for (const s of bSlots) {
      const sStart = s.start.getTime();
      const sProcEnd = sStart + (tinte.durationMinutes + tinte.processingMinutes) * MIN;
      expect(sStart < procEnd && start < sProcEnd, `offered ${s.localTime} on a held station`).toBe(false);
    }
    const refused = await createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId: customers[1]!,
        startsAt: during,
        items: [{ serviceId: tinte.id, staffId: b }],
        source: "console",
        mode: "book",
        waiveDeposit: true,
        allowOutsideHours: true,
      },
      desk(),
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("SLOT_TAKEN");
    expect((refused as AppError).details).toMatchObject({ resources: ["colour_station"] });

    // A cut needs no station: b can take it while a's colour develops.
    const corte = await svc("corte-mujer");
    const cut = await createBooking(
      deps(),
      {
        locationId: f.locationId,
        customerId: customers[1]!,
        startsAt: during,
        items: [{ serviceId: corte.id, staffId: b }],
        source: "console",
        mode: "book",
        allowOutsideHours: true,
      },
      desk(),
    ).catch((e: unknown) => e);
    // (b may be on a break then; what matters is that it was not refused for a station)
    if (cut instanceof AppError) expect(cut.details).not.toMatchObject({ resources: expect.anything() });

    // Cancelling a's colour frees the station for b at once.
    await cancelBooking(deps(), booked.id, desk(), { by: "staff", reason: "test", staffWaiver: true });
    expect(await f.t.db.bookingResourceSegment.count({ where: { bookingId: booked.id, active: true } })).toBe(0);
  });

  it("two stylists racing for the one station at the same time: exactly one wins", async () => {
    await clearDay();
    const tinte = await svc("tinte-raiz");
    for (let round = 0; round < 3; round++) {
      const slots = await findSlots(f.t.db, {
        locationId: f.locationId,
        now: f.clock(),
        fromDate: day,
        toDate: day,
        items: [{ serviceId: tinte.id, staffId: null }],
      });
      const at = slots[round]!.start;
      const results = await Promise.allSettled(
        colourists.slice(0, 2).map((staffId, k) =>
          createBooking(
            deps(),
            {
              locationId: f.locationId,
              customerId: customers[2 + k]!,
              startsAt: at,
              items: [{ serviceId: tinte.id, staffId }],
              source: "whatsapp",
              mode: "hold",
              allowOutsideHours: true,
            },
            desk(),
          ),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: "SLOT_TAKEN" });
      await clearDay();
    }
    expect(await resourceOverlaps()).toBe(0);
  });

  it("property: random concurrent bookings over stylists and resources never double-book a resource", async () => {
    const services = await Promise.all(["tinte-raiz", "tinte-completo", "corte-mujer"].map(svc));
    const open = await f.t.db.location.findUniqueOrThrow({ where: { id: f.locationId }, include: { hours: true } });
    const stationCount = await f.t.db.resource.count({ where: { kind: "colour_station", active: true } });
    const dayStart = (
      await findSlots(f.t.db, {
        locationId: f.locationId,
        now: f.clock(),
        fromDate: day,
        toDate: day,
        items: [{ serviceId: services[2]!.id, staffId: null }],
      })
    )[0]!.start.getTime();
    expect(open.hours.length).toBeGreaterThan(0);
    let booked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            service: fc.nat(services.length - 1),
            staff: fc.nat(colourists.length - 1),
            // Starts on the salon's 15-minute grid over the first six hours of the day.
            step: fc.nat(23),
            customer: fc.nat(customers.length - 1),
          }),
          { minLength: 4, maxLength: 12 },
        ),
        async (attempts) => {
          await clearDay();
          const results = await Promise.allSettled(
            attempts.map((a) =>
              createBooking(
                deps(),
                {
                  locationId: f.locationId,
                  customerId: customers[a.customer]!,
                  startsAt: new Date(dayStart + a.step * 15 * MIN),
                  items: [{ serviceId: services[a.service]!.id, staffId: colourists[a.staff]! }],
                  source: "console",
                  mode: "book",
                  waiveDeposit: true,
                  allowOutsideHours: true,
                },
                desk(),
              ),
            ),
          );
          for (const r of results) {
            if (r.status === "rejected") {
              // A lost time, a stylist who does not do it, or a start the window refuses: never a crash.
              expect(r.reason).toBeInstanceOf(AppError);
              expect(["SLOT_TAKEN", "NOT_BOOKABLE", "BAD_INPUT"]).toContain((r.reason as AppError).code);
            } else booked++;
          }
          // The SQL self-join finds no resource held twice, and no stylist either.
          expect(await resourceOverlaps()).toBe(0);
          const [staff] = await f.t.db.$queryRaw<{ n: number }[]>`
            SELECT count(*)::int AS n FROM booking_segment a JOIN booking_segment b
                ON a.staff_id = b.staff_id AND a.id < b.id AND a.active AND b.active
               AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')`;
          expect(staff!.n).toBe(0);
          // Every colour booked holds a station through application and processing, exactly.
          const items = await f.t.db.bookingItem.findMany({
            where: { serviceId: { in: [services[0]!.id, services[1]!.id] }, booking: { status: "confirmed" } },
            include: { resourceSegments: { include: { resource: true } } },
          });
          for (const it of items) {
            const station = it.resourceSegments.filter((g) => g.resource.kind === "colour_station");
            const appEnd = it.startsAt.getTime() + it.durationMinutes * MIN;
            expect(station.map((g) => [g.phase, g.startsAt.getTime(), g.endsAt.getTime()]).sort()).toEqual(
              [
                ["application", it.startsAt.getTime(), appEnd],
                ["processing", appEnd, appEnd + it.processingMinutes * MIN],
              ].sort(),
            );
            expect(new Set(station.map((g) => g.resourceId)).size).toBe(1);
          }
          // No more colours at once than stations.
          const starts = items.map((it) => it.startsAt.getTime());
          for (const t of starts) {
            const at = items.filter(
              (it) =>
                it.startsAt.getTime() <= t &&
                t < it.startsAt.getTime() + (it.durationMinutes + it.processingMinutes) * MIN,
            );
            expect(at.length).toBeLessThanOrEqual(stationCount);
          }
        },
      ),
      { numRuns: 12 },
    );
    expect(booked).toBeGreaterThan(0);
  }, 120_000);
});
