// A fake Chatwoot (integrations.md §1.4, §1.6): the REST endpoints the bot uses (messages,
// toggle_status, assignments) requiring api_access_token, ActiveStorage-like media URLs, and helpers
// that POST signed webhook deliveries the way Chatwoot does (§1.3).
import { randomUUID } from "node:crypto";
import { nowMs } from "../../testing/test-now.ts";
import { chatwootSignatureHeaders } from "../signatures.ts";
import { HttpFake } from "./http-fake.ts";

export interface ChatwootFakeOptions {
  token: string;
  accountId: number;
}

export class FakeChatwoot extends HttpFake {
  private nextMessageId = 50_000;
  /** conversation display id → status, as changed through toggle_status. */
  readonly statuses = new Map<string, string>();
  readonly media = new Map<string, { bytes: Buffer; mime: string }>();

  constructor(readonly opts: ChatwootFakeOptions) {
    super();
    const base = `/api/v1/accounts/(\\d+)/conversations/(\\d+)`;
    const authed = (h: Record<string, string | string[] | undefined>, account: string) =>
      h.api_access_token === opts.token && Number(account) === opts.accountId;
    this.route("POST", new RegExp(`^${base}/messages$`), (req, [account, conv]) => {
      if (!authed(req.headers, account!)) return { status: 401, body: { error: "You need to sign in" } };
      const b = req.body as { content?: string; content_type?: string; content_attributes?: unknown };
      if (!b?.content) return { status: 422, body: { error: "content can't be blank" } };
      const id = this.nextMessageId++;
      return {
        status: 200,
        body: {
          id,
          content: b.content,
          inbox_id: 3,
          conversation_id: Number(conv),
          message_type: 1,
          content_type: b.content_type ?? "text",
          content_attributes: b.content_attributes ?? {},
          created_at: Math.floor(Date.now() / 1000),
          private: false,
          sender: { id: 1, name: "Cita", type: "agent_bot" },
        },
      };
    });
    this.route("POST", new RegExp(`^${base}/toggle_status$`), (req, [account, conv]) => {
      if (!authed(req.headers, account!)) return { status: 401, body: { error: "You need to sign in" } };
      const status = (req.body as { status?: string })?.status ?? "open";
      this.statuses.set(conv!, status);
      return {
        status: 200,
        body: {
          meta: {},
          payload: { success: true, conversation_id: Number(conv), current_status: status, snoozed_until: null },
        },
      };
    });
    this.route("POST", new RegExp(`^${base}/assignments$`), (req, [account]) => {
      if (!authed(req.headers, account!)) return { status: 401, body: { error: "You need to sign in" } };
      const id = (req.body as { assignee_id?: number })?.assignee_id;
      return { status: 200, body: { id, name: `Agent ${id}`, type: "user" } };
    });
    // data_url: downloadable without the API token (§1.2).
    this.route("GET", /^\/rails\/active_storage\/(.+)$/, (_req, [key]) => {
      const m = this.media.get(key!);
      return m ? { status: 200, bytes: m.bytes, headers: { "content-type": m.mime } } : { status: 404 };
    });
  }

  sentMessages() {
    return this.requestsTo("POST", /\/messages$/);
  }

  addMedia(key: string, bytes: Buffer, mime: string): string {
    this.media.set(key, { bytes, mime });
    return `${this.url}/rails/active_storage/${key}`;
  }
}

export interface ChatwootDeliveryOptions {
  secret?: string | null;
  /** Unix seconds for X-Chatwoot-Timestamp (default: now). */
  ts?: number;
  deliveryId?: string | null;
  signature?: string;
}

/** POSTs a webhook delivery as Chatwoot ≥ 4.11.2 does (signed `ts.body`, delivery id), or unsigned. */
export async function deliverChatwoot(
  url: string,
  payload: unknown,
  o: ChatwootDeliveryOptions = {},
): Promise<{ status: number; body: unknown; deliveryId: string | null }> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const deliveryId = o.deliveryId === undefined ? randomUUID() : o.deliveryId;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (o.secret) Object.assign(headers, chatwootSignatureHeaders(body, o.secret, ts));
  if (o.signature) headers["x-chatwoot-signature"] = o.signature;
  if (deliveryId) headers["x-chatwoot-delivery"] = deliveryId;
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: res.status, body: parsed, deliveryId };
}

let seq = 9000;

/** A message_created payload shaped as in §1.2 (top level is the message; conversation nested). */
export function chatwootMessage(o: {
  conversationId: number;
  inboxId?: number;
  phone: string;
  name?: string;
  content?: string | null;
  messageType?: "incoming" | "outgoing" | "activity" | "template";
  private?: boolean;
  status?: "pending" | "open" | "resolved" | "snoozed";
  id?: number;
  createdAt?: Date;
  attachments?: { file_type: string; data_url: string; extension?: string; file_size?: number }[];
}) {
  const id = o.id ?? seq++;
  const sender = {
    id: 55,
    name: o.name ?? "Ana",
    phone_number: o.phone,
    email: null,
    identifier: null,
    avatar: "",
    thumbnail: "",
    additional_attributes: {},
    custom_attributes: {},
    blocked: false,
  };
  return {
    event: "message_created",
    id,
    content: o.content === undefined ? "Hola" : o.content,
    content_type: "text",
    content_attributes: {},
    additional_attributes: {},
    message_type: o.messageType ?? "incoming",
    private: o.private ?? false,
    source_id: `wamid.${id}`,
    // The message is written "now" by the servers' clock (CITA_TEST_NOW in the hard-dates run).
    created_at: (o.createdAt ?? new Date(nowMs())).toISOString(),
    sender,
    inbox: { id: o.inboxId ?? 3, name: "WhatsApp Salon" },
    account: { id: 1, name: "Salon" },
    conversation: {
      id: o.conversationId,
      inbox_id: o.inboxId ?? 3,
      status: o.status ?? "pending",
      channel: "Channel::Whatsapp",
      can_reply: true,
      contact_inbox: { id: 9, contact_id: 55, inbox_id: o.inboxId ?? 3, source_id: o.phone.replace(/^\+/, "") },
      meta: { sender: { ...sender, type: "contact" }, assignee: null, assignee_type: null, team: null },
      labels: [],
    },
    ...(o.attachments
      ? {
          attachments: o.attachments.map((a, i) => ({
            id: 700 + i,
            message_id: id,
            account_id: 1,
            thumb_url: "",
            width: null,
            height: null,
            extension: a.extension ?? null,
            file_size: a.file_size ?? 0,
            ...a,
          })),
        }
      : {}),
  };
}

export function chatwootStatusChanged(o: { conversationId: number; inboxId?: number; from: string; to: string }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    event: "conversation_status_changed",
    id: o.conversationId,
    inbox_id: o.inboxId ?? 3,
    status: o.to,
    channel: "Channel::Whatsapp",
    can_reply: true,
    additional_attributes: {},
    custom_attributes: {},
    labels: [],
    snoozed_until: null,
    meta: { sender: { id: 55, name: "Ana", type: "contact" }, assignee: null, assignee_type: null, team: null },
    messages: [],
    unread_count: 0,
    timestamp: now,
    created_at: now - 100,
    updated_at: now + Math.random(),
    changed_attributes: [{ status: { previous_value: o.from, current_value: o.to } }],
  };
}
