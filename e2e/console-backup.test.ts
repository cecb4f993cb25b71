// Settings → Integrations, the "Backups" row in the browser (issue #19 item 2): the daily backup's
// scheduled check runs (as its cron job does), and the owner sees "Última copia: <date>, <time> · N KB";
// "Copiar ahora" writes another and the row follows. A manager sees the row without the button.
// Screenshots in test-results/console/.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, buildRenderer, chromiumAvailable, launchChromium } from "../apps/desktop/test/harness.ts";
import { type RunningApp, startApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config/env.ts";
import { scheduledBackup } from "../apps/server/src/db/backup.ts";
import { createLogger } from "../apps/server/src/logger.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { testNowEnv } from "../apps/server/src/testing/test-now.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");

describe.skipIf(!chromiumAvailable())("Settings → Integrations: backups in the console", () => {
  let t: TestDatabase;
  let running: RunningApp;
  let dataDir: string;
  let browser: Browser;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "cita-backup-console-"));
    const config = loadConfig({
      CITA_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      LOG_LEVEL: "silent",
      DATABASE_URL: t.url,
      // With an external database, backups run only with a folder set.
      CITA_BACKUP_DIR: join(dataDir, "backups"),
      CITA_DATA_DIR: dataDir,
      CITA_DATA_KEY: randomBytes(32).toString("base64"),
      CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
      CITA_SEED_DEMO: "true",
      ...testNowEnv(),
    });
    running = await startApp(config, createLogger("silent"));
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await t?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("shows the scheduled backup's time and size, and the owner backs up now", async () => {
    // The cron job's check: no backup yet, so it is due now.
    await scheduledBackup(running.services);
    const backups = async () => (await readdir(join(dataDir, "backups"))).filter((n) => n.endsWith(".gz"));
    expect(await backups()).toHaveLength(1);

    const { page, context } = await newPage(browser);
    await signIn(page, running.url, DEMO.owner, "#/settings/integrations");
    const row = page.getByTestId("backup-row");
    await row.waitFor();
    expect(await row.getAttribute("data-healthy")).toBe("true");
    const last = row.getByTestId("backup-last");
    // "Última copia: 10 mar 2026, 10:00 · 76 KB" in the location's zone and the console's language.
    await expect.poll(() => last.textContent()).toMatch(/^Última copia: \d{1,2} \w{3}\.? \d{4}, \d{2}:\d{2} · \d+ KB/);
    expect(await row.textContent()).toContain("Cada día a las 03:00, se guardan 7 días");
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "settings-backups-owner.png"), fullPage: true });

    await row.getByTestId("backup-now").click();
    await expect.poll(async () => (await backups()).length).toBe(2);
    await expect.poll(() => row.getByTestId("backup-now").isDisabled()).toBe(false);
    await context.close();
  }, 90_000);

  it("a manager sees the row without the button", async () => {
    const { page, context } = await newPage(browser);
    await signIn(page, running.url, DEMO.manager, "#/settings/integrations");
    const row = page.getByTestId("backup-row");
    await row.waitFor();
    await expect.poll(() => row.getByTestId("backup-last").textContent()).toMatch(/^Última copia: /);
    expect(await row.getByTestId("backup-now").count()).toBe(0);
    await context.close();
  }, 60_000);
});
