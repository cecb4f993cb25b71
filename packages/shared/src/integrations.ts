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

// ── Settings → Integrations: credentials an owner enters in the console ──

/** The settings the console can set, by the environment variable each stands for. */
export const INTEGRATION_SETTING_KEYS = [
  "CHATWOOT_BASE_URL",
  "CHATWOOT_ACCOUNT_ID",
  "CHATWOOT_API_TOKEN",
  "CHATWOOT_WEBHOOK_SECRET",
  "WHATSAPP_ACCESS_TOKEN",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_VERIFY_TOKEN",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "GOOGLE_SERVICE_ACCOUNT_JSON",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_MODEL",
  "CITA_SANDBOX_CHANNELS",
  "CITA_SANDBOX_STRIPE",
  "CITA_SANDBOX_CALENDAR",
] as const;
export const integrationSettingKey = z.enum(INTEGRATION_SETTING_KEYS);
export type IntegrationSettingKey = z.infer<typeof integrationSettingKey>;

/** Longest value accepted (a Google service-account JSON is about 2.4 kB). */
export const INTEGRATION_SETTING_MAX = 8192;

/**
 * A value as typed: printable text only (a service-account JSON may span lines), at most 8 kB;
 * each setting is then checked by the server's own rule for that variable.
 */
const settingValue = z
  .string()
  .max(INTEGRATION_SETTING_MAX, `must be at most ${INTEGRATION_SETTING_MAX} characters`)
  .refine(
    (v) =>
      ![...v].some((ch) => {
        const c = ch.charCodeAt(0);
        return (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127;
      }),
    "must not contain control characters",
  );

/** integrations.save: the settings to set; a field left out is left as it is. */
export const integrationSaveInput = z.object(
  Object.fromEntries(INTEGRATION_SETTING_KEYS.map((k) => [k, settingValue.optional()])) as Record<
    IntegrationSettingKey,
    z.ZodOptional<typeof settingValue>
  >,
);
export type IntegrationSaveInput = z.infer<typeof integrationSaveInput>;

export const integrationClearInput = z.object({ keys: z.array(integrationSettingKey).min(1).max(20) });
export const integrationTestInput = z.object({ kind: integrationKind });

export const integrationFieldView = z.object({
  key: integrationSettingKey,
  /** Secrets are never sent back: only `hint`. */
  secret: z.boolean(),
  /** server: set in the server's environment (wins, read-only here); app: entered in the console; unset. */
  source: z.enum(["server", "app", "unset"]),
  /** A secret's last four characters ("…4242"), a service account's e-mail, or a plain setting's value. */
  hint: z.string().nullable(),
  kind: z.enum(["text", "secret", "json", "switch"]),
});
export type IntegrationFieldView = z.infer<typeof integrationFieldView>;

export const integrationSettingsView = z.array(
  z.object({
    kind: integrationKind,
    fields: z.array(integrationFieldView),
    /** URLs to paste into the provider's dashboard (Chatwoot, Meta, Stripe). */
    webhooks: z.array(z.object({ label: z.string(), url: z.string() })),
  }),
);
export type IntegrationSettingsView = z.infer<typeof integrationSettingsView>;

export const integrationTestResult = z.object({ ok: z.boolean(), message: z.string() });
