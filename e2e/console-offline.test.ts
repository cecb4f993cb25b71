// Offline review in Debian's Chromium against a real Cita server: a manager signs in and the
// replica fills; the network goes (context.setOffline) and the console is reloaded from its
// service worker; bookings are browsed, filtered and exported as CSV from the local copy; notes are
// written offline; back online they reach the server, and a note on a booking someone changed on
// the server meanwhile is reported as a conflict rather than lost. Signing out deletes the copy.
import { readFile } from "node:fs/promises";
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
import { DEMO, newPage, signIn, until } from "./console-support.ts";

const TZ = "Europe/Madrid";
const localDate = (instant: string | number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(instant),
  );

const canRun = chromiumAvailable();

describe.skipIf(!canRun)("console offline review", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let owner: StaffClient;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    browser = await launchChromium();
    owner = (await staffClient(server.url, DEMO.owner.email, DEMO.owner.password)).client;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("browses, filters and exports bookings offline, queues notes, and replays them with a conflict shown", async () => {
    ({ context, page } = await newPage(browser, { timezoneId: TZ }));
    await signIn(page, server.url, DEMO.manager);
    // The local copy is filled and the service worker controls the page: ready to go offline.
    await page.locator('[data-testid="replica-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });

    // Two confirmed bookings in the next week, with their customers.
    const today = localDate(nowMs());
    const week = localDate(nowMs() + 6 * 86_400_000);
    const { items } = await owner.bookings.search.query({
      fromDate: today,
      toDate: week,
      status: ["confirmed"],
      limit: 100,
    });
    const future = items.filter((b) => Date.parse(b.startsAt) > nowMs() + 3_600_000);
    expect(future.length).toBeGreaterThanOrEqual(2);
    const [a, b] = [future[0]!, future[1]!];
    const customerA = (await owner.customers.get.query({ customerId: a.customerId })).customer;

    // The network goes; the console is reloaded from the service worker's copy.
    const offlineAt = Date.now();
    await context.setOffline(true);
    await page.reload();
    const banner = page.getByTestId("offline-banner");
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toMatch(/Sin conexión desde/);
    await page.locator('[data-testid="connection"][data-state="offline"]').waitFor();
    expect(Date.now() - offlineAt).toBeLessThan(15_000);

    // The calendar draws A's day from the replica.
    await page.evaluate((d) => {
      window.location.hash = `#/day/${d}`;
    }, localDate(a.startsAt));
    await page.locator(`.block[data-booking-id="${a.id}"]`).first().waitFor();

    // Reports are computed locally, with the same booking figures as the server's.
    await page.evaluate(() => {
      window.location.hash = "#/reports";
    });
    await page.getByTestId("figure-bookings").waitFor();
    await page.getByTestId("report-partial").waitFor(); // utilisation and chats need the server
    await page.getByTestId("period-custom").click();
    const from = await page.getByTestId("period-from").inputValue();
    const to = await page.getByTestId("period-to").inputValue();
    const serverReport = await owner.reports.get.query({ from, to });
    await expect
      .poll(() => page.getByTestId("figure-bookings").getByTestId("figure-value").textContent())
      .toBe(String(serverReport.bookings.total));

    // Browse and filter the bookings list from the replica.
    await page.getByTestId("nav-bookings").click();
    const rows = page.locator('[data-testid="list-rows"] [role="option"]');
    await until(async () => (await rows.count()) > 0);
    const unfiltered = await rows.count();
    await page.getByRole("button", { name: "Confirmada" }).click();
    await until(async () => {
      const n = await rows.count();
      return n > 0 && n <= unfiltered;
    });
    await page.getByTestId("list-search").fill(customerA.name!);
    await until(async () => ((await rows.allTextContents()).every((r) => r.includes(customerA.name!)) ? true : null));

    // Export what is shown as CSV, and read the file.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/^bookings-.*\.csv$/);
    const csv = (await readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, "");
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("date,time,customer,phone,services,stylists,status,source,price,deposit,notes");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.slice(1).every((l) => l.includes(customerA.name!) && l.includes("Confirmada"))).toBe(true);
    expect(csv).toContain(customerA.phone!);
    expect(csv).toContain((a.totalPriceCents / 100).toFixed(2));

    // Customers' histories are readable offline too.
    await page.evaluate((id) => {
      window.location.hash = `#/customers/${id}`;
    }, a.customerId);
    await page.getByTestId("customer-profile").waitFor();
    expect(await page.getByTestId("customer-history").textContent()).toBeTruthy();

    // Notes written offline on A and on B.
    const writeNote = async (bookingId: string, text: string) => {
      await page.evaluate((id) => {
        window.location.hash = "#/bookings";
        return id;
      }, bookingId);
      await page.getByTestId("list-search").fill("");
      const row = page.locator(`[data-testid="list-rows"] [data-booking-id="${bookingId}"]`);
      await row.click();
      const drawer = page.locator(`[data-testid="drawer"][data-booking-id="${bookingId}"][data-offline="true"]`);
      await drawer.waitFor();
      await drawer.getByTestId("notes").fill(text);
      await drawer.getByTestId("save-notes").click();
      await page.getByText("Guardado en este ordenador").first().waitFor();
      await page.keyboard.press("Escape");
    };
    await writeNote(a.id, "Trae su propio tinte (nota sin conexión)");
    await writeNote(b.id, "Prefiere a Laura (nota sin conexión)");
    await until(async () => (await page.getByTestId("offline-queued").textContent())?.includes("2"));

    // Meanwhile, at the salon's server, someone changes B.
    await owner.bookings.setNotes.mutate({ id: b.id, notes: "Cambiado en recepción" });

    // Back online: A's note reaches the server; B's is reported as a conflict, not lost.
    await context.setOffline(false);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 30_000 });
    await until(
      async () => (await owner.bookings.get.query({ id: a.id })).notes === "Trae su propio tinte (nota sin conexión)",
      20_000,
    );
    expect((await owner.bookings.get.query({ id: b.id })).notes).toBe("Cambiado en recepción");
    await page.locator('[data-testid="pending-badge"][data-conflicts="1"]').waitFor({ timeout: 15_000 });
    await page.getByTestId("pending-badge").click();
    const conflict = page.locator('[data-testid="pending-item"][data-state="conflict"]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain("Prefiere a Laura (nota sin conexión)");
    expect(await conflict.getByTestId("pending-server-notes").textContent()).toContain("Cambiado en recepción");

    // "Keep mine" sends it on top of the server's version.
    await conflict.getByTestId("pending-keep").click();
    await until(
      async () => (await owner.bookings.get.query({ id: b.id })).notes === "Prefiere a Laura (nota sin conexión)",
    );
    await page.getByTestId("pending-badge").waitFor({ state: "detached" });

    // Signing out deletes the local copy (it holds personal data).
    const replicas = () =>
      page.evaluate(async () =>
        (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith("cita-replica")),
      );
    expect(await replicas()).toHaveLength(1);
    await page.getByTestId("sign-out").click();
    await until(async () => ((await replicas()).length === 0 ? true : null));
    await context.close();
  }, 180_000);
});
