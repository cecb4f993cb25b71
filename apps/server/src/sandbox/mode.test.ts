import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { productionSandboxRefusal, sandboxPlan } from "./mode.ts";

const configured = {
  STRIPE_SECRET_KEY: "sk_live_x",
  STRIPE_WEBHOOK_SECRET: "whsec_x",
  CHATWOOT_BASE_URL: "https://chat.example.com",
  CHATWOOT_API_TOKEN: "t",
  CHATWOOT_ACCOUNT_ID: "1",
  // Production refuses Chatwoot without a way to authenticate its webhooks (config/env.ts).
  CHATWOOT_WEBHOOK_SECRET: "cw-secret",
  GOOGLE_SERVICE_ACCOUNT_JSON: "{}",
};

describe("sandbox mode", () => {
  it("is on in development for each unconfigured integration, off in test, and can be turned off", () => {
    expect(sandboxPlan(loadConfig({}))).toEqual({ channels: true, stripe: true, calendar: true });
    expect(sandboxPlan(loadConfig({ STRIPE_SECRET_KEY: "sk_test_x", WHATSAPP_ACCESS_TOKEN: "w" }))).toEqual({
      channels: false,
      stripe: false,
      calendar: true,
    });
    expect(sandboxPlan(loadConfig({ CITA_ENV: "test" }))).toEqual({ channels: false, stripe: false, calendar: false });
    expect(sandboxPlan(loadConfig({ CITA_SANDBOX: "false" }))).toEqual({
      channels: false,
      stripe: false,
      calendar: false,
    });
    // One integration's sandbox off on its own (an environment variable or Settings → Integrations).
    expect(sandboxPlan(loadConfig({ CITA_SANDBOX_STRIPE: "false" }))).toEqual({
      channels: true,
      stripe: false,
      calendar: true,
    });
    expect(sandboxPlan(loadConfig({ CITA_SANDBOX_CHANNELS: "0", CITA_SANDBOX_CALENDAR: "false" }))).toEqual({
      channels: false,
      stripe: true,
      calendar: false,
    });
  });

  it("is refused in production, naming the first unconfigured integration", () => {
    const prod = (env: Record<string, string>) =>
      productionSandboxRefusal(loadConfig({ CITA_ENV: "production", ...env }));
    expect(prod(configured)).toBeNull();
    expect(prod({ ...configured, STRIPE_SECRET_KEY: "" })).toBe(
      "Invalid configuration: STRIPE_SECRET_KEY must be set when CITA_ENV=production (Stripe would run in sandbox mode)",
    );
    expect(prod({ ...configured, CHATWOOT_API_TOKEN: "" })).toMatch(
      /^Invalid configuration: CHATWOOT_BASE_URL, .* must be set when CITA_ENV=production \(WhatsApp would run in sandbox mode\)$/,
    );
    expect(prod({ ...configured, CHATWOOT_API_TOKEN: "", WHATSAPP_ACCESS_TOKEN: "w" })).toBeNull();
    expect(prod({ ...configured, GOOGLE_SERVICE_ACCOUNT_JSON: "" })).toBe(
      "Invalid configuration: GOOGLE_SERVICE_ACCOUNT_JSON must be set when CITA_ENV=production (Google Calendar would run in sandbox mode)",
    );
    // CITA_SANDBOX=false does not make an unconfigured integration acceptable in production.
    expect(prod({ ...configured, STRIPE_SECRET_KEY: "", CITA_SANDBOX: "false" })).toMatch(/STRIPE_SECRET_KEY/);
  });
});
