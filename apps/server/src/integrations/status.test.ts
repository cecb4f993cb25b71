import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { reportIntegration } from "../payments/integration-status.ts";
import { attachSandbox, type Sandbox } from "../sandbox/sandbox.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { integrationStatuses } from "./status.ts";

let t: TestDatabase;
let salon: SalonFixture;
beforeAll(async () => {
  t = await createTestDatabase();
  salon = await createSalonFixture(t.db, t.fc);
});
afterAll(() => t.drop());

const byKind = <T extends { kind: string }>(xs: T[], kind: string) => xs.find((x) => x.kind === kind)!;

const LIVE = {
  CITA_ENV: "test",
  CHATWOOT_BASE_URL: "https://chat.example.com",
  CHATWOOT_API_TOKEN: "chatwoot-token-value",
  CHATWOOT_ACCOUNT_ID: "3",
  STRIPE_SECRET_KEY: "sk_live_abcdefghijklmnop",
  ANTHROPIC_API_KEY: "sk-ant-secret-value-123",
};

describe("integrationStatuses", () => {
  it("nothing configured: every integration is off and names the settings to set", async () => {
    const list = await integrationStatuses({ db: t.db, config: loadConfig({ CITA_ENV: "test" }), sandbox: null });
    expect(list.map((x) => x.kind)).toEqual(["chatwoot", "whatsapp", "stripe", "google_calendar", "claude"]);
    for (const x of list) {
      expect(x).toMatchObject({ configured: false, mode: "off", healthy: null, lastError: null });
      expect(x.missing.length).toBeGreaterThan(0);
    }
    expect(byKind(list, "stripe").missing).toEqual(["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]);
    expect(byKind(list, "claude").missing).toEqual(["ANTHROPIC_API_KEY"]);
    expect(byKind(list, "claude").effectWhenOff).toMatch(/guided mode/);
  });

  it("sandbox stand-ins' settings do not count as configured", async () => {
    const config = loadConfig({ ...LIVE, STRIPE_SECRET_KEY: "sk_test_sandbox_x", STRIPE_WEBHOOK_SECRET: "whsec_x" });
    const list = await integrationStatuses({
      db: t.db,
      config,
      sandbox: { channels: true, stripe: true, calendar: true },
    });
    expect(byKind(list, "chatwoot")).toMatchObject({ configured: false, mode: "sandbox" });
    expect(byKind(list, "chatwoot").missing).toEqual([
      "CHATWOOT_BASE_URL",
      "CHATWOOT_API_TOKEN",
      "CHATWOOT_ACCOUNT_ID",
    ]);
    expect(byKind(list, "whatsapp")).toMatchObject({ configured: false, mode: "sandbox" });
    expect(byKind(list, "stripe")).toMatchObject({ configured: false, mode: "sandbox" });
    expect(byKind(list, "google_calendar")).toMatchObject({ configured: false, mode: "sandbox" });
    expect(byKind(list, "claude")).toMatchObject({ configured: true, mode: "live", missing: [] });
  });

  it("health from integration_status, the outbox and agent turns; the latest outcome decides", async () => {
    const clock = testClock("2026-03-10T09:00:00Z");
    const config = loadConfig({ ...LIVE, STRIPE_WEBHOOK_SECRET: "whsec_abc" });
    // Stripe failed (echoing its key), then nothing since: unhealthy, and the key is scrubbed.
    await reportIntegration(t.db, "stripe", { mode: "live", healthy: true }, clock());
    clock.advance(60_000);
    await reportIntegration(
      t.db,
      "stripe",
      { mode: "live", healthy: false, lastError: `Invalid API Key provided: ${config.STRIPE_SECRET_KEY}` },
      clock(),
    );
    // Chatwoot: an old failed delivery, then a later sent one: healthy, last error kept with its time.
    const conv = await t.db.conversation.create({
      data: { customerId: salon.customers[0]!, channel: "chatwoot", channelAccount: "1", externalId: "c-1" },
    });
    await t.db.outboxMessage.create({
      data: {
        conversationId: conv.id,
        channel: "chatwoot",
        payload: {},
        idempotencyKey: "k-1",
        status: "dead",
        lastError: "HTTP 401 from Chatwoot",
        createdAt: new Date("2026-03-09T10:00:00Z"),
      },
    });
    await t.db.outboxMessage.create({
      data: {
        conversationId: conv.id,
        channel: "chatwoot",
        payload: {},
        idempotencyKey: "k-2",
        status: "sent",
        sentAt: new Date("2026-03-09T11:00:00Z"),
      },
    });
    // Claude: a turn where guided mode took over.
    await t.db.agentTurn.create({
      data: {
        conversationId: conv.id,
        mode: "guided",
        status: "completed",
        startedAt: new Date("2026-03-09T12:00:00Z"),
        transcript: [{ type: "input" }, { type: "fallback", reason: "overloaded (529)" }],
      },
    });

    const list = await integrationStatuses({ db: t.db, config, sandbox: null });
    expect(byKind(list, "stripe")).toMatchObject({
      configured: true,
      mode: "live",
      healthy: false,
      lastError: "Invalid API Key provided: [STRIPE_SECRET_KEY]",
      lastErrorAt: "2026-03-10T09:01:00.000Z",
      lastOkAt: "2026-03-10T09:00:00.000Z",
    });
    expect(byKind(list, "chatwoot")).toMatchObject({
      configured: true,
      mode: "live",
      healthy: true,
      lastError: "sending: HTTP 401 from Chatwoot",
      lastErrorAt: "2026-03-09T10:00:00.000Z",
      lastOkAt: "2026-03-09T11:00:00.000Z",
    });
    expect(byKind(list, "claude")).toMatchObject({
      healthy: false,
      lastError: "Claude unavailable, guided mode answered: overloaded (529)",
      lastErrorAt: "2026-03-09T12:00:00.000Z",
    });
    // A later Claude answer makes it healthy again.
    await t.db.agentTurn.create({
      data: {
        conversationId: conv.id,
        mode: "claude",
        status: "completed",
        startedAt: new Date("2026-03-09T13:00:00Z"),
        finishedAt: new Date("2026-03-09T13:00:05Z"),
      },
    });
    const again = await integrationStatuses({ db: t.db, config, sandbox: null });
    expect(byKind(again, "claude")).toMatchObject({ healthy: true, lastOkAt: "2026-03-09T13:00:05.000Z" });
    // Nothing anywhere in the answer carries a secret's value.
    const text = JSON.stringify(again);
    for (const secret of [config.STRIPE_SECRET_KEY, config.CHATWOOT_API_TOKEN, config.ANTHROPIC_API_KEY]) {
      expect(text).not.toContain(secret);
    }
  });

  it("integrations.status is for settings.write roles only", async () => {
    const services = testServices(t);
    const as = (role: "owner" | "manager" | "front_desk" | "stylist", staffId: string) =>
      callerFor(services, { role, staffId, locationId: salon.locationId });
    const list = await as("manager", salon.managerId).integrations.status();
    expect(list).toHaveLength(5);
    await expect(as("front_desk", salon.deskId).integrations.status()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as("stylist", salon.staff.laura).integrations.status()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("the procedure finds the running sandbox through the request context", async () => {
    const services = testServices(t);
    attachSandbox(services, {
      plan: { channels: true, stripe: false, calendar: false },
      chatwoot: null,
      stripe: null,
      calendar: null,
    } as unknown as Sandbox);
    const list = await callerFor(services, {
      role: "owner",
      staffId: salon.ownerId,
      locationId: salon.locationId,
    }).integrations.status();
    expect(byKind(list, "chatwoot")).toMatchObject({ mode: "sandbox", configured: false });
    expect(byKind(list, "stripe")).toMatchObject({ mode: "off", configured: false });
  });
});
