// Resources in the console (issue #21), in Debian's Chromium against a real Cita server with the
// demo salon: a manager adds a colour station in Settings → Resources and ticks the phases a root
// colour holds it; a colour booked afterwards shows in the day view by resource, in the station's
// column, through its processing; a second colour at that time is refused for the station. Both
// languages; no internal ids or kind slugs on screen.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  buildRenderer,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  type StaffClient,
  staffClient,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const canRun = chromiumAvailable();
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const TZ = "Europe/Madrid";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const localToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(nowMs());
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!canRun)("console resources in Chromium", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let desk: StaffClient;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("adds a station, ties a colour's phases to it, and shows the colour in the station's column", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.manager, "#/settings/resources");
    const tab = page.getByTestId("settings-resources");
    await tab.waitFor();
    expect(await tab.textContent()).toContain("Aún no hay recursos");

    // One colour station, added through the form (kind chosen by its name, not a slug).
    const add = page.getByTestId("resource-add");
    await add.getByTestId("resource-kind-select").selectOption("colour_station");
    await add.getByTestId("resource-count").fill("1");
    await add.getByTestId("resource-add-save").click();
    await page.getByTestId("resource").first().waitFor();
    expect(await page.getByTestId("resource-list").textContent()).toContain("Puesto de color");

    // A root colour holds the station while applied and while it develops.
    const row = page.locator('[data-testid="service-needs-row"][data-service="tinte-raiz"]');
    await row.getByTestId("need-colour_station-application").check();
    await row.getByTestId("need-colour_station-processing").check();
    await row.getByTestId("service-needs-save").click();
    await expect.poll(async () => (await desk.resources.list.query()).needs.length).toBe(2);
    expect(await tab.textContent()).not.toMatch(UUID);
    expect(await tab.textContent()).not.toContain("colour_station");
    await page.screenshot({ path: join(shots, "settings-resources-es.png"), fullPage: true });

    // A colour booked on the first day with free time holds the station.
    const services = await desk.services.list.query();
    const tinte = services.find((s) => s.slug === "tinte-raiz")!;
    const from = addDays(localToday(), 2);
    const slot = (
      await desk.availability.search.query({
        items: [{ serviceId: tinte.id, staffId: null }],
        fromDate: from,
        toDate: addDays(from, 10),
      })
    )[0]!;
    const customer = (await desk.customers.search.query({ query: "a", limit: 5 })).items.find((c) => c.name)!;
    const booked = await desk.bookings.create.mutate({
      customerId: customer.id,
      startsAt: slot.start,
      items: slot.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
      waiveDeposit: true,
    });
    // Another colourist, free during its processing, cannot take the one station then.
    const colourists = (await desk.staff.list.query()).filter((s) => s.id !== slot.items[0]!.staffId);
    const processingAt = new Date(Date.parse(slot.start) + tinte.durationMinutes * 60_000).toISOString();
    let refused: unknown = null;
    for (const other of colourists) {
      refused = await desk.bookings.create
        .mutate({
          customerId: customer.id,
          startsAt: processingAt,
          items: [{ serviceId: tinte.id, staffId: other.id }],
          waiveDeposit: true,
          allowOutsideHours: true,
        })
        .then(() => "booked")
        .catch((e: { data?: { code?: string }; message?: string }) => e.message ?? "");
      // Stylists who do not colour (or do not take bookings) are refused for that reason: try the next.
      if (!/stylist/.test(String(refused))) break;
    }
    expect(String(refused)).toMatch(/colour station/);

    await page.goto(`${server.url}/console/#/day/${slot.localDate}`);
    await page.getByTestId("calendar").waitFor();
    await page.getByTestId("columns-resources").click();
    await expect.poll(async () => page.getByTestId("calendar").getAttribute("data-columns")).toBe("resources");
    const block = page.locator(`.block[data-booking-id="${booked.id}"]`);
    await block.waitFor();
    const calendarText = (await page.getByTestId("calendar").textContent()) ?? "";
    expect(calendarText).toContain("Puesto de color");
    expect(calendarText).not.toMatch(UUID);
    // The block spans application AND processing (the station is held while the colour develops).
    const box = await block.boundingBox();
    expect(box!.height).toBeGreaterThan((tinte.durationMinutes + tinte.processingMinutes) * 1.4 - 6);
    await page.screenshot({ path: join(shots, "calendar-resources-es.png") });

    await page.getByTestId("language").selectOption("en");
    await expect.poll(async () => page.getByTestId("columns-resources").textContent()).toBe("By resource");
    expect(await page.getByTestId("calendar").textContent()).toContain("Colour station");
    await page.screenshot({ path: join(shots, "calendar-resources-en.png") });
    await page.goto(`${server.url}/console/#/settings/resources`);
    await page.getByTestId("settings-resources").waitFor();
    expect(await page.getByTestId("settings-resources").textContent()).toContain("What each service occupies");
    await page.screenshot({ path: join(shots, "settings-resources-en.png"), fullPage: true });
    await context.close();
  }, 180_000);
});
