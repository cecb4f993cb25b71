// GET /metrics (Prometheus text format) and the request-latency hook. Off the public internet by
// default: with METRICS_TOKEN set, only `Authorization: Bearer <token>` is answered; without it,
// only clients on this machine (the socket's address, never X-Forwarded-For), and not through a proxy
// (no forwarding headers). The families are
// defined in metrics/metrics.ts.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppServices } from "../services.ts";
import { appRouter } from "../trpc/router.ts";

/** Webhook routes (POST) → the source label, as stored on webhook_event.source. */
const WEBHOOK_SOURCES: Record<string, string> = {
  "/webhooks/chatwoot": "chatwoot",
  "/webhooks/chatwoot/:token": "chatwoot",
  "/webhooks/whatsapp": "whatsapp_cloud",
  "/webhooks/stripe": "stripe",
  "/webhooks/google-calendar": "google_calendar",
};

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Whether this request may read the metrics (see the top of the file). Without a token, a request
 * relayed by a proxy on this machine also arrives from loopback: one carrying a forwarding header
 * is refused (README: set METRICS_TOKEN whenever a reverse proxy is in front).
 */
export function metricsAllowed(req: FastifyRequest, token: string | undefined): boolean {
  if (!token) {
    const h = req.headers;
    const relayed = h["x-forwarded-for"] !== undefined || h.forwarded !== undefined || h["x-real-ip"] !== undefined;
    return !relayed && LOOPBACK.has(req.socket.remoteAddress ?? "");
  }
  const header = req.headers.authorization;
  const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : "";
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The route label: the route's pattern (never the raw URL), tRPC calls by procedure (a known one;
 * batches and unknown names each as one label), "(unmatched)" for 404s.
 */
function routeLabel(req: FastifyRequest, procedures: ReadonlySet<string>): string {
  const url = req.routeOptions.url;
  if (url === undefined) return "(unmatched)";
  if (url !== "/trpc/:path") return url;
  const path = (req.params as { path?: string }).path ?? "";
  return procedures.has(path) ? `/trpc/${path}` : path.includes(",") ? "/trpc/(batch)" : "/trpc/(unknown)";
}

/** Records every response's latency and serves /metrics; nothing when the services carry no Metrics. */
export function registerMetrics(app: FastifyInstance, services: AppServices): void {
  const metrics = services.metrics;
  if (!metrics) return;
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  app.addHook("onResponse", (req, reply, done) => {
    const route = routeLabel(req, procedures);
    metrics.httpRequest(req.method, route, reply.statusCode, reply.elapsedTime);
    const source = req.method === "POST" ? WEBHOOK_SOURCES[route] : undefined;
    if (source) metrics.webhookAnswered(source, reply.statusCode);
    done();
  });
  app.get("/metrics", async (req, reply) => {
    if (!metricsAllowed(req, services.config.METRICS_TOKEN)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="metrics"')
        .send({ error: "metrics need METRICS_TOKEN (Authorization: Bearer) or a loopback client" });
    }
    const text = await metrics.scrape();
    return reply.header("content-type", metrics.contentType).header("cache-control", "no-store").send(text);
  });
}
