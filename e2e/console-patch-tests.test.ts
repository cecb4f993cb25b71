// Patch tests (issue #21) in Debian's Chromium against a real Cita server with the demo salon, where a
// root colour needs a negative allergy test: the front desk records a test on a customer's profile;
// booking the colour for a customer without one is refused with the reason and the offer, and "book
// the patch test first" books the test before the latest time; for the customer with the test
// recorded 3 days earlier the colour is booked. Screenshots in Spanish and English.
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
  type Page,
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
const PX = 1.4;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const OPEN = new Set(["held", "pending_deposit", "confirmed"]);
const localToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(nowMs());
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const localInput = (ms: number) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: TZ,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
};

describe.skipIf(!canRun)("console patch tests in Chromium", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let desk: StaffClient;
  let manager: StaffClient;
  let colour: { id: string; nameEs: string };
  let patchService: { id: string };
  let colourist: string;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    manager = (await staffClient(server.url, DEMO.manager.email, DEMO.manager.password)).client;
    const services = await manager.services.list.query();
    const tinte = services.find((s) => s.slug === "tinte-raiz")!;
    colour = await manager.services.update.mutate({
      serviceId: tinte.id,
      version: tinte.version,
      patchTestRequired: true,
    });
    expect(colour).toMatchObject({ patchTestRequired: true, patchTestMinHours: 48, patchTestMaxMonths: 6 });
    const created = await manager.services.create.mutate({
      nameEs: "Prueba de alergia",
      nameEn: "Patch test",
      category: "colour",
      durationMinutes: 15,
      priceCents: 0,
      isPatchTest: true,
    });
    patchService = await manager.services.setStaff.mutate({
      serviceId: created.id,
      version: created.version,
      staff: tinte.staff.map((s) => ({ staffId: s.staffId })),
    });
    colourist = tinte.staff[0]!.staffId;
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  /** Free root-colour times with the colourist, from 5 days ahead (time to take a test first). */
  async function colourSlots() {
    const from = addDays(localToday(), 5);
    const slots = await desk.availability.search.query({
      items: [{ serviceId: colour.id, staffId: colourist }],
      fromDate: from,
      toDate: addDays(from, 14),
    });
    // Only times where the column shows no booking (a colour's processing gap is free for the
    // stylist but drawn inside its booking: a click there opens that booking).
    const from_ = slots[0]?.localDate ?? from;
    const booked = (
      await desk.bookings.search.query({ fromDate: from_, toDate: addDays(from, 14), staffId: colourist, limit: 500 })
    ).items.filter((b) => !["cancelled", "expired"].includes(b.status));
    const clear = slots.filter((sl) => {
      const at = Date.parse(sl.start);
      return !booked.some((b) => Date.parse(b.startsAt) <= at + 60_000 && Date.parse(b.endsAt) > at - 60_000);
    });
    expect(clear.length).toBeGreaterThan(0);
    return clear;
  }

  /** Opens the new-booking dialog by clicking the colourist's free time in the day view. */
  async function openDialogAt(page: Page, slot: { localDate: string; start: string }) {
    const drawer = page.getByTestId("drawer");
    if (await drawer.isVisible()) await drawer.getByRole("button", { name: /^(Cerrar|Close)$/ }).click();
    await drawer.waitFor({ state: "hidden" });
    await page.goto(`${server.url}/console/#/day/${slot.localDate}`);
    const col = page.locator(`.col[data-column-key="${colourist}"]`);
    await col.waitFor();
    await col.scrollIntoViewIfNeeded();
    const box = (await col.boundingBox())!;
    const from = Number(await col.getAttribute("data-from"));
    await page.mouse.click(box.x + box.width / 2, box.y + ((Date.parse(slot.start) - from) / 60_000) * PX + 2);
    const dialog = page.getByTestId("create-dialog");
    await dialog.waitFor();
    await dialog.getByTestId("service-select").selectOption(colour.id);
    return dialog;
  }

  it("records a test on a customer, refuses a colour without one (reason + offer), books with one", async () => {
    const withTest = await desk.customers.create.mutate({
      name: "Marta Prueba",
      phone: "+34611000111",
      language: "es",
    });
    const without = await desk.customers.create.mutate({
      name: "Lucía Alergia",
      phone: "+34611000222",
      language: "es",
    });
    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.desk, `#/customers/${withTest.id}`);

    // 1. Record a negative test taken 3 days ago on Marta's profile.
    const section = page.getByTestId("patch-tests");
    await section.getByTestId("patch-test-none").waitFor();
    await section.getByTestId("patch-test-record").click();
    await section.getByTestId("patch-test-taken").fill(localInput(nowMs() - 3 * 86_400_000));
    await section.getByTestId("patch-test-product").fill("Koleston 7/1");
    await section.getByTestId("patch-test-result").selectOption("negative");
    await section.getByTestId("patch-test-notes").fill("Sin reacción a las 48 h");
    await section.getByTestId("patch-test-save").click();
    await section.getByTestId("patch-test-row").waitFor();
    const row = (await section.getByTestId("patch-test-row").textContent()) ?? "";
    expect(row).toContain("Koleston 7/1");
    expect(row).toContain("Negativa");
    expect(row).toContain("Sin reacción a las 48 h");
    expect(row).not.toMatch(UUID);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "patch-tests-profile-es.png"), fullPage: true });
    const recorded = await desk.patchTests.list.query({ customerId: withTest.id });
    expect(recorded.tests).toHaveLength(1);

    // 2. Lucía has none: the colour is refused with the reason and the offer.
    const [slot] = await colourSlots();
    let dialog = await openDialogAt(page, slot!);
    await dialog.getByTestId("customer-search").fill("Lucía Alergia");
    await dialog.getByRole("button", { name: /Lucía Alergia/ }).click();
    await dialog.getByTestId("create-submit").click();
    const refusal = dialog.getByTestId("patch-refusal");
    await refusal.waitFor();
    const reason = (await refusal.textContent()) ?? "";
    expect(reason).toContain(`${colour.nameEs} necesita una prueba de alergia negativa hecha al menos 48 h antes`);
    expect(reason).toContain("No consta ninguna registrada.");
    expect(reason).toMatch(/La prueba debe hacerse antes del/);
    expect(reason).not.toMatch(UUID);
    await dialog.getByTestId("patch-book-test").waitFor();
    await dialog.getByTestId("patch-override").waitFor();
    await page.screenshot({ path: join(shots, "patch-tests-refused-es.png"), fullPage: true });

    // Book the patch test first: the dialog moves to the earliest free time early enough.
    await dialog.getByTestId("patch-book-test").click();
    await dialog.getByTestId("create-info").waitFor();
    expect(await dialog.getByTestId("service-select").inputValue()).toBe(patchService.id);
    await dialog.getByTestId("create-submit").click();
    await page.getByTestId("drawer").getByText("Lucía Alergia").first().waitFor();
    const lucia = (
      await desk.bookings.search.query({
        customerId: without.id,
        fromDate: localToday(),
        toDate: addDays(localToday(), 40),
        limit: 50,
      })
    ).items.filter((b) => OPEN.has(b.status));
    expect(lucia.map((b) => b.items.map((i) => i.serviceId))).toEqual([[patchService.id]]);
    expect(Date.parse(lucia[0]!.endsAt)).toBeLessThanOrEqual(Date.parse(slot!.start) - 48 * 3_600_000);

    // 3. Marta, with the test from 3 days ago: the colour is booked.
    dialog = await openDialogAt(page, slot!);
    await dialog.getByTestId("customer-search").fill("Marta Prueba");
    await dialog.getByRole("button", { name: /Marta Prueba/ }).click();
    await dialog.getByTestId("create-submit").click();
    await page.getByTestId("drawer").getByText("Marta Prueba").first().waitFor();
    const marta = (
      await desk.bookings.search.query({
        customerId: withTest.id,
        fromDate: localToday(),
        toDate: addDays(localToday(), 40),
        limit: 50,
      })
    ).items.filter((b) => OPEN.has(b.status));
    expect(marta.map((b) => b.items.map((i) => i.serviceId))).toEqual([[colour.id]]);
    expect(marta[0]!.startsAt).toBe(new Date(slot!.start).toISOString());

    // 4. English: the refusal for another customer without a test, and the profile's section.
    await page.getByTestId("language").selectOption("en");
    const [later] = (await colourSlots()).filter((s) => s.localDate !== slot!.localDate);
    dialog = await openDialogAt(page, later ?? slot!);
    await dialog.getByTestId("customer-search").fill("Lucía Alergia");
    await dialog.getByRole("button", { name: /Lucía Alergia/ }).click();
    await dialog.getByTestId("create-submit").click();
    await dialog.getByTestId("patch-refusal").waitFor();
    const en = (await dialog.getByTestId("patch-refusal").textContent()) ?? "";
    expect(en).toMatch(/needs a negative allergy \(patch\) test taken at least 48 h before the visit\./);
    expect(en).toContain("None is on record.");
    expect(en).toContain("Book the patch test first");
    await page.screenshot({ path: join(shots, "patch-tests-refused-en.png"), fullPage: true });
    // Staff may book anyway: the override is recorded on the booking and in the audit.
    await dialog.getByTestId("patch-override").check();
    await dialog.getByTestId("create-submit").click();
    await page.getByTestId("drawer").getByText("Lucía Alergia").first().waitFor();
    const overridden = (
      await desk.bookings.search.query({
        customerId: without.id,
        fromDate: localToday(),
        toDate: addDays(localToday(), 40),
        limit: 50,
      })
    ).items.filter((b) => OPEN.has(b.status) && b.items.some((i) => i.serviceId === colour.id));
    expect(overridden).toHaveLength(1);
    const audit = await manager.audit.list.query({ entityId: overridden[0]!.id });
    expect(audit.items.map((a) => a.action)).toContain("booking.patch_test_overridden");
    await page.getByTestId("drawer").getByRole("button", { name: "Close", exact: true }).click();
    await page.goto(`${server.url}/console/#/customers/${withTest.id}`);
    await page.getByTestId("patch-test-row").waitFor();
    expect(await page.getByTestId("patch-tests").textContent()).toContain("Allergy (patch) tests");
    await page.getByTestId("patch-tests").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "patch-tests-profile-en.png"), fullPage: true });
    await context.close();
  }, 180_000);
});
