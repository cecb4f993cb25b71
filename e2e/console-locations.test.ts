// Issue #21, several locations on one server, in Debian's Chromium against a real Cita server with
// the demo salon plus a second salon ("Salón Norte", its own stylist and a booking): the manager sees
// the salon switcher in the top bar, switching to Salón Norte reloads the calendar (Marta's column,
// not the demo's stylists) and the reports (that salon's figures); "All salons" splits the figures
// by salon with a total; the front desk (one salon) sees no switcher. Spanish and English.
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
  staffClient,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const canRun = chromiumAvailable();
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const TZ = "Europe/Madrid";
const localToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(nowMs());
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** 12:00 Madrid on a local date (winter or summer time: the offset is worked out from the zone). */
function madridNoon(date: string): string {
  const guess = Date.parse(`${date}T12:00:00Z`);
  const local = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", hourCycle: "h23" }).format(guess);
  return new Date(guess - (Number(local) - 12) * 3_600_000).toISOString();
}

describe.skipIf(!canRun)("console with two locations in Chromium", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let northId: string;
  let demoName: string;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    const demo = await t.db.location.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
    demoName = demo.name;
    // Salón Norte: open every day 09:00–20:00, Marta works all of it; one service.
    const north = await t.db.location.create({
      data: {
        slug: "norte",
        name: "Salón Norte",
        addressLine: "Calle Feria 10",
        city: "Sevilla",
        postalCode: "41003",
        country: "ES",
        timeZone: TZ,
        hours: { create: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1200 })) },
      },
    });
    northId = north.id;
    const service = await t.db.service.create({
      data: {
        locationId: north.id,
        slug: "peinado-norte",
        nameEs: "Peinado Norte",
        nameEn: "North blow-dry",
        category: "hair",
        durationMinutes: 30,
        priceCents: 1800,
      },
    });
    const marta = await t.db.staffMember.create({
      data: { locationId: north.id, displayName: "Marta Norte", email: "marta@norte.test", role: "stylist" },
    });
    await t.db.staffService.create({ data: { staffId: marta.id, serviceId: service.id } });
    await t.db.staffScheduleBlock.createMany({
      data: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
        staffId: marta.id,
        weekday,
        kind: "work" as const,
        startMinute: 540,
        endMinute: 1200,
      })),
    });
    // A booking at Salón Norte tomorrow at noon, made by the manager acting there (the header).
    const { tokens } = await staffClient(server.url, DEMO.manager.email, DEMO.manager.password);
    // Plain tRPC-over-HTTP calls with the header (what the console's client sends).
    const headers = {
      authorization: `Bearer ${tokens.accessToken}`,
      "x-cita-location": north.id,
      "content-type": "application/json",
    };
    const search = await fetch(
      `${server.url}/trpc/customers.search?input=${encodeURIComponent(JSON.stringify({ query: "a", limit: 5 }))}`,
      { headers },
    );
    expect(search.status).toBe(200);
    const customer = ((await search.json()) as { result: { data: { items: { id: string }[] } } }).result.data.items[0]!;
    const created = await fetch(`${server.url}/trpc/bookings.create`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        customerId: customer.id,
        startsAt: madridNoon(addDays(localToday(), 1)),
        items: [{ serviceId: service.id, staffId: marta.id }],
        allowOutsideHours: true,
      }),
    });
    expect(created.status).toBe(200);
    const booked = ((await created.json()) as { result: { data: { locationId: string } } }).result.data;
    expect(booked.locationId).toBe(north.id);
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("the manager switches between the salons: calendar and reports follow", async () => {
    const { context, page } = await newPage(browser);
    const tomorrow = addDays(localToday(), 1);
    await signIn(page, server.url, DEMO.manager, `#/day/${tomorrow}`);
    const switcher = page.getByTestId("location-switcher");
    await switcher.waitFor();
    const options = await switcher.locator("option").allTextContents();
    expect(options).toHaveLength(2);
    expect(options.some((o) => o.startsWith("Salón Norte"))).toBe(true);
    expect(await switcher.inputValue()).not.toBe(northId);
    // The demo salon's calendar: its stylists, not Marta.
    await page.locator(".content").waitFor();
    expect(await page.locator(".content").textContent()).not.toContain("Marta Norte");

    await switcher.selectOption(northId);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
    await page.getByText("Marta Norte").first().waitFor();
    expect(await page.getByTestId("location-switcher").inputValue()).toBe(northId);
    await page.screenshot({ path: join(shots, "locations-calendar-north-es.png"), fullPage: true });

    // Reports: Salón Norte's own figures, then every salon with a total.
    await page.getByTestId("nav-reports").click();
    await page.getByTestId("report-scope-here").waitFor();
    await page.getByTestId("period-month").click();
    await page.getByTestId("figure-bookings").waitFor();
    const northBookings = await page.getByTestId("figure-bookings").getByTestId("figure-value").textContent();
    await page.getByTestId("report-scope-all").click();
    const table = page.getByTestId("all-locations-table");
    await table.waitFor();
    const rows = page.getByTestId("all-locations-row");
    expect(await rows.count()).toBe(2);
    const names = await rows.locator("th").allTextContents();
    expect(names.sort()).toEqual([demoName, "Salón Norte"].sort());
    const northRow = rows.filter({ hasText: "Salón Norte" });
    expect((await northRow.locator("td").first().textContent())?.trim()).toBe(northBookings?.trim());
    const total = await page.getByTestId("all-locations-total").textContent();
    expect(total).toContain("Total");
    const body = (await page.getByTestId("reports").textContent()) ?? "";
    expect(body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no internal ids on screen
    await page.screenshot({ path: join(shots, "locations-reports-all-es.png"), fullPage: true });

    // English: the same view in the other language.
    await page.getByTestId("language").selectOption("en");
    await page.getByText("All salons").first().waitFor();
    expect(await page.getByTestId("all-locations-table").textContent()).toContain("Revenue");
    await page.screenshot({ path: join(shots, "locations-reports-all-en.png"), fullPage: true });

    // Back to the demo salon: the calendar no longer shows Marta.
    await page.getByTestId("location-switcher").selectOption({ index: 0 });
    await page.goto(`${server.url}/console/#/day/${tomorrow}`);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("location-switcher").inputValue()).not.toBe(northId);
    expect(await page.locator(".content").textContent()).not.toContain("Marta Norte");
    await page.screenshot({ path: join(shots, "locations-calendar-demo-en.png"), fullPage: true });
    await context.close();
  }, 120_000);

  it("the front desk of one salon sees no switcher", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.desk);
    await page.getByTestId("location-name").waitFor();
    expect(await page.getByTestId("location-switcher").count()).toBe(0);
    expect(await page.getByTestId("location-name").textContent()).toBe(demoName);
    await context.close();
  }, 60_000);

  it("a manager sets a stylist to also work at the other salon; that salon's calendar shows her", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.manager, "#/settings/staff");
    // Runs after the switching test: make sure the demo salon is the one shown.
    const switcher = page.getByTestId("location-switcher");
    await switcher.waitFor();
    if ((await switcher.inputValue()) === northId) {
      await switcher.selectOption({ index: 0 });
      await page.goto(`${server.url}/console/#/settings/staff`);
    }
    await page.getByTestId("settings-staff").waitFor();
    await page.getByTestId("staff-item").filter({ hasText: "Laura" }).first().click();
    const block = page.getByTestId("staff-locations");
    await block.waitFor();
    expect(await block.textContent()).toContain("También trabaja en");
    await block.getByTestId("staff-location").check();
    await block.getByTestId("staff-locations-save").click();
    await expect.poll(async () => t.db.staffLocation.count({ where: { locationId: northId } })).toBe(1);
    await block.screenshot({ path: join(shots, "locations-staff-also-es.png") });
    await page.getByTestId("language").selectOption("en");
    await expect.poll(async () => block.locator("h3").textContent()).toBe("Also works at");
    await page.screenshot({ path: join(shots, "locations-staff-also-en.png"), fullPage: true });
    // At Salón Norte, Laura is now one of the stylists.
    await switcher.selectOption(northId);
    await page.goto(`${server.url}/console/#/settings/staff`);
    await page.getByTestId("settings-staff").waitFor();
    await page.getByTestId("staff-item").filter({ hasText: "Laura" }).first().waitFor();
    await context.close();
  }, 120_000);
});
