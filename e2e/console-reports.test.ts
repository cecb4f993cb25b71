// The console's Reports in Debian's Chromium against a real Cita server with the demo salon: a
// manager picks a period, sees the figures reports.get computes and the SVG charts, and exports CSV
// files whose content is checked byte for byte; the front desk has no Reports link and the server
// refuses reports.get for them.
import { mkdir, readFile } from "node:fs/promises";
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

type ReportOutput = Awaited<ReturnType<StaffClient["reports"]["get"]["query"]>>;

const canRun = chromiumAvailable();
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const TZ = "Europe/Madrid";

const localToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(nowMs());
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!canRun)("console reports in Chromium", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  /** The demo seed's past fortnight: completed visits, no-shows and cancellations. */
  const to = localToday();
  const from = addDays(to, -14);
  let expected: ReportOutput;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    const manager = (await staffClient(server.url, DEMO.manager.email, DEMO.manager.password)).client;
    expected = await manager.reports.get.query({ from, to });
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("a manager sees the period's figures and charts, and exports CSV", async () => {
    // The demo salon has something to report.
    expect(expected.revenue.totalCents).toBeGreaterThan(0);
    expect(expected.bookings.total).toBeGreaterThan(0);

    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.manager);
    await page.getByTestId("nav-reports").click();
    await page.getByTestId("reports").waitFor();
    await page.getByTestId("period-custom").click();
    await page.getByTestId("period-from").fill(from);
    await page.getByTestId("period-to").fill(to);
    // The period for people ("7 dic 2026 – 13 dic 2026"), and for machines in attributes.
    await expect.poll(() => page.getByTestId("report-period").getAttribute("data-from")).toBe(from);
    expect(await page.getByTestId("report-period").getAttribute("data-to")).toBe(to);
    const day = (d: string) =>
      new Intl.DateTimeFormat("es-ES", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(
        Date.parse(`${d}T12:00:00Z`),
      );
    expect(await page.getByTestId("report-period").textContent()).toBe(`${day(from)} – ${day(to)}`);

    const figure = (id: string) => page.getByTestId(`figure-${id}`).getByTestId("figure-value");
    await expect.poll(() => figure("bookings").textContent()).toBe(String(expected.bookings.total));
    const eur = new Intl.NumberFormat("es-ES", { style: "currency", currency: "EUR", useGrouping: "always" });
    const pct = new Intl.NumberFormat("es-ES", { style: "percent", maximumFractionDigits: 1 });
    const norm = (s: string | null) => (s ?? "").replace(/\s/g, " ");
    expect(norm(await figure("revenue").textContent())).toBe(norm(eur.format(expected.revenue.totalCents / 100)));
    expect(norm(await figure("no-show").textContent())).toBe(norm(pct.format(expected.noShow.rate!)));
    expect(norm(await figure("utilisation").textContent())).toBe(norm(pct.format(expected.utilisation.rate!)));
    // Online, nothing is missing.
    expect(await page.getByTestId("report-partial").count()).toBe(0);

    // The charts are SVG images with a title, a description carrying the values, and one bar each.
    const revenueChart = page.getByRole("img", { name: /^Ingresos por servicio/ });
    await revenueChart.waitFor();
    expect(await revenueChart.evaluate((el) => el.tagName.toLowerCase())).toBe("svg");
    expect(await revenueChart.locator("g[data-row] rect").count()).toBe(expected.revenue.byService.length);
    const top = expected.revenue.byService[0]!;
    expect(norm(await revenueChart.locator("desc").textContent())).toContain(
      norm(`${top.nameEs}: ${eur.format(top.cents / 100)}`),
    );
    const statusChart = page.getByTestId("chart-bookings");
    expect(await statusChart.locator("g[data-row]").count()).toBe(
      expected.bookings.bySourceAndStatus.filter((r) => r.total > 0).length,
    );
    expect(await page.getByTestId("chart-utilisation").locator("g[data-row]").count()).toBe(
      expected.utilisation.byStaff.length,
    );
    await page.screenshot({ path: join(shots, "reports.png"), fullPage: true });

    // Revenue by service as CSV: BOM, CRLF, the server's figures in euros.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("export-revenue-services").click(),
    ]);
    expect(download.suggestedFilename()).toBe(`cita-revenue-services-${from}-${to}.csv`);
    const csv = await readFile((await download.path())!, "utf8");
    const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    expect(csv).toBe(
      `\uFEFFServicio,Servicios hechos,Ingresos (EUR)\r\n${expected.revenue.byService
        .map((x) => `${quote(x.nameEs)},${x.items},${x.cents / 100}\r\n`)
        .join("")}`,
    );

    // The summary, in English this time.
    await page.getByTestId("language").selectOption("en");
    await page.getByRole("img", { name: /^Revenue by service/ }).waitFor();
    const [summary] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-summary").click()]);
    const lines = (await readFile((await summary.path())!, "utf8")).split("\r\n");
    expect(lines[0]).toBe("\uFEFFMeasure,Value");
    expect(lines).toContain(`Bookings,${expected.bookings.total}`);
    expect(lines).toContain(`Revenue (EUR),${expected.revenue.totalCents / 100}`);
    expect(lines).toContain(`Deposits taken (EUR),${expected.deposits.takenCents / 100}`);
    await context.close();
  });

  it("the front desk has no Reports link, and the server refuses reports.get", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.desk);
    await page.getByTestId("nav-bookings").waitFor();
    expect(await page.getByTestId("nav-reports").count()).toBe(0);
    await context.close();

    const desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    await expect(desk.reports.get.query({ from, to })).rejects.toMatchObject({
      data: expect.objectContaining({ code: "FORBIDDEN" }),
    });
  });
});
