// The sandbox's stand-in for Chatwoot's REST API (the endpoints channels/clients.ts calls: messages,
// toggle_status, assignments) and its ActiveStorage media URLs, on a loopback port. Cita's real outbox
// sends here with the real client, retries and statuses; the /sandbox page reads what arrived.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface SandboxOutgoing {
  /** Chatwoot message id (what Cita stores as the message's externalId). */
  id: number;
  conversationId: number;
  content: string;
  contentType: string;
  /** input_select items: WhatsApp buttons (≤3) or a list (more). */
  items: { title: string; value: string }[];
  createdAt: number;
  /** What the customer's phone did with it: delivered when shown on /sandbox, read when seen. */
  status: "sent" | "delivered" | "read";
}

export interface SandboxIncoming {
  id: number;
  conversationId: number;
  content: string | null;
  imageKey: string | null;
  createdAt: number;
  /** The webhook's answer: sent (200), failed (anything else). */
  status: "sending" | "sent" | "failed";
  error?: string;
}

export interface SandboxConversation {
  id: number;
  phone: string;
  name: string;
  status: string;
  assigneeId: number | null;
}

export class SandboxChatwoot {
  readonly accountId = 1;
  readonly inboxId = 1;
  readonly conversations = new Map<number, SandboxConversation>();
  readonly outgoing: SandboxOutgoing[] = [];
  readonly incoming: SandboxIncoming[] = [];
  readonly media = new Map<string, { bytes: Buffer; mime: string }>();
  private nextId = Date.now() % 1_000_000_000;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  url = "";

  constructor(readonly token: string) {}

  newMessageId(): number {
    return ++this.nextId;
  }

  /** The phone's conversation: its id is the phone's digits, so it survives a restart. */
  conversationFor(phone: string, name: string): SandboxConversation {
    const id = Number(phone.replace(/\D/g, "").slice(-15));
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, phone, name, status: "pending", assigneeId: null };
      this.conversations.set(id, c);
    }
    if (name) c.name = name;
    return c;
  }

  addMedia(bytes: Buffer, mime: string): string {
    const key = randomBytes(12).toString("hex");
    this.media.set(key, { bytes, mime });
    return key;
  }

  mediaUrl(key: string): string {
    return `${this.url}/rails/active_storage/${key}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => send(res, 500, { error: String(e) }));
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "/").split("?")[0]!;
    const media = req.method === "GET" ? /^\/rails\/active_storage\/([0-9a-f]+)$/.exec(path) : null;
    if (media) {
      const m = this.media.get(media[1]!);
      if (!m) return send(res, 404, { error: "not found" });
      res.writeHead(200, { "content-type": m.mime, "content-length": String(m.bytes.length) });
      res.end(m.bytes);
      return;
    }
    const m = /^\/api\/v1\/accounts\/(\d+)\/conversations\/(\d+)\/(messages|toggle_status|assignments)$/.exec(path);
    if (!m || req.method !== "POST") return send(res, 404, { error: "not found" });
    if (req.headers.api_access_token !== this.token || Number(m[1]) !== this.accountId) {
      return send(res, 401, { error: "You need to sign in or sign up before continuing." });
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      return send(res, 400, { error: "body is not JSON" });
    }
    const conversationId = Number(m[2]);
    const conv = this.conversations.get(conversationId);
    if (!conv) return send(res, 404, { error: "Resource could not be found" });
    if (m[3] === "toggle_status") {
      conv.status = typeof body.status === "string" ? body.status : "open";
      return send(res, 200, {
        meta: {},
        payload: { success: true, conversation_id: conversationId, current_status: conv.status, snoozed_until: null },
      });
    }
    if (m[3] === "assignments") {
      conv.assigneeId = typeof body.assignee_id === "number" ? body.assignee_id : null;
      return send(res, 200, { id: conv.assigneeId, name: `Agent ${conv.assigneeId}`, type: "user" });
    }
    const content = typeof body.content === "string" ? body.content : "";
    if (!content) return send(res, 422, { error: "content can't be blank" });
    const attrs = (body.content_attributes ?? {}) as { items?: { title?: unknown; value?: unknown }[] };
    const msg: SandboxOutgoing = {
      id: this.newMessageId(),
      conversationId,
      content,
      contentType: typeof body.content_type === "string" ? body.content_type : "text",
      items: (attrs.items ?? []).map((i) => ({ title: String(i.title ?? ""), value: String(i.value ?? "") })),
      createdAt: Date.now(),
      status: "sent",
    };
    this.outgoing.push(msg);
    return send(res, 200, {
      id: msg.id,
      content,
      inbox_id: this.inboxId,
      conversation_id: conversationId,
      message_type: 1,
      content_type: msg.contentType,
      content_attributes: body.content_attributes ?? {},
      created_at: Math.floor(msg.createdAt / 1000),
      private: false,
      echo_id: body.echo_id ?? null,
      sender: { id: 1, name: "Cita", type: "agent_bot" },
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
