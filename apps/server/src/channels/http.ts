// Webhook routes for Chatwoot and the WhatsApp Cloud API, in one encapsulated plugin whose content-type
// parser keeps the raw bytes: signatures are checked on exactly what was sent (integrations.md §1.3,
// §2.2), then the delivery is stored and deduplicated before the 200; a job does the rest (§6).
//
// Chatwoot deliveries are accepted only from Chatwoot: signed with a configured secret on
// /webhooks/chatwoot, or — for a Chatwoot that cannot sign (< 4.11.2) — posted to
// /webhooks/chatwoot/<CHATWOOT_WEBHOOK_URL_TOKEN>, the token compared in constant time. Nothing
// else is anonymous: with neither configured, every Chatwoot delivery is refused (and logged so).
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppServices } from "../services.ts";
import { chatwootSecrets, chatwootUrlToken } from "./config.ts";
import { keptHeaders } from "./inbound.ts";
import { createDeliveryIntake, type WebhookSourceName } from "./intake.ts";
import { type Classified, classifyChatwoot, classifyMeta } from "./payloads.ts";
import { hasChatwootSignature, verifyChatwoot, verifyMeta } from "./signatures.ts";

/** Webhook bodies are small (a message and its metadata); this bounds memory per request. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function single(v: unknown): string | undefined {
  return typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined;
}

export async function registerChannelRoutes(app: FastifyInstance, services: AppServices): Promise<void> {
  // Deliveries are stored by group commit (intake.ts): concurrent requests share one statement,
  // each answered once its row and its processing job are committed. Closing waits for the writes.
  const intake = createDeliveryIntake(services);
  app.addHook("onClose", async () => {
    await intake.drain();
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Any content type (Chatwoot and Meta send application/json; nobody gets to pick a different parser).
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) req.log.error({ err }, "webhook handling failed");
      else req.log.warn({ status, code: err.code }, "webhook refused");
      return reply.code(status).send({ error: status === 500 ? "internal error" : err.message });
    });

    async function accept(
      req: FastifyRequest,
      reply: FastifyReply,
      source: WebhookSourceName,
      verify: (raw: Buffer) => { ok: true } | { ok: false; reason: string },
      classify: (body: unknown, raw: Buffer) => Classified,
    ) {
      const raw = req.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) return reply.code(400).send({ error: "empty body" });
      const sig = verify(raw);
      if (!sig.ok) {
        // Never log the body: it carries personal data and is not trusted.
        req.log.warn({ source, reason: sig.reason, bytes: raw.length }, "webhook refused: not authenticated");
        return reply.code(401).send({ error: "invalid signature" });
      }
      const text = raw.toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return reply.code(400).send({ error: "body is not JSON" });
      }
      const c = classify(body, raw);
      if (!c.ok) return reply.code(c.status).send({ error: c.message });
      if (!c.process) req.log.debug({ source, reason: c.ignoredReason }, "webhook delivery not used");
      // Answered only once the row (and its processing job) is committed, with others arriving meanwhile.
      const stored = await intake.store({
        source,
        dedupKey: c.dedupKey,
        headers: keptHeaders(req.headers),
        rawBody: text,
        process: c.process,
        ...(c.ignoredReason ? { ignoredReason: c.ignoredReason } : {}),
      });
      return reply.code(200).send({ ok: true, duplicate: stored.duplicate, ...(c.process ? {} : { ignored: true }) });
    }

    const classifyCw = (req: FastifyRequest) => (body: unknown, raw: Buffer) =>
      classifyChatwoot(body, single(req.headers["x-chatwoot-delivery"]), raw);

    scope.post("/webhooks/chatwoot", { bodyLimit: WEBHOOK_BODY_LIMIT }, (req, reply) => {
      const secrets = chatwootSecrets(services.config);
      return accept(
        req,
        reply,
        "chatwoot",
        (raw) => verifyChatwoot(raw, req.headers, secrets, Date.now()),
        classifyCw(req),
      );
    });

    // For a Chatwoot that cannot sign: the URL carries the install's secret token.
    scope.post<{ Params: { token: string } }>(
      "/webhooks/chatwoot/:token",
      {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        // The request log line (http/server.ts) prints the URL: never the token in it.
        onRequest: (req, _reply, done) => {
          req.raw.url = "/webhooks/chatwoot/[token]";
          done();
        },
      },
      (req, reply) => {
        const expected = chatwootUrlToken(services.config);
        const given = req.params.token;
        return accept(
          req,
          reply,
          "chatwoot",
          (raw) => {
            if (!expected) {
              return {
                ok: false,
                reason:
                  "CHATWOOT_WEBHOOK_URL_TOKEN is not configured: deliveries to /webhooks/chatwoot/<token> are refused",
              };
            }
            if (!given || !sameSecret(given, expected)) return { ok: false, reason: "wrong webhook URL token" };
            // A signature that is sent is still checked when a secret is configured to check it with.
            const secrets = chatwootSecrets(services.config);
            if (secrets.length && hasChatwootSignature(req.headers)) {
              return verifyChatwoot(raw, req.headers, secrets, Date.now());
            }
            return { ok: true };
          },
          classifyCw(req),
        );
      },
    );

    // Meta's verification handshake (§2.1): echo hub.challenge as plain text when the token matches.
    scope.get("/webhooks/whatsapp", async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      const mode = single(q["hub.mode"]);
      const token = single(q["hub.verify_token"]);
      const challenge = single(q["hub.challenge"]);
      const expected = services.config.WHATSAPP_VERIFY_TOKEN;
      if (
        mode !== "subscribe" ||
        !token ||
        !expected ||
        !challenge ||
        challenge.length > 512 ||
        !sameSecret(token, expected)
      ) {
        req.log.warn({ mode }, "whatsapp verification refused");
        return reply.code(403).type("text/plain").send("forbidden");
      }
      return reply.code(200).type("text/plain").send(challenge);
    });

    scope.post("/webhooks/whatsapp", { bodyLimit: WEBHOOK_BODY_LIMIT }, (req, reply) =>
      accept(
        req,
        reply,
        "whatsapp_cloud",
        (raw) => verifyMeta(raw, req.headers, services.config.WHATSAPP_APP_SECRET),
        (body, raw) => classifyMeta(body, raw),
      ),
    );
  });
}
