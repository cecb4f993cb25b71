// Colour records in the console (issue #21), in Debian's Chromium against a real Cita server with the
// demo salon: the manager opens a customer's visit that is over, records the formula with an "after"
// photo from the booking drawer, then opens the same customer's NEXT booking: its drawer shows the
// last formula (products, developer, mix, notes, the photo loaded through the authorized query), in
// Spanish and in English, with no internal id on screen. The server holds it encrypted.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  buildRenderer,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const canRun = chromiumAvailable();
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!canRun)("console: colour formula recorded on a visit shows on the next one", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("records a formula with a photo in a past visit's drawer; the next booking's drawer shows it (es, en)", async () => {
    // The demo salon has visits from two weeks back to two weeks ahead: a customer with a visit
    // that is over and one still to come, at the same salon (whatever today is).
    const now = new Date(nowMs());
    const [pick] = await query<{ customer: string; past: string; next: string }>(
      t.url,
      `SELECT p.customer_id::text AS customer, p.id::text AS past, n.id::text AS next
         FROM booking p
         JOIN LATERAL (SELECT id, location_id FROM booking n
                        WHERE n.customer_id = p.customer_id AND n.location_id = p.location_id
                          AND n.status = 'confirmed' AND n.starts_at > $1
                        ORDER BY n.starts_at LIMIT 1) n ON true
        WHERE p.status = 'completed' AND p.ends_at < $1
        ORDER BY p.starts_at DESC LIMIT 1`,
      [now],
    );
    expect(pick, "the demo has a customer with a past and a next visit").toBeDefined();

    const { context, page } = await newPage(browser);
    await signIn(page, server.url, DEMO.manager, `#/customers/${pick!.customer}`);
    await page.getByTestId("customer-profile").waitFor();

    // 1. The visit that is over: record the formula from its drawer.
    await page.locator(`[data-testid="history-row"][data-booking-id="${pick!.past}"] button`).click();
    const drawer = page.locator(`[data-testid="drawer"][data-booking-id="${pick!.past}"]`);
    await drawer.getByTestId("last-formula").waitFor();
    await drawer.getByTestId("drawer-record-formula").click();
    const form = drawer.getByTestId("treatment-form");
    await form.getByTestId("product-brand").fill("Koleston Perfect");
    await form.getByTestId("product-shade").fill("7/1");
    await form.getByTestId("product-amount").fill("30");
    await form.getByRole("button", { name: "Añadir producto" }).click();
    await form.getByTestId("product-shade").nth(1).fill("8/0");
    await form.getByTestId("product-amount").nth(1).fill("15,5");
    await form.getByTestId("developer-volume").fill("20 vol");
    await form.getByTestId("developer-amount").fill("68");
    await form.getByTestId("formula-proportions").fill("1:1.5");
    await form.getByTestId("formula-minutes").fill("35");
    await form.getByTestId("formula-notes-input").fill("Raíz primero, medios y puntas los últimos 10 minutos");
    // A photo made in the page (a canvas as JPEG), chosen through the file input.
    const jpegBase64 = await page.evaluate(() => {
      const c = document.createElement("canvas");
      c.width = 320;
      c.height = 240;
      const g = c.getContext("2d")!;
      g.fillStyle = "#8b4a2b";
      g.fillRect(0, 0, 320, 240);
      g.fillStyle = "#d9a066";
      g.fillRect(40, 40, 240, 160);
      return c.toDataURL("image/jpeg", 0.9).split(",")[1]!;
    });
    await form.getByTestId("photo-after").setInputFiles({
      name: "despues.jpg",
      mimeType: "image/jpeg",
      buffer: Buffer.from(jpegBase64, "base64"),
    });
    await page.screenshot({ path: join(shots, "treatments-form-es.png"), fullPage: true });
    await form.getByTestId("treatment-save").click();
    await expect.poll(() => page.getByTestId("toast").last().textContent()).toBe("Fórmula guardada");
    await expect
      .poll(async () => (await drawer.getByTestId("formula-products").textContent()) ?? "")
      .toContain("Koleston Perfect 7/1");

    // On the server: one record on that visit, encrypted (no product name in the row), one photo.
    const rows = await query<{ booking: string; photos: number; clear: boolean }>(
      t.url,
      `SELECT r.booking_id::text AS booking, (SELECT count(*)::int FROM treatment_photo p WHERE p.record_id = r.id) AS photos,
              position('Koleston' in encode(r.formula_cipher, 'escape')) > 0 AS clear
         FROM treatment_record r WHERE r.customer_id = $1`,
      [pick!.customer],
    );
    expect(rows).toEqual([{ booking: pick!.past, photos: 1, clear: false }]);

    // 2. The next booking's drawer shows it.
    await page.locator(`[data-testid="history-row"][data-booking-id="${pick!.next}"] button`).click();
    const next = page.locator(`[data-testid="drawer"][data-booking-id="${pick!.next}"]`);
    const last = next.getByTestId("last-formula");
    await last.waitFor();
    expect(await last.locator("h3").textContent()).toBe("Última fórmula");
    await expect.poll(async () => (await last.getByTestId("formula-products").textContent()) ?? "").toContain("7/1");
    const text = (await last.textContent()) ?? "";
    expect(text).toContain("Koleston Perfect 7/1 · 30 g");
    expect(text).toContain("8/0 · 15,5 g");
    expect(text).toContain("Oxidante: 20 vol · 68 ml");
    expect(text).toContain("Mezcla 1:1.5 · Exposición 35 min");
    expect(text).toContain("Raíz primero");
    expect(text).toMatch(/Visita del \d{1,2} \S+ \d{4}/);
    const img = last.getByTestId("treatment-photo-img");
    await img.waitFor();
    expect(await img.getAttribute("src")).toMatch(/^data:image\/jpeg;base64,/);
    // A visit still to come offers no "record" yet.
    expect(await next.getByTestId("drawer-record-formula").count()).toBe(0);
    expect(text).not.toMatch(UUID);
    await page.screenshot({ path: join(shots, "treatments-drawer-es.png"), fullPage: true });

    // 3. English.
    await page.getByTestId("language").selectOption("en");
    await expect.poll(async () => last.locator("h3").textContent()).toBe("Last formula");
    const en = (await last.textContent()) ?? "";
    expect(en).toContain("Developer: 20 vol · 68 ml");
    expect(en).toContain("Mix 1:1.5 · Processing 35 min");
    expect(en).toContain("8/0 · 15.5 g");
    expect(en).toMatch(/Visit of \d{1,2} \S+ \d{4}/);
    expect(en).not.toMatch(UUID);
    await page.screenshot({ path: join(shots, "treatments-drawer-en.png"), fullPage: true });

    // The profile lists it too.
    const profile = page.getByTestId("treatments");
    await expect.poll(() => profile.getByTestId("treatment-record").count()).toBe(1);
    expect(await profile.locator("h3").first().textContent()).toBe("Formulas and treatments");
    // Edited from the profile (the version it was read at): the drawer follows.
    await page.keyboard.press("Escape");
    await next.waitFor({ state: "detached" });
    await profile.getByTestId("treatment-edit").click();
    const edit = profile.getByTestId("treatment-form");
    expect(await edit.getByTestId("product-shade").first().inputValue()).toBe("7/1");
    await edit.getByTestId("formula-minutes").fill("40");
    await edit.getByTestId("treatment-save").click();
    await expect
      .poll(async () => (await profile.getByTestId("formula-card").first().textContent()) ?? "")
      .toContain("Processing 40 min");
    await page.locator(`[data-testid="history-row"][data-booking-id="${pick!.next}"] button`).click();
    await expect.poll(async () => (await last.textContent()) ?? "").toContain("Processing 40 min");
    await page.screenshot({ path: join(shots, "treatments-edited-en.png"), fullPage: true });
    expect(
      (
        await query<{ version: number }>(t.url, "SELECT version FROM treatment_record WHERE customer_id = $1", [
          pick!.customer,
        ])
      )[0]!.version,
    ).toBe(3); // recorded, photo added, edited
    await context.close();
  }, 120_000);
});
