// GET /metrics through the composition root (startApp): the families README lists, counted from real
// traffic (a tRPC call, signed Stripe and WhatsApp webhooks processed by their jobs, the agent's
// turn, a booking conflict, an SSE subscriber), behind METRICS_TOKEN or loopback only.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApp, startApp } from "../app.ts";
import { deliverMeta, FakeMeta, metaMessage } from "../channels/fakes/fake-meta.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createLogger } from "../logger.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { accessTokenFor } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { localToUtc } from "../time/zoned.ts";
import { buildServer } from "./server.ts";

const TOKEN = "metrics-token-0123456789abcdef";
const STRIPE_WHSEC = "whsec_metrics_test_secret";
const META_SECRET = "meta-app-secret";
const META_TOKEN = "meta-access-token";

let t: TestDatabase;
let f: SalonFixture;
let meta: FakeMeta;
let running: RunningApp;
const dataDir = mkdtempSync(join(tmpdir(), "cita-metrics-"));
const dataKey = randomBytes(32).toString("base64");
// The daily backup's state file (db/backup.ts): one that just succeeded, so none is due during the test.
const backupsAt = new Date(Math.floor(Date.now() / 1000) * 1000);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function until<T>(check: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** 11:00 in Madrid on a Tuesday 3–9 days from now (the fixture's stylists work Monday to Saturday). */
function nextTuesdayAt11(): Date {
  const d = new Date(Date.now() + 3 * 86_400_000);
  while (d.getUTCDay() !== 2) d.setUTCDate(d.getUTCDate() + 1);
  return localToUtc(d.toISOString().slice(0, 10), 11 * 60, "Europe/Madrid");
}

/** Samples of the exposition text: `name{labels}` (labels as written) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The value of `name` whose labels include all of `labels` (summed over the others), 0 if none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, v] of samples(text)) {
    const brace = key.indexOf("{");
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, l]) => key.includes(`${k}="${l}"`))) sum += v;
  }
  return sum;
}

async function scrape(token: string | null = TOKEN) {
  const res = await fetch(`${running.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

beforeAll(async () => {
  t = await createTestDatabase();
  // The salon the agent books for (its first location), encrypted with the app's data key.
  f = await createSalonFixture(t.db, createFieldCrypto(Buffer.from(dataKey, "base64")));
  mkdirSync(join(dataDir, "backups"));
  const lastOk = { at: backupsAt.toISOString(), file: "x", bytes: 1, ms: 1, tables: 1, rows: 1 };
  writeFileSync(
    join(dataDir, "backups", "backup-state.json"),
    JSON.stringify({ lastAttempt: { at: lastOk.at, ok: true }, lastOk }),
  );
  meta = new FakeMeta(META_TOKEN);
  await meta.start();
  const config = loadConfig({
    CITA_ENV: "test",
    DATABASE_URL: t.url,
    CITA_DATA_KEY: dataKey,
    CITA_AUTH_SECRET: randomBytes(32).toString("base64url"),
    CITA_DATA_DIR: dataDir,
    CITA_SEED_DEMO: "false",
    CITA_SANDBOX: "false",
    CITA_BACKUP_DIR: join(dataDir, "backups"),
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    METRICS_TOKEN: TOKEN,
    STRIPE_WEBHOOK_SECRET: STRIPE_WHSEC,
    WHATSAPP_GRAPH_URL: meta.url,
    WHATSAPP_ACCESS_TOKEN: META_TOKEN,
    WHATSAPP_APP_SECRET: META_SECRET,
    TURN_QUIET_MS: "0",
  });
  running = await startApp(config, createLogger("silent"));
}, 90_000);

afterAll(async () => {
  await running?.stop();
  await meta?.stop();
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /metrics", () => {
  it("refuses a scrape without the token, or with a wrong one (401)", async () => {
    expect((await scrape(null)).status).toBe(401);
    const wrong = await scrape("not-the-metrics-token-at-all");
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain("cita_");
  });

  it("counts requests, webhooks and their processing, jobs, agent turns, conflicts and SSE subscribers", async () => {
    const before = (await scrape()).text;
    const { services } = running;
    for (let i = 0; i < 2; i++) expect((await fetch(`${running.url}/trpc/system.info`)).status).toBe(200);
    expect((await fetch(`${running.url}/no/such/page/123`)).status).toBe(404);

    // Stripe: a signed event (stored, then processed by its job) and one with a bad signature.
    const payload = JSON.stringify({
      id: `evt_${randomBytes(6).toString("hex")}`,
      object: "event",
      type: "customer.created",
      data: { object: {} },
    });
    const signed = await fetch(`${running.url}/webhooks/stripe`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WHSEC }),
      },
      body: payload,
    });
    expect(signed.status).toBe(200);
    const forged = await fetch(`${running.url}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: payload,
    });
    expect(forged.status).toBe(400);

    // WhatsApp: a customer's message, processed into a chat that the (guided) agent answers.
    const { body } = metaMessage({
      phoneNumberId: "106540352242922",
      from: "34600000777",
      message: { type: "text", text: "hola" },
    });
    expect((await deliverMeta(`${running.url}/webhooks/whatsapp`, body, { appSecret: META_SECRET })).status).toBe(200);
    await until(
      async () => (await t.db.webhookEvent.count({ where: { status: { in: ["processed", "ignored"] } } })) >= 2,
    );
    await until(() => t.db.agentTurn.findFirst({ where: { status: "completed" } }));

    // A booking conflict through tRPC: the second booking of the same time is refused (SLOT_TAKEN).
    const token = accessTokenFor({ staffId: f.deskId, role: "front_desk", locationId: f.locationId }, services);
    const book = (customerId: string) =>
      fetch(`${running.url}/trpc/bookings.create`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          customerId,
          startsAt: nextTuesdayAt11().toISOString(),
          items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
        }),
      });
    expect((await book(f.customers[0]!)).status).toBe(200);
    const lost = await book(f.customers[1]!);
    expect(lost.status).toBe(409);
    expect(JSON.stringify(await lost.json())).toContain("SLOT_TAKEN");

    const sub = services.changeFeed!.subscribe();
    let after: Awaited<ReturnType<typeof scrape>>;
    try {
      after = await scrape();
    } finally {
      sub.close();
    }
    expect(after.status).toBe(200);
    expect(after.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = after.text;
    for (const family of [
      "cita_http_request_duration_seconds",
      "cita_webhook_acks_total",
      "cita_webhook_refusals_total",
      "cita_webhook_processing_lag_seconds",
      "cita_webhook_unprocessed",
      "cita_webhook_oldest_unprocessed_age_seconds",
      "cita_job_queue_depth",
      "cita_job_wait_seconds",
      "cita_job_duration_seconds",
      "cita_outbox_pending",
      "cita_outbox_dead_letters",
      "cita_agent_turns_total",
      "cita_agent_turn_duration_seconds",
      "cita_booking_conflicts_total",
      "cita_sse_subscribers",
      "process_resident_memory_bytes",
    ]) {
      expect(text, family).toContain(`# TYPE ${family} `);
    }
    const grew = (name: string, labels: Record<string, string>) =>
      value(text, name, labels) - value(before, name, labels);

    const trpc = { method: "GET", route: "/trpc/system.info", status: "2xx" };
    expect(grew("cita_http_request_duration_seconds_count", trpc)).toBe(2);
    expect(grew("cita_http_request_duration_seconds_count", { route: "(unmatched)", status: "4xx" })).toBe(1);
    expect(text).not.toContain("/no/such/page"); // routes by pattern, never the raw URL
    expect(grew("cita_webhook_acks_total", { source: "stripe" })).toBe(1);
    expect(grew("cita_webhook_acks_total", { source: "whatsapp_cloud" })).toBe(1);
    expect(grew("cita_webhook_refusals_total", { source: "stripe", status: "4xx" })).toBe(1);
    expect(grew("cita_webhook_processing_lag_seconds_count", { source: "stripe" })).toBe(1);
    expect(grew("cita_webhook_processing_lag_seconds_count", { source: "whatsapp_cloud" })).toBe(1);
    expect(value(text, "cita_webhook_unprocessed", { source: "stripe" })).toBe(0);
    expect(grew("cita_job_duration_seconds_count", { queue: "stripe.event", outcome: "completed" })).toBe(1);
    expect(grew("cita_job_wait_seconds_count", { queue: "stripe.event" })).toBe(1);
    expect(text).toMatch(/^cita_job_queue_depth\{queue="stripe\.event",state="due"\} 0$/m);
    expect(grew("cita_agent_turns_total", { mode: "guided" })).toBe(1);
    expect(grew("cita_agent_turn_duration_seconds_count", { mode: "guided" })).toBe(1);
    expect(value(text, "cita_agent_turns_total", { outcome: "failed" })).toBe(0);
    expect(grew("cita_booking_conflicts_total", { via: "trpc" })).toBe(1);
    expect(value(text, "cita_sse_subscribers")).toBe(1);
    expect(value(text, "cita_outbox_dead_letters")).toBe(0);
    // The guided reply went out through the outbox (or is on its way): never dead.
    expect(value(text, "cita_outbox_pending")).toBeGreaterThanOrEqual(0);
    // The daily backup's last success, from its state file.
    expect(value(text, "cita_backup_last_success_timestamp_seconds")).toBe(backupsAt.getTime() / 1000);
  }, 60_000);

  it("shows when the last backup succeeded: 0 before the first, absent when backups are off", async () => {
    const metrics = running.services.metrics!;
    const wired = metrics.backupLastSuccess;
    metrics.backupLastSuccess = () => new Date("2026-12-07T03:00:05Z");
    try {
      const { text } = await scrape();
      expect(value(text, "cita_backup_last_success_timestamp_seconds")).toBe(1796612405);
      metrics.backupLastSuccess = () => null; // wired, none yet: 0, so "no backup in 26 h" fires
      expect(value((await scrape()).text, "cita_backup_last_success_timestamp_seconds")).toBe(0);
      expect((await scrape()).text).toContain("# TYPE cita_backup_last_success_timestamp_seconds gauge");
      metrics.backupLastSuccess = null; // backups off (an external database without CITA_BACKUP_DIR)
      expect((await scrape()).text).not.toContain("cita_backup_last_success_timestamp_seconds");
    } finally {
      metrics.backupLastSuccess = wired;
    }
  });

  it("without METRICS_TOKEN answers only loopback clients (the socket's address), never through a proxy", async () => {
    const { services } = running;
    const app = await buildServer({ ...services, config: { ...services.config, METRICS_TOKEN: undefined } });
    try {
      const local = await app.inject({ url: "/metrics", remoteAddress: "127.0.0.1" });
      expect(local.statusCode).toBe(200);
      expect(local.body).toContain("# TYPE cita_http_request_duration_seconds histogram");
      expect((await app.inject({ url: "/metrics", remoteAddress: "::1" })).statusCode).toBe(200);
      const remote = await app.inject({ url: "/metrics", remoteAddress: "203.0.113.9" });
      expect(remote.statusCode).toBe(401);
      expect(remote.body).not.toContain("cita_");
      const spoofed = await app.inject({
        url: "/metrics",
        remoteAddress: "203.0.113.9",
        headers: { "x-forwarded-for": "127.0.0.1" },
      });
      expect(spoofed.statusCode).toBe(401);
      // A reverse proxy on this machine connects from loopback: what it relays is refused too.
      for (const header of ["x-forwarded-for", "forwarded", "x-real-ip"]) {
        const relayed = await app.inject({
          url: "/metrics",
          remoteAddress: "127.0.0.1",
          headers: { [header]: "198.51.100.7" },
        });
        expect(relayed.statusCode, header).toBe(401);
      }
    } finally {
      await app.close();
    }
  });

  it("with METRICS_TOKEN, a loopback client still needs it", async () => {
    const local = await running.app.inject({ url: "/metrics", remoteAddress: "127.0.0.1" });
    expect(local.statusCode).toBe(401);
    expect(local.headers["www-authenticate"]).toMatch(/^Bearer/);
  });
});
