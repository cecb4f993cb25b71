// A local fake of the few Stripe endpoints Cita uses, speaking Stripe's wire format over real HTTP
// (form-encoded requests with bracket notation, JSON answers, Stripe-style errors, idempotency
// keys — reference integrations.md §3.5–3.7). Stateful, unlike stripe-mock (§3.8): it remembers
// sessions, payments and refunds, and produces the events a real account would (for events.list
// and for tests to deliver as signed webhooks).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type Stripe from "stripe";
import { stripeSdk } from "../stripe-client.ts";

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  form: Json;
  idempotencyKey: string | null;
  authorization: string | null;
  stripeVersion: string | null;
}

interface FakeSession extends Json {
  id: string;
  object: "checkout.session";
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid";
  payment_intent: string | null;
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  expires_at: number;
}

const rid = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`;

/** Parses `a[b][0][c]=1&…` into nested objects and arrays, as Stripe's API reads it. */
export function parseStripeForm(body: string): Json {
  const root: Json = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const key: string | number = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[key] = value;
        return;
      }
      if (container[key] === undefined) container[key] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
      node = container[key] as Record<string, unknown>;
    });
  }
  return root;
}

export interface FakeStripeOptions {
  /** The fake's idea of now (defaults to real time): validates expires_at, stamps events. */
  now?: () => Date;
  /** Where a session's hosted page is (default: Stripe's address); the sandbox serves its own. */
  checkoutUrl?: (sessionId: string) => string;
}

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, FakeSession>();
  readonly refunds = new Map<string, Json>();
  readonly events: Stripe.Event[] = [];
  /** Answers to give before any real handling, e.g. { status: 500 } to simulate an outage. */
  readonly failNext: { status: number; type?: string; message?: string }[] = [];
  private readonly idempotency = new Map<string, { paramsKey: string; status: number; body: unknown }>();
  private server: Server | null = null;
  url = "";
  private readonly now: () => Date;
  private readonly checkoutUrl: (sessionId: string) => string;

  constructor(opts: FakeStripeOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.checkoutUrl = opts.checkoutUrl ?? ((id) => `https://checkout.stripe.com/c/pay/${id}`);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => this.send(res, 500, { error: { type: "api_error", message: String(e) } }));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** A Stripe SDK client pointed here (host/port/protocol options, §3.6), retries off. */
  client(): Stripe {
    const u = new URL(this.url);
    return new (stripeSdk())("sk_test_fake", {
      host: u.hostname,
      port: Number(u.port),
      protocol: "http",
      maxNetworkRetries: 0,
      timeout: 5000,
    });
  }

  private nowS() {
    return Math.floor(this.now().getTime() / 1000);
  }

  private send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "content-type": "application/json", "request-id": rid("req") });
    res.end(JSON.stringify(body));
  }

  private error(status: number, type: string, message: string, param?: string) {
    return { status, body: { error: { type, message, ...(param ? { param } : {}) } } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://fake");
    const form = req.method === "GET" ? parseStripeForm(u.searchParams.toString()) : parseStripeForm(raw);
    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    this.requests.push({
      method: req.method ?? "",
      path: u.pathname,
      form,
      idempotencyKey: key,
      authorization: (req.headers.authorization as string | undefined) ?? null,
      stripeVersion: (req.headers["stripe-version"] as string | undefined) ?? null,
    });
    if (!req.headers.authorization?.startsWith("Bearer sk_")) {
      return this.send(res, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    }
    const injected = this.failNext.shift();
    if (injected) {
      return this.send(res, injected.status, {
        error: { type: injected.type ?? "api_error", message: injected.message ?? "injected failure" },
      });
    }
    // Idempotency (§3.5): the first answer is replayed for the same key; other parameters are an error.
    const paramsKey = `${req.method} ${u.pathname} ${raw}`;
    if (req.method === "POST" && key) {
      const prior = this.idempotency.get(key);
      if (prior) {
        if (prior.paramsKey !== paramsKey) {
          const e = this.error(
            400,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
          );
          return this.send(res, e.status, e.body);
        }
        res.setHeader("idempotent-replayed", "true");
        return this.send(res, prior.status, prior.body);
      }
    }
    const out = this.route(req.method ?? "GET", u.pathname, form);
    if (req.method === "POST" && key) this.idempotency.set(key, { paramsKey, status: out.status, body: out.body });
    return this.send(res, out.status, out.body);
  }

  private route(method: string, path: string, form: Json): { status: number; body: unknown } {
    if (method === "POST" && path === "/v1/checkout/sessions") return this.createSession(form);
    const get = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/);
    if (method === "GET" && get) {
      const s = this.sessions.get(get[1]!);
      return s ? { status: 200, body: s } : this.error(404, "invalid_request_error", "No such checkout.session", "id");
    }
    const expire = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/);
    if (method === "POST" && expire) {
      const s = this.sessions.get(expire[1]!);
      if (!s) return this.error(404, "invalid_request_error", "No such checkout.session");
      if (s.status !== "open") {
        return this.error(
          400,
          "invalid_request_error",
          `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${s.status}.`,
        );
      }
      this.expireSession(s.id);
      return { status: 200, body: s };
    }
    if (method === "POST" && path === "/v1/refunds") return this.createRefund(form);
    if (method === "GET" && path === "/v1/events") return this.listEvents(form);
    return this.error(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  private createSession(f: Json) {
    const li = (f.line_items as Json[] | undefined)?.[0];
    const pd = li?.price_data as Json | undefined;
    const amount = Number(pd?.unit_amount);
    const currency = String(pd?.currency ?? "");
    if (f.mode !== "payment") return this.error(400, "invalid_request_error", "mode must be payment", "mode");
    if (!Number.isInteger(amount) || amount <= 0 || !/^[a-z]{3}$/.test(currency)) {
      return this.error(400, "invalid_request_error", "Invalid line_items[0][price_data]", "line_items");
    }
    if (!(pd?.product_data as Json | undefined)?.name) {
      return this.error(
        400,
        "invalid_request_error",
        "Missing product name",
        "line_items[0][price_data][product_data][name]",
      );
    }
    if (!f.success_url) return this.error(400, "invalid_request_error", "Missing success_url", "success_url");
    const now = this.nowS();
    const expires = f.expires_at === undefined ? now + 86400 : Number(f.expires_at);
    // §3.1: expires_at must be 30 minutes to 24 hours after creation.
    if (expires < now + 1800 || expires > now + 86400) {
      return this.error(
        400,
        "invalid_request_error",
        "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
        "expires_at",
      );
    }
    const id = rid("cs");
    const s: FakeSession = {
      id,
      object: "checkout.session",
      mode: "payment",
      url: this.checkoutUrl(id),
      status: "open",
      payment_status: "unpaid",
      payment_intent: null,
      amount_total: amount * Number(li?.quantity ?? 1),
      currency,
      client_reference_id: (f.client_reference_id as string | undefined) ?? null,
      metadata: (f.metadata as Record<string, string> | undefined) ?? {},
      payment_intent_data_metadata: (f.payment_intent_data as Json | undefined)?.metadata ?? {},
      expires_at: expires,
      created: now,
      livemode: false,
      success_url: f.success_url,
      cancel_url: f.cancel_url ?? null,
      locale: f.locale ?? null,
    };
    this.sessions.set(id, s);
    return { status: 200, body: s };
  }

  private createRefund(f: Json) {
    const pi = String(f.payment_intent ?? "");
    const session = [...this.sessions.values()].find((s) => s.payment_intent === pi);
    if (!session) return this.error(400, "invalid_request_error", `No such payment_intent: '${pi}'`, "payment_intent");
    const done = [...this.refunds.values()]
      .filter((r) => r.payment_intent === pi)
      .reduce((n, r) => n + Number(r.amount), 0);
    const amount = f.amount === undefined ? session.amount_total - done : Number(f.amount);
    if (amount <= 0 || done + amount > session.amount_total) {
      return this.error(
        400,
        "invalid_request_error",
        "Refund amount is greater than unrefunded amount on charge",
        "amount",
      );
    }
    const r: Json = {
      id: rid("re"),
      object: "refund",
      amount,
      currency: session.currency,
      payment_intent: pi,
      charge: `ch_${pi.slice(3)}`,
      status: "succeeded",
      reason: f.reason ?? null,
      metadata: f.metadata ?? {},
      created: this.nowS(),
    };
    this.refunds.set(String(r.id), r);
    this.emit("charge.refunded", this.chargeOf(session));
    return { status: 200, body: r };
  }

  private listEvents(f: Json) {
    const created = (f.created as Json | undefined) ?? {};
    const types = (f.types as string[] | undefined) ?? null;
    const limit = Math.min(Number(f.limit ?? 10), 100);
    // Newest first, like Stripe.
    let list = [...this.events].reverse().filter((e) => {
      if (created.gt !== undefined && !(e.created > Number(created.gt))) return false;
      if (created.gte !== undefined && !(e.created >= Number(created.gte))) return false;
      if (created.lt !== undefined && !(e.created < Number(created.lt))) return false;
      return !types || types.includes(e.type);
    });
    if (f.starting_after) {
      const i = list.findIndex((e) => e.id === f.starting_after);
      list = list.slice(i + 1);
    }
    return {
      status: 200,
      body: { object: "list", url: "/v1/events", has_more: list.length > limit, data: list.slice(0, limit) },
    };
  }

  private chargeOf(s: FakeSession): Json {
    const refunded = [...this.refunds.values()]
      .filter((r) => r.payment_intent === s.payment_intent)
      .reduce((n, r) => n + Number(r.amount), 0);
    return {
      id: `ch_${String(s.payment_intent).slice(3)}`,
      object: "charge",
      amount: s.amount_total,
      amount_captured: s.amount_total,
      amount_refunded: refunded,
      currency: s.currency,
      paid: true,
      refunded: refunded >= s.amount_total,
      status: "succeeded",
      payment_intent: s.payment_intent,
      metadata: s.payment_intent_data_metadata,
      created: this.nowS(),
      livemode: false,
    };
  }

  private emit(type: string, object: Json): Stripe.Event {
    const ev = {
      id: rid("evt"),
      object: "event",
      api_version: stripeSdk().API_VERSION,
      created: this.nowS(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object) },
    } as unknown as Stripe.Event;
    this.events.push(ev);
    return ev;
  }

  // ── what the customer (or Stripe's clock) does; each returns the event Stripe would send ──

  /** The customer pays: the session completes, paid, with a new PaymentIntent. */
  pay(sessionId: string): Stripe.Event {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    s.status = "complete";
    s.payment_status = "paid";
    s.payment_intent = rid("pi");
    return this.emit("checkout.session.completed", s);
  }

  /** The session runs out (or is expired through the API). */
  expireSession(sessionId: string): Stripe.Event {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    s.status = "expired";
    return this.emit("checkout.session.expired", s);
  }

  /** A card attempt fails (the session stays open). */
  failAttempt(sessionId: string): Stripe.Event {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    return this.emit("payment_intent.payment_failed", {
      id: rid("pi"),
      object: "payment_intent",
      amount: s.amount_total,
      currency: s.currency,
      status: "requires_payment_method",
      metadata: s.payment_intent_data_metadata,
      last_payment_error: { code: "card_declined", message: "Your card was declined." },
    });
  }

  /** Makes a session known to the fake (e.g. one taken from a recorded event). */
  adopt(session: Record<string, unknown>): void {
    this.sessions.set(String(session.id), structuredClone(session) as FakeSession);
  }

  lastEvent(type: string): Stripe.Event | undefined {
    return [...this.events].reverse().find((e) => e.type === type);
  }
}

/** Signs `payload` as Stripe would (§3.2) and POSTs it to a webhook URL. */
export async function deliverStripeEvent(
  url: string,
  event: unknown,
  secret: string,
  opts: { timestamp?: number; payload?: string; signature?: string } = {},
): Promise<Response> {
  const payload = opts.payload ?? JSON.stringify(event, null, 2);
  const header =
    opts.signature ??
    stripeSdk().webhooks.generateTestHeaderString({
      payload,
      secret,
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
    });
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header },
    body: payload,
  });
}
