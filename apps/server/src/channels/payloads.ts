// Webhook payloads of Chatwoot (integrations.md §1.2) and the WhatsApp Cloud API (§2.2), validated
// loosely (unknown fields pass through) and turned into channel-neutral inbound events.
import { createHash } from "node:crypto";
import { z } from "zod";

const id = z.union([z.number(), z.string().max(200)]);
const str = z.string().max(100_000);

// ───────────────────────────── Chatwoot ─────────────────────────────

/** The Chatwoot conversation events that can move a conversation between the bot and a person (§1.1). */
const CHATWOOT_STATUS_EVENTS = new Set([
  "conversation_status_changed",
  "conversation_updated",
  "conversation_opened",
  "conversation_resolved",
]);

const cwSender = z.looseObject({
  id: id.nullish(),
  name: str.nullish(),
  phone_number: str.nullish(),
  type: str.nullish(),
});

const cwConversation = z.looseObject({
  id,
  inbox_id: id.nullish(),
  status: str.nullish(),
  can_reply: z.boolean().nullish(),
  meta: z.looseObject({ sender: cwSender.nullish() }).nullish(),
  contact_inbox: z.looseObject({ source_id: str.nullish() }).nullish(),
  updated_at: z.union([z.number(), str]).nullish(),
  changed_attributes: z.array(z.record(z.string(), z.unknown())).nullish(),
});

const cwAttachment = z.looseObject({
  id: id.nullish(),
  file_type: str.nullish(),
  data_url: str.nullish(),
  extension: str.nullish(),
  file_size: z.number().nullish(),
});

export const chatwootMessagePayload = z.looseObject({
  event: z.enum(["message_created", "message_updated"]),
  id,
  content: str.nullish(),
  content_type: str.nullish(),
  content_attributes: z.unknown().optional(),
  /** A string at the top level ("incoming"); an integer inside conversation.messages[] (§1.2). */
  message_type: z.union([str, z.number()]),
  private: z.boolean().nullish(),
  source_id: str.nullish(),
  status: str.nullish(),
  created_at: z.union([z.number(), str]).nullish(),
  sender: cwSender.nullish(),
  inbox: z.looseObject({ id }).nullish(),
  conversation: cwConversation.nullish(),
  attachments: z.array(cwAttachment).max(100).nullish(),
});
export type ChatwootMessagePayload = z.infer<typeof chatwootMessagePayload>;

export const chatwootConversationPayload = cwConversation.extend({
  event: z.enum([
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "conversation_opened",
    "conversation_resolved",
  ]),
});

const envelope = z.looseObject({ event: z.string().max(100) });

// ───────────────────────────── Meta ─────────────────────────────

const metaMedia = z.looseObject({
  id: str,
  mime_type: str.nullish(),
  caption: str.nullish(),
  voice: z.boolean().nullish(),
});

const metaMessage = z.looseObject({
  from: str,
  id: str,
  timestamp: str,
  // Meta's own sample of a contacts message (WhatsApp-Flows-Tools Postman collection) has no `type`:
  // a missing type must not 422 the whole delivery (Meta would retry it forever).
  type: str.nullish().transform((t) => t ?? "unknown"),
  text: z.looseObject({ body: str }).nullish(),
  image: metaMedia.nullish(),
  audio: metaMedia.nullish(),
  interactive: z
    .looseObject({
      type: str,
      button_reply: z.looseObject({ id: str, title: str }).nullish(),
      list_reply: z.looseObject({ id: str, title: str }).nullish(),
    })
    .nullish(),
  button: z.looseObject({ payload: str.nullish(), text: str.nullish() }).nullish(),
});

const metaStatus = z.looseObject({
  id: str,
  status: str,
  timestamp: str.nullish(),
  recipient_id: str.nullish(),
  errors: z
    .array(
      z.looseObject({
        code: z.number().nullish(),
        title: str.nullish(),
        message: str.nullish(),
        error_data: z.looseObject({ details: str.nullish() }).nullish(),
      }),
    )
    .nullish(),
});

export const metaMessagesValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: str, display_phone_number: str.nullish() }),
  contacts: z
    .array(z.looseObject({ wa_id: str.nullish(), profile: z.looseObject({ name: str.nullish() }).nullish() }))
    .nullish(),
  messages: z.array(metaMessage).max(1000).nullish(),
  statuses: z.array(metaStatus).max(1000).nullish(),
});

export const metaPayload = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z
    .array(
      z.looseObject({
        id: str.nullish(),
        changes: z.array(z.looseObject({ field: str, value: z.unknown() })).max(1000),
      }),
    )
    .max(1000),
});

// ───────────────────────────── Neutral events ─────────────────────────────

export interface AttachmentRef {
  type: string;
  /** Chatwoot data_url (downloadable without a token, §1.2). */
  sourceUrl?: string | null;
  /** Meta media id: resolved to a short-lived URL when fetched (§2.2). */
  mediaId?: string | null;
  mimeType?: string | null;
  storedPath?: string | null;
  bytes?: number | null;
}

export type InboundEvent =
  | {
      type: "message";
      channel: "chatwoot" | "whatsapp_cloud";
      channelAccount: string;
      externalConversationId: string;
      phone: string;
      profileName: string | null;
      /** Chatwoot's status of the conversation: the bot only answers `pending` ones (§1.1). */
      chatwootStatus: string | null;
      message: {
        externalId: string;
        kind: "text" | "image" | "audio" | "interactive";
        body: string | null;
        selectedChoiceId: string | null;
        attachments: AttachmentRef[];
        sentAt: Date | null;
      };
    }
  | {
      type: "delivery";
      channel: "chatwoot" | "whatsapp_cloud";
      channelAccount: string;
      externalConversationId: string | null;
      externalMessageId: string;
      status: "sent" | "delivered" | "read" | "failed";
      reason: string | null;
    }
  | {
      type: "conversation_status";
      channel: "chatwoot";
      channelAccount: string;
      externalConversationId: string;
      status: string;
    };

export type Classified =
  | { ok: true; dedupKey: string; process: boolean; ignoredReason?: string }
  | { ok: false; status: 400 | 422; message: string };

/** Removes NUL characters, which PostgreSQL text and jsonb cannot store. */
export function clean(s: string): string;
export function clean(s: string | null | undefined): string | null;
export function clean(s: string | null | undefined): string | null {
  return s == null ? null : s.replaceAll("\0", "");
}

function sha(s: string | Buffer): string {
  return createHash("sha256").update(s).digest("hex");
}

function isIncoming(t: string | number): boolean {
  return t === "incoming" || t === 0;
}

function parseTime(v: string | number | null | undefined): Date | null {
  if (v == null) return null;
  const d = typeof v === "number" || /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function chatwootPhone(p: ChatwootMessagePayload): string | null {
  return (
    p.sender?.phone_number ??
    p.conversation?.meta?.sender?.phone_number ??
    p.conversation?.contact_inbox?.source_id ??
    null
  );
}

/** The status a Chatwoot conversation event moved to (status field, or changed_attributes). */
function chatwootNewStatus(p: z.infer<typeof chatwootConversationPayload>): string | null {
  if (p.event === "conversation_opened") return "open";
  if (p.event === "conversation_resolved") return "resolved";
  if (p.event === "conversation_updated") {
    const changed = p.changed_attributes?.some((c) => "status" in c);
    return changed ? (p.status ?? null) : null;
  }
  if (p.event === "conversation_status_changed") return p.status ?? null;
  return null;
}

/**
 * Decides at the door: 4xx for what is not a Chatwoot delivery (not a JSON object with an event name,
 * or a message/status event we use whose shape is wrong), otherwise the dedup key and whether the
 * stored event needs processing. Deliberately 200 for every other event, known or not (typing,
 * contacts, inboxes, automation rules' `automation_event.*`, macros' `macro.executed`, whatever a
 * later Chatwoot adds): a failed agent-bot delivery flips a `pending` conversation to `open` in
 * Chatwoot ≥ 4.7 (§1.1, §1.5), and a delivery we do not use is no error of the sender's.
 */
export function classifyChatwoot(body: unknown, deliveryId: string | undefined, raw: Buffer): Classified {
  const env = envelope.safeParse(body);
  if (!env.success) return { ok: false, status: 422, message: "not a Chatwoot event (no event name)" };
  const event = env.data.event;
  // X-Chatwoot-Delivery is generated at enqueue time and reused by retries (§1.3).
  const delivery = deliveryId && /^[\w.:-]{1,200}$/.test(deliveryId) ? `delivery:${deliveryId}` : null;
  if (event === "message_created" || event === "message_updated") {
    const m = chatwootMessagePayload.safeParse(body);
    if (!m.success) return { ok: false, status: 422, message: `malformed ${event} payload` };
    const p = m.data;
    // message_created can be followed by message_updated for the same message (§1.5): both keys differ.
    const dedupKey =
      delivery ?? (event === "message_created" ? `message:${p.id}` : `message_updated:${p.id}:${sha(raw)}`);
    if (p.private) return { ok: true, dedupKey, process: false, ignoredReason: "private note" };
    if (event === "message_updated") {
      // Our outgoing messages' delivery status (Chatwoot's WhatsApp senders set status failed on errors, §1.4).
      if (!isIncoming(p.message_type) && p.status) return { ok: true, dedupKey, process: true };
      return { ok: true, dedupKey, process: false, ignoredReason: "message update without a status" };
    }
    if (!isIncoming(p.message_type)) {
      // Our own replies come back as outgoing message_created (§1.2): never answer them.
      return { ok: true, dedupKey, process: false, ignoredReason: `message_type ${p.message_type}` };
    }
    if (!p.conversation) return { ok: false, status: 422, message: "message without a conversation" };
    if (!chatwootPhone(p)) return { ok: true, dedupKey, process: false, ignoredReason: "contact has no phone number" };
    return { ok: true, dedupKey, process: true };
  }
  if (!CHATWOOT_STATUS_EVENTS.has(event)) {
    return {
      ok: true,
      dedupKey: delivery ?? `${clean(event)}:${sha(raw)}`,
      process: false,
      ignoredReason: `event ${clean(event)} not used`,
    };
  }
  const c = chatwootConversationPayload.safeParse(body);
  if (!c.success) return { ok: false, status: 422, message: `malformed ${event} payload` };
  const dedupKey = delivery ?? `${event}:${c.data.id}:${c.data.updated_at ?? sha(raw)}`;
  const status = chatwootNewStatus(c.data);
  if (!status) return { ok: true, dedupKey, process: false, ignoredReason: "no status change" };
  return { ok: true, dedupKey, process: true };
}

export function chatwootEvents(body: unknown): InboundEvent[] {
  const m = chatwootMessagePayload.safeParse(body);
  if (m.success) {
    const p = m.data;
    const conv = p.conversation;
    const inbox = p.inbox?.id ?? conv?.inbox_id;
    if (!conv || inbox == null) return [];
    if (p.event === "message_updated") {
      const s = p.status;
      if (s !== "sent" && s !== "delivered" && s !== "read" && s !== "failed") return [];
      const attrs = (p.content_attributes ?? {}) as Record<string, unknown>;
      return [
        {
          type: "delivery",
          channel: "chatwoot",
          channelAccount: String(inbox),
          externalConversationId: String(conv.id),
          externalMessageId: String(p.id),
          status: s,
          reason: typeof attrs.external_error === "string" ? clean(attrs.external_error) : null,
        },
      ];
    }
    const phone = chatwootPhone(p);
    if (!phone) return [];
    const attachments: AttachmentRef[] = (p.attachments ?? []).map((a) => ({
      type: clean(a.file_type ?? "file"),
      sourceUrl: clean(a.data_url ?? null),
      mimeType: null,
    }));
    const first = attachments[0]?.type;
    const kind = first === "image" ? "image" : first === "audio" ? "audio" : "text";
    return [
      {
        type: "message",
        channel: "chatwoot",
        channelAccount: String(inbox),
        externalConversationId: String(conv.id),
        phone,
        profileName: clean(p.sender?.name ?? null),
        chatwootStatus: conv.status ?? null,
        message: {
          externalId: String(p.id),
          kind,
          body: clean(p.content ?? null),
          selectedChoiceId: null,
          attachments,
          sentAt: parseTime(p.created_at),
        },
      },
    ];
  }
  const c = chatwootConversationPayload.safeParse(body);
  if (c.success) {
    const status = chatwootNewStatus(c.data);
    if (!status || c.data.inbox_id == null) return [];
    return [
      {
        type: "conversation_status",
        channel: "chatwoot",
        channelAccount: String(c.data.inbox_id),
        externalConversationId: String(c.data.id),
        status,
      },
    ];
  }
  return [];
}

export function classifyMeta(body: unknown, raw: Buffer): Classified {
  const p = metaPayload.safeParse(body);
  if (!p.success) return { ok: false, status: 422, message: "not a WhatsApp Business Account notification" };
  const keys: string[] = [];
  let useful = false;
  for (const entry of p.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const v = metaMessagesValue.safeParse(change.value);
      if (!v.success) return { ok: false, status: 422, message: "malformed messages change" };
      for (const m of v.data.messages ?? []) keys.push(m.id);
      // Statuses are at-least-once too: dedup on (id, status) (§2.3).
      for (const s of v.data.statuses ?? []) keys.push(`${s.id}:${s.status}`);
      if (v.data.messages?.length || v.data.statuses?.length) useful = true;
    }
  }
  const joined = keys.sort().join(",");
  const dedupKey = keys.length === 1 ? `wamid:${joined}` : keys.length ? `wamids:${sha(joined)}` : `body:${sha(raw)}`;
  return useful
    ? { ok: true, dedupKey, process: true }
    : { ok: true, dedupKey, process: false, ignoredReason: "no messages or statuses" };
}

export type MessageEvent = Extract<InboundEvent, { type: "message" }>;

function metaMessageContent(m: z.infer<typeof metaMessage>): MessageEvent["message"] {
  const base = {
    externalId: m.id,
    sentAt: parseTime(m.timestamp),
    selectedChoiceId: null as string | null,
    attachments: [] as AttachmentRef[],
  };
  switch (m.type) {
    case "text":
      return { ...base, kind: "text", body: clean(m.text?.body ?? "") };
    case "image":
    case "audio": {
      const media = m.type === "image" ? m.image : m.audio;
      return {
        ...base,
        kind: m.type,
        body: clean(media?.caption ?? null),
        attachments: media
          ? [{ type: m.type, mediaId: clean(media.id), mimeType: clean(media.mime_type ?? null) }]
          : [],
      };
    }
    case "interactive": {
      const r = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return { ...base, kind: "interactive", body: clean(r?.title ?? null), selectedChoiceId: clean(r?.id ?? null) };
    }
    case "button":
      // A quick-reply tap on a template button (§2.2).
      return {
        ...base,
        kind: "interactive",
        body: clean(m.button?.text ?? null),
        selectedChoiceId: clean(m.button?.payload ?? null),
      };
    default:
      return { ...base, kind: "text", body: `[${clean(m.type)}]` };
  }
}

export function metaEvents(body: unknown): InboundEvent[] {
  const p = metaPayload.safeParse(body);
  if (!p.success) return [];
  const out: InboundEvent[] = [];
  for (const entry of p.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const v = metaMessagesValue.safeParse(change.value);
      if (!v.success) continue;
      const account = clean(v.data.metadata.phone_number_id);
      for (const m of v.data.messages ?? []) {
        if (m.type === "reaction" || m.type === "system") continue;
        const contact = v.data.contacts?.find((c) => c.wa_id === m.from) ?? v.data.contacts?.[0];
        out.push({
          type: "message",
          channel: "whatsapp_cloud",
          channelAccount: account,
          externalConversationId: clean(m.from),
          phone: m.from,
          profileName: clean(contact?.profile?.name ?? null),
          chatwootStatus: null,
          message: metaMessageContent(m),
        });
      }
      for (const s of v.data.statuses ?? []) {
        if (s.status !== "sent" && s.status !== "delivered" && s.status !== "read" && s.status !== "failed") continue;
        const e = s.errors?.[0];
        const reason = e
          ? clean(
              `${e.code ?? ""} ${e.title ?? e.message ?? ""}${e.error_data?.details ? `: ${e.error_data.details}` : ""}`.trim(),
            )
          : null;
        out.push({
          type: "delivery",
          channel: "whatsapp_cloud",
          channelAccount: account,
          externalConversationId: s.recipient_id ? clean(s.recipient_id) : null,
          externalMessageId: clean(s.id),
          status: s.status,
          reason,
        });
      }
    }
  }
  return out;
}
