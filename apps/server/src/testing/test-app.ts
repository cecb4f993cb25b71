// Test wiring: services over a per-file test database, tRPC callers for any role, and a real
// HTTP server on a free port for cross-process style tests (SSE, webhooks).
import type { FastifyInstance } from "fastify";
import { signAccessToken } from "../auth/access-token.ts";
import { loadConfig } from "../config/env.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { buildServer } from "../http/server.ts";
import { createLogger } from "../logger.ts";
import type { AppContext, AppServices } from "../trpc/context.ts";
import { createCallerFactory } from "../trpc/init.ts";
import { appRouter } from "../trpc/router.ts";
import type { TestDatabase } from "./test-db.ts";

export const TEST_AUTH_SECRET = "test-auth-secret-test-auth-secret-0123";

export interface Clock {
  now: Date;
  (): Date;
  set(d: Date | string): void;
  advance(ms: number): void;
}

/** A controllable clock: domain code gets `clock()`, tests move it. */
export function testClock(start: Date | string = "2026-03-10T09:00:00Z"): Clock {
  const c = (() => c.now) as Clock;
  c.now = new Date(start);
  c.set = (d) => {
    c.now = new Date(d);
  };
  c.advance = (ms) => {
    c.now = new Date(c.now.getTime() + ms);
  };
  return c;
}

export function testServices(t: TestDatabase, clock: () => Date = testClock()): AppServices {
  return {
    config: loadConfig({ CITA_ENV: "test" }),
    db: t.db,
    fc: t.fc,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
    clock,
    authSecret: TEST_AUTH_SECRET,
  };
}

export interface TestIdentity {
  staffId: string;
  role: StaffRole;
  locationId: string;
  sessionId?: string;
}

export function accessTokenFor(id: TestIdentity, services: AppServices): string {
  return signAccessToken(
    { sub: id.staffId, role: id.role, loc: id.locationId, sid: id.sessionId ?? "00000000-0000-0000-0000-000000000000" },
    services.authSecret,
    services.clock(),
  );
}

const createCaller = createCallerFactory(appRouter);

/** A server-side tRPC caller acting as `id` (or anonymous), going through every middleware. */
export function callerFor(services: AppServices, id: TestIdentity | null) {
  const ctx: AppContext = {
    ...services,
    requestId: "test",
    ip: "127.0.0.1",
    userAgent: "vitest",
    auth: id
      ? {
          sub: id.staffId,
          role: id.role,
          loc: id.locationId,
          sid: id.sessionId ?? "00000000-0000-0000-0000-000000000000",
          iat: Math.floor(services.clock().getTime() / 1000),
          exp: Math.floor(services.clock().getTime() / 1000) + 900,
        }
      : null,
  };
  return createCaller(ctx);
}

export async function startTestServer(services: AppServices): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer(services);
  // As in app.ts: stopping the change feed ends the SSE streams, so close() does not wait on them.
  const feed = services.changeFeed;
  if (feed) app.addHook("preClose", () => feed.stop());
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}
