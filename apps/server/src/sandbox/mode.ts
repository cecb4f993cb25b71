// Which integrations run in sandbox mode: in development, every one that is not configured (a channel,
// Stripe, Google Calendar). Production never runs a sandbox: an unconfigured integration refuses start-up.
import type { AppConfig } from "../config/env.ts";

export interface SandboxPlan {
  /** WhatsApp through a local Chatwoot stand-in (no CHATWOOT_* and no WHATSAPP_ACCESS_TOKEN). */
  channels: boolean;
  /** Deposits through a local Stripe stand-in (no STRIPE_SECRET_KEY). */
  stripe: boolean;
  /** Stylists' calendars through a local Google Calendar stand-in (no GOOGLE_SERVICE_ACCOUNT_JSON). */
  calendar: boolean;
}

const chatwootConfigured = (c: AppConfig) => !!(c.CHATWOOT_BASE_URL && c.CHATWOOT_API_TOKEN && c.CHATWOOT_ACCOUNT_ID);

/** What an unconfigured integration would be, without regard to CITA_ENV. */
function unconfigured(c: AppConfig): SandboxPlan {
  return {
    channels: !chatwootConfigured(c) && !c.WHATSAPP_ACCESS_TOKEN,
    stripe: !c.STRIPE_SECRET_KEY,
    calendar: !c.GOOGLE_SERVICE_ACCOUNT_JSON,
  };
}

export function sandboxPlan(c: AppConfig): SandboxPlan {
  if (c.CITA_ENV !== "development" || !c.CITA_SANDBOX) return { channels: false, stripe: false, calendar: false };
  const u = unconfigured(c);
  // One integration's sandbox can be turned off on its own (CITA_SANDBOX_<X>=false, or the console's setting).
  return {
    channels: u.channels && c.CITA_SANDBOX_CHANNELS !== false,
    stripe: u.stripe && c.CITA_SANDBOX_STRIPE !== false,
    calendar: u.calendar && c.CITA_SANDBOX_CALENDAR !== false,
  };
}

export const anySandbox = (p: SandboxPlan) => p.channels || p.stripe || p.calendar;

/**
 * The one line a production start with an unconfigured integration stops on (null when all are set):
 * sandbox mode must never be on silently in production.
 */
export function productionSandboxRefusal(c: AppConfig): string | null {
  if (c.CITA_ENV !== "production") return null;
  const u = unconfigured(c);
  if (u.stripe)
    return "Invalid configuration: STRIPE_SECRET_KEY must be set when CITA_ENV=production (Stripe would run in sandbox mode)";
  if (u.channels) {
    return "Invalid configuration: CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID (or WHATSAPP_ACCESS_TOKEN) must be set when CITA_ENV=production (WhatsApp would run in sandbox mode)";
  }
  if (u.calendar) {
    return "Invalid configuration: GOOGLE_SERVICE_ACCOUNT_JSON must be set when CITA_ENV=production (Google Calendar would run in sandbox mode)";
  }
  return null;
}
