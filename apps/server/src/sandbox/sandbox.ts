// Sandbox mode (development, integration not configured): local stand-ins for Chatwoot, Stripe and
// Google Calendar on loopback ports, and the settings that point Cita's real clients at them. Every
// message, payment and busy time still goes through the real webhook routes, signatures, queue,
// outbox and sync code; only the far end is local. Secrets are derived from the auth secret (kept in
// the data dir), so they are stable across restarts and never written anywhere else.
import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import { sandboxCalendarAuth } from "../calendar/client.ts";
import { FakeCalendar } from "../calendar/fakes/fake-calendar.ts";
import type { AppConfig } from "../config/env.ts";
import { FakeStripe } from "../payments/fakes/fake-stripe.ts";
import { reportIntegration } from "../payments/integration-status.ts";
import type { AppServices } from "../trpc/context.ts";
import { SandboxChatwoot } from "./chatwoot.ts";
import { anySandbox, type SandboxPlan, sandboxPlan } from "./mode.ts";

export interface Sandbox {
  plan: SandboxPlan;
  chatwoot: SandboxChatwoot | null;
  stripe: FakeStripe | null;
  calendar: FakeCalendar | null;
  /** Signs the sandbox's Chatwoot deliveries (CHATWOOT_WEBHOOK_SECRET). */
  chatwootSecret: string;
  /** Signs the sandbox's Stripe events (STRIPE_WEBHOOK_SECRET). */
  stripeWebhookSecret: string;
  /** Set once the server listens: where the sandbox posts its webhooks (the real routes). */
  selfUrl: string;
  stop(): Promise<void>;
}

const derive = (authSecret: string, label: string) =>
  createHmac("sha256", authSecret).update(`cita-sandbox:${label}`).digest("hex").slice(0, 40);

/** Starts the stand-ins the plan needs; null when nothing runs in sandbox mode. */
export async function startSandbox(
  config: AppConfig,
  authSecret: string,
  log: Logger,
): Promise<{ sandbox: Sandbox; config: AppConfig } | null> {
  const plan = sandboxPlan(config);
  if (!anySandbox(plan)) return null;
  const started: { stop(): Promise<void> }[] = [];
  const overrides: Partial<AppConfig> = {};
  const chatwootSecret = derive(authSecret, "chatwoot-webhook");
  const stripeWebhookSecret = `whsec_${derive(authSecret, "stripe-webhook")}`;
  const publicBase = () => config.CITA_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  try {
    let chatwoot: SandboxChatwoot | null = null;
    if (plan.channels) {
      chatwoot = new SandboxChatwoot(derive(authSecret, "chatwoot-token"));
      await chatwoot.start();
      started.push(chatwoot);
      Object.assign(overrides, {
        CHATWOOT_BASE_URL: chatwoot.url,
        CHATWOOT_API_TOKEN: chatwoot.token,
        CHATWOOT_ACCOUNT_ID: chatwoot.accountId,
        CHATWOOT_WEBHOOK_SECRET: chatwootSecret,
        CHATWOOT_SIGNATURE: "required",
      } satisfies Partial<AppConfig>);
    }
    let stripe: FakeStripe | null = null;
    if (plan.stripe) {
      stripe = new FakeStripe({ checkoutUrl: (id) => `${publicBase()}/sandbox/checkout/${id}` });
      await stripe.start();
      started.push(stripe);
      Object.assign(overrides, {
        STRIPE_SECRET_KEY: `sk_test_sandbox_${derive(authSecret, "stripe-key").slice(0, 24)}`,
        STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
        STRIPE_API_BASE: stripe.url,
      } satisfies Partial<AppConfig>);
    }
    let calendar: FakeCalendar | null = null;
    if (plan.calendar) {
      calendar = new FakeCalendar();
      await calendar.start();
      started.push(calendar);
      overrides.GOOGLE_API_ROOT = calendar.url;
    }
    const sandbox: Sandbox = {
      plan,
      chatwoot,
      stripe,
      calendar,
      chatwootSecret,
      stripeWebhookSecret,
      selfUrl: publicBase(),
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => {});
      },
    };
    log.info(
      { sandbox: plan },
      `sandbox mode for: ${[plan.channels && "WhatsApp", plan.stripe && "Stripe", plan.calendar && "Google Calendar"].filter(Boolean).join(", ")} (local stand-ins; see /sandbox)`,
    );
    return { sandbox, config: { ...config, ...overrides } };
  } catch (e) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw e;
  }
}

const attached = new WeakMap<object, Sandbox>();

/** Puts the sandbox's calendar auth on the services and remembers the sandbox for its routes. */
export function attachSandbox(services: AppServices, sandbox: Sandbox): void {
  attached.set(services, sandbox);
  // Request contexts are copies of the services that share their config object.
  attached.set(services.config, sandbox);
  // A static token, made into an OAuth2 client when the calendar is first used (calendar/client.ts).
  if (sandbox.calendar && !services.calendarAuth) services.calendarAuth = sandboxCalendarAuth();
}

export function sandboxOf(services: Pick<AppServices, "config">): Sandbox | null {
  return attached.get(services) ?? attached.get(services.config) ?? null;
}

/** integration_status rows for the console: the WhatsApp channel (payments and calendar report their own). */
export async function reportSandbox(services: AppServices, sandbox: Sandbox): Promise<void> {
  if (sandbox.plan.channels) {
    await reportIntegration(services.db, "whatsapp", { mode: "sandbox", healthy: true }, services.clock());
  }
}
