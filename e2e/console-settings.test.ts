// A manager edits the salon's settings in the console (Debian's Chromium, real Cita server, demo
// salon): a service's price (a negative one is refused next to its field by the shared schema, in
// Spanish, and nothing is sent), a stylist's time off, a closure, a stale edit answered with a toast,
// and the integrations' state. After each save the API's availability already shows the change.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
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

const root = fileURLToPath(new URL("..", import.meta.url));
const shots = join(root, "test-results", "console");
const TZ = "Europe/Madrid";
const canRun = chromiumAvailable();

const localToday = () => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(nowMs());
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!canRun)("console: salon settings", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let api: StaffClient;
  /** A day after the demo bookings (±14 days), within the 60-day horizon, asked of the salon. */
  let day: string;
  let lauraId: string;

  const toastText = () => page.getByTestId("toast").last().textContent();
  const slots = (serviceId: string, staffId: string | null, date: string) =>
    api.availability.search.query({ items: [{ serviceId, staffId }], fromDate: date, toDate: date, limit: 2000 });
  const service = async (slug: string) =>
    (await api.services.list.query({ includeArchived: true })).find((s) => s.slug === slug)!;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    api = (await staffClient(server.url, DEMO.manager.email, DEMO.manager.password)).client;
    lauraId = (await api.staff.list.query({ includeInactive: false })).find((s) => s.email === "laura@cita.demo")!.id;
    // Asked of the salon: clear of the demo bookings, Laura free at 10:00 for a cut, and the next day
    // open with men's cuts (a later test closes it).
    const womens = await service("corte-mujer");
    const mens = await service("corte-hombre");
    const candidates = await salonDays(
      (input) => api.availability.search.query(input),
      addDays(localToday(), 16),
      [{ serviceId: womens.id, staffIds: [lauraId], minSlots: 8 }],
      { count: 12, horizonDays: 40 },
    );
    const fits = async (d: string) =>
      (await slots(womens.id, lauraId, d)).some((s) => s.localTime === "10:00") &&
      (await slots(mens.id, null, addDays(d, 1))).length > 0;
    const found = [];
    for (const d of candidates) if (await fits(d)) found.push(d);
    if (!found.length) throw new Error(`no day among ${candidates.join(", ")} fits the settings suite`);
    day = found[0]!;
    browser = await launchChromium();
    ({ page } = await newPage(browser));
    await signIn(page, server.url, DEMO.manager, "#/settings/services");
    await page.getByTestId("settings").waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("a negative price is refused next to its field; a good one is saved and priced by availability at once", async () => {
    const cut = await service("corte-mujer");
    expect((await slots(cut.id, null, day))[0]!.priceCents).toBe(3500);
    await page.locator('[data-testid="service-item"][data-slug="corte-mujer"]').click();
    const form = page.getByTestId("service-form");
    await expect.poll(() => form.getAttribute("data-service-id")).toBe(cut.id);
    await page.getByTestId("service-price").fill("-5");
    await page.getByTestId("service-save").click();
    const err = form.locator('[data-testid="field-error"][data-field="priceCents"]');
    await err.waitFor();
    expect(await err.textContent()).toBe("No puede ser negativo");
    expect(await toastText()).toContain("Corrige los campos marcados");
    expect((await service("corte-mujer")).version).toBe(cut.version); // nothing was sent

    await page.getByTestId("service-price").fill("42,50");
    await page.getByTestId("service-save").click();
    await expect.poll(toastText).toContain("Guardado");
    // The very next search prices it anew: no cache to wait for.
    const after = await slots(cut.id, null, day);
    expect(after[0]!.priceCents).toBe(4250);
    const saved = await service("corte-mujer");
    expect(saved).toMatchObject({ priceCents: 4250, version: cut.version + 1 });
    await expect
      .poll(() =>
        page
          .locator('[data-testid="service-item"][data-slug="corte-mujer"] [data-testid="service-item-price"]')
          .textContent(),
      )
      .toMatch(/^42,50\s€$/);
    expect(await form.locator('[data-testid="field-error"]').count()).toBe(0);
    await page.screenshot({ path: join(shots, "settings-services.png"), fullPage: true });
  });

  it("a stale edit is answered with a toast and the form reloads", async () => {
    const beard = await service("arreglo-barba");
    await page.locator('[data-testid="service-item"][data-slug="arreglo-barba"]').click();
    await expect.poll(() => page.getByTestId("service-form").getAttribute("data-service-id")).toBe(beard.id);
    // Someone else changes it meanwhile.
    await api.services.update.mutate({ serviceId: beard.id, version: beard.version, priceCents: 1100 });
    await page.getByTestId("service-price").fill("13");
    await page.getByTestId("service-save").click();
    await expect.poll(toastText).toContain("Otra persona lo cambió");
    expect((await service("arreglo-barba")).priceCents).toBe(1100);
    await expect.poll(() => page.getByTestId("service-price").inputValue()).toBe("11");
  });

  it("a stylist's time off: an end before the start is refused; saved, availability drops those hours", async () => {
    const cut = await service("corte-mujer");
    const before = (await slots(cut.id, lauraId, day)).map((s) => s.localTime);
    expect(before).toContain("10:00");
    await page.getByTestId("settings-tab-staff").click();
    await page.locator(`[data-testid="staff-item"][data-staff-id="${lauraId}"]`).click();
    const box = page.getByTestId("staff-time-off");
    await box.waitFor();
    await page.getByTestId("time-off-start-date").fill(day);
    await page.getByTestId("time-off-start-time").fill("10:00");
    await page.getByTestId("time-off-end-time").fill("09:00");
    await page.getByTestId("time-off-reason").fill("Médico");
    await page.getByTestId("time-off-add").click();
    const err = box.locator('[data-testid="field-error"][data-field="endsAt"]');
    await err.waitFor();
    expect(await err.textContent()).toBe("Debe terminar después de empezar");

    await page.getByTestId("time-off-end-time").fill("13:00");
    await page.getByTestId("time-off-add").click();
    await box.locator('[data-testid="time-off"]').first().waitFor();
    const after = (await slots(cut.id, lauraId, day)).map((s) => s.localTime);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((x) => x >= "13:00")).toBe(true);
    expect(after).toContain("13:00");
    const sched = await api.staff.getSchedule.query({ staffId: lauraId, from: day });
    expect(sched.timeOff).toMatchObject([{ reason: "Médico" }]);
    await page.screenshot({ path: join(shots, "settings-staff.png"), fullPage: true });
  });

  it("closing the salon on a date: the reason is required; once closed, that day offers nothing", async () => {
    const cut = await service("corte-hombre");
    const closeOn = addDays(day, 1);
    expect((await slots(cut.id, null, closeOn)).length).toBeGreaterThan(0);
    await page.getByTestId("settings-tab-hours").click();
    const box = page.getByTestId("closures");
    await box.waitFor();
    await page.getByTestId("closure-date").fill(closeOn);
    await page.getByTestId("closure-add").click();
    const err = box.locator('[data-testid="field-error"][data-field="reason"]');
    await err.waitFor();
    expect(await err.textContent()).toBe("No puede estar vacío");
    await page.getByTestId("closure-reason").fill("Formación del equipo");
    await page.getByTestId("closure-add").click();
    await box.locator(`[data-testid="closure"][data-date="${closeOn}"]`).waitFor();
    expect(await slots(cut.id, null, closeOn)).toEqual([]);
  });

  it("reminders: two at the same time are refused in Spanish; 48 h with no follow-up is saved", async () => {
    const before = await api.locations.get.query();
    expect(before).toMatchObject({ reminderOffsetsMinutes: [1440, 120], followUpMinutes: 120 });
    await page.getByTestId("settings-tab-policies").click();
    const box = page.getByTestId("policy-reminders-box");
    await box.waitFor();
    await expect.poll(() => page.getByTestId("policy-reminders").inputValue()).toBe("24, 2");
    await page.getByTestId("policy-reminders").fill("48, 2, 2");
    await page.getByTestId("policies-save").click();
    const err = box.locator('[data-testid="field-error"][data-field="reminderOffsetsMinutes"]');
    await err.waitFor();
    expect(await err.textContent()).toBe("Cada recordatorio debe ser a una hora distinta");
    expect((await api.locations.get.query()).version).toBe(before.version); // nothing was sent

    await page.getByTestId("policy-reminders").fill("48");
    await page.getByTestId("policy-followUp").uncheck();
    await page.getByTestId("policies-save").click();
    await expect.poll(toastText).toContain("Guardado");
    expect(await api.locations.get.query()).toMatchObject({
      reminderOffsetsMinutes: [2880],
      followUpMinutes: null,
      version: before.version + 1,
    });
    await expect.poll(() => page.getByTestId("policy-followUpHours").isDisabled()).toBe(true);
  });

  it("integrations say plainly what is off and which settings to set", async () => {
    await page.getByTestId("settings-tab-integrations").click();
    const rows = page.getByTestId("integration");
    await expect.poll(() => rows.count()).toBe(5);
    const stripe = page.locator('[data-testid="integration"][data-kind="stripe"]');
    expect(await stripe.getAttribute("data-mode")).toBe("off");
    expect(await stripe.getAttribute("data-configured")).toBe("false");
    expect(await stripe.textContent()).toContain("sin configurar: define STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET");
    expect(await page.locator('[data-testid="integration"][data-kind="claude"]').textContent()).toContain(
      "modo guiado",
    );
    await page.screenshot({ path: join(shots, "settings-integrations.png"), fullPage: true });
  });
});
