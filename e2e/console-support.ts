// Shared by the console's browser tests: a real Cita server (demo salon, job queue) optionally wired
// to a fake Chatwoot, Chromium pages, and signing in through the console's own form.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, newContextAt, type Page } from "../apps/desktop/test/harness.ts";
import { type RunningApp, startApp } from "../apps/server/src/app.ts";
import { FakeChatwoot } from "../apps/server/src/channels/fakes/fake-chatwoot.ts";
import { loadConfig } from "../apps/server/src/config/env.ts";
import { createLogger } from "../apps/server/src/logger.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { testNowEnv } from "../apps/server/src/testing/test-now.ts";

export const DEMO = {
  owner: { email: "owner@cita.demo", password: "cita-owner-demo", name: "Ana Beltrán" },
  manager: { email: "manager@cita.demo", password: "cita-manager-demo", name: "Pablo Serrano" },
  desk: { email: "desk@cita.demo", password: "cita-desk-demo", name: "Lucía Moreno" },
} as const;
export type DemoLogin = (typeof DEMO)[keyof typeof DEMO];

export const CW = { token: "cw-console-token", secret: "cw-console-secret", accountId: 1 } as const;

export interface ChatServer {
  running: RunningApp;
  url: string;
  chatwoot: FakeChatwoot;
  stop(): Promise<void>;
}

/**
 * A real Cita server (startApp: embedded change feed, pg-boss jobs and workers, the guided agent) on
 * a fresh database with the demo salon, talking to a fake Chatwoot on loopback that requires signed
 * webhooks.
 */
export async function startChatServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ChatServer> {
  const chatwoot = new FakeChatwoot({ token: CW.token, accountId: CW.accountId });
  await chatwoot.start();
  const dataDir = await mkdtemp(join(tmpdir(), "cita-console-chats-"));
  const config = loadConfig({
    CITA_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    LOG_LEVEL: "silent",
    DATABASE_URL: databaseUrl,
    CITA_DATA_DIR: dataDir,
    CITA_DATA_KEY: randomBytes(32).toString("base64"),
    CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
    CITA_SEED_DEMO: "true",
    // The chat tests count the chats they start themselves.
    CITA_SEED_DEMO_CHATS: "false",
    CHATWOOT_BASE_URL: chatwoot.url,
    CHATWOOT_API_TOKEN: CW.token,
    CHATWOOT_ACCOUNT_ID: String(CW.accountId),
    CHATWOOT_WEBHOOK_SECRET: CW.secret,
    CHATWOOT_SIGNATURE: "required",
    WHATSAPP_TEMPLATES: "booking_reminder:es,booking_reminder:en",
    ...testNowEnv(),
    ...env,
  });
  let running: RunningApp;
  try {
    running = await startApp(config, createLogger("silent"));
  } catch (e) {
    await chatwoot.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    running,
    url: running.url,
    chatwoot,
    async stop() {
      await running.stop();
      await chatwoot.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (own storage: a different person at another desk) and page. */
export async function newPage(
  browser: Browser,
  opts: { timezoneId?: string; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContextAt(browser, {
    viewport: { width: 1600, height: 1200 },
    locale: opts.locale ?? "es-ES",
    timezoneId: opts.timezoneId ?? "Europe/Madrid",
  });
  const page = await context.newPage();
  // Fail a step with its own message well before the test's timeout.
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => console.error("page error:", e));
  return { context, page };
}

/** Opens the console at `hash` and signs in through its form (Spanish UI), waiting for the live stream. */
export async function signIn(page: Page, serverUrl: string, who: DemoLogin, hash = "#/day"): Promise<void> {
  await page.goto(`${serverUrl}/console/${hash}`);
  await page.getByLabel("Correo electrónico").fill(who.email);
  await page.getByLabel("Contraseña").fill(who.password);
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
}

/**
 * Replaces the page's Notification API with a recorder that is always granted, before any script
 * runs: what the web bridge (window.cita.notify) shows can then be asserted.
 */
export async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const shown: { title: string; body: string; tag: string | null }[] = [];
    (window as unknown as { __notifications: typeof shown }).__notifications = shown;
    class RecordingNotification {
      static permission = "granted";
      static requestPermission() {
        return Promise.resolve("granted");
      }
      constructor(title: string, opts: { body?: string; tag?: string } = {}) {
        shown.push({ title, body: opts.body ?? "", tag: opts.tag ?? null });
      }
      close() {}
    }
    Object.defineProperty(window, "Notification", { value: RecordingNotification, configurable: true });
  });
}

export async function notificationsOf(page: Page): Promise<{ title: string; body: string; tag: string | null }[]> {
  return page.evaluate(
    () =>
      (window as unknown as { __notifications?: { title: string; body: string; tag: string | null }[] })
        .__notifications ?? [],
  );
}

/** Polls until `check` yields a value (server-side effects of jobs arrive asynchronously). */
export async function until<T>(check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
