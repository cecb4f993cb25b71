import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { buildServer, staticHelmetHeaders, trustProxySetting } from "./server.ts";

let t: TestDatabase;
let app: FastifyInstance;
beforeAll(async () => {
  t = await createTestDatabase();
  app = await buildServer({
    config: loadConfig({ CITA_ENV: "test" }),
    db: t.db,
    fc: t.fc,
    log: createLogger("silent"),
    authSecret: "test-secret-test-secret-test-secret",
    clock: () => new Date("2026-03-10T09:00:00Z"),
  });
});
afterAll(async () => {
  await app.close();
  await t.drop();
});

describe("HTTP skeleton", () => {
  it("answers /healthz", async () => {
    const r = await app.inject({ url: "/healthz" });
    expect(r.statusCode).toBe(200);
  });

  it("is ready when the database is reachable and migrated", async () => {
    const r = await app.inject({ url: "/readyz" });
    expect(r.json()).toEqual({ ok: true });
  });

  it("echoes a safe request id and invents one otherwise", async () => {
    const given = await app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } });
    expect(given.headers["x-request-id"]).toBe("abc-123");
    const bad = await app.inject({ url: "/healthz", headers: { "x-request-id": "<script>" } });
    expect(bad.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves tRPC with the injected clock", async () => {
    const r = await app.inject({ url: "/trpc/system.info" });
    expect(r.json().result.data).toEqual({ name: "Cita", env: "test", time: "2026-03-10T09:00:00.000Z" });
  });

  it("reports not-ready when a migration is missing", async () => {
    await t.db.$executeRawUnsafe(
      `UPDATE _prisma_migrations SET migration_name = 'x_${randomBytes(2).toString("hex")}'`,
    );
    const r = await app.inject({ url: "/readyz" });
    expect(r.statusCode).toBe(503);
    expect(r.json().reason).toBe("migrations pending");
  });
});

describe("HTTP hardening", () => {
  const servicesWith = (env: Record<string, string>) => ({
    config: loadConfig({ CITA_ENV: "test", ...env }),
    db: t.db,
    fc: t.fc,
    log: createLogger("silent"),
    authSecret: "test-secret-test-secret-test-secret",
    clock: () => new Date(),
  });

  it("sends security headers on every response; HSTS only when Cita is public over https", async () => {
    const r = await app.inject({ url: "/healthz" });
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect(String(r.headers["content-security-policy"])).toContain("frame-ancestors 'none'");
    expect(String(r.headers["content-security-policy"])).not.toContain("upgrade-insecure-requests");
    expect(r.headers["strict-transport-security"]).toBeUndefined();
    const https = await buildServer(servicesWith({ CITA_PUBLIC_URL: "https://salon.example" }));
    try {
      const s = await https.inject({ url: "/healthz" });
      expect(s.headers["strict-transport-security"]).toMatch(/max-age=31536000/);
      expect(String(s.headers["content-security-policy"])).toContain("upgrade-insecure-requests");
    } finally {
      await https.close();
    }
  });

  it("sets helmet's full header set, computed once; a CSP directive computed per request is refused", async () => {
    const r = await app.inject({ url: "/trpc/system.ping" });
    for (const name of [
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "origin-agent-cluster",
      "x-dns-prefetch-control",
      "x-download-options",
      "x-permitted-cross-domain-policies",
      "x-xss-protection",
    ])
      expect(r.headers[name], name).toBeDefined();
    expect(r.headers["x-powered-by"]).toBeUndefined();
    expect(() =>
      staticHelmetHeaders({ contentSecurityPolicy: { directives: { "script-src": ["'self'", () => "'nonce-x'"] } } }),
    ).toThrow(/per request/);
  });

  it("tRPC's route sends the same headers however it answers: direct path, tRPC's adapter, Fastify's refusals", async () => {
    const reference = await app.inject({ url: "/healthz" });
    const security = Object.keys(reference.headers).filter(
      (h) => h.startsWith("x-") || h.startsWith("cross-origin") || h.includes("policy") || h === "origin-agent-cluster",
    );
    expect(security.length).toBeGreaterThanOrEqual(10);
    const answers = {
      // A plain query: the direct path's one writeHead.
      direct: await app.inject({ url: "/trpc/system.ping", headers: { "x-request-id": "direct-1" } }),
      // An unknown procedure: tRPC's adapter answers it.
      adapter: await app.inject({ url: "/trpc/no.suchThing", headers: { "x-request-id": "adapter-1" } }),
      // Streamed batches go to the adapter too.
      streamed: await app.inject({
        url: "/trpc/system.ping?batch=1&input=%7B%7D",
        headers: { "trpc-accept": "application/jsonl", "x-request-id": "streamed-1" },
      }),
      // Refused by Fastify before the handler runs: a body over the limit, a content type it cannot read.
      tooLarge: await app.inject({
        method: "POST",
        url: "/trpc/bookings.create",
        headers: { "content-type": "application/json", "x-request-id": "large-1" },
        payload: `"${"x".repeat(1024 * 1024 + 10)}"`,
      }),
      unreadable: await app.inject({
        method: "POST",
        url: "/trpc/bookings.create",
        headers: { "content-type": "application/x-cita-nonsense", "x-request-id": "unreadable-1" },
        payload: "x",
      }),
    };
    expect(answers.direct.statusCode).toBe(200);
    expect(answers.adapter.statusCode).toBe(404);
    expect(answers.tooLarge.statusCode).toBe(413);
    expect(answers.unreadable.statusCode).toBe(415);
    for (const [name, r] of Object.entries(answers)) {
      expect(r.headers["x-request-id"], name).toMatch(/-1$/);
      for (const h of security) {
        if (h === "x-request-id") continue;
        expect(r.headers[h], `${name}: ${h}`).toBe(reference.headers[h]);
      }
    }
  });

  it("TRUST_PROXY: off by default (the peer is the client); a hop count or CIDRs read X-Forwarded-For", async () => {
    expect(trustProxySetting(undefined)).toBe(false);
    expect(trustProxySetting("0")).toBe(false);
    expect(trustProxySetting("1")).toBeTypeOf("function");
    expect(trustProxySetting("10.0.0.0/8, 127.0.0.1")).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(() => loadConfig({ TRUST_PROXY: "yes please" })).toThrow(/TRUST_PROXY/);
    const ipOf = async (server: FastifyInstance) => {
      server.get("/test-ip", (req) => ({ ip: req.ip }));
      const r = await server.inject({
        url: "/test-ip",
        remoteAddress: "127.0.0.1",
        headers: { "x-forwarded-for": "203.0.113.7" },
      });
      await server.close();
      return r.json().ip;
    };
    expect(await ipOf(await buildServer(servicesWith({})))).toBe("127.0.0.1");
    expect(await ipOf(await buildServer(servicesWith({ TRUST_PROXY: "1" })))).toBe("203.0.113.7");
    expect(await ipOf(await buildServer(servicesWith({ TRUST_PROXY: "127.0.0.1/32" })))).toBe("203.0.113.7");
    expect(await ipOf(await buildServer(servicesWith({ TRUST_PROXY: "10.0.0.0/8" })))).toBe("127.0.0.1");
  });
});
