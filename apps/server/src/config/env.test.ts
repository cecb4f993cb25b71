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
