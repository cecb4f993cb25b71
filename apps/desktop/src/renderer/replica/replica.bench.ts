// The offline replica in Debian's Chromium against a real server: the first sync of 20,000 bookings
// (with their customers, services, staff) into IndexedDB, next to the same pages fetched without
// storing them (baseline: what the network and the server cost); then a delta sync of 100 changed
// bookings, next to a delta sync with nothing to do.
import { randomUUID } from "node:crypto";
import type { AuthStaff } from "@cita/shared";
import { type Benchmark, type Figure, summarize } from "../../../../../bench/lib.ts";
import { staffClient, startBenchConsole } from "../../../test/harness.ts";
import type { ReplicaBench } from "./bench-entry.ts";

const BOOKINGS = 20_000;
const DELTA = 100;
const RUNS = 3;
const DELTA_RUNS = 5;

export const benchmarks: Benchmark[] = [
  {
    name: "console replica sync",
    async run() {
      const { server, browser, stop } = await startBenchConsole();
      try {
        const db = server.running.database.db;
        const location = await db.location.findFirstOrThrow();
        const services = await db.service.findMany({ where: { locationId: location.id, active: true } });
        const stylists = await db.staffMember.findMany({ where: { locationId: location.id, bookable: true } });
        const customers = await db.customer.findMany({ select: { id: true } });

        // 20,000 past and future visits over the replica's window, each with one item, and their
        // change-log rows, written in bulk (the commands would take minutes to make this many).
        const DAY = 86_400_000;
        const start = Date.now() - 170 * DAY;
        const ids: string[] = [];
        for (let chunk = 0; chunk < BOOKINGS; chunk += 2000) {
          const rows = [];
          const items = [];
          for (let i = chunk; i < Math.min(BOOKINGS, chunk + 2000); i++) {
            const id = randomUUID();
            ids.push(id);
            const service = services[i % services.length]!;
            const startsAt = new Date(start + Math.floor((i / BOOKINGS) * 200 * DAY) + (i % 8) * 3_600_000);
            const endsAt = new Date(startsAt.getTime() + service.durationMinutes * 60_000);
            rows.push({
              id,
              locationId: location.id,
              customerId: customers[i % customers.length]!.id,
              status: (startsAt.getTime() < Date.now() ? "completed" : "confirmed") as "completed" | "confirmed",
              source: (i % 3 ? "whatsapp" : "console") as "whatsapp" | "console",
              startsAt,
              endsAt,
              totalPriceCents: service.priceCents,
              currency: location.currency,
              notes: i % 5 ? null : "Prefiere café sin azúcar",
            });
            items.push({
              bookingId: id,
              position: 0,
              serviceId: service.id,
              staffId: stylists[i % stylists.length]!.id,
              startsAt,
              endsAt,
              durationMinutes: service.durationMinutes,
              priceCents: service.priceCents,
            });
          }
          await db.booking.createMany({ data: rows });
          await db.bookingItem.createMany({ data: items });
        }
        await db.$executeRaw`
          INSERT INTO change_log (entity_type, entity_id, op, location_id)
          SELECT 'booking', id::text, 'upsert', location_id FROM booking WHERE id = ANY(${ids}::uuid[]) ORDER BY starts_at`;

        const { tokens } = await staffClient(server.url, "manager@cita.demo", "cita-manager-demo");
        const page = await browser.newPage();
        await page.goto(`${server.url}/console/bench.html`);
        await page.waitForFunction(() => document.title === "ready");
        const bench = <K extends keyof ReplicaBench>(k: K, ...args: Parameters<ReplicaBench[K]>) =>
          page.evaluate(
            ([key, a]) =>
              (window as unknown as { citaReplicaBench: Record<string, (...x: unknown[]) => Promise<unknown>> })
                .citaReplicaBench[key as string]!(...(a as unknown[])),
            [k, args] as const,
          ) as ReturnType<ReplicaBench[K]>;
        const staff = tokens.staff as AuthStaff;

        // First sync, each run into a new empty replica; the baseline fetches the same pages.
        const first: number[] = [];
        const fetchOnly: number[] = [];
        let stored = 0;
        let pages = 0;
        for (let r = 0; r < RUNS; r++) {
          fetchOnly.push((await bench("fetchOnly", tokens.accessToken)).ms);
          const name = `bench-first-${r}`;
          const got = await bench("sync", tokens.accessToken, staff, name);
          first.push(got.ms);
          stored = got.bookings;
          pages = got.pages;
          if (r < RUNS - 1) await bench("drop", name);
        }
        if (stored < BOOKINGS) throw new Error(`only ${stored} bookings reached the replica`);

        // Delta: 100 bookings change on the server (notes, through the change log), then sync.
        const replicaName = `bench-first-${RUNS - 1}`;
        const empty: number[] = [];
        const delta: number[] = [];
        let deltaChanges = 0;
        for (let r = 0; r < DELTA_RUNS; r++) {
          empty.push((await bench("sync", tokens.accessToken, staff, replicaName)).ms);
          const changed = ids.slice(r * DELTA, (r + 1) * DELTA);
          await db.$executeRaw`UPDATE booking SET notes = ${`cambio ${r}`}, version = version + 1 WHERE id = ANY(${changed}::uuid[])`;
          await db.$executeRaw`
            INSERT INTO change_log (entity_type, entity_id, op, location_id)
            SELECT 'booking', id::text, 'upsert', location_id FROM booking WHERE id = ANY(${changed}::uuid[])`;
          const got = await bench("sync", tokens.accessToken, staff, replicaName);
          delta.push(got.ms);
          deltaChanges = got.changes;
        }
        if (deltaChanges !== DELTA) throw new Error(`the delta carried ${deltaChanges} changes, not ${DELTA}`);

        const f = summarize(first);
        const b = summarize(fetchOnly);
        const d = summarize(delta);
        const e = summarize(empty);
        const figures: Figure[] = [
          {
            name: `first sync, ${stored.toLocaleString("en")} bookings into IndexedDB (median)`,
            value: f.p50,
            unit: "ms",
            baseline: { name: "same pages fetched, not stored", value: b.p50 },
            target: { max: 5000 },
            note: `${RUNS} runs, ${pages} pages of ≤1000; max ${f.max.toFixed(0)} ms; baseline max ${b.max.toFixed(0)} ms`,
          },
          {
            name: `delta sync, ${DELTA} changed bookings (median)`,
            value: d.p50,
            unit: "ms",
            baseline: { name: "delta sync with nothing changed", value: e.p50 },
            target: { max: 100 },
            note: `${DELTA_RUNS} runs; max ${d.max.toFixed(1)} ms (includes customer prune and IndexedDB commit)`,
          },
        ];
        await page.close();
        return figures;
      } finally {
        await stop();
      }
    },
  },
];
