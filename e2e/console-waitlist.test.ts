// The console's Waitlist (issue #20) in Debian's Chromium against a real Cita server with the demo
// salon: the front desk sees who waits for what (names and dates, never internal ids), offers a free
// time by hand through the form, and the offer is recorded on the server; the view speaks English too.
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

describe.skipIf(!canRun)("console waitlist in Chromium", () => {
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

  it("lists a wish and offers a time by hand", async () => {
    const customer = (await desk.customers.search.query({ query: "a", limit: 5 })).items.find((c) => c.name)!;
    const services = await desk.services.list.query();
    const service = services.find((s) => s.active)!;
    const from = addDays(localToday(), 2);
    const to = addDays(from, 5);
    const slot = (
      await desk.availability.search.query({
        items: [{ serviceId: service.id, staffId: null }],
        fromDate: from,
        toDate: to,
      })
    )[0]!;
    const staffId = slot.items[0]!.staffId;
    const staffName = (await desk.staff.list.query()).find((s) => s.id === staffId)!.displayName;
    await desk.waitlist.add.mutate({
      customerId: customer.id,
      serviceIds: [service.id],
      dateFrom: from,
      dateTo: to,
      dayParts: ["morning", "afternoon", "evening"],
      note: "Mejor si es con poco aviso",
    });

    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.desk, "#/waitlist");
    await page.getByTestId("waitlist-table").waitFor();
    const row = page.getByTestId("waitlist-row").first();
    const text = (await row.textContent()) ?? "";
    expect(text).toContain(customer.name!);
    expect(text).toContain(service.nameEs);
    expect(text).toContain("Cualquiera");
    expect(text).toContain("Mejor si es con poco aviso");
    expect(text).toContain("En espera");
    expect(await page.getByTestId("waitlist").textContent()).not.toMatch(UUID);

    await row.getByTestId("waitlist-offer").click();
    const form = page.getByTestId("waitlist-offer-form");
    await form.locator("select").selectOption(staffId);
    await form.locator('input[type="date"]').fill(slot.localDate);
    await form.locator('input[type="time"]').fill(slot.localTime);
    await form.getByRole("button", { name: "Enviar oferta" }).click();
    // Sent now, or held until the quiet hours end (the test may run at night).
    await expect
      .poll(async () => (await page.getByTestId("waitlist-row").first().textContent()) ?? "")
      .toMatch(/Enviada, sin respuesta|Retenida \(silencio\)/);
    expect(await page.getByTestId("waitlist-row").first().textContent()).toContain(staffName);
    await page.screenshot({ path: join(shots, "waitlist-es.png"), fullPage: true });

    const [listed] = await desk.waitlist.list.query({});
    expect(listed?.offers).toHaveLength(1);
    expect(listed?.offers[0]).toMatchObject({ byHand: true, staffId, startsAt: slot.start });

    await page.getByTestId("language").selectOption("en");
    await expect.poll(async () => page.getByTestId("waitlist").locator("h2").textContent()).toBe("Waitlist");
    expect(await page.getByTestId("waitlist").textContent()).not.toMatch(UUID);
    await page.screenshot({ path: join(shots, "waitlist-en.png"), fullPage: true });
    await context.close();
  }, 120_000);
});
