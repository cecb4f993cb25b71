// The HTTP surface: health checks, tRPC, and (in later modules) webhooks. Thin by design.
import { randomUUID } from "node:crypto";
import type { FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import helmet from "helmet";
import type { Logger } from "pino";
import { verifyAccessToken } from "../auth/access-token.ts";
import { locationHeaderOf } from "../auth/locations.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { appErrorShape } from "../errors/map-error.ts";
import type { AppServices } from "../services.ts";
import { type AppRouter, appRouter } from "../trpc/router.ts";
import { registerIntegrationRoutes } from "./integrations.ts";
import { lazySchemaCompilers } from "./lazy-schema-compilers.ts";
import { registerMetrics } from "./metrics.ts";
import { trpcPlugin } from "./trpc-plugin.ts";
import { registerWebSession } from "./web-session.ts";

export interface BuildServerOptions {
  /** Max request body in bytes (webhooks are small; this guards memory). */
  bodyLimit?: number;
}

function authFromToken(token: unknown, services: AppServices) {
  return typeof token === "string" && token ? verifyAccessToken(token, services.authSecret, services.clock()) : null;
}

function authFromHeader(header: string | undefined, services: AppServices) {
  return authFromToken(header?.startsWith("Bearer ") ? header.slice(7) : undefined, services);
}

/**
 * TRUST_PROXY as Fastify takes it: off, a list of addresses and CIDR ranges, or a hop count. Fastify 5
 * refuses plain hop counts (it cannot check the peer), so a count is given as the rule "the nearest
 * n addresses are our proxies": set it only when every request really comes through n proxies.
 */
export function trustProxySetting(
  value: string | undefined,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (!value) return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops > 0 ? (_address, hop) => hop < hops : false;
  }
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The headers helmet's middleware sets for these options, computed once. They do not depend on the
 * request as long as no CSP directive is a function (none is here; helmet calls those per request),
 * which this refuses. Helmet's other change, removing X-Powered-By, has nothing to remove: neither
 * Node nor Fastify sets it.
 */
export function staticHelmetHeaders(options: Parameters<typeof helmet>[0]): [string, string][] {
  const directives = Object.values(
    (typeof options?.contentSecurityPolicy === "object" && options.contentSecurityPolicy.directives) || {},
  );
  if (directives.some((d) => typeof d === "function" || (Array.isArray(d) && d.some((v) => typeof v === "function"))))
    throw new Error("staticHelmetHeaders: a CSP directive computed per request needs helmet's middleware");
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => {},
  };
  helmet(options)({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/** How tRPC serves the app router: the per-request context and the logging of failures. */
export function trpcOptionsFor(services: AppServices) {
  return {
    router: appRouter,
    // The request's own fields first, then the services: V8 copies a spread fast only when no
    // property is added after it (added after, each context cost ~3.7 µs, a twentieth of a no-op
    // call). AppServices has none of these four names, so the order changes nothing else.
    createContext: ({ req, info }) => ({
      requestId: String(req.id),
      ip: req.ip,
      userAgent: req.headers["user-agent"] ?? null,
      // Browsers' EventSource cannot send headers: SSE subscriptions pass the token as a
      // connection parameter instead (httpSubscriptionLink's connectionParams).
      auth:
        authFromHeader(req.headers.authorization, services) ?? authFromToken(info.connectionParams?.token, services),
      // Issue #21: the location the console shows (checked in procedureFor, auth/locations.ts).
      locationHeader: locationHeaderOf(req.headers) ?? info.connectionParams?.location ?? null,
      ...services,
    }),
    onError: ({ path, error, ctx }) => {
      if (appErrorShape(error)?.appCode === "SLOT_TAKEN") services.metrics?.bookingConflict("trpc");
      if (error.code === "INTERNAL_SERVER_ERROR") {
        services.log.error({ err: error.cause ?? error, path, requestId: ctx?.requestId }, "tRPC procedure failed");
      }
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"];
}

export async function buildServer(services: AppServices, opts: BuildServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    // One compact line per request from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // tRPC batches name every procedure in the path ("/trpc/bookings.search,staff.getSchedule,…"):
    // Fastify's default 100 characters refuses a batch of six with 414.
    routerOptions: { maxParamLength: 5000 },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // No route declares a Fastify schema: ajv and fast-json-stringify load only if one ever does.
    schemaController: { compilersFactory: lazySchemaCompilers as never },
    // Finish in-flight requests on close, but stop accepting new ones.
    forceCloseConnections: "idle",
    // Behind a reverse proxy (TRUST_PROXY: hop count or addresses/CIDRs), req.ip is the client's
    // address from X-Forwarded-For, so the login limit and the audit see people, not the proxy.
    trustProxy: trustProxySetting(services.config.TRUST_PROXY),
  });

  // Security headers on every response (the HTML pages above all: /sandbox, its checkout, and the
  // console, which keeps its own stricter CSP in http/console.ts). HSTS and upgrading requests only
  // make sense when Cita is reached over https.
  const https = services.config.CITA_PUBLIC_URL?.startsWith("https:") ?? false;
  // Helmet's headers are computed once here: @fastify/helmet rebuilt helmet's middleware (parsing
  // every CSP directive) on each request, a tenth of a no-op request's CPU. Same headers, set on the
  // raw response as it did.
  const securityHeaders = staticHelmetHeaders({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "upgrade-insecure-requests": https ? [] : null,
      },
    },
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  });
  // The request id goes back with every answer: set with the security headers (on the raw response,
  // so also on hijacked and static-file replies), sparing every response an onSend hook. tRPC's
  // route writes the same headers itself (http/trpc-plugin.ts: in its one writeHead on the direct
  // path, which costs a fifth of what a dozen setHeader calls did).
  app.addHook("onRequest", (req, reply, done) => {
    if ((req.routeOptions.config as { ownHeaders?: boolean } | undefined)?.ownHeaders) return done();
    const raw = reply.raw;
    raw.setHeader("x-request-id", req.id);
    for (const [name, value] of securityHeaders) raw.setHeader(name, value);
    done();
  });

  app.addHook("onResponse", (req, reply, done) => {
    if (req.url !== "/healthz" && req.url !== "/metrics" && (req.log as Logger).isLevelEnabled("info")) {
      req.log.info(
        { method: req.method, url: req.url.split("?")[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        "request",
      );
    }
    done();
  });

  // Latency per route, and GET /metrics for Prometheus (http/metrics.ts); only with services.metrics.
  registerMetrics(app, services);

  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_req, reply) => {
    try {
      const pending = await pendingMigrations((sql) => services.db.$queryRawUnsafe(sql));
      if (pending.length) return reply.code(503).send({ ok: false, reason: "migrations pending", pending });
      return { ok: true };
    } catch (e) {
      services.log.warn({ err: e }, "readiness check failed");
      return reply.code(503).send({ ok: false, reason: "database unreachable" });
    }
  });

  // tRPC's Fastify plugin with a direct path for plain JSON calls (http/trpc-plugin.ts).
  await app.register(trpcPlugin<AppRouter>, {
    prefix: "/trpc",
    trpcOptions: trpcOptionsFor(services),
    securityHeaders: securityHeaders.flat(),
  });

  // The browser console's sign-in, with the refresh token in an httpOnly cookie (http/web-session.ts).
  await registerWebSession(app, services);

  // Webhooks (Chatwoot, WhatsApp Cloud API, Stripe, Google Calendar) and sandbox pages: each area
  // registers its own encapsulated plugin (raw-body parsing stays local to it).
  await registerIntegrationRoutes(app, services);

  return app;
}
