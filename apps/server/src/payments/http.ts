// POST /webhooks/stripe: verify the Stripe-Signature over the raw body (constructEvent, 300 s
// tolerance — reference §3.2), store the event and enqueue its processing in one transaction,
// answer 200. Processing happens in the job (payments/jobs.ts), never in the request.
import type { FastifyInstance } from "fastify";
import type Stripe from "stripe";
import type { AppServices } from "../services.ts";
import { storeStripeEvent } from "./events.ts";
import { stripeSdk } from "./stripe-client.ts";

export const STRIPE_TOLERANCE_S = 300;

export async function registerPaymentRoutes(app: FastifyInstance, services: AppServices): Promise<void> {
  await app.register(async (scope) => {
    // Raw body, only in this plugin: the signature is over the exact bytes Stripe sent.
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
    scope.post("/webhooks/stripe", async (req, reply) => {
      const secret = services.config.STRIPE_WEBHOOK_SECRET;
      if (!secret) return reply.code(503).send({ error: "Stripe webhooks are off (STRIPE_WEBHOOK_SECRET is not set)" });
      const raw = typeof req.body === "string" ? req.body : "";
      const signature = req.headers["stripe-signature"];
      let event: Stripe.Event;
      try {
        if (typeof signature !== "string") throw new Error("missing Stripe-Signature");
        event = stripeSdk().webhooks.constructEvent(raw, signature, secret, STRIPE_TOLERANCE_S);
      } catch (e) {
        req.log.warn({ err: (e as Error).message }, "stripe webhook rejected");
        return reply.code(400).send({ error: "bad signature" });
      }
      const stored = await storeStripeEvent(services, event, raw, {
        "stripe-signature": signature,
        "content-type": req.headers["content-type"] ?? null,
      });
      return reply.code(200).send({ received: true, duplicate: stored.duplicate });
    });
  });
}
