// Shared by the console e2e tests and the calendar benchmark: build the renderer, start a real
// Cita server (in-process, demo salon on a fresh database), drive Debian's Chromium.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { ensureConsoleBuilt } from "../../../scripts/console-build.mjs";
import { type RunningApp, startApp } from "../../server/src/app.ts";
import { loadConfig } from "../../server/src/config/env.ts";
import { ensureDatabase } from "../../server/src/db/embedded.ts";
import { createLogger } from "../../server/src/logger.ts";
import { freePort, startTestPostgres } from "../../server/src/testing/global-setup.ts";
import { nowMs, TEST_NOW, testNowEnv } from "../../server/src/testing/test-now.ts";
import type { AppRouter } from "../../server/src/trpc/router.ts";
import { rendererConfig } from "../vite.config.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Whether browser tests can run; under CI they must, so a missing Chromium fails loudly. */
export function chromiumAvailable(): boolean {
  const ok = existsSync(CHROMIUM_PATH);
  if (!ok && process.env.CI === "true")
    throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing (apt-get install chromium)`);
  return ok;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

let built: Promise<void> | null = null;

/** vite build of the renderer into apps/desktop/out/renderer (what /console/ serves), once per process. */
export function buildRenderer(): Promise<void> {
  // Built once for all test processes (and `npm start`): skipped while the build is newer than its sources.
  built ??= ensureConsoleBuilt(() => build({ ...rendererConfig, configFile: false, logLevel: "warn" })).then(() => {});
  return built;
}

export interface ConsoleServer {
  running: RunningApp;
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Cita server on a database cloned from the migrated test template (an empty database:
 * startApp seeds the demo salon into it, as on a first run).
 */
export async function startConsoleServer(databaseUrl: string): Promise<ConsoleServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "cita-console-"));
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
    ...testNowEnv(),
  });
  const running = await startApp(config, createLogger("silent"));
  return {
    running,
    url: running.url,
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tRPC client signed in as a demo staff member: "someone else" changing things. */
export async function staffClient(url: string, email: string, password: string) {
  const anon = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc` })] });
  const tokens = await anon.auth.login.mutate({ email, password });
  const client = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${tokens.accessToken}` }) })],
  });
  return { client, tokens };
}
export type StaffClient = Awaited<ReturnType<typeof staffClient>>["client"];

/** A client without a token (sign-in, refresh). */
export function anonClient(url: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc` })] });
}

export type { Browser, BrowserContext, Page } from "playwright-core";

/**
 * A browser context whose clock agrees with the test servers': under CITA_TEST_NOW (the hard-dates
 * run) the page's Date, timers and performance start at that instant and run on naturally.
 */
export async function newContextAt(
  browser: Browser,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<import("playwright-core").BrowserContext> {
  const context = await browser.newContext(options);
  if (TEST_NOW) await context.clock.install({ time: nowMs() });
  return context;
}

/**
 * For the console benchmarks: the renderer built, embedded PostgreSQL (or TEST_DATABASE_URL) with a
 * new empty database the server migrates and seeds (the demo salon, as on a first start), and
 * Chromium. `stop` closes all three.
 */
export async function startBenchConsole(): Promise<{ server: ConsoleServer; browser: Browser; stop(): Promise<void> }> {
  if (!chromiumAvailable()) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);
  await buildRenderer();
  const pgServer = await startTestPostgres();
  const server = await startConsoleServer(
    await ensureDatabase(pgServer.serverUrl, `cita_bench_${randomBytes(4).toString("hex")}`),
  );
  const browser = await launchChromium();
  return {
    server,
    browser,
    async stop() {
      await browser.close();
      await server.stop();
      await pgServer.stop();
    },
  };
}
