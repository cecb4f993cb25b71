// What the console's settings show about each optional integration: whether it is configured (and if
// not, which settings to set), whether it runs live or on a local sandbox stand-in, and its health.
// Never a secret's value: only the names of settings.
import { z } from "zod";
import { isoInstant } from "./common.ts";

export const INTEGRATION_KINDS = ["chatwoot", "whatsapp", "stripe", "google_calendar", "claude"] as const;
export const integrationKind = z.enum(INTEGRATION_KINDS);
export type IntegrationKind = z.infer<typeof integrationKind>;

export const integrationView = z.object({
  kind: integrationKind,
  /** The operator set what it needs (a sandbox stand-in does not count). */
  configured: z.boolean(),
  /** off: not running; sandbox: local stand-in or test keys; live: the real service. */
  mode: z.enum(["off", "sandbox", "live"]),
  /** Settings (environment variable names) still to set; empty when configured. */
  missing: z.array(z.string()),
  /** What happens while it is off, in one sentence (English; the console has its own wording). */
  effectWhenOff: z.string(),
  /** null: nothing has happened yet to tell (no call made since it was set up). */
  healthy: z.boolean().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: isoInstant.nullable(),
  lastOkAt: isoInstant.nullable(),
});
export type IntegrationView = z.infer<typeof integrationView>;
