// The booking drawer shows a repeating visit ("1 de 3, cada semana" / "1 of 3, every week", its
// other visits opening their own drawers) and a group (the other people, each opening theirs), in
// Spanish and English, with no internal ids on screen. The series and the group are made through
// the console's own procedures (visits.createSeries, visits.createGroup) on the demo salon.
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
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const TZ = "Europe/Madrid";
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(ms);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe.skipIf(!chromiumAvailable())("console: repeating visits and groups in the drawer", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let desk: StaffClient;
  let seriesIds: string[] = [];
  let seriesIndexes: number[] = [];
  let seriesDay = "";
  let group: { day: string; organiser: string; guest: string };

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    const today = localDate(nowMs());
    const services = await desk.services.list.query({ includeArchived: false });
    const staff = (await desk.staff.list.query({ includeInactive: false })).filter((s) => s.bookable);
    // A short service without a deposit, and two stylists who do it.
    const cut = services.find(
      (s) =>
        s.processingMinutes === 0 &&
        s.depositRule === "none" &&
        staff.filter((m) => m.serviceIds.includes(s.id)).length >= 2,
    )!;
    const [a, b] = staff.filter((m) => m.serviceIds.includes(cut.id));
    const customers = (await desk.customers.search.query({ query: "a" })).items;

    // A weekly series of three from the first free time of stylist A (visits that collide are reported).
    for (let i = 2; i < 12 && !seriesIds.length; i++) {
      const day = addDays(today, i);
      const slots = await desk.availability.search.query({
        items: [{ serviceId: cut.id, staffId: a!.id }],
        fromDate: day,
        toDate: day,
      });
      if (!slots.length) continue;
      const r = await desk.visits.createSeries.mutate({
        customerId: customers[0]!.id,
        startsAt: slots[0]!.start,
        items: [{ serviceId: cut.id, staffId: a!.id }],
        rule: { kind: "weeks", every: 1 },
        limit: { count: 3 },
      });
      seriesIds = r.booked.map((x) => x.booking.id);
      seriesIndexes = r.booked.map((x) => x.index);
      seriesDay = day;
    }
    expect(seriesIds.length).toBeGreaterThanOrEqual(2);

    // A group of two at a time both stylists are free: the organiser and her guest Marta.
    for (let i = 2; i < 12 && !group; i++) {
      const day = addDays(today, i);
      const [sa, sb] = await Promise.all(
        [a!, b!].map((m) =>
          desk.availability.search.query({ items: [{ serviceId: cut.id, staffId: m.id }], fromDate: day, toDate: day }),
        ),
      );
      const start = sa!.map((s) => s.start).find((x) => sb!.some((s) => s.start === x));
      if (!start) continue;
      const g = await desk.visits.createGroup.mutate({
        organiserId: customers[1]!.id,
        startsAt: start,
        timing: "together",
        people: [
          { items: [{ serviceId: cut.id, staffId: a!.id }] },
          { guestName: "Marta Invitada", items: [{ serviceId: cut.id, staffId: b!.id }] },
        ],
      });
      group = {
        day,
        organiser: g.people.find((p) => p.name !== "Marta Invitada")!.bookingId,
        guest: g.people.find((p) => p.name === "Marta Invitada")!.bookingId,
      };
    }
    expect(group).toBeTruthy();

    ({ context, page } = await newPage(browser));
    await signIn(page, server.url, DEMO.desk, `#/day/${seriesDay}`);
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
  const openBlock = async (id: string) => {
    const block = page.locator(`.block[data-booking-id="${id}"]`);
    await block.scrollIntoViewIfNeeded();
    await block.click();
    await page.locator(`[data-testid="drawer"][data-booking-id="${id}"]`).waitFor();
  };

  for (const lang of ["es", "en"] as const) {
    it(`shows the series and the group, linked (${lang})`, async () => {
      await page.getByTestId("language").selectOption(lang);
      await go(`#/day/${seriesDay}`);
      const firstVisit = page.locator(`.block[data-booking-id="${seriesIds[0]}"]`);
      await firstVisit.scrollIntoViewIfNeeded();
      expect(await firstVisit.locator(".badge.link").textContent()).toBe(
        lang === "es" ? "Periódica · 1ª" : "Repeats · #1",
      );
      await openBlock(seriesIds[0]!);
      const series = page.getByTestId("drawer-series");
      await series.waitFor();
      const position = await page.getByTestId("series-position").textContent();
      expect(position).toBe(lang === "es" ? "1 de 3, cada semana" : "1 of 3, every week");
      const text = (await series.textContent()) ?? "";
      expect(text).not.toMatch(UUID);
      expect(text).toContain(lang === "es" ? "Esta y las siguientes" : "This and following");
      // The second visit opens its own drawer.
      await page.screenshot({ path: join(shots, `drawer-series-${lang}.png`) });
      await series.locator("button.link").first().click();
      await page.locator(`[data-testid="drawer"][data-booking-id="${seriesIds[1]}"]`).waitFor();
      // The next booked visit (a visit that collided when the series was made has no booking).
      expect(await page.getByTestId("series-position").textContent()).toMatch(new RegExp(`^${seriesIndexes[1]} `));
      await page.keyboard.press("Escape");

      await go(`#/day/${group.day}`);
      // On the calendar, the group's blocks carry "Grupo de 2" and mark each other when pointed at.
      const organiserBlock = page.locator(`.block[data-booking-id="${group.organiser}"]`);
      const guestBlock = page.locator(`.block[data-booking-id="${group.guest}"]`);
      await organiserBlock.scrollIntoViewIfNeeded();
      expect(await organiserBlock.locator(".badge.link").textContent()).toBe(
        lang === "es" ? "Grupo de 2" : "Group of 2",
      );
      await organiserBlock.hover();
      await expect.poll(() => guestBlock.evaluate((el) => el.classList.contains("linked"))).toBe(true);
      await page.screenshot({ path: join(shots, `calendar-group-linked-${lang}.png`) });
      await page.mouse.move(0, 0);
      await expect.poll(() => guestBlock.evaluate((el) => el.classList.contains("linked"))).toBe(false);
      await openBlock(group.organiser);
      const g = page.getByTestId("drawer-group");
      await g.waitFor();
      const gText = (await g.textContent()) ?? "";
      expect(gText).toContain(lang === "es" ? "Visita en grupo (2 personas)" : "Group visit (2 people)");
      expect(gText).toContain("Marta Invitada");
      expect(gText).not.toMatch(UUID);
      await page.screenshot({ path: join(shots, `drawer-group-${lang}.png`) });
      await g.getByRole("button", { name: "Marta Invitada" }).click();
      await page.locator(`[data-testid="drawer"][data-booking-id="${group.guest}"]`).waitFor();
      await page.keyboard.press("Escape");
      await page.locator('[data-testid="drawer"]').waitFor({ state: "detached" });
    });
  }
});
