// Screens that read right, in Spanish and English, with screenshots in test-results/console/ to look at:
// closures and days off shaded and labelled in the day and week views; short back-to-back bookings
// on one line each, without overlapping; a colour's processing gap opens its booking; the sticky
// stylist header stays above scrolled blocks; the first hour's label is whole; money and dates
// formatted for the language. Dates come from the salon (its closures, its stylists' weeks, its free
// slots), never from a fixed calendar.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  type BrowserContext,
  buildRenderer,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  type Page,
  type StaffClient,
  staffClient,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { salonDays } from "../apps/server/src/testing/salon-days.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const TZ = "Europe/Madrid";
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(ms);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const isoWeekday = (d: string) => new Date(`${d}T12:00:00Z`).getUTCDay() || 7;

describe.skipIf(!chromiumAvailable())("console screens that read right", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let desk: StaffClient;
  let closure: { date: string; reason: string };
  let dayOff: { staffId: string; date: string };
  let shortDay: string;
  const short: string[] = [];
  let colourId = "";

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    const today = localDate(nowMs());
    const loc = await desk.locations.get.query();
    const closed = new Set(loc.closures.map((c) => c.date));
    const opens = (d: string) => loc.hours.some((h) => h.weekday === isoWeekday(d)) && !closed.has(d);
    // The salon's next closure (the demo always has some ahead).
    closure = loc.closures.filter((c) => c.date > today).sort((a, b) => a.date.localeCompare(b.date))[0]!;
    expect(closure, "the demo salon has a closure ahead").toBeTruthy();

    const staff = (await desk.staff.list.query({ includeInactive: false })).filter((s) => s.bookable);
    // A stylist's day off: a weekday the salon opens and they do not work, in the next two weeks.
    for (const s of staff) {
      const schedule = await desk.staff.getSchedule.query({ staffId: s.id });
      const works = new Set(schedule.weekly.filter((b) => b.kind === "work").map((b) => b.weekday));
      for (let i = 2; i < 16 && !dayOff; i++) {
        const d = addDays(today, i);
        if (opens(d) && !works.has(isoWeekday(d)) && !schedule.dateOverrides.some((o) => o.date === d))
          dayOff = { staffId: s.id, date: d };
      }
      if (dayOff) break;
    }
    expect(dayOff, "a stylist has a day off while the salon is open").toBeTruthy();

    // Two short bookings back to back with one stylist, and a colour with its processing gap.
    const services = await desk.services.list.query({ includeArchived: false });
    const brief = services
      .filter((s) => s.processingMinutes === 0 && s.durationMinutes <= 20)
      .sort((a, b) => a.durationMinutes - b.durationMinutes)[0]!;
    const colour = services.find((s) => s.processingMinutes > 0)!;
    const offering = (id: string) => staff.filter((s) => s.serviceIds.includes(id)).map((s) => s.id);
    const search = (input: Parameters<StaffClient["availability"]["search"]["query"]>[0]) =>
      desk.availability.search.query(input);
    const days = await salonDays(
      search,
      addDays(today, 2),
      [
        { serviceId: brief.id, staffIds: offering(brief.id), minSlots: 6 },
        { serviceId: colour.id, staffIds: offering(colour.id), minSlots: 1 },
      ],
      { count: 5, horizonDays: 20 },
    );
    const customer = (await desk.customers.search.query({ query: "a" })).items[0]!;
    for (const d of days) {
      for (const staffId of offering(brief.id)) {
        const slots = await search({ items: [{ serviceId: brief.id, staffId }], fromDate: d, toDate: d });
        // The next start at (or within a slot step of) the first one's end: back to back on the grid.
        const follows = (a: (typeof slots)[number], b: (typeof slots)[number]) =>
          Date.parse(b.start) >= Date.parse(a.end) && Date.parse(b.start) - Date.parse(a.end) < 15 * 60_000;
        const pair = slots.find((a) => slots.some((b) => follows(a, b)));
        if (!pair) continue;
        const next = slots.find((b) => follows(pair, b))!;
        for (const slot of [pair, next]) {
          const b = await desk.bookings.create.mutate({
            customerId: customer.id,
            startsAt: slot.start,
            items: [{ serviceId: brief.id, staffId }],
          });
          short.push(b.id);
        }
        shortDay = d;
        break;
      }
      if (shortDay) break;
    }
    expect(short).toHaveLength(2);
    // A colour whose processing gap no other visit of its stylist sits in (the demo's bookings depend
    // on the day): the test clicks the gap, and a block drawn over it would take the click.
    const colourSlots = await search({
      items: [{ serviceId: colour.id, staffId: null }],
      fromDate: shortDay,
      toDate: shortDay,
    });
    let colourSlot = colourSlots[0]!;
    for (const slot of colourSlots) {
      const gapFrom = new Date(Date.parse(slot.start) + colour.durationMinutes * 60_000);
      const gapTo = new Date(gapFrom.getTime() + colour.processingMinutes * 60_000);
      const inGap = await t.db.bookingItem.count({
        where: {
          staffId: slot.items[0]!.staffId,
          startsAt: { lt: gapTo },
          endsAt: { gt: gapFrom },
          booking: { status: { notIn: ["cancelled", "expired"] } },
        },
      });
      if (inGap === 0) {
        colourSlot = slot;
        break;
      }
    }
    colourId = (
      await desk.bookings.create.mutate({
        customerId: customer.id,
        startsAt: colourSlot.start,
        items: [{ serviceId: colour.id, staffId: colourSlot.items[0]!.staffId }],
      })
    ).id;

    ({ context, page } = await newPage(browser));
    await signIn(page, server.url, DEMO.manager, `#/day/${shortDay}`);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  const go = async (hash: string) => {
    await page.evaluate((h) => {
      window.location.hash = h;
    }, hash);
    await page.locator('[data-testid="calendar"]').waitFor();
  };
  const block = (id: string) => page.locator(`.block[data-booking-id="${id}"]`);

  for (const lang of ["es", "en"] as const) {
    it(`draws the calendar legibly (${lang})`, async () => {
      await page.getByTestId("language").selectOption(lang);
      const L = lang === "es" ? { closed: "Cerrado", off: "Día libre" } : { closed: "Closed", off: "Day off" };

      // Short bookings back to back: one line each, the two lines apart.
      await go(`#/day/${shortDay}`);
      for (const id of short) await block(id).waitFor();
      const boxes = await Promise.all(short.map((id) => block(id).locator(".block-text").boundingBox()));
      for (const id of short) expect(await block(id).getAttribute("class")).toContain("compact");
      expect(boxes[0]!.y + boxes[0]!.height).toBeLessThanOrEqual(boxes[1]!.y + 0.5);
      // The first hour's label is whole, under the header.
      const body = (await page.locator(".grid-body").boundingBox())!;
      const first = (await page.locator(".hour-label").first().boundingBox())!;
      expect(first.y).toBeGreaterThanOrEqual(body.y);
      await page.screenshot({ path: join(shots, `day-short-${lang}.png`), fullPage: true });

      // The processing gap opens its booking.
      const gap = block(colourId).locator('[data-gap="processing"]');
      await gap.scrollIntoViewIfNeeded();
      await gap.click();
      await page.locator(`[data-testid="drawer"][data-booking-id="${colourId}"]`).waitFor();
      await page.keyboard.press("Escape");
      await page.locator('[data-testid="drawer"]').waitFor({ state: "detached" });

      // Scrolled down, the stylists' header stays above the blocks.
      await page.setViewportSize({ width: 1600, height: 700 });
      await page.locator(".content").evaluate((el) => {
        el.scrollTop = 420;
      });
      const head = (await page.locator(".grid-head").boundingBox())!;
      const onTop = await page.evaluate(
        ([x, y]) => !!document.elementFromPoint(x!, y!)?.closest(".grid-head"),
        [head.x + head.width * 0.8, head.y + head.height / 2],
      );
      expect(onTop).toBe(true);
      await page.screenshot({ path: join(shots, `day-scrolled-${lang}.png`) });
      await page.setViewportSize({ width: 1600, height: 1200 });
      await page.locator(".content").evaluate((el) => {
        el.scrollTop = 0;
      });

      // A closure: every stylist's column shaded and labelled; no booking on it.
      await go(`#/day/${closure.date}`);
      const closedCols = page.locator('.col[data-off="closed"]');
      await expect.poll(() => closedCols.count()).toBeGreaterThan(0);
      expect(await closedCols.count()).toBe(await page.locator(".col").count());
      expect(await page.getByTestId("col-off-tag").first().textContent()).toContain(L.closed);
      expect(await page.getByTestId("off-area").first().textContent()).toContain(closure.reason);
      await page.screenshot({ path: join(shots, `day-closed-${lang}.png`), fullPage: true });

      // A stylist's day off: their column only.
      await go(`#/day/${dayOff.date}`);
      const theirs = page.locator(`.col[data-column-key="${dayOff.staffId}"]`);
      await expect.poll(() => theirs.getAttribute("data-off")).toBe("day-off");
      expect(await theirs.getByTestId("off-area").textContent()).toBe(L.off);
      expect(await page.locator('.col[data-off="closed"]').count()).toBe(0);
      await page.screenshot({ path: join(shots, `day-off-${lang}.png`), fullPage: true });

      // The week with the closure, for that stylist: the closed day shaded, headers in sentence case.
      await go(`#/week/${dayOff.staffId}/${closure.date}`);
      await page.locator(`.col[data-column-key="${closure.date}"][data-off="closed"]`).waitFor();
      const heads = await page.locator(".col-title").allTextContents();
      expect(heads).toHaveLength(7);
      // "lun, 7 dic" (capitalised by CSS) / "Mon 7 Dec".
      const dayHead = lang === "es" ? /^\p{Ll}+, \d+ \p{Ll}+$/u : /^\p{Lu}\p{Ll}+ \d+ \p{Lu}\p{Ll}+$/u;
      for (const h of heads) expect(h).toMatch(dayHead);
      await page.screenshot({ path: join(shots, `week-${lang}.png`), fullPage: true });
    }, 90_000);

    it(`shows every other screen in the language (${lang})`, async () => {
      await page.getByTestId("language").selectOption(lang);
      // The booking drawer, over the day.
      await go(`#/day/${shortDay}`);
      await block(colourId).click();
      await page.locator(`[data-testid="drawer"][data-booking-id="${colourId}"]`).waitFor();
      await page.screenshot({ path: join(shots, `drawer-${lang}.png`) });
      await page.keyboard.press("Escape");
      await page.locator('[data-testid="drawer"]').waitFor({ state: "detached" });
      const screens: [string, string, string][] = [
        ["#/bookings", '[data-testid="list-rows"] [role="option"]', "bookings"],
        ["#/customers", '[data-testid="customers"]', "customers"],
        ["#/chats", '[data-testid="chats"]', "chats"],
        ["#/settings/services", '[data-testid="service-item"]', "settings-services"],
        ["#/settings/staff", '[data-testid="staff-item"]', "settings-staff"],
        ["#/settings/hours", '[data-testid="closure"]', "settings-hours"],
        ["#/settings/policies", '[data-testid="policies-save"]', "settings-policies"],
        ["#/settings/integrations", '[data-testid="integration"]', "settings-integrations"],
      ];
      for (const [hash, ready, name] of screens) {
        await page.evaluate((h) => {
          window.location.hash = h;
        }, hash);
        await page.locator(ready).first().waitFor();
        // A list's first entry open beside it, as someone looking at the screen would have it.
        if (name === "settings-services" || name === "settings-staff") await page.locator(ready).first().click();
        await page.screenshot({ path: join(shots, `${name}-${lang}.png`) });
      }
      // A customer's page: the first one a search finds.
      await page.evaluate(() => {
        window.location.hash = "#/customers";
      });
      await page.getByTestId("customer-query").fill("a");
      await page.getByTestId("customer-hit").first().click();
      await page.getByTestId("customer-profile").waitFor();
      await page.screenshot({ path: join(shots, `customer-${lang}.png`) });
    }, 60_000);

    it(`writes money and dates for the language (${lang})`, async () => {
      await page.getByTestId("language").selectOption(lang);
      await page.getByTestId("nav-reports").click();
      await page.getByTestId("reports").waitFor();
      const revenue = page.getByTestId("figure-revenue").getByTestId("figure-value");
      await expect.poll(() => revenue.textContent()).toMatch(/\d/);
      const text = (await revenue.textContent())!.replace(/\s/g, " ");
      // Grouped thousands whenever there are four digits or more: "1.689,00 €" / "€1,689.00".
      if (lang === "es") expect(text).toMatch(/^\d{1,3}(\.\d{3})*,\d{2} €$/);
      else expect(text).toMatch(/^€\d{1,3}(,\d{3})*\.\d{2}$/);
      // The period as dates people read, not ISO.
      const period = (await page.getByTestId("report-period").textContent())!;
      expect(period).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(period).toMatch(lang === "es" ? /\d+ \p{Ll}{3} \d{4}/u : /\d+ \p{Lu}\p{Ll}{2} \d{4}/u);
      await page.screenshot({ path: join(shots, `reports-${lang}.png`), fullPage: true });
      await page.evaluate(() => {
        window.location.hash = "#/day";
      });
    }, 60_000);
  }
});
