// Calendar rendering and live latency, measured in Debian's Chromium (playwright-core):
//  1. the real CalendarGrid mounted from scratch with synthetic data on bench.html — layout +
//     React render + the browser's own layout, timed with performance.now() inside the page —
//     for a day with 6 stylists × 120 bookings and a week with 600, each next to the same empty
//     grid (the baseline) in the same run;
//  2. a booking committed on the server by another staff member → drawn in a signed-in console,
//     next to the same commit → an in-process change-feed subscriber (no HTTP, no browser).
import { performance } from "node:perf_hooks";
import { type Benchmark, type Figure, summarize } from "../../../../bench/lib.ts";
import { salonDays } from "../../../server/src/testing/salon-days.ts";
import { nowMs } from "../../../server/src/testing/test-now.ts";
import { staffClient, startBenchConsole } from "../../test/harness.ts";

const WARMUP = 3;
const RUNS = 15;
const LIVE_ROUNDS = 20;
const TARGET_MS = 150;
const now = () => performance.timeOrigin + performance.now();

interface BenchWindow {
  citaBench: { run(kind: "day" | "week", columns: number, bookings: number, repeats: number): { samples: number[] } };
  __drawn: Record<string, number>;
}

export const benchmarks: Benchmark[] = [
  {
    name: "console calendar",
    async run() {
      const { server, browser, stop } = await startBenchConsole();
      try {
        const figures: Figure[] = [];

        // 1. Rendering.
        const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
        await page.goto(`${server.url}/console/bench.html`);
        await page.waitForFunction(() => document.title === "ready");
        const render = async (kind: "day" | "week", columns: number, bookings: number) => {
          await page.evaluate(([k, c, b, n]) => (window as unknown as BenchWindow).citaBench.run(k, c, b, n), [
            kind,
            columns,
            bookings,
            WARMUP,
          ] as const);
          const { samples } = await page.evaluate(
            ([k, c, b, n]) => (window as unknown as BenchWindow).citaBench.run(k, c, b, n),
            [kind, columns, bookings, RUNS] as const,
          );
          return summarize(samples);
        };
        const emptyDay = await render("day", 6, 0);
        const day = await render("day", 6, 120);
        const emptyWeek = await render("week", 7, 0);
        const week = await render("week", 7, 600);
        figures.push(
          {
            name: "day view, 6 stylists × 120 bookings, p95",
            value: day.p95,
            unit: "ms",
            baseline: { name: "empty day grid p95", value: emptyDay.p95 },
            target: { max: TARGET_MS },
            note: `p50 ${day.p50.toFixed(1)} ms, max ${day.max.toFixed(1)} ms over ${day.n} mounts (layout + React + browser layout)`,
          },
          {
            name: "week view, 600 bookings, p95",
            value: week.p95,
            unit: "ms",
            baseline: { name: "empty week grid p95", value: emptyWeek.p95 },
            target: { max: TARGET_MS },
            note: `p50 ${week.p50.toFixed(1)} ms, max ${week.max.toFixed(1)} ms over ${week.n} mounts`,
          },
        );
        await page.close();

        // 2. Commit on the server → booking drawn in a signed-in console.
        const desk = (await staffClient(server.url, "desk@cita.demo", "cita-desk-demo")).client;
        const services = await desk.services.list.query({ includeArchived: false });
        const staff = await desk.staff.list.query({ includeInactive: false });
        const service = services.find((s) => s.slug === "corte-infantil")!;
        const customer = (await desk.customers.search.query({ query: "María" })).items[0]!;
        const tz = (await desk.locations.get.query()).timeZone;
        const localDate = (t: number) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(t);
        // A day on which every stylist who does kids' cuts has room for this bench's rounds, asked of the salon.
        const doers = staff.filter((s) => s.bookable && s.serviceIds.includes(service.id)).map((s) => s.id);
        const [date] = await salonDays(
          (input) => desk.availability.search.query(input),
          localDate(nowMs() + 86_400_000),
          [
            {
              serviceId: service.id,
              staffIds: doers,
              minStaff: doers.length,
              minSlots: Math.ceil((LIVE_ROUNDS + 2) / doers.length) + 2,
            },
          ],
        );

        const consolePage = await browser.newPage({ viewport: { width: 1600, height: 1400 } });
        await consolePage.goto(`${server.url}/console/#/day/${date}`);
        await consolePage.locator('input[name="email"]').fill("manager@cita.demo");
        await consolePage.locator('input[name="password"]').fill("cita-manager-demo");
        await consolePage.locator('button[type="submit"]').click();
        await consolePage.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
        await consolePage.evaluate(() => {
          const w = window as unknown as BenchWindow;
          w.__drawn = {};
          new MutationObserver((records) => {
            const at = performance.timeOrigin + performance.now();
            for (const r of records)
              for (const n of r.addedNodes) {
                if (!(n instanceof HTMLElement)) continue;
                for (const el of [n, ...n.querySelectorAll<HTMLElement>(".block")])
                  if (el.classList.contains("block") && el.dataset.bookingId) w.__drawn[el.dataset.bookingId] ??= at;
              }
          }).observe(document.body, { childList: true, subtree: true });
        });

        const feed = server.running.services.changeFeed!;
        const feedSeen = new Map<string, number>();
        const sub = feed.subscribe();
        const pump = (async () => {
          for await (const e of sub) if (e.entityType === "booking") feedSeen.set(e.entityId, now());
        })();
        const toDrawn: number[] = [];
        const toFeed: number[] = [];
        const offering = staff.filter((s) => s.bookable && s.serviceIds.includes(service.id));
        for (let i = 0; i < LIVE_ROUNDS + 2; i++) {
          const stylist = offering[i % offering.length]!;
          const slots = await desk.availability.search.query({
            items: [{ serviceId: service.id, staffId: stylist.id }],
            fromDate: date,
            toDate: date,
          });
          const slot = slots[0];
          if (!slot) throw new Error(`no free slot left for ${stylist.displayName} on ${date}`);
          const t0 = now();
          const b = await desk.bookings.create.mutate({
            customerId: customer.id,
            startsAt: slot.start,
            items: [{ serviceId: service.id, staffId: stylist.id }],
          });
          await consolePage.locator(`.block[data-booking-id="${b.id}"]`).waitFor({ timeout: 5000 });
          const drawn = await consolePage.evaluate((id) => (window as unknown as BenchWindow).__drawn[id]!, b.id);
          if (i < 2) continue; // warm-up
          toDrawn.push(drawn - t0);
          toFeed.push(feedSeen.get(b.id)! - t0);
        }
        sub.close();
        await pump;
        const drawn = summarize(toDrawn);
        const fed = summarize(toFeed);
        figures.push({
          name: "booking created elsewhere → drawn in the console p50",
          value: drawn.p50,
          unit: "ms",
          baseline: { name: "same commit → in-process feed subscriber p50", value: fed.p50 },
          target: { max: 1000 },
          note: `p95 ${drawn.p95.toFixed(1)} ms, max ${drawn.max.toFixed(1)} ms (baseline p95 ${fed.p95.toFixed(1)} ms), ${drawn.n} bookings; both timed from the create request (the commit is inside it): SSE event → bookings.get → render`,
        });
        return figures;
      } finally {
        await stop();
      }
    },
  },
];
