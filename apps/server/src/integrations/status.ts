// One answer to "is each integration set up, and is it working?" for the console's settings. Whether
// it is configured comes from the settings (names only, never values); health comes from what the
// integrations themselves record: integration_status rows (Stripe, Google Calendar, the sandbox),
// outbound deliveries (outbox) and inbound webhooks for the channels, and agent turns for Claude.
import type { IntegrationKind, IntegrationView } from "@cita/shared";
import { calendarMode } from "../calendar/client.ts";
import { type AppConfig, SECRET_KEYS } from "../config/env.ts";
import type { Db } from "../db/client.ts";
import type { Channel, WebhookSource } from "../generated/prisma/enums.ts";
import type { IntegrationMode } from "../payments/integration-status.ts";
import { stripeMode } from "../payments/stripe-client.ts";
import type { SandboxPlan } from "../sandbox/mode.ts";
import type { AppServices } from "../services.ts";

export interface StatusDeps {
  db: Db;
  /** The running configuration (with any sandbox stand-ins' settings already filled in). */
  config: AppConfig;
  calendarAuth?: AppServices["calendarAuth"];
  /** Which integrations run on local stand-ins (null: none). */
  sandbox: SandboxPlan | null;
}

/** What each integration needs set to count as configured (the sandbox's own settings do not count). */
export const REQUIRED_SETTINGS: Record<IntegrationKind, (keyof AppConfig)[]> = {
  chatwoot: ["CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID"],
  whatsapp: ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"],
  stripe: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
  google_calendar: ["GOOGLE_SERVICE_ACCOUNT_JSON"],
  claude: ["ANTHROPIC_API_KEY"],
};

const EFFECT_WHEN_OFF: Record<IntegrationKind, string> = {
  chatwoot: "No Chatwoot inbox: WhatsApp messages come only through the WhatsApp Cloud API, if that is set",
  whatsapp: "No direct WhatsApp Cloud API: WhatsApp messages come only through Chatwoot, if that is set",
  stripe: "No deposit links: staff follow deposits up by hand",
  google_calendar: "Bookings are not written to stylists' Google Calendars, and their busy times are not read",
  claude: "The WhatsApp agent answers in guided mode (menus and simple Spanish/English replies)",
};

interface Signal {
  at: Date;
  error?: string;
}

/** Removes any configured secret's value from a stored error text (a provider may echo a key back). */
export function scrubSecrets(text: string, config: AppConfig): string {
  let out = text;
  for (const k of SECRET_KEYS) {
    const v = config[k as keyof AppConfig];
    if (typeof v === "string" && v.length >= 6) out = out.split(v).join(`[${k}]`);
  }
  return out;
}

const latest = (xs: (Signal | null | undefined)[]) =>
  xs.filter((x): x is Signal => !!x).sort((a, b) => b.at.getTime() - a.at.getTime())[0] ?? null;

async function statusRow(db: Db, kind: string): Promise<{ ok: Signal | null; err: Signal | null }> {
  const row = await db.integrationStatus.findUnique({ where: { kind } });
  if (!row) return { ok: null, err: null };
  return {
    ok: row.lastOkAt ? { at: row.lastOkAt } : null,
    // A healthy report clears the text but keeps when it last failed: without the text it is not "last error".
    err: row.lastError && row.lastErrorAt ? { at: row.lastErrorAt, error: row.lastError } : null,
  };
}

/** Deliveries out (outbox) and webhooks in for one channel. */
async function channelSignals(db: Db, channel: Channel, source: WebhookSource) {
  const [sent, failedOut, processedIn, failedIn] = await Promise.all([
    db.outboxMessage.findFirst({
      where: { channel, status: "sent", sentAt: { not: null } },
      orderBy: { sentAt: "desc" },
      select: { sentAt: true },
    }),
    // The outbox keeps no failure time; the failing message's own time stands for it.
    db.outboxMessage.findFirst({
      where: { channel, status: { in: ["failed", "dead"] }, lastError: { not: null } },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true, lastError: true },
    }),
    db.webhookEvent.findFirst({
      where: { source, status: "processed", processedAt: { not: null } },
      orderBy: { processedAt: "desc" },
      select: { processedAt: true },
    }),
    db.webhookEvent.findFirst({
      where: { source, status: "failed" },
      orderBy: { receivedAt: "desc" },
      select: { receivedAt: true, lastError: true },
    }),
  ]);
  return {
    ok: [sent?.sentAt ? { at: sent.sentAt } : null, processedIn?.processedAt ? { at: processedIn.processedAt } : null],
    err: [
      failedOut ? { at: failedOut.createdAt, error: `sending: ${failedOut.lastError}` } : null,
      failedIn ? { at: failedIn.receivedAt, error: `incoming webhook: ${failedIn.lastError ?? "failed"}` } : null,
    ],
  };
}

/** Claude's turns: the last one it answered, and the last one it could not (guided mode took over). */
async function claudeSignals(db: Db) {
  const [ok, fellBack, failed] = await Promise.all([
    db.agentTurn.findFirst({
      where: { mode: "claude", status: "completed" },
      orderBy: { startedAt: "desc" },
      select: { finishedAt: true, startedAt: true },
    }),
    db.$queryRaw<{ started_at: Date; reason: string | null }[]>`
      SELECT started_at,
             (SELECT e->>'reason' FROM jsonb_array_elements(transcript) e WHERE e->>'type' = 'fallback' LIMIT 1) AS reason
        FROM agent_turn
       WHERE transcript @> '[{"type":"fallback"}]'::jsonb
       ORDER BY started_at DESC
       LIMIT 1`,
    db.agentTurn.findFirst({
      where: { mode: "claude", status: "failed" },
      orderBy: { startedAt: "desc" },
      select: { startedAt: true, error: true },
    }),
  ]);
  const fb = fellBack[0];
  return {
    ok: [ok ? { at: ok.finishedAt ?? ok.startedAt } : null],
    err: [
      fb ? { at: fb.started_at, error: `Claude unavailable, guided mode answered: ${fb.reason ?? "unknown"}` } : null,
      failed ? { at: failed.startedAt, error: failed.error ?? "turn failed" } : null,
    ],
  };
}

function modeOf(kind: IntegrationKind, d: StatusDeps, configured: boolean): IntegrationMode {
  const sb = d.sandbox;
  switch (kind) {
    case "chatwoot":
      return sb?.channels ? "sandbox" : configured ? "live" : "off";
    case "whatsapp":
      return d.config.WHATSAPP_ACCESS_TOKEN ? "live" : sb?.channels ? "sandbox" : "off";
    case "stripe":
      return sb?.stripe ? "sandbox" : stripeMode(d.config);
    case "google_calendar":
      return sb?.calendar ? "sandbox" : calendarMode({ config: d.config, calendarAuth: d.calendarAuth });
    case "claude":
      return d.config.ANTHROPIC_API_KEY ? "live" : "off";
  }
}

function sandboxed(kind: IntegrationKind, sb: SandboxPlan | null): boolean {
  if (!sb) return false;
  if (kind === "chatwoot") return sb.channels;
  if (kind === "stripe") return sb.stripe;
  if (kind === "google_calendar") return sb.calendar;
  return false;
}

export async function integrationStatuses(d: StatusDeps): Promise<IntegrationView[]> {
  const signals = await Promise.all([
    channelSignals(d.db, "chatwoot", "chatwoot"),
    Promise.all([channelSignals(d.db, "whatsapp_cloud", "whatsapp_cloud"), statusRow(d.db, "whatsapp")]).then(
      ([c, row]) => ({ ok: [...c.ok, row.ok], err: [...c.err, row.err] }),
    ),
    statusRow(d.db, "stripe").then((r) => ({ ok: [r.ok], err: [r.err] })),
    statusRow(d.db, "google_calendar").then((r) => ({ ok: [r.ok], err: [r.err] })),
    claudeSignals(d.db),
  ]);
  const kinds: IntegrationKind[] = ["chatwoot", "whatsapp", "stripe", "google_calendar", "claude"];
  return kinds.map((kind, i) => {
    // A setting the sandbox filled in is not the operator's: it still has to be set for real.
    const missing = sandboxed(kind, d.sandbox)
      ? [...REQUIRED_SETTINGS[kind]]
      : REQUIRED_SETTINGS[kind].filter((k) => d.config[k] === undefined || d.config[k] === "");
    const configured = missing.length === 0;
    const mode = modeOf(kind, d, configured);
    const ok = latest(signals[i]!.ok);
    const err = latest(signals[i]!.err);
    const failingNow = !!err && (!ok || err.at > ok.at);
    return {
      kind,
      configured,
      mode,
      missing,
      effectWhenOff: EFFECT_WHEN_OFF[kind],
      healthy: mode === "off" ? null : failingNow ? false : ok ? true : null,
      lastError: err?.error ? scrubSecrets(err.error, d.config).slice(0, 500) : null,
      lastErrorAt: err ? err.at.toISOString() : null,
      lastOkAt: ok ? ok.at.toISOString() : null,
    };
  });
}
