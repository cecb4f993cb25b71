// The Stripe SDK client, built from settings: off without STRIPE_SECRET_KEY, "sandbox" for test
// keys, "live" for live keys. STRIPE_API_BASE points the SDK at another host (the local fake in
// tests) through its host/port/protocol options (reference integrations.md §3.6).
import { createRequire } from "node:module";
import type Stripe from "stripe";
import type { AppConfig } from "../config/env.ts";
import { AppError } from "../errors/app-error.ts";
import type { AppServices } from "../services.ts";
import type { IntegrationMode } from "./integration-status.ts";

export type StripeServices = Pick<AppServices, "config"> & Partial<Pick<AppServices, "stripe">>;

export function stripeMode(config: AppConfig): IntegrationMode {
  const key = config.STRIPE_SECRET_KEY;
  if (!key) return "off";
  return /^(sk|rk)_live_/.test(key) ? "live" : "sandbox";
}

// The SDK takes ~0.1 s to load: required at first use (synchronously, its CommonJS build), so a
// start never waits for it. Nothing here tells its classes apart (no instanceof), so it does not
// matter that a test's own `import Stripe from "stripe"` is the ES module build.
let sdk: typeof Stripe | undefined;
export function stripeSdk(): typeof Stripe {
  sdk ??= createRequire(import.meta.url)("stripe") as typeof Stripe;
  return sdk;
}

export function createStripe(
  secretKey: string,
  apiBase?: string,
  opts: { maxNetworkRetries?: number; timeout?: number } = {},
): Stripe {
  const base = apiBase ? new URL(apiBase) : null;
  const Stripe = stripeSdk();
  return new Stripe(secretKey, {
    // SDK default is 2 retries on connection errors, 409 and 5xx (reference §3.5); our jobs retry too.
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    timeout: opts.timeout ?? 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol === "https:" ? "https" : "http",
        }
      : {}),
    appInfo: { name: "cita" },
  });
}

// The settings each client was built from: a key entered in Settings → Integrations rewrites the
// running config in place, and the next call builds a client with it (no restart).
const built = new WeakMap<AppConfig, { key: string; base: string | undefined; client: Stripe }>();

/** The configured client, or null when Stripe is off. */
export function stripeFor(services: StripeServices): Stripe | null {
  if (services.stripe) return services.stripe;
  const key = services.config.STRIPE_SECRET_KEY;
  if (!key) return null;
  const base = services.config.STRIPE_API_BASE;
  let s = built.get(services.config);
  if (!s || s.key !== key || s.base !== base) {
    s = { key, base, client: createStripe(key, base) };
    built.set(services.config, s);
  }
  return s.client;
}

export function requireStripe(services: StripeServices): Stripe {
  const s = stripeFor(services);
  if (!s) throw new AppError("UNAVAILABLE", "Deposits are off: Stripe is not configured (STRIPE_SECRET_KEY)");
  return s;
}
