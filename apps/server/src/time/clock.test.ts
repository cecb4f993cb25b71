import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/env.ts";
import { clockFor, runningFrom, systemClock } from "./clock.ts";

describe("the server's clock", () => {
  it("is the system clock unless CITA_TEST_NOW is set", () => {
    expect(clockFor(loadConfig({ CITA_ENV: "test" }))).toBe(systemClock);
  });

  it("starts at CITA_TEST_NOW and runs on with real time", async () => {
    const clock = clockFor(loadConfig({ CITA_ENV: "test", CITA_TEST_NOW: "2027-03-28T01:30:00+01:00" }));
    const first = clock().getTime();
    expect(first - Date.parse("2027-03-28T00:30:00Z")).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 30));
    expect(clock().getTime() - first).toBeGreaterThanOrEqual(25);
    expect(runningFrom("2028-02-29T09:00:00Z", Date.now())().toISOString().slice(0, 10)).toBe("2028-02-29");
  });

  it("refuses CITA_TEST_NOW in production, and a value that is not an instant", () => {
    const prod = {
      CITA_ENV: "production",
      CITA_DATA_KEY: Buffer.alloc(32, 1).toString("base64"),
      CITA_AUTH_SECRET: "x".repeat(40),
      CITA_TEST_NOW: "2026-12-08T10:00:00Z",
    };
    expect(() => loadConfig(prod)).toThrow(ConfigError);
    expect(() => loadConfig(prod)).toThrow(/CITA_TEST_NOW is a test-only setting/);
    expect(() => loadConfig({ CITA_ENV: "test", CITA_TEST_NOW: "tomorrow" })).toThrow(/CITA_TEST_NOW/);
  });
});
