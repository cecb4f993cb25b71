// Settings → Integrations (issue #17 item 3) on a real database, through the tRPC caller: an owner
// enters Stripe test credentials pointing at the local fake Stripe, and the next deposit link is made
// through them without a restart; the secret is in no tRPC response, log line, audit or change-log
// row. Managers and front desk are refused, the environment wins, bad input stores nothing.
import { Writable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAnthropic } from "../agent/fakes/fake-anthropic.ts";
import { createBooking } from "../bookings/create.ts";
import { FakeMeta } from "../channels/fakes/fake-meta.ts";
import { loadConfig } from "../config/env.ts";
import { createLogger } from "../logger.ts";
import { RecordingNotifier } from "../notifications/notifier.ts";
import { FakeStripe } from "../payments/fakes/fake-stripe.ts";
import { stripeFor } from "../payments/stripe-client.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { accessTokenFor, callerFor, startTestServer, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { loadStoredSettings, refreshSettings, watchSettings } from "./settings.ts";

const SECRET_KEY = "sk_test_entered_in_the_console_4242";
const WEBHOOK_SECRET = "whsec_entered_in_the_console_9876";
let t: TestDatabase;
let f: SalonFixture;
let fake: FakeStripe;
let services: AppServices;
const logLines: string[] = [];
const responses: unknown[] = [];
const clock = testClock("2026-03-09T08:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc, { customers: 3 });
  fake = new FakeStripe({ now: clock });
  await fake.start();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  services = {
    ...testServices(t, clock),
    // Stripe is not configured in the environment; only where its API is (the local fake).
    config: loadConfig({ CITA_ENV: "test", STRIPE_API_BASE: fake.url, CITA_PUBLIC_URL: "https://salon.example" }),
    log: createLogger("trace", sink),
    notifier: new RecordingNotifier(),
  };
}, 60_000);

afterAll(async () => {
  await fake?.stop();
  await t?.drop();
});

const as = (role: "owner" | "manager" | "front_desk", on: AppServices = services) => {
  const staffId = role === "owner" ? f.ownerId : role === "manager" ? f.managerId : f.deskId;
  const caller = callerFor(on, { staffId, role, locationId: f.locationId });
  // Every answer is kept, to scan for the secret afterwards.
  return new Proxy(caller, {
    get(target, ns: string) {
      const inner = (target as unknown as Record<string, Record<string, (i?: unknown) => Promise<unknown>>>)[ns]!;
      return new Proxy(inner, {
        get(i, proc: string) {
          return async (input?: unknown) => {
            try {
              const out = await i[proc]!(input);
              responses.push(out);
              return out;
            } catch (e) {
              responses.push(e instanceof TRPCError ? { code: e.code, message: e.message, cause: String(e.cause) } : e);
              throw e;
            }
          };
        },
      });
    },
  }) as typeof caller;
};

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : String(e);
  }
}

async function hold(customer: number, h: number) {
  return createBooking(
    services,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt: localToUtc("2026-03-11", h * 60, "Europe/Madrid"),
      items: [{ serviceId: f.services.colour, staffId: f.staff.laura }],
      source: "whatsapp",
      mode: "hold",
    },
    { type: "agent" },
  );
}

describe("Settings → Integrations", () => {
  it("an owner enters Stripe test credentials; the next deposit link goes through them, no restart", async () => {
    const owner = as("owner");
    const before = await hold(0, 10);
    expect(stripeFor(services)).toBeNull();
    expect(await code(owner.payments.resendLink({ bookingId: before.id }))).toBe("SERVICE_UNAVAILABLE");

    const view = await owner.integrations.save({
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    const stripe = view.find((v) => v.kind === "stripe")!;
    expect(stripe.fields.find((x) => x.key === "STRIPE_SECRET_KEY")).toMatchObject({
      source: "app",
      secret: true,
      hint: "…4242",
    });
    expect(stripe.webhooks).toEqual([
      { label: "Stripe webhook endpoint", url: "https://salon.example/webhooks/stripe" },
    ]);
    // Stored encrypted: the row holds a cipher, not the key.
    const row = await t.db.integrationSetting.findUniqueOrThrow({ where: { key: "STRIPE_SECRET_KEY" } });
    expect(Buffer.from(row.cipher).toString("latin1")).not.toContain(SECRET_KEY);
    expect(row.updatedByStaffId).toBe(f.ownerId);

    expect(await owner.integrations.test({ kind: "stripe" })).toEqual({
      ok: true,
      message: "Stripe answered (test key)",
    });
    const status = await owner.integrations.status();
    expect(status.find((s) => s.kind === "stripe")).toMatchObject({ configured: true, mode: "sandbox" });

    // The next deposit link: created at the fake Stripe with the key entered in the console.
    const b = await hold(1, 12);
    const link = await as("front_desk").payments.resendLink({ bookingId: b.id });
    expect(link.checkoutUrl).toMatch(/^https?:\/\//);
    const created = fake.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.method === "POST");
    expect(created).toHaveLength(1);
    expect(created[0]!.authorization).toBe(`Bearer ${SECRET_KEY}`);
  });

  it("replaces a key: the next call uses the new one", async () => {
    const owner = as("owner");
    const replaced = "sk_test_replaced_in_the_console_7777";
    const view = await owner.integrations.save({ STRIPE_SECRET_KEY: replaced });
    expect(view.find((v) => v.kind === "stripe")!.fields[0]).toMatchObject({ hint: "…7777", source: "app" });
    const b = await hold(2, 15);
    await owner.payments.resendLink({ bookingId: b.id });
    const last = fake.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.method === "POST").at(-1)!;
    expect(last.authorization).toBe(`Bearer ${replaced}`);
    // Back to the first key for the scans below.
    await owner.integrations.save({ STRIPE_SECRET_KEY: SECRET_KEY });
  });

  it("only owners may save, clear or test; managers see the settings without secrets", async () => {
    for (const role of ["manager", "front_desk"] as const) {
      const c = as(role);
      expect(await code(c.integrations.save({ STRIPE_SECRET_KEY: "sk_test_someone_else_1234567" }))).toBe("FORBIDDEN");
      expect(await code(c.integrations.clear({ keys: ["STRIPE_SECRET_KEY"] }))).toBe("FORBIDDEN");
      expect(await code(c.integrations.test({ kind: "stripe" }))).toBe("FORBIDDEN");
    }
    expect(await code(as("front_desk").integrations.settings())).toBe("FORBIDDEN");
    const seen = await as("manager").integrations.settings();
    expect(seen.find((v) => v.kind === "stripe")!.fields[0]).toMatchObject({ source: "app", hint: "…4242" });
    expect((await loadStoredSettings(t.db, t.fc)).get("STRIPE_SECRET_KEY")?.value).toBe(SECRET_KEY);
  });

  it("refuses bad input field by field and stores nothing", async () => {
    const owner = as("owner");
    const before = await t.db.integrationSetting.findMany({ orderBy: { key: "asc" } });
    const bad: Record<string, string>[] = [
      { STRIPE_SECRET_KEY: "sk_test_with\u0000nul_character_000" },
      { STRIPE_SECRET_KEY: `sk_test_${"x".repeat(10_000)}` },
      { STRIPE_SECRET_KEY: "pk_test_publishable_not_secret" },
      { GOOGLE_SERVICE_ACCOUNT_JSON: "{not json" },
      { GOOGLE_SERVICE_ACCOUNT_JSON: '{"type":"service_account"}' },
      { CHATWOOT_BASE_URL: "not a url" },
      { CHATWOOT_ACCOUNT_ID: "-3" },
      { CITA_SANDBOX_STRIPE: "maybe" },
      // One good field with a bad one: nothing is stored.
      { ANTHROPIC_API_KEY: "sk-ant-good-key-000000000", STRIPE_WEBHOOK_SECRET: "nope" },
    ];
    for (const input of bad) {
      const err = await owner.integrations.save(input as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(Object.keys(input))).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe("BAD_REQUEST");
      const field = Object.keys(input).at(-1)!;
      expect((err as TRPCError).message).toContain(field);
    }
    expect(await t.db.integrationSetting.findMany({ orderBy: { key: "asc" } })).toEqual(before);
    expect(services.config.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it("a variable set in the environment wins: shown as set by the server, refused here", async () => {
    const env = {
      ...services,
      config: loadConfig({
        CITA_ENV: "test",
        STRIPE_SECRET_KEY: "sk_test_from_the_environment_5555",
        STRIPE_API_BASE: fake.url,
      }),
    };
    // A second instance starting on the same database: the environment's key stays in force.
    await refreshSettings(env);
    expect(env.config.STRIPE_SECRET_KEY).toBe("sk_test_from_the_environment_5555");
    expect(env.config.STRIPE_WEBHOOK_SECRET).toBe(WEBHOOK_SECRET);
    const owner = callerFor(env, { staffId: f.ownerId, role: "owner", locationId: f.locationId });
    const view = await owner.integrations.settings();
    responses.push(view);
    expect(view.find((v) => v.kind === "stripe")!.fields.slice(0, 2)).toMatchObject([
      { key: "STRIPE_SECRET_KEY", source: "server", hint: "…5555" },
      { key: "STRIPE_WEBHOOK_SECRET", source: "app", hint: "…9876" },
    ]);
    expect(await code(owner.integrations.save({ STRIPE_SECRET_KEY: "sk_test_overrides_env_00000" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await code(owner.integrations.clear({ keys: ["STRIPE_SECRET_KEY"] }))).toBe("BAD_REQUEST");
  });

  it("a second instance picks the settings up from the database", async () => {
    const other = { ...services, config: loadConfig({ CITA_ENV: "test", STRIPE_API_BASE: fake.url }) };
    expect(stripeFor(other)).toBeNull();
    await refreshSettings(other);
    expect(other.config.STRIPE_SECRET_KEY).toBe(SECRET_KEY);
    expect(stripeFor(other)).not.toBeNull();
  });

  it("clearing turns Stripe off again at once", async () => {
    const owner = as("owner");
    const view = await owner.integrations.clear({ keys: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] });
    expect(view.find((v) => v.kind === "stripe")!.fields[0]).toMatchObject({ source: "unset", hint: null });
    expect(stripeFor(services)).toBeNull();
    expect(await owner.integrations.test({ kind: "stripe" })).toMatchObject({ ok: false });
    expect(await t.db.integrationSetting.count({ where: { key: { startsWith: "STRIPE" } } })).toBe(0);
  });

  it("another running instance picks a change up on its next re-read", async () => {
    const other = { ...services, config: loadConfig({ CITA_ENV: "test", STRIPE_API_BASE: fake.url }) };
    await refreshSettings(other);
    const stop = watchSettings(other, 50);
    try {
      expect(other.config.ANTHROPIC_MODEL).toBe("claude-sonnet-5-5");
      await as("owner").integrations.save({ ANTHROPIC_MODEL: "claude-test-model" });
      await expect.poll(() => other.config.ANTHROPIC_MODEL, { timeout: 5_000 }).toBe("claude-test-model");
    } finally {
      stop();
      await as("owner").integrations.clear({ keys: ["ANTHROPIC_MODEL"] });
    }
  });

  it("test connection calls the provider: Claude through the fake Messages API; a refused token is a message, not a 5xx", async () => {
    const anthropic = new FakeAnthropic();
    const meta = new FakeMeta("meta-right-token-000000000");
    const baseURL = await anthropic.start();
    await meta.start();
    const env = {
      ...services,
      config: loadConfig({ CITA_ENV: "test", ANTHROPIC_BASE_URL: baseURL, WHATSAPP_GRAPH_URL: meta.url }),
    };
    const ownerThere = as("owner", env);
    try {
      expect(await ownerThere.integrations.test({ kind: "claude" })).toMatchObject({ ok: false });
      await ownerThere.integrations.save({ ANTHROPIC_API_KEY: "sk-ant-entered-in-the-console-1111" });
      anthropic.load([{ content: [{ type: "text", text: "ok" }], stop_reason: "max_tokens" }]);
      const r = await ownerThere.integrations.test({ kind: "claude" });
      responses.push(r);
      expect(r).toEqual({ ok: true, message: "Claude answered (claude-sonnet-5-5)" });
      expect(anthropic.requests).toHaveLength(1);
      expect(anthropic.requests[0]!.body).toMatchObject({ max_tokens: 1, model: "claude-sonnet-5-5" });

      await ownerThere.integrations.save({ WHATSAPP_ACCESS_TOKEN: "meta-wrong-token-entered-2222" });
      const refused = await ownerThere.integrations.test({ kind: "whatsapp" });
      responses.push(refused);
      expect(refused).toEqual({ ok: false, message: "Meta refused the access token" });
      expect(meta.requests.at(-1)?.headers.authorization).toBe("Bearer meta-wrong-token-entered-2222");

      // Nothing listening: a message, never an error.
      await ownerThere.integrations.save({
        CHATWOOT_BASE_URL: "http://127.0.0.1:9",
        CHATWOOT_ACCOUNT_ID: "3",
        CHATWOOT_API_TOKEN: "chatwoot-token-entered-3333",
      });
      const down = await ownerThere.integrations.test({ kind: "chatwoot" });
      responses.push(down);
      expect(down.ok).toBe(false);
      expect(down.message.length).toBeGreaterThan(0);
    } finally {
      await ownerThere.integrations.clear({
        keys: [
          "ANTHROPIC_API_KEY",
          "WHATSAPP_ACCESS_TOKEN",
          "CHATWOOT_BASE_URL",
          "CHATWOOT_ACCOUNT_ID",
          "CHATWOOT_API_TOKEN",
        ],
      });
      await anthropic.stop();
      await meta.stop();
    }
  });

  it("over HTTP too: the save and settings answers carry the hint only", async () => {
    const server = await startTestServer(services);
    try {
      const token = accessTokenFor({ staffId: f.ownerId, role: "owner", locationId: f.locationId }, services);
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const saved = await fetch(`${server.url}/trpc/integrations.save`, {
        method: "POST",
        headers,
        body: JSON.stringify({ STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }),
      });
      const savedText = await saved.text();
      expect(saved.status, savedText).toBe(200);
      const bad = await fetch(`${server.url}/trpc/integrations.save`, {
        method: "POST",
        headers,
        body: JSON.stringify({ STRIPE_SECRET_KEY: `${SECRET_KEY}\u0000`, STRIPE_WEBHOOK_SECRET: `x${WEBHOOK_SECRET}` }),
      });
      const badText = await bad.text();
      expect(bad.status).toBe(400);
      const read = await fetch(`${server.url}/trpc/integrations.settings`, { headers });
      const readText = await read.text();
      expect(readText).toContain("…4242");
      responses.push(savedText, badText, readText);
      expect(services.config.STRIPE_SECRET_KEY).toBe(SECRET_KEY);
    } finally {
      await server.app.close();
    }
  });

  it("the secrets are in no tRPC response, log line, audit or change-log row", async () => {
    expect(responses.length).toBeGreaterThan(20);
    expect(logLines.length).toBeGreaterThan(0); // the logger did write (trace level)
    const audit = await t.db.$queryRaw<{ row: string }[]>`SELECT row_to_json(a)::text AS row FROM audit_log a`;
    const changes = await t.db.$queryRaw<{ row: string }[]>`SELECT row_to_json(c)::text AS row FROM change_log c`;
    expect(audit.some((a) => a.row.includes("integrations.settings_saved"))).toBe(true);
    const haystacks = {
      responses: JSON.stringify(responses),
      logs: logLines.join("\n"),
      audit: audit.map((a) => a.row).join("\n"),
      changes: changes.map((c) => c.row).join("\n"),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of [
        SECRET_KEY,
        WEBHOOK_SECRET,
        "sk_test_replaced_in_the_console_7777",
        "sk-ant-entered-in-the-console-1111",
        "meta-wrong-token-entered-2222",
        "chatwoot-token-entered-3333",
      ]) {
        expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
      }
    }
  });
});
