import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "./env.ts";

describe("configuration", () => {
  it("has working defaults", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(4000);
    expect(c.CITA_ENV).toBe("development");
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ["PORT", "abc", /PORT .*expected number/],
    ["PORT", "70000", /PORT/],
    ["DATABASE_URL", "mysql://x", /DATABASE_URL must be a postgresql:\/\/ connection URL$/],
    ["CITA_DATA_KEY", "c2hvcnQ=", /CITA_DATA_KEY must be 32 bytes/],
    ["STRIPE_SECRET_KEY", "pk_live_123", /STRIPE_SECRET_KEY must start with sk_/],
    ["CITA_ENV", "staging", /CITA_ENV/],
  ])("names %s when it is malformed", (name, value, message) => {
    const err = (() => {
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).message.split("\n")).toHaveLength(1);
  });

  describe("Chatwoot webhook authentication", () => {
    const chatwoot = {
      CHATWOOT_BASE_URL: "https://chat.example.com",
      CHATWOOT_API_TOKEN: "t",
      CHATWOOT_ACCOUNT_ID: "1",
    };
    const token = "0123456789abcdef0123456789abcdef0123456789abcdef";
    const failure = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected a ConfigError");
    };

    it("requires signatures by default; `optional` and `off` are refused, naming the alternatives", () => {
      expect(loadConfig({ CHATWOOT_WEBHOOK_SECRET: "s" }).CHATWOOT_SIGNATURE).toBe("required");
      expect(loadConfig({ CHATWOOT_SIGNATURE: "required" }).CHATWOOT_SIGNATURE).toBe("required");
      for (const mode of ["optional", "off"]) {
        const err = failure({ CHATWOOT_SIGNATURE: mode });
        expect(err).toBeInstanceOf(ConfigError);
        expect(err.variable).toBe("CHATWOOT_SIGNATURE");
        expect(err.message).toMatch(/CHATWOOT_WEBHOOK_SECRET.*CHATWOOT_WEBHOOK_URL_TOKEN/);
        expect(err.message.split("\n")).toHaveLength(1);
      }
    });

    it("CHATWOOT_WEBHOOK_URL_TOKEN: long and URL-safe, a secret", () => {
      expect(loadConfig({ CHATWOOT_WEBHOOK_URL_TOKEN: token }).CHATWOOT_WEBHOOK_URL_TOKEN).toBe(token);
      for (const bad of ["short", `${token.slice(0, 40)}/../x`, "x".repeat(101)]) {
        const err = failure({ CHATWOOT_WEBHOOK_URL_TOKEN: bad });
        expect(err.variable).toBe("CHATWOOT_WEBHOOK_URL_TOKEN");
        expect(err.message).not.toContain(bad);
      }
      expect(JSON.stringify(redactConfig(loadConfig({ CHATWOOT_WEBHOOK_URL_TOKEN: token })))).not.toContain(token);
    });

    it("production with Chatwoot refuses to start unless deliveries can be authenticated", () => {
      const err = failure({ CITA_ENV: "production", ...chatwoot });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.variable).toBe("CHATWOOT_WEBHOOK_SECRET");
      expect(err.message).toMatch(/CITA_ENV=production.*CHATWOOT_WEBHOOK_URL_TOKEN/);
      expect(err.message.split("\n")).toHaveLength(1);
      const prod = { CITA_ENV: "production", ...chatwoot };
      expect(loadConfig({ ...prod, CHATWOOT_WEBHOOK_SECRET: "s" }).CITA_ENV).toBe("production");
      expect(loadConfig({ ...prod, CHATWOOT_EXTRA_WEBHOOK_SECRETS: "a,b" }).CITA_ENV).toBe("production");
      expect(loadConfig({ ...prod, CHATWOOT_WEBHOOK_URL_TOKEN: token }).CITA_ENV).toBe("production");
      // Without Chatwoot (WhatsApp Cloud API only) nothing is required: the route refuses everything.
      expect(loadConfig({ CITA_ENV: "production" }).CITA_ENV).toBe("production");
      expect(loadConfig({ CITA_ENV: "development", ...chatwoot }).CITA_ENV).toBe("development");
    });
  });

  it("never echoes a secret's value in the error or the redacted copy", () => {
    const secret = "postgres-but-not-a-url-s3cr3t";
    const err = (() => {
      try {
        loadConfig({ DATABASE_URL: secret });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).not.toContain("s3cr3t");
    const c = loadConfig({ ANTHROPIC_API_KEY: "sk-ant-xyz", DATABASE_URL: "postgresql://u:p@h/db" });
    expect(JSON.stringify(redactConfig(c))).not.toMatch(/sk-ant-xyz|u:p@/);
  });
});
