// Booking throughput on distinct slots through createBooking (availability check, transaction,
// exclusion constraint, audit, change log) against writing the same rows with no domain logic.
import { randomUUID } from "node:crypto";
import type { Benchmark } from "../../../../bench/lib.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { createSalonFixture } from "../testing/fixtures.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { localToUtc } from "../time/zoned.ts";
import { createBooking } from "./create.ts";

export const benchmarks: Benchmark[] = [
  {
    name: "booking throughput",
    async run() {
      const pg = await startTestPostgres();
      await buildTemplate(pg.serverUrl);
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      await admin.$executeRawUnsafe(`CREATE DATABASE cita_bench_bk TEMPLATE ${TEMPLATE_DB}`);
      await admin.$disconnect();
      const db = createDb(withDatabase(pg.serverUrl, "cita_bench_bk"), { max: 10 });
      try {
        const fc = createFieldCrypto(Buffer.alloc(32, 3));
        const f = await createSalonFixture(db, fc, { extraStylists: 18, customers: 1 });
        const stylists = [f.staff.carlos, ...f.staff.extra];
        const clock = () => new Date("2026-03-01T08:00:00Z");
        const slots = (dates: string[]) =>
          dates.flatMap((date) =>
            stylists.flatMap((staffId) =>
              Array.from({ length: 18 }, (_, k) => ({
                staffId,
                startsAt: localToUtc(date, 600 + k * 30, "Europe/Madrid"),
              })),
            ),
          );
        const book = (s: { staffId: string; startsAt: Date }) =>
          createBooking(
            { db, fc, clock },
            {
              locationId: f.locationId,
              customerId: f.customers[0]!,
              startsAt: s.startsAt,
              items: [{ serviceId: f.services.cut, staffId: s.staffId }],
              source: "console",
              mode: "book",
            },
            { type: "staff", id: f.deskId },
          );
        const seq = slots(["2026-03-10"]).slice(0, 200);
        let t0 = performance.now();
        for (const s of seq) await book(s);
        const sequential = seq.length / ((performance.now() - t0) / 1000);

        const conc = slots(["2026-03-11", "2026-03-12"]).slice(0, 400);
        t0 = performance.now();
        for (let i = 0; i < conc.length; i += 10) await Promise.all(conc.slice(i, i + 10).map(book));
        const concurrent = conc.length / ((performance.now() - t0) / 1000);

        const raw = slots(["2026-03-13"]).slice(0, 200);
        t0 = performance.now();
        for (const s of raw) {
          const endsAt = new Date(s.startsAt.getTime() + 30 * 60_000);
          await db.$transaction(async (tx) => {
            const id = randomUUID();
            const itemId = randomUUID();
            await tx.booking.create({
              data: {
                id,
                locationId: f.locationId,
                customerId: f.customers[0]!,
                status: "confirmed",
                source: "console",
                startsAt: s.startsAt,
                endsAt,
                totalPriceCents: 2000,
                currency: "EUR",
              },
            });
            await tx.bookingItem.create({
              data: {
                id: itemId,
                bookingId: id,
                position: 0,
                serviceId: f.services.cut,
                staffId: s.staffId,
                startsAt: s.startsAt,
                endsAt,
                durationMinutes: 30,
                priceCents: 2000,
              },
            });
            await tx.bookingSegment.create({
              data: { bookingId: id, itemId, staffId: s.staffId, kind: "application", startsAt: s.startsAt, endsAt },
            });
          });
        }
        const baseline = raw.length / ((performance.now() - t0) / 1000);
        return [
          {
            name: "createBooking, one at a time",
            value: sequential,
            unit: "bookings/s",
            baseline: { name: "bare insert of the same rows", value: baseline },
          },
          {
            name: "createBooking, 10 concurrent",
            value: concurrent,
            unit: "bookings/s",
            baseline: { name: "bare insert of the same rows", value: baseline },
          },
        ];
      } finally {
        await db.$disconnect();
        await pg.stop();
      }
    },
  },
];
