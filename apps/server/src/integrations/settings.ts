// Settings → Integrations (issue #17 item 3): credentials an owner enters in the console instead of
// the server's environment. Each value is stored encrypted with the data key (integration_setting);
// only a hint (a secret's last four characters) ever leaves the server, and audit rows name the
// setting and its hint, never the value. A variable set in the server's environment always wins and
// cannot be changed here.
//
// Taking effect without a restart: every consumer reads `services.config` (the one object request
// contexts, webhooks, jobs and the agent share), so a change rewrites that object in place from its
// layers — the environment, then the stored settings, then the sandbox stand-ins' settings for an
// integration that is still unconfigured. Clients built from settings (Stripe, Google Calendar, the
// Claude agent) remember what they were built from and are rebuilt when it changes. Other instances
// re-read the table every SETTINGS_POLL_MS (watchSettings), and every instance reads it at start-up.
import {
  INTEGRATION_SETTING_KEYS,
  type IntegrationFieldView,
  type IntegrationKind,
  type IntegrationSettingKey,
  type IntegrationSettingsView,
} from "@cita/shared";
import { type Actor, appendAudit } from "../changes/change-log.ts";
import { type AppConfig, envSchema } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { type SandboxPlan, sandboxPlan } from "../sandbox/mode.ts";
import { sandboxOf } from "../sandbox/sandbox.ts";
import type { AppServices } from "../services.ts";

type Field = IntegrationFieldView["kind"];

/** Each integration's settings in the order the console shows them, and how each is entered. */
export const INTEGRATION_FIELDS: Record<IntegrationKind, [IntegrationSettingKey, Field][]> = {
  chatwoot: [
    ["CHATWOOT_BASE_URL", "text"],
    ["CHATWOOT_ACCOUNT_ID", "text"],
    ["CHATWOOT_API_TOKEN", "secret"],
    ["CHATWOOT_WEBHOOK_SECRET", "secret"],
    ["CITA_SANDBOX_CHANNELS", "switch"],
  ],
  whatsapp: [
    ["WHATSAPP_ACCESS_TOKEN", "secret"],
    ["WHATSAPP_APP_SECRET", "secret"],
    ["WHATSAPP_VERIFY_TOKEN", "secret"],
  ],
  stripe: [
    ["STRIPE_SECRET_KEY", "secret"],
    ["STRIPE_WEBHOOK_SECRET", "secret"],
    ["CITA_SANDBOX_STRIPE", "switch"],
  ],
  google_calendar: [
    ["GOOGLE_SERVICE_ACCOUNT_JSON", "json"],
    ["CITA_SANDBOX_CALENDAR", "switch"],
  ],
  claude: [
    ["ANTHROPIC_API_KEY", "secret"],
    ["ANTHROPIC_MODEL", "text"],
  ],
};

const FIELD_KIND = new Map<IntegrationSettingKey, Field>(
  Object.values(INTEGRATION_FIELDS).flatMap((fields) => fields.map(([k, f]) => [k, f] as const)),
);
const isSecret = (key: IntegrationSettingKey) => {
  const f = FIELD_KIND.get(key);
  return f === "secret" || f === "json";
};

/** The settings each sandbox stand-in fills in while its integration is unconfigured. */
const SANDBOX_KEYS: Record<keyof SandboxPlan, (keyof AppConfig)[]> = {
  channels: ["CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID", "CHATWOOT_WEBHOOK_SECRET"],
  stripe: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"],
  calendar: ["GOOGLE_API_ROOT"],
};

export type StoredSettings = Map<IntegrationSettingKey, { value: string; hint: string }>;

/** The layers the running configuration is made of (one per services.config object). */
interface Layers {
  /** The configuration from the environment, before stored settings and the sandbox. */
  env: AppConfig;
  /** Settings the environment sets: they win, and the console shows them as set by the server. */
  envKeys: Set<IntegrationSettingKey>;
  /** What the sandbox stand-ins filled in at start-up (empty without a sandbox). */
  sandboxOverrides: Partial<AppConfig>;
  /** Which stand-ins were started (only those can be used again when a setting is removed). */
  startedPlan: SandboxPlan | null;
  /** Fingerprint of the rows last applied (watchSettings compares it). */
  applied: string;
}

const layersOf = new WeakMap<AppConfig, Layers>();

/** What each setting is with nothing in the environment (ANTHROPIC_MODEL has a default). */
const DEFAULTS = envSchema.parse({}) as AppConfig;

/** Settings the environment sets (a value equal to the built-in default counts as not set). */
export const keysSetIn = (c: AppConfig): Set<IntegrationSettingKey> =>
  new Set(INTEGRATION_SETTING_KEYS.filter((k) => c[k] !== undefined && c[k] !== "" && c[k] !== DEFAULTS[k]));

/**
 * Records the layers of a running configuration: `env` as parsed from the environment, `beforeSandbox`
 * with the stored settings applied, `running` the object services hold (the sandbox's settings in it).
 * Called by the composition root.
 */
export function registerConfigLayers(
  running: AppConfig,
  env: AppConfig,
  beforeSandbox: AppConfig,
  startedPlan: SandboxPlan | null,
): void {
  const sandboxOverrides: Partial<AppConfig> = {};
  for (const k of Object.keys(running) as (keyof AppConfig)[]) {
    if (running[k] !== beforeSandbox[k]) (sandboxOverrides as Record<string, unknown>)[k] = running[k];
  }
  layersOf.set(running, { env: { ...env }, envKeys: keysSetIn(env), sandboxOverrides, startedPlan, applied: "" });
}

function layers(config: AppConfig): Layers {
  let l = layersOf.get(config);
  if (!l) {
    // Services built without the composition root (tests, CLIs): what they hold is the environment.
    l = { env: { ...config }, envKeys: keysSetIn(config), sandboxOverrides: {}, startedPlan: null, applied: "" };
    layersOf.set(config, l);
  }
  return l;
}

// ── Validation and hints ──

const MAX_JSON = 8192;
const MAX_OTHER = 2048;

/** True when the text holds a control character (tab, CR and LF allowed when `lines`). */
export function hasControl(text: string, lines: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (lines && (c === 9 || c === 10 || c === 13)) continue;
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/** The value as the running configuration holds it, or a reason it is refused (never echoing the value). */
export function parseSetting(
  key: IntegrationSettingKey,
  raw: string,
): { ok: true; value: AppConfig[IntegrationSettingKey] } | { ok: false; message: string } {
  const value = raw.trim();
  if (value === "") return { ok: false, message: "must not be empty (remove the setting instead)" };
  const max = FIELD_KIND.get(key) === "json" ? MAX_JSON : MAX_OTHER;
  if (value.length > max) return { ok: false, message: `must be at most ${max} characters` };
  // A service-account JSON spans lines; nothing else may hold a control character.
  if (hasControl(value, FIELD_KIND.get(key) === "json"))
    return { ok: false, message: "must not contain control characters" };
  if (FIELD_KIND.get(key) === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return { ok: false, message: "must be the service account's JSON key file (this is not valid JSON)" };
    }
    const o = parsed as { client_email?: unknown; private_key?: unknown };
    if (
      typeof o !== "object" ||
      o === null ||
      typeof o.client_email !== "string" ||
      typeof o.private_key !== "string"
    ) {
      return { ok: false, message: "must be a service account's JSON key, with client_email and private_key" };
    }
    if (!o.private_key.includes("PRIVATE KEY")) return { ok: false, message: "private_key is not a PEM private key" };
  }
  const r = envSchema.shape[key].safeParse(value);
  if (!r.success) return { ok: false, message: r.error.issues[0]?.message ?? "is invalid" };
  if (r.data === undefined) return { ok: false, message: "is invalid" };
  return { ok: true, value: r.data as AppConfig[IntegrationSettingKey] };
}

/** What a console may see of a value: a secret's last four characters, a service account's e-mail, or the value. */
export function hintFor(key: IntegrationSettingKey, value: string): string {
  const kind = FIELD_KIND.get(key);
  if (kind === "json") {
    try {
      const email = (JSON.parse(value) as { client_email?: unknown }).client_email;
      return typeof email === "string" ? email.slice(0, 200) : "set";
    } catch {
      return "set";
    }
  }
  if (kind === "secret") return value.length >= 16 ? `…${value.slice(-4)}` : "set";
  return value.slice(0, 200);
}

// ── Loading and applying ──

/** A stored setting as read from integration_setting. */
export interface SettingRow {
  key: string;
  cipher: Uint8Array;
  hint: string;
  updatedAt: Date;
}

export async function loadStoredSettings(db: Db, fc: FieldCrypto): Promise<StoredSettings> {
  return storedSettingsFrom(await db.integrationSetting.findMany({ orderBy: { key: "asc" } }), fc);
}

/** The settings in rows already read (start-up reads them with its other checks, db/database.ts). */
export function storedSettingsFrom(rows: readonly Omit<SettingRow, "updatedAt">[], fc: FieldCrypto): StoredSettings {
  const out: StoredSettings = new Map();
  for (const r of rows) {
    if (!(INTEGRATION_SETTING_KEYS as readonly string[]).includes(r.key)) continue;
    out.set(r.key as IntegrationSettingKey, { value: fc.decrypt(r.cipher), hint: r.hint });
  }
  return out;
}

/** The configuration with stored settings applied: a variable set in the environment always wins. */
export function applyStoredSettings(
  config: AppConfig,
  stored: StoredSettings,
  envKeys: ReadonlySet<IntegrationSettingKey>,
): AppConfig {
  const out: Record<string, unknown> = { ...config };
  for (const [key, { value }] of stored) {
    if (envKeys.has(key)) continue;
    const parsed = parseSetting(key, value);
    if (parsed.ok) out[key] = parsed.value; // a row the rules now refuse is skipped, not fatal
  }
  return out as AppConfig;
}

/**
 * Rewrites `services.config` in place from its layers and the stored settings (every holder of the
 * object sees the change at once). Returns the sandbox plan now in force (null: no sandbox).
 */
export function applyToRunning(services: Pick<AppServices, "config">, stored: StoredSettings): void {
  const running = services.config;
  const l = layers(running);
  const withStored = applyStoredSettings(l.env, stored, l.envKeys);
  const effective: Record<string, unknown> = { ...withStored };
  const sandbox = sandboxOf(services);
  if (l.startedPlan) {
    const wanted = sandboxPlan(withStored);
    for (const g of Object.keys(SANDBOX_KEYS) as (keyof SandboxPlan)[]) {
      // A stand-in keeps serving an integration only while it stays unconfigured and not switched off.
      const on = l.startedPlan[g] && wanted[g];
      if (sandbox) sandbox.plan[g] = on;
      if (on) for (const k of SANDBOX_KEYS[g]) if (k in l.sandboxOverrides) effective[k] = l.sandboxOverrides[k];
    }
    for (const [k, v] of Object.entries(l.sandboxOverrides)) {
      const grouped = Object.values(SANDBOX_KEYS).some((keys) => keys.includes(k as keyof AppConfig));
      if (!grouped) effective[k] = v;
    }
  }
  const target = running as unknown as Record<string, unknown>;
  for (const k of Object.keys(target)) if (!(k in effective) || effective[k] === undefined) delete target[k];
  Object.assign(target, Object.fromEntries(Object.entries(effective).filter(([, v]) => v !== undefined)));
}

const fingerprint = (rows: { key: string; updatedAt: Date }[]) =>
  rows.map((r) => `${r.key}@${r.updatedAt.toISOString()}`).join(",");

/** Reads the table and applies it to the running configuration. */
export async function refreshSettings(services: Pick<AppServices, "config" | "db" | "fc">): Promise<void> {
  applySettingRows(services, await services.db.integrationSetting.findMany({ orderBy: { key: "asc" } }));
}

/** refreshSettings with the rows already read. */
export function applySettingRows(services: Pick<AppServices, "config" | "fc">, rows: readonly SettingRow[]): void {
  applyToRunning(services, storedSettingsFrom(rows, services.fc));
  layers(services.config).applied = fingerprint([...rows].sort((a, b) => a.key.localeCompare(b.key)));
}

export const SETTINGS_POLL_MS = 15_000;

/**
 * Other instances' changes: re-reads the table when its rows changed (a cheap keys-and-times query
 * every `everyMs`). Returns the stop function.
 */
export function watchSettings(
  services: Pick<AppServices, "config" | "db" | "fc" | "log">,
  everyMs = SETTINGS_POLL_MS,
): () => void {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const rows = await services.db.integrationSetting.findMany({
        select: { key: true, updatedAt: true },
        orderBy: { key: "asc" },
      });
      if (fingerprint(rows) !== layers(services.config).applied) {
        await refreshSettings(services);
        services.log.info({ settings: rows.map((r) => r.key) }, "integration settings changed; applied");
      }
    } catch (err) {
      services.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        "integration settings: re-read failed",
      );
    } finally {
      busy = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

// ── Saving ──

function refuse(issues: { key: string; message: string }[]): never {
  throw new AppError("BAD_INPUT", issues.map((i) => `${i.key}: ${i.message}`).join("; "), {
    issues: issues.map((i) => ({ path: [i.key], message: i.message })),
  });
}

/**
 * Stores the given settings (all or none), audits which changed with their hints, and applies them to
 * the running process. A setting the environment sets is refused: the environment wins.
 */
export async function saveSettings(
  services: Pick<AppServices, "config" | "db" | "fc" | "log">,
  actor: Actor,
  patch: Partial<Record<IntegrationSettingKey, string | undefined>>,
): Promise<void> {
  const l = layers(services.config);
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [IntegrationSettingKey, string][];
  if (entries.length === 0) refuse([{ key: "settings", message: "nothing to save" }]);
  const issues: { key: string; message: string }[] = [];
  const rows: { key: IntegrationSettingKey; value: string; hint: string }[] = [];
  for (const [key, raw] of entries) {
    if (!FIELD_KIND.has(key)) {
      issues.push({ key, message: "cannot be set here" });
      continue;
    }
    if (l.envKeys.has(key)) {
      issues.push({ key, message: "is set by the server (environment variable): change it there" });
      continue;
    }
    const parsed = parseSetting(key, raw);
    if (!parsed.ok) issues.push({ key, message: parsed.message });
    else rows.push({ key, value: raw.trim(), hint: hintFor(key, raw.trim()) });
  }
  if (issues.length > 0) refuse(issues);
  // The rule loadConfig applies to the environment, applied to what the settings would become.
  const next: Record<string, unknown> = {
    ...services.config,
    ...Object.fromEntries(rows.map((r) => [r.key, r.value])),
  };
  const has = (k: keyof AppConfig) => next[k] !== undefined && next[k] !== "";
  if (
    services.config.CITA_ENV === "production" &&
    (has("CHATWOOT_BASE_URL") || has("CHATWOOT_API_TOKEN") || has("CHATWOOT_ACCOUNT_ID")) &&
    !has("CHATWOOT_WEBHOOK_SECRET") &&
    !has("CHATWOOT_EXTRA_WEBHOOK_SECRETS") &&
    !has("CHATWOOT_WEBHOOK_URL_TOKEN")
  ) {
    refuse([
      {
        key: "CHATWOOT_WEBHOOK_SECRET",
        message: "must be set with the rest of Chatwoot: the secret Chatwoot signs its webhook deliveries with",
      },
    ]);
  }
  await services.db.$transaction(async (tx) => {
    for (const r of rows) {
      const cipher = services.fc.encrypt(r.value);
      await tx.integrationSetting.upsert({
        where: { key: r.key },
        create: { key: r.key, cipher, hint: r.hint, updatedByStaffId: actor.id ?? null },
        update: { cipher, hint: r.hint, updatedByStaffId: actor.id ?? null },
      });
    }
    await appendAudit(tx, actor, {
      action: "integrations.settings_saved",
      entityType: "integration_setting",
      entityId: rows.map((r) => r.key).join(","),
      // Names and hints only: never a value.
      data: { settings: rows.map((r) => ({ key: r.key, hint: r.hint })) },
    });
  });
  await refreshSettings(services);
  services.log.info(
    { settings: rows.map((r) => ({ key: r.key, hint: r.hint })), staffId: actor.id },
    "integration settings saved; in force now",
  );
}

/** Removes settings entered in the console (the environment's, if any, are untouched). */
export async function clearSettings(
  services: Pick<AppServices, "config" | "db" | "fc" | "log">,
  actor: Actor,
  keys: IntegrationSettingKey[],
): Promise<void> {
  const l = layers(services.config);
  const server = keys.filter((k) => l.envKeys.has(k));
  if (server.length > 0) refuse(server.map((key) => ({ key, message: "is set by the server (environment variable)" })));
  await services.db.$transaction(async (tx) => {
    const gone = await tx.integrationSetting.deleteMany({ where: { key: { in: keys } } });
    if (gone.count === 0) return;
    await appendAudit(tx, actor, {
      action: "integrations.settings_cleared",
      entityType: "integration_setting",
      entityId: keys.join(","),
      data: { settings: keys.map((key) => ({ key })) },
    });
  });
  await refreshSettings(services);
  services.log.info({ settings: keys, staffId: actor.id }, "integration settings removed");
}

// ── The console's view ──

/** Where each provider posts to this server, for pasting into its dashboard. */
function webhooksFor(kind: IntegrationKind, base: string): { label: string; url: string }[] {
  switch (kind) {
    case "chatwoot":
      return [{ label: "Chatwoot webhook / agent bot URL", url: `${base}/webhooks/chatwoot` }];
    case "whatsapp":
      return [{ label: "Meta callback URL", url: `${base}/webhooks/whatsapp` }];
    case "stripe":
      return [{ label: "Stripe webhook endpoint", url: `${base}/webhooks/stripe` }];
    default:
      return [];
  }
}

/** Per integration: each setting's source and hint (never a secret's value) and the webhook URLs. */
export async function settingsView(services: Pick<AppServices, "config" | "db">): Promise<IntegrationSettingsView> {
  const l = layers(services.config);
  const rows = await services.db.integrationSetting.findMany({ select: { key: true, hint: true } });
  const stored = new Map(rows.map((r) => [r.key, r.hint]));
  const c = services.config;
  const base = (c.CITA_PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/$/, "");
  return (Object.keys(INTEGRATION_FIELDS) as IntegrationKind[]).map((kind) => ({
    kind,
    fields: INTEGRATION_FIELDS[kind].map(([key, fieldKind]) => {
      if (l.envKeys.has(key)) {
        const v = l.env[key];
        return {
          key,
          secret: isSecret(key),
          kind: fieldKind,
          source: "server" as const,
          hint: isSecret(key) ? hintFor(key, String(v)) : String(v),
        };
      }
      const hint = stored.get(key);
      return {
        key,
        secret: isSecret(key),
        kind: fieldKind,
        source: hint !== undefined ? "app" : "unset",
        hint: hint ?? null,
      };
    }),
    webhooks: webhooksFor(kind, base),
  }));
}
