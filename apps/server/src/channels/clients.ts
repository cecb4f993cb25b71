// Outbound HTTP to Chatwoot's REST API (integrations.md §1.4) and Meta's Graph API (§2.4), with a
// timeout and a three-way outcome the outbox acts on: sent, retry later, or give up.
import type { AppConfig } from "../config/env.ts";
import type { AgentChoice, OutboundReply } from "./agent-port.ts";

export type SendOutcome =
  | { kind: "ok"; externalId: string | null; body: unknown }
  | { kind: "retry"; reason: string; retryAfterMs: number | null }
  | { kind: "permanent"; reason: string };

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, nowMs = Date.now()): number | null {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - nowMs);
}

function errorText(body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const e = b.error;
    if (e && typeof e === "object") {
      const ge = e as Record<string, unknown>;
      const details = (ge.error_data as Record<string, unknown> | undefined)?.details;
      return [ge.code, ge.message, details].filter((x) => x !== undefined && x !== null).join(" ") || fallback;
    }
    if (typeof e === "string") return e;
    if (typeof b.message === "string") return b.message;
  }
  return fallback;
}

/** Meta error codes that are worth retrying even though the HTTP status is 4xx (§2.4). */
const META_RETRYABLE_CODES = new Set([130429, 131056, 4, 80007]);

export async function requestJson(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown },
  timeoutMs: number,
): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: {
        accept: "application/json",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error).name;
    return {
      kind: "retry",
      reason: name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `network error: ${(e as Error).message}`,
      retryAfterMs: null,
    };
  }
  let text = "";
  try {
    text = await res.text();
  } catch {
    // A body cut short: the status still tells what happened.
  }
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text.slice(0, 200);
  }
  if (res.ok) return { kind: "ok", externalId: null, body };
  const reason = `HTTP ${res.status}: ${errorText(body, res.statusText)}`.slice(0, 500);
  if (res.status === 429 || res.status === 408 || res.status === 425 || res.status >= 500) {
    return { kind: "retry", reason, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
  }
  const metaCode = (body as { error?: { code?: unknown } } | null)?.error?.code;
  if (typeof metaCode === "number" && META_RETRYABLE_CODES.has(metaCode))
    return { kind: "retry", reason, retryAfterMs: null };
  return { kind: "permanent", reason };
}

export function numberedText(text: string, choices: AgentChoice[]): string {
  return [text, "", ...choices.map((c, i) => `${i + 1}. ${c.title}${c.description ? ` — ${c.description}` : ""}`)].join(
    "\n",
  );
}

/** What staff and the agent can send, before it is shaped for one channel. */
export type OutboxPayload =
  | { type: "message"; reply: OutboundReply }
  | { type: "chatwoot_status"; status: "open" | "pending" | "resolved" }
  | { type: "chatwoot_assign"; assigneeId: number };

export interface Target {
  /** Chatwoot conversation display id, or the customer's wa_id. */
  externalId: string;
  /** Chatwoot inbox id, or Meta phone_number_id. */
  channelAccount: string;
}

// ───────────────────────────── Chatwoot ─────────────────────────────

export function chatwootMessageBody(reply: OutboundReply, idempotencyKey: string): Record<string, unknown> {
  // Chatwoot accepts `echo_id` on message creation and hands it back with the created message, but it
  // does not deduplicate on it: a retry after a timeout whose first request did succeed can post the
  // message twice. There is no idempotency key on this API.
  const base = { message_type: "outgoing", private: false, echo_id: idempotencyKey };
  if (reply.kind === "text") return { ...base, content: reply.text, content_type: "text" };
  if (reply.kind === "choices") {
    // input_select becomes WhatsApp buttons (≤3 items) or a list (more); items' value is the reply id (§1.4).
    if (reply.choices.length <= 10) {
      return {
        ...base,
        content: reply.text,
        content_type: "input_select",
        content_attributes: { items: reply.choices.map((c) => ({ title: c.title.slice(0, 24), value: c.id })) },
      };
    }
    return { ...base, content: numberedText(reply.text, reply.choices), content_type: "text" };
  }
  return {
    ...base,
    content: `[template ${reply.name}] ${reply.params.join(" · ")}`.trim(),
    content_type: "text",
    template_params: {
      name: reply.name,
      language: reply.language,
      processed_params: { body: Object.fromEntries(reply.params.map((p, i) => [String(i + 1), p])) },
    },
  };
}

export async function sendChatwoot(
  config: AppConfig,
  target: Target,
  payload: OutboxPayload,
  idempotencyKey: string,
  timeoutMs: number,
): Promise<SendOutcome> {
  if (!config.CHATWOOT_BASE_URL || !config.CHATWOOT_API_TOKEN || !config.CHATWOOT_ACCOUNT_ID) {
    return {
      kind: "permanent",
      reason: "Chatwoot is not configured (CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN, CHATWOOT_ACCOUNT_ID)",
    };
  }
  const base = `${config.CHATWOOT_BASE_URL.replace(/\/$/, "")}/api/v1/accounts/${config.CHATWOOT_ACCOUNT_ID}/conversations/${encodeURIComponent(target.externalId)}`;
  const headers = { api_access_token: config.CHATWOOT_API_TOKEN };
  if (payload.type === "message") {
    const r = await requestJson(
      `${base}/messages`,
      { method: "POST", headers, body: chatwootMessageBody(payload.reply, idempotencyKey) },
      timeoutMs,
    );
    if (r.kind !== "ok") return r;
    const id = (r.body as { id?: unknown } | null)?.id;
    return { ...r, externalId: id === undefined || id === null ? null : String(id) };
  }
  if (payload.type === "chatwoot_status") {
    return requestJson(
      `${base}/toggle_status`,
      { method: "POST", headers, body: { status: payload.status } },
      timeoutMs,
    );
  }
  return requestJson(
    `${base}/assignments`,
    { method: "POST", headers, body: { assignee_id: payload.assigneeId } },
    timeoutMs,
  );
}

// ───────────────────────────── Meta ─────────────────────────────

export function metaMessageBody(reply: OutboundReply, to: string): Record<string, unknown> {
  const base = { messaging_product: "whatsapp", recipient_type: "individual", to };
  if (reply.kind === "text")
    return { ...base, type: "text", text: { body: reply.text.slice(0, 4096), preview_url: false } };
  if (reply.kind === "template") {
    return {
      ...base,
      type: "template",
      template: {
        name: reply.name,
        language: { code: reply.language },
        components: reply.params.length
          ? [{ type: "body", parameters: reply.params.map((p) => ({ type: "text", text: p })) }]
          : [],
      },
    };
  }
  const { choices, text } = reply;
  // Limits (§2.4): buttons 1–3 with titles ≤20; a list ≤10 rows with titles ≤24; else numbered text.
  if (choices.length >= 1 && choices.length <= 3 && choices.every((c) => c.title.length <= 20) && text.length <= 1024) {
    return {
      ...base,
      type: "interactive",
      interactive: {
        type: "button",
        body: { text },
        action: { buttons: choices.map((c) => ({ type: "reply", reply: { id: c.id.slice(0, 256), title: c.title } })) },
      },
    };
  }
  if (
    choices.length >= 1 &&
    choices.length <= 10 &&
    choices.every((c) => c.title.length <= 24) &&
    text.length <= 4096
  ) {
    return {
      ...base,
      type: "interactive",
      interactive: {
        type: "list",
        body: { text },
        action: {
          button: (reply.buttonLabel ?? "Ver opciones").slice(0, 20),
          sections: [
            {
              rows: choices.map((c) => ({
                id: c.id.slice(0, 200),
                title: c.title,
                ...(c.description ? { description: c.description.slice(0, 72) } : {}),
              })),
            },
          ],
        },
      },
    };
  }
  return { ...base, type: "text", text: { body: numberedText(text, choices).slice(0, 4096), preview_url: false } };
}

export async function sendMeta(
  config: AppConfig,
  target: Target,
  payload: OutboxPayload,
  timeoutMs: number,
): Promise<SendOutcome> {
  if (payload.type !== "message") return { kind: "ok", externalId: null, body: null };
  if (!config.WHATSAPP_ACCESS_TOKEN) return { kind: "permanent", reason: "WHATSAPP_ACCESS_TOKEN is not configured" };
  // The Graph API has no idempotency key for messages: a retry after a timeout whose first request
  // reached Meta can deliver the message twice. We retry anyway (a duplicate beats a lost reply).
  const r = await requestJson(
    `${config.WHATSAPP_GRAPH_URL.replace(/\/$/, "")}/${encodeURIComponent(target.channelAccount)}/messages`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${config.WHATSAPP_ACCESS_TOKEN}` },
      body: metaMessageBody(payload.reply, target.externalId),
    },
    timeoutMs,
  );
  if (r.kind !== "ok") return r;
  const id = (r.body as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
  return { ...r, externalId: typeof id === "string" ? id : null };
}
