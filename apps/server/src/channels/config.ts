// Channel settings derived from the validated AppConfig (config/env.ts is the only env reader).
import type { AppConfig } from "../config/env.ts";

export function chatwootSecrets(config: AppConfig): string[] {
  return [config.CHATWOOT_WEBHOOK_SECRET, ...(config.CHATWOOT_EXTRA_WEBHOOK_SECRETS?.split(",") ?? [])]
    .map((s) => s?.trim())
    .filter((s): s is string => !!s);
}

/** The per-install token of /webhooks/chatwoot/<token>, for a Chatwoot that cannot sign (README). */
export function chatwootUrlToken(config: AppConfig): string | null {
  return config.CHATWOOT_WEBHOOK_URL_TOKEN ?? null;
}

/** Staff e-mail (lower-case) → Chatwoot user id. */
export function chatwootAssignees(config: AppConfig): Map<string, number> {
  const map = new Map<string, number>();
  for (const pair of config.CHATWOOT_ASSIGNEES?.split(",") ?? []) {
    const [email, id] = pair.split("=").map((s) => s.trim());
    if (email && id && /^\d+$/.test(id)) map.set(email.toLowerCase(), Number(id));
  }
  return map;
}

export interface TemplateSpec {
  name: string;
  language: string;
}

export function configuredTemplates(config: AppConfig): TemplateSpec[] {
  return (config.WHATSAPP_TEMPLATES?.split(",") ?? [])
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, language] = s.split(":");
      return { name: name!.trim(), language: (language ?? "es").trim() };
    });
}

export interface SendTuning {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export function sendTuning(config: AppConfig): SendTuning {
  return {
    maxAttempts: config.CHANNELS_SEND_MAX_ATTEMPTS,
    baseDelayMs: config.CHANNELS_SEND_BASE_DELAY_MS,
    maxDelayMs: 15 * 60_000,
    timeoutMs: config.CHANNELS_HTTP_TIMEOUT_MS,
  };
}
