// A manager merges, exports and erases a customer from the console, in Debian's Chromium against a
// real Cita server (demo salon, jobs, a fake Chatwoot). The customer first writes on WhatsApp
// (signed Chatwoot webhook); the desk had typed the same person in again under a second number.
// Checked in the page (preview, toasts, the download's content) and in the database (every table
// searched for the person's name and numbers after the erasure, the audit rows).
import { readFile } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  buildRenderer,
  chromiumAvailable,
  launchChromium,
  type Page,
  type StaffClient,
  staffClient,
} from "../apps/desktop/test/harness.ts";
import { chatwootMessage, deliverChatwoot } from "../apps/server/src/channels/fakes/fake-chatwoot.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { type ChatServer, CW, DEMO, newPage, signIn, startChatServer, until } from "./console-support.ts";

const canRun = chromiumAvailable();
const NAME = "Nerea Ibarrola";
const PHONE = "+34 600 555 123";
const SECOND = "+34 600 555 124";

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!canRun)("console: merge, export and erase a customer", () => {
  let t: TestDatabase;
  let server: ChatServer;
  let browser: Browser;
  let desk: StaffClient;
  let page: Page;
  let customerId = "";
  let duplicateId = "";

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startChatServer(t.url);
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("the customer writes on WhatsApp; the desk has a duplicate, may merge but neither export nor erase", async () => {
    const r = await deliverChatwoot(
      `${server.url}/webhooks/chatwoot`,
      chatwootMessage({ conversationId: 5151, phone: PHONE, name: NAME, content: "Hola, soy Nerea Ibarrola" }),
      { secret: CW.secret },
    );
    expect(r.status).toBe(200);
    const found = await until(async () => (await desk.customers.search.query({ query: PHONE })).items[0]);
    customerId = found.id;
    duplicateId = (await desk.customers.create.mutate({ phone: SECOND, name: "Nerea I.", notes: "Clienta de martes" }))
      .id;
    await until(async () => (await query(t.url, "SELECT 1 FROM message WHERE body LIKE '%Nerea%'")).length > 0);

    ({ page } = await newPage(browser));
    await signIn(page, server.url, DEMO.desk, `#/customers/${customerId}`);
    await page.getByTestId("customer-profile").waitFor();
    await page.getByTestId("customer-merge").waitFor();
    expect(await page.getByTestId("customer-export").count()).toBe(0);
    expect(await page.getByTestId("customer-erase").count()).toBe(0);
    await page.context().close();
  });

  it("merges the duplicate after a preview", async () => {
    ({ page } = await newPage(browser));
    await signIn(page, server.url, DEMO.manager, `#/customers/${customerId}`);
    const profile = page.getByTestId("customer-profile");
    await profile.waitFor();
    await expect.poll(() => profile.getByTestId("customer-name").textContent()).toBe(NAME);
    await page.getByTestId("customer-merge").click();
    const dialog = page.getByTestId("merge-dialog");
    await dialog.getByTestId("merge-query").fill("600 555 124");
    await dialog.locator(`[data-testid="merge-hit"][data-customer-id="${duplicateId}"]`).click();
    await expect.poll(() => dialog.getByTestId("merge-duplicate").textContent()).toContain("Nerea I.");
    expect(await dialog.getByTestId("merge-preview").textContent()).toContain("Clienta de martes");
    await dialog.getByTestId("merge-confirm").click();
    await expect
      .poll(() => page.getByTestId("toast").last().textContent())
      .toBe("Fusionado: 0 citas y 0 chats movidos.");
    await expect.poll(() => page.getByTestId("customer-notes").inputValue()).toBe("Clienta de martes");
    const rows = await query<{ merged_into_id: string | null }>(
      t.url,
      "SELECT merged_into_id::text FROM customer WHERE id = $1",
      [duplicateId],
    );
    expect(rows[0]!.merged_into_id).toBe(customerId);
    expect(
      await query(t.url, "SELECT 1 FROM change_log WHERE entity_id = $1 AND op = 'delete'", [duplicateId]),
    ).toHaveLength(1);
  });

  it("exports the data as customer-<id>.json", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("customer-export").click()]);
    expect(download.suggestedFilename()).toBe(`customer-${customerId}.json`);
    const doc = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(doc).toMatchObject({
      format: "cita.customer-export/v1",
      customer: {
        id: customerId,
        name: NAME,
        phone: "+34600555123",
        notes: "Clienta de martes",
        mergedRecords: [{ id: duplicateId, phone: "+34600555124" }],
      },
    });
    expect(doc.conversations[0].messages[0]).toMatchObject({ direction: "inbound", body: "Hola, soy Nerea Ibarrola" });
    await expect
      .poll(() => page.getByTestId("toast").last().textContent())
      .toBe(`Descargado customer-${customerId}.json`);
    const audit = await query<{ actor_type: string; data: unknown }>(
      t.url,
      "SELECT actor_type::text, data FROM audit_log WHERE action = 'customer.export' AND entity_id = $1",
      [customerId],
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.data)).not.toMatch(/Nerea|600555/);
  });

  it("erases after the name is typed; nothing of her is left in the database", async () => {
    await page.getByTestId("customer-erase").click();
    const dialog = page.getByTestId("erase-dialog");
    const confirm = dialog.getByTestId("erase-confirm");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId("erase-typed").fill("Nerea");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId("erase-typed").fill("nerea  ibarrola");
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    await expect
      .poll(() => page.getByTestId("toast").last().textContent())
      .toMatch(/^Cliente borrado: 1 mensaje eliminado|^Cliente borrado: \d+ mensajes eliminados/);
    await expect.poll(() => page.getByTestId("customer-profile").textContent()).toContain("borrado");
    expect(await page.getByTestId("customer-erase").count()).toBe(0);
    expect(await page.getByTestId("customer-merge").count()).toBe(0);

    const tables = await query<{ s: string; n: string }>(
      t.url,
      `SELECT table_schema AS s, table_name AS n FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hits: string[] = [];
    for (const { s, n } of tables) {
      const rows = await query<{ j: string }>(t.url, `SELECT row_to_json(x)::text AS j FROM "${s}"."${n}" x`);
      for (const r of rows)
        if (/nerea|ibarrola|600555123|600555124|600 555 12|martes/i.test(r.j)) hits.push(`${s}.${n}`);
    }
    expect(hits).toEqual([]);
    const erased = await query<{ data: Record<string, unknown> }>(
      t.url,
      "SELECT data FROM audit_log WHERE action = 'customer.erase' AND entity_id = $1",
      [customerId],
    );
    expect(erased).toHaveLength(1);
    expect(erased[0]!.data).toMatchObject({ conversations: 1, mergedRecords: 1 });
  });
});
