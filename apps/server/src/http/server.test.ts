import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/env.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { buildServer } from "./server.ts";

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
