// Settings → Integrations in the browser (issue #17 item 3): the owner enters Stripe test credentials
// (the server's Stripe API base points at the local fake), sees only their last four characters,
// tests the connection (the fake receives the key entered), sees the webhook URL to paste with a copy
// button, and gets a bad value refused next to its field. A manager sees the sources and hints, no
// form. The secret never reaches the page. Screenshots in test-results/console/.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  buildRenderer,
  chromiumAvailable,
  launchChromium,
  type Page,
} from "../apps/desktop/test/harness.ts";
import { type RunningApp, startApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config/env.ts";
import { createLogger } from "../apps/server/src/logger.ts";
import { FakeStripe } from "../apps/server/src/payments/fakes/fake-stripe.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { testNowEnv } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const SECRET_KEY = "sk_test_typed_in_the_console_4242";
const WEBHOOK_SECRET = "whsec_typed_in_the_console_8765";

describe.skipIf(!chromiumAvailable())("Settings → Integrations in the console", () => {
  let t: TestDatabase;
  let fake: FakeStripe;
  let running: RunningApp;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const pageText: string[] = [];

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    fake = new FakeStripe();
    await fake.start();
    dataDir = await mkdtemp(join(tmpdir(), "cita-integrations-"));
    const config = loadConfig({
      CITA_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      LOG_LEVEL: "silent",
      DATABASE_URL: t.url,
      CITA_DATA_DIR: dataDir,
      CITA_DATA_KEY: randomBytes(32).toString("base64"),
      CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
      CITA_SEED_DEMO: "true",
      CITA_PUBLIC_URL: "https://salon.example",
      // Where Stripe's API is (the local fake); the keys are entered in the console.
      STRIPE_API_BASE: fake.url,
      ...testNowEnv(),
    });
    running = await startApp(config, createLogger("silent"));
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await fake?.stop();
    await t?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the owner enters, tests and replaces Stripe's keys; only the last four characters come back", async () => {
    ({ page } = await newPage(browser));
    page.on("response", async (r) => {
      if (r.url().includes("/trpc/")) pageText.push(await r.text().catch(() => ""));
    });
    await signIn(page, running.url, DEMO.owner, "#/settings/integrations");
    const card = page.locator('[data-testid="integration-card"][data-kind="stripe"]');
    await card.waitFor();
    const field = (key: string) => card.locator(`[data-testid="setting"][data-key="${key}"]`);
    await expect.poll(() => field("STRIPE_SECRET_KEY").getAttribute("data-source")).toBe("unset");
    expect(await card.locator('[data-testid="webhook-url"] code').textContent()).toBe(
      "https://salon.example/webhooks/stripe",
    );

    // A wrong value is refused next to its field, nothing stored.
    await field("STRIPE_SECRET_KEY").locator("input").fill("pk_test_publishable_key");
    await card.getByTestId("setting-save").click();
    await expect
      .poll(() => card.locator('[data-testid="field-error"][data-field="STRIPE_SECRET_KEY"]').textContent())
      .toContain("sk_");
    expect(await running.services.db.integrationSetting.count()).toBe(0);

    await field("STRIPE_SECRET_KEY").locator("input").fill(SECRET_KEY);
    expect(await field("STRIPE_SECRET_KEY").locator("input").getAttribute("type")).toBe("password");
    await field("STRIPE_WEBHOOK_SECRET").locator("input").fill(WEBHOOK_SECRET);
    await card.getByTestId("setting-save").click();
    await expect.poll(() => field("STRIPE_SECRET_KEY").getAttribute("data-source")).toBe("app");
    expect(await field("STRIPE_SECRET_KEY").getByTestId("setting-hint").textContent()).toBe("…4242");
    expect(await field("STRIPE_WEBHOOK_SECRET").getByTestId("setting-hint").textContent()).toBe("…8765");
    expect(await field("STRIPE_SECRET_KEY").locator("input").inputValue()).toBe("");

    // Test connection: the fake Stripe receives the key just entered (no restart).
    await card.getByTestId("setting-test").click();
    await expect.poll(() => card.getByTestId("test-result").getAttribute("data-ok")).toBe("true");
    expect(fake.requests.at(-1)?.authorization).toBe(`Bearer ${SECRET_KEY}`);
    // The status table above says Stripe is configured.
    await expect
      .poll(() => page.locator('[data-testid="integration"][data-kind="stripe"]').getAttribute("data-configured"))
      .toBe("true");
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "settings-integrations-owner.png"), fullPage: true });

    expect(running.services.config.STRIPE_SECRET_KEY).toBe(SECRET_KEY);
    const html = await page.content();
    for (const secret of [SECRET_KEY, WEBHOOK_SECRET]) {
      expect(html.includes(secret)).toBe(false);
      expect(pageText.some((p) => p.includes(secret))).toBe(false);
    }
    await page.context().close();
  }, 90_000);

  it("a manager sees where each setting comes from, and no form", async () => {
    const { page: m, context } = await newPage(browser);
    await signIn(m, running.url, DEMO.manager, "#/settings/integrations");
    const card = m.locator('[data-testid="integration-card"][data-kind="stripe"]');
    await card.waitFor();
    expect(
      await card.locator('[data-testid="setting"][data-key="STRIPE_SECRET_KEY"]').getAttribute("data-source"),
    ).toBe("app");
    expect(await card.locator("input, textarea, select").count()).toBe(0);
    expect(await card.getByTestId("setting-save").count()).toBe(0);
    await m.screenshot({ path: join(shots, "settings-integrations-manager.png"), fullPage: true });
    await context.close();
  }, 60_000);
});
