// Availability for 20 stylists × 60 days × one service, on a busy calendar (6 bookings per stylist
// per working day), against simply loading the same rows from PostgreSQL.
import { randomUUID } from "node:crypto";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb, type Db } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { addDays, localToUtc, weekdayOf } from "../time/zoned.ts";
import { computeAvailability } from "./compute-availability.ts";
import { findSlots } from "./find.ts";
import { loadAvailabilityQuery } from "./load.ts";

const NOW = new Date("2026-03-09T08:00:00Z");
const FROM = "2026-03-09";
const TO = addDays(FROM, 59);

async function fillCalendar(db: Db, f: SalonFixture): Promise<number> {
  const stylists = [f.staff.laura, f.staff.carlos, ...f.staff.extra];
  const times = [
    [10, 0],
    [11, 0],
    [12, 30],
    [15, 0],
    [16, 0],
    [17, 30],
  ] as const;
  const bookings: object[] = [];
  const items: object[] = [];
  const segments: object[] = [];
  for (let d = 0; d < 60; d++) {
    const date = addDays(FROM, d);
    if (weekdayOf(date) === 7) continue;
    for (const [si, staffId] of stylists.entries()) {
      for (const [k, [h, m]] of times.entries()) {
        if ((si + k + d) % 7 === 0) continue; // leave some gaps so the calendar isn't uniform
        const startsAt = localToUtc(date, h * 60 + m, "Europe/Madrid");
        const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
        const id = randomUUID();
        const itemId = randomUUID();
        bookings.push({
          id,
          locationId: f.locationId,
          customerId: f.customers[0],
          status: "confirmed",
          source: "console",
          startsAt,
          endsAt,
          totalPriceCents: 2000,
          currency: "EUR",
        });
        items.push({
          id: itemId,
          bookingId: id,
          position: 0,
          serviceId: f.services.cut,
          staffId,
          startsAt,
          endsAt,
          durationMinutes: 30,
          priceCents: 2000,
        });
        segments.push({ bookingId: id, itemId, staffId, kind: "application", startsAt, endsAt });
      }
    }
  }
  await db.booking.createMany({ data: bookings as never });
  await db.bookingItem.createMany({ data: items as never });
  await db.bookingSegment.createMany({ data: segments as never });
  return bookings.length;
}

async function timeIt(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export const benchmarks: Benchmark[] = [
  {
    name: "availability 20 stylists × 60 days",
    async run() {
      const pg = await startTestPostgres();
      await buildTemplate(pg.serverUrl);
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      await admin.$executeRawUnsafe(`CREATE DATABASE cita_bench_av TEMPLATE ${TEMPLATE_DB}`);
      await admin.$disconnect();
      const db = createDb(withDatabase(pg.serverUrl, "cita_bench_av"), { max: 4 });
      try {
        const fc = createFieldCrypto(Buffer.alloc(32, 7));
        const f = await createSalonFixture(db, fc, { extraStylists: 18, customers: 1 });
        const booked = await fillCalendar(db, f);
        const params = {
          locationId: f.locationId,
          fromDate: FROM,
          toDate: TO,
          now: NOW,
          items: [{ serviceId: f.services.cut, staffId: null }],
        };
        const warm = await findSlots(db, params);
        for (let i = 0; i < 5; i++) await findSlots(db, params);
        const load = summarize(await timeIt(40, () => loadAvailabilityQuery(db, params)));
        const full = summarize(await timeIt(40, () => findSlots(db, params)));
        const query = await loadAvailabilityQuery(db, params);
        const pure = summarize(await timeIt(60, () => computeAvailability(query)));
        const one = { ...params, items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }] };
        const oneStylist = summarize(await timeIt(40, () => findSlots(db, one)));
        const note = `${booked} bookings on the calendar, ${warm.length} slots returned for "any stylist"`;
        // The target is on computing availability; loading the same rows is the baseline.
        const base = (v: number) => ({ name: "load the same rows from PostgreSQL", value: v });
        return [
          { name: "compute, any stylist (p50)", value: pure.p50, unit: "ms", baseline: base(load.p50), note },
          {
            name: "compute, any stylist (p95)",
            value: pure.p95,
            unit: "ms",
            baseline: base(load.p95),
            target: { max: 20 },
          },
          { name: "end to end: load + compute, any (p50)", value: full.p50, unit: "ms", baseline: base(load.p50) },
          { name: "end to end: load + compute, any (p95)", value: full.p95, unit: "ms", baseline: base(load.p95) },
          {
            name: "end to end: load + compute, one stylist (p95)",
            value: oneStylist.p95,
            unit: "ms",
            baseline: base(load.p95),
          },
        ];
      } finally {
        await db.$disconnect();
        await pg.stop();
      }
    },
  },
];
