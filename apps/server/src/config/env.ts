// The one place Cita reads its environment. Every setting is validated here; a bad one stops
// start-up with a single line naming the variable. Secrets are marked so they never reach a log.
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded (openssl rand -base64 32)");
const url = z.url();
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Names of settings whose values are secrets: redacted wherever config is printed. */
export const SECRET_KEYS = [
  "DATABASE_URL",
  "CITA_DATA_KEY",
  "CITA_AUTH_SECRET",
  "CHATWOOT_API_TOKEN",
  "CHATWOOT_WEBHOOK_SECRET",
  "CHATWOOT_WEBHOOK_URL_TOKEN",
  "WHATSAPP_ACCESS_TOKEN",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_VERIFY_TOKEN",
  "CHATWOOT_EXTRA_WEBHOOK_SECRETS",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "GOOGLE_SERVICE_ACCOUNT_JSON",
  "ANTHROPIC_API_KEY",
  "TRANSCRIBE_API_KEY",
  "METRICS_TOKEN",
] as const;

/** Root's home is closed to the `postgres` user that embedded PostgreSQL must run as, so root keeps data in /var/lib. */
function defaultDataDir(): string {
  return userInfo().uid === 0 ? "/var/lib/cita" : join(homedir(), ".cita");
}

export const envSchema = z.object({
  CITA_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(4000),
  CITA_PUBLIC_URL: url.optional(),
  /**
   * Reverse proxies to trust for the client's address (X-Forwarded-For): unset = none (the default;
   * direct connections), a hop count ("1"), or addresses / CIDR ranges ("10.0.0.1,192.168.0.0/16").
   */
  TRUST_PROXY: z
    .string()
    .regex(
      /^(\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/,
      'must be a hop count ("1") or addresses/CIDR ranges ("10.0.0.0/8,127.0.0.1")',
    )
    .optional(),
  /**
   * Bearer token for GET /metrics (Prometheus). Unset: /metrics answers only clients on this machine
   * (loopback), so it is never on the public internet by accident.
   */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CITA_DATA_DIR: z.string().min(1).default(defaultDataDir()),
  /** Any PostgreSQL ≥ 15. Unset: embedded PostgreSQL under CITA_DATA_DIR/pg. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection URL")
    .optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  /**
   * Daily backups (db/backup.ts): the folder (default <CITA_DATA_DIR>/backups). On the embedded
   * default they run by themselves; with DATABASE_URL only when this is set.
   */
  CITA_BACKUP_DIR: z.string().min(1).optional(),
  /** Days of daily backups kept (the newest one is always kept). */
  CITA_BACKUP_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Hour of the daily backup, 0–23, in the salon's time zone (or later, if the computer was off then). */
  CITA_BACKUP_HOUR: z.coerce.number().int().min(0).max(23).default(3),
  /** AES-256 key for personal data. Unset on the embedded default: generated into the data dir. */
  CITA_DATA_KEY: base64Key.optional(),
  /** HMAC key for access tokens. Unset: generated into the data dir. */
  CITA_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  CITA_SEED_DEMO: bool.default(true),
  /** With the demo seed: a few WhatsApp chats, two of them waiting for a person (db/seed-chats.ts). */
  CITA_SEED_DEMO_CHATS: bool.default(true),
  /**
   * Test-only: the server's clock starts at this ISO instant and runs on from there (the hard-dates
   * run starts servers on closures, DST changes, 29 February…). Refused when CITA_ENV=production.
   */
  CITA_TEST_NOW: z.iso
    .datetime({ offset: true })
    .refine((v) => Number.isFinite(Date.parse(v)), "must be an ISO instant")
    .optional(),
  /** In development, unconfigured integrations run against local stand-ins (sandbox/); false: they stay off. */
  CITA_SANDBOX: bool.default(true),
  /** Per integration (also a setting in Settings → Integrations): false keeps that one off instead of on a stand-in. */
  CITA_SANDBOX_CHANNELS: bool.optional(),
  CITA_SANDBOX_STRIPE: bool.optional(),
  CITA_SANDBOX_CALENDAR: bool.optional(),
  // Integrations (each optional; unset means off or sandbox — see README).
  CHATWOOT_BASE_URL: url.optional(),
  CHATWOOT_API_TOKEN: z.string().min(1).optional(),
  CHATWOOT_ACCOUNT_ID: z.coerce.number().int().positive().optional(),
  /** The secret Chatwoot ≥ 4.11.2 signs deliveries with (X-Chatwoot-Signature): an unsigned delivery is refused. */
  CHATWOOT_WEBHOOK_SECRET: z.string().min(1).optional(),
  /**
   * Unsigned Chatwoot deliveries are never accepted: `required` is the only value left (`optional`
   * and `off` stop start-up, naming the alternative). A Chatwoot that cannot sign posts to
   * /webhooks/chatwoot/<CHATWOOT_WEBHOOK_URL_TOKEN> instead.
   */
  CHATWOOT_SIGNATURE: z
    .literal("required", {
      error:
        'must be "required": unsigned Chatwoot deliveries are no longer accepted (set CHATWOOT_WEBHOOK_SECRET, or CHATWOOT_WEBHOOK_URL_TOKEN for a Chatwoot older than 4.11.2; see README)',
    })
    .default("required"),
  /** For a Chatwoot that cannot sign (< 4.11.2): the per-install secret in the webhook URL /webhooks/chatwoot/<token>. */
  CHATWOOT_WEBHOOK_URL_TOKEN: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{32,100}$/,
      "must be 32–100 URL-safe characters: A–Z, a–z, 0–9, _ or - (openssl rand -hex 24)",
    )
    .optional(),
  WHATSAPP_GRAPH_URL: url.default("https://graph.facebook.com/v23.0"),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  // Channels (apps/server/src/channels): several Chatwoot webhooks (agent bot, account webhook, other
  // inboxes) each sign with their own secret; any of these (comma-separated) is accepted.
  CHATWOOT_EXTRA_WEBHOOK_SECRETS: z.string().min(1).optional(),
  /** Staff e-mail → Chatwoot user id for assignment on takeover, "ana@salon.es=7,luis@salon.es=9". */
  CHATWOOT_ASSIGNEES: z.string().min(1).optional(),
  /** Approved WhatsApp templates staff may send outside the 24 h window, "name:lang,name:lang". */
  WHATSAPP_TEMPLATES: z.string().min(1).optional(),
  CHANNELS_SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  CHANNELS_SEND_BASE_DELAY_MS: z.coerce.number().int().min(10).default(2000),
  CHANNELS_HTTP_TIMEOUT_MS: z.coerce.number().int().min(50).default(10_000),
  /**
   * How long a customer must have been quiet before the agent answers: messages written in a burst
   * ("hola" / "quiero corte" / "mañana" …) become one turn. 0 = answer each message at once.
   */
  TURN_QUIET_MS: z.coerce.number().int().min(0).max(10_000).default(700),
  /** Workers per job queue in each process (jobs of different conversations run side by side). */
  JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Agent turns running at once per process. A turn mostly waits (the customer's pause, the model's
   * answer), so this is larger than JOBS_CONCURRENCY: 50 customers writing at once are all answered
   * within a model call or two, not one after another.
   */
  TURN_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /**
   * How soon work a dead process was holding passes to another instance: a conversation's turn lease
   * and every job queue's expiry are capped at this, the job queue checks for expired jobs this often,
   * and the channels sweep re-enqueues deliveries and sends stranded this long. Unset: leases 120 s,
   * expiries 2–10 min per queue, checked every 2 min, sweep after 1 min. Set it lower only if agent
   * turns finish well within it (a turn that outlives its lease is retried, never answered twice).
   */
  CITA_TAKEOVER_SECONDS: z.coerce.number().int().min(5).max(600).optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_/, "must start with sk_ or rk_")
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_/, "must start with whsec_")
    .optional(),
  STRIPE_API_BASE: url.optional(),
  GOOGLE_SERVICE_ACCOUNT_JSON: z.string().min(1).optional(),
  GOOGLE_API_ROOT: url.optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: url.optional(),
  // claude-sonnet-4-5 reaches end of life on 2026-11-30 (the SDK warns): the newest Sonnet in the SDK.
  ANTHROPIC_MODEL: z.string().min(1).default("claude-sonnet-5-5"),
  /**
   * Voice notes: an OpenAI-compatible speech-to-text server, POST <url>/v1/audio/transcriptions
   * (https://api.openai.com, https://api.groq.com/openai, a self-hosted whisper.cpp server…).
   * Unset: the agent asks the customer to write instead.
   */
  TRANSCRIBE_URL: url.optional(),
  /** Bearer key for TRANSCRIBE_URL; a self-hosted server may need none. */
  TRANSCRIBE_API_KEY: z.string().min(1).optional(),
  /** whisper-1 (OpenAI), whisper-large-v3-turbo (Groq); whisper.cpp ignores it. */
  TRANSCRIBE_MODEL: z.string().min(1).default("whisper-1"),
  /** ISO-639-1 language hint ("es"); unset, the service detects the language of each note. */
  TRANSCRIBE_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be a two-letter ISO-639-1 code such as "es"')
    .optional(),
  TRANSCRIBE_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(20_000),
});

export type AppConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`Invalid configuration: ${variable} ${expected}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment (process.env by default). Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings count as unset, as in most .env conventions.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    const value = cleaned[variable];
    const shown =
      value === undefined || (SECRET_KEYS as readonly string[]).includes(variable) ? "" : ` (got "${value}")`;
    throw new ConfigError(variable, `${issue?.message ?? "is invalid"}${shown}`);
  }
  const c = result.data;
  const chatwootInUse = !!(c.CHATWOOT_BASE_URL || c.CHATWOOT_API_TOKEN || c.CHATWOOT_ACCOUNT_ID);
  const chatwootAuthenticated = !!(
    c.CHATWOOT_WEBHOOK_SECRET ||
    c.CHATWOOT_EXTRA_WEBHOOK_SECRETS ||
    c.CHATWOOT_WEBHOOK_URL_TOKEN
  );
  if (c.CITA_ENV === "production" && chatwootInUse && !chatwootAuthenticated) {
    throw new ConfigError(
      "CHATWOOT_WEBHOOK_SECRET",
      "must be set when CITA_ENV=production and Chatwoot is configured: the webhook's or agent bot's secret (Chatwoot ≥ 4.11.2 signs deliveries), or for a Chatwoot that cannot sign, CHATWOOT_WEBHOOK_URL_TOKEN (see README)",
    );
  }
  if (c.TRANSCRIBE_API_KEY && !c.TRANSCRIBE_URL) {
    throw new ConfigError(
      "TRANSCRIBE_URL",
      "must be set when TRANSCRIBE_API_KEY is: the speech-to-text server (https://api.openai.com for OpenAI, https://api.groq.com/openai for Groq)",
    );
  }
  if (result.data.CITA_ENV === "production" && result.data.CITA_TEST_NOW)
    throw new ConfigError("CITA_TEST_NOW", "is a test-only setting and is refused when CITA_ENV=production");
  return result.data;
}

/** A copy safe to log: secrets replaced by "[set]". */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, (SECRET_KEYS as readonly string[]).includes(k) && v ? "[set]" : v]),
  );
}
