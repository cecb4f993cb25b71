// Settings → Integrations through the composition root (startApp, development): settings stored in
// the database count at start-up (the sandbox stands in only for what is still unconfigured), and a
// change at run time rewrites the running configuration — a sandbox switched off, a key removed —
// with no restart.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApp, startApp } from "../app.ts";
import { calendarMode } from "../calendar/client.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createLogger } from "../logger.ts";
import { stripeFor } from "../payments/stripe-client.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { clearSettings, saveSettings } from "./settings.ts";

let t: TestDatabase;
let running: RunningApp;
const dataDir = mkdtempSync(join(tmpdir(), "cita-settings-"));
const dataKey = randomBytes(32).toString("base64");
const SECRET_KEY = "sk_test_stored_before_start_1234";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    CITA_ENV: "development",
    DATABASE_URL: t.url,
    CITA_DATA_KEY: dataKey,
    CITA_AUTH_SECRET: randomBytes(32).toString("base64url"),
    CITA_DATA_DIR: dataDir,
    CITA_SEED_DEMO: "false",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
  });
  // An owner entered Stripe's keys on an earlier run (stored with the same data key).
  const log = createLogger("silent");
  await saveSettings(
    { config: { ...config }, db: t.db, fc: createFieldCrypto(Buffer.from(dataKey, "base64")), log },
    {
      type: "system",
    },
    { STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: "whsec_stored_before_start_5678" },
  );
  running = await startApp(config, log);
}, 90_000);

afterAll(async () => {
  await running?.stop();
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("settings through startApp", () => {
  it("counts stored settings at start-up: Stripe runs on them, the sandbox stands in for the rest", () => {
    const { services, sandbox } = running;
    expect(services.config.STRIPE_SECRET_KEY).toBe(SECRET_KEY);
    expect(services.config.STRIPE_API_BASE).toBeUndefined();
    expect(sandbox?.plan).toEqual({ channels: true, stripe: false, calendar: true });
    expect(services.config.GOOGLE_API_ROOT).toBe(sandbox?.calendar?.url);
  });

  it("applies a change at run time: a sandbox switched off, a key removed", async () => {
    const { services, sandbox } = running;
    const owner = { type: "system" as const };
    await saveSettings(services, owner, { CITA_SANDBOX_CALENDAR: "false" });
    expect(sandbox?.plan.calendar).toBe(false);
    expect(services.config.GOOGLE_API_ROOT).toBeUndefined();
    expect(services.config.CITA_SANDBOX_CALENDAR).toBe(false);
    // The stand-in's static token no longer counts: Google Calendar is off, not "live" on a fake token.
    expect(calendarMode(services)).toBe("off");
    // The channels' stand-in is untouched.
    expect(services.config.CHATWOOT_BASE_URL).toBe(sandbox?.chatwoot?.url);

    await clearSettings(services, owner, ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]);
    // No Stripe stand-in was started (Stripe was configured): Stripe is off until a key is entered.
    expect(services.config.STRIPE_SECRET_KEY).toBeUndefined();
    expect(stripeFor(services)).toBeNull();

    await clearSettings(services, owner, ["CITA_SANDBOX_CALENDAR"]);
    expect(sandbox?.plan.calendar).toBe(true);
    expect(services.config.GOOGLE_API_ROOT).toBe(sandbox?.calendar?.url);
    expect(calendarMode(services)).toBe("sandbox");
  });
});

describe("production", () => {
  it("starts on integrations entered in the console, and refuses while one is missing", async () => {
    const prod = await createTestDatabase();
    const key = randomBytes(32).toString("base64");
    const fc = createFieldCrypto(Buffer.from(key, "base64"));
    const dir = mkdtempSync(join(tmpdir(), "cita-settings-prod-"));
    const env = async () =>
      loadConfig({
        CITA_ENV: "production",
        DATABASE_URL: prod.url,
        CITA_DATA_KEY: key,
        CITA_AUTH_SECRET: randomBytes(32).toString("base64url"),
        CITA_DATA_DIR: dir,
        CITA_SEED_DEMO: "false",
        HOST: "127.0.0.1",
        PORT: String(await freePort()),
        LOG_LEVEL: "silent",
      });
    const log = createLogger("silent");
    const owner = { type: "system" as const };
    let app: RunningApp | null = null;
    try {
      const cfg = await env();
      const direct = { config: { ...cfg }, db: prod.db, fc, log };
      await saveSettings(direct, owner, {
        STRIPE_SECRET_KEY: "sk_live_entered_in_console_0001",
        STRIPE_WEBHOOK_SECRET: "whsec_live_0001",
      });
      // Chatwoot without its webhook secret is refused in production, as loadConfig refuses it.
      await expect(
        saveSettings(direct, owner, {
          CHATWOOT_BASE_URL: "https://chat.salon.example",
          CHATWOOT_ACCOUNT_ID: "1",
          CHATWOOT_API_TOKEN: "chatwoot-live-token-0001",
        }),
      ).rejects.toThrow(/CHATWOOT_WEBHOOK_SECRET/);
      await expect(startApp(await env(), log)).rejects.toThrow(
        /CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID .* must be set when CITA_ENV=production/,
      );
      await saveSettings(direct, owner, {
        CHATWOOT_BASE_URL: "https://chat.salon.example",
        CHATWOOT_ACCOUNT_ID: "1",
        CHATWOOT_API_TOKEN: "chatwoot-live-token-0001",
        CHATWOOT_WEBHOOK_SECRET: "chatwoot-webhook-secret-0001",
        GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({
          type: "service_account",
          client_email: "cita@salon.iam.gserviceaccount.com",
          private_key: "-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n",
        }),
      });
      app = await startApp(await env(), log);
      expect(app.sandbox).toBeNull();
      expect(app.services.config.STRIPE_SECRET_KEY).toBe("sk_live_entered_in_console_0001");
      expect(app.services.config.CHATWOOT_ACCOUNT_ID).toBe(1);
    } finally {
      await app?.stop();
      await prod.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
