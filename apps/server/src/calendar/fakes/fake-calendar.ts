// A local fake of the Google Calendar v3 endpoints Cita uses, over real HTTP with Google's JSON
// shapes and errors (reference integrations.md §4.2, §4.4–4.6): events insert/patch/delete/list
// (with syncToken and 410 on an invalidated one), events.watch, channels.stop. Failures can be
// injected (403 rate limit, 429, 5xx) and push notifications sent to a registered address.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

type Ev = Record<string, unknown> & { id: string; status: string; seq: number };

export interface CalendarRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeChannel {
  id: string;
  resourceId: string;
  calendarId: string;
  address: string;
  token: string | undefined;
  expiration: number;
  stopped: boolean;
  messages: number;
}

const googleError = (code: number, reason: string, message: string, domain = "global") => ({
  error: { errors: [{ domain, reason, message }], code, message },
});

export class FakeCalendar {
  readonly requests: CalendarRequest[] = [];
  readonly calendars = new Map<string, Map<string, Ev>>();
  readonly channels = new Map<string, FakeChannel>();
  readonly failNext: { status: number; reason: string; method?: string }[] = [];
  private seq = 0;
  /** Sync tokens issued before this sequence number are no longer valid (→ 410). */
  private tokenFloor = new Map<string, number>();
  private server: Server | null = null;
  url = "";

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => this.send(res, 500, googleError(500, "backendError", String(e))));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/`;
    return this.url;
  }

  async stop() {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  events(calendarId: string): Map<string, Ev> {
    let m = this.calendars.get(calendarId);
    if (!m) {
      m = new Map();
      this.calendars.set(calendarId, m);
    }
    return m;
  }

  /** Live (not cancelled) events of a calendar. */
  live(calendarId: string): Ev[] {
    return [...this.events(calendarId).values()].filter((e) => e.status !== "cancelled");
  }

  /** The stylist adds or changes an event of their own. */
  putExternal(calendarId: string, ev: Record<string, unknown> & { id?: string }): string {
    const id = ev.id ?? `ext${randomBytes(6).toString("hex")}`;
    this.events(calendarId).set(id, { status: "confirmed", ...ev, id, seq: ++this.seq, kind: "calendar#event" });
    return id;
  }

  removeExternal(calendarId: string, id: string) {
    const e = this.events(calendarId).get(id);
    if (e) Object.assign(e, { status: "cancelled", seq: ++this.seq });
  }

  /** Every sync token issued so far for this calendar now answers 410 Gone. */
  invalidateSyncTokens(calendarId: string) {
    this.tokenFloor.set(calendarId, ++this.seq);
  }

  /** Sends a push notification like Google's (headers only). */
  async notify(channelId: string, state = "exists", token?: string): Promise<Response> {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`no channel ${channelId}`);
    return fetch(ch.address, {
      method: "POST",
      headers: {
        "x-goog-channel-id": ch.id,
        "x-goog-channel-token": token ?? ch.token ?? "",
        "x-goog-channel-expiration": new Date(ch.expiration).toUTCString(),
        "x-goog-resource-id": ch.resourceId,
        "x-goog-resource-uri": `${this.url}calendar/v3/calendars/${encodeURIComponent(ch.calendarId)}/events`,
        "x-goog-resource-state": state,
        "x-goog-message-number": String(++ch.messages),
      },
    });
  }

  private send(res: ServerResponse, status: number, body?: unknown) {
    if (body === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(body));
  }

  private view(e: Ev) {
    const { seq, ...rest } = e;
    return { kind: "calendar#event", etag: `"${seq}"`, ...rest, updated: new Date().toISOString() };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://fake");
    const body = raw ? JSON.parse(raw) : undefined;
    const method = req.method ?? "GET";
    this.requests.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), body });
    if (!req.headers.authorization?.startsWith("Bearer ")) {
      return this.send(res, 401, googleError(401, "authError", "Invalid Credentials"));
    }
    const fi = this.failNext.findIndex((f) => !f.method || f.method === method);
    if (fi >= 0) {
      const f = this.failNext.splice(fi, 1)[0]!;
      const domain = f.reason.includes("RateLimit") || f.reason === "rateLimitExceeded" ? "usageLimits" : "global";
      return this.send(res, f.status, googleError(f.status, f.reason, "injected", domain));
    }
    if (method === "POST" && u.pathname === "/calendar/v3/channels/stop") {
      const ch = this.channels.get(body?.id);
      if (ch && ch.resourceId === body?.resourceId) ch.stopped = true;
      return this.send(res, 204);
    }
    const m = u.pathname.match(/^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/);
    if (!m) return this.send(res, 404, googleError(404, "notFound", "Not Found"));
    const calendarId = decodeURIComponent(m[1]!);
    const sub = m[2] ? decodeURIComponent(m[2]) : null;
    const evs = this.events(calendarId);
    if (method === "POST" && sub === "watch") {
      const ch: FakeChannel = {
        id: body.id,
        resourceId: `res${randomBytes(8).toString("hex")}`,
        calendarId,
        address: body.address,
        token: body.token,
        expiration: Date.now() + Number(body.params?.ttl ?? 604800) * 1000,
        stopped: false,
        messages: 0,
      };
      this.channels.set(ch.id, ch);
      return this.send(res, 200, {
        kind: "api#channel",
        id: ch.id,
        resourceId: ch.resourceId,
        resourceUri: `${this.url}calendar/v3/calendars/${m[1]}/events?alt=json`,
        ...(ch.token ? { token: ch.token } : {}),
        expiration: String(ch.expiration),
      });
    }
    if (method === "POST" && !sub) {
      const id = body?.id ?? randomUUID().replace(/-/g, "");
      if (!/^[a-v0-9]{5,1024}$/.test(id))
        return this.send(res, 400, googleError(400, "invalid", "Invalid resource id value."));
      if (evs.has(id))
        return this.send(res, 409, googleError(409, "duplicate", "The requested identifier already exists."));
      const e: Ev = { ...body, id, status: "confirmed", seq: ++this.seq, iCalUID: `${id}@google.com`, sequence: 0 };
      evs.set(id, e);
      return this.send(res, 200, this.view(e));
    }
    if (method === "PATCH" && sub) {
      const e = evs.get(sub);
      if (!e) return this.send(res, 404, googleError(404, "notFound", "Not Found"));
      Object.assign(e, body, { seq: ++this.seq, status: "confirmed" });
      return this.send(res, 200, this.view(e));
    }
    if (method === "DELETE" && sub) {
      const e = evs.get(sub);
      if (!e) return this.send(res, 404, googleError(404, "notFound", "Not Found"));
      if (e.status === "cancelled")
        return this.send(res, 410, googleError(410, "deleted", "Resource has been deleted"));
      Object.assign(e, { status: "cancelled", seq: ++this.seq });
      return this.send(res, 204);
    }
    if (method === "GET" && !sub) return this.list(res, calendarId, u.searchParams);
    return this.send(res, 404, googleError(404, "notFound", "Not Found"));
  }

  private list(res: ServerResponse, calendarId: string, q: URLSearchParams) {
    const syncToken = q.get("syncToken");
    if (syncToken && (q.get("timeMin") || q.get("timeMax") || q.get("orderBy"))) {
      return this.send(res, 400, googleError(400, "invalid", "Sync token cannot be used with other filters"));
    }
    let items: Ev[];
    if (syncToken) {
      const [cal, since] = Buffer.from(syncToken, "base64url").toString().split("|");
      if (cal !== calendarId || Number(since) < (this.tokenFloor.get(calendarId) ?? 0)) {
        return this.send(
          res,
          410,
          googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."),
        );
      }
      items = [...this.events(calendarId).values()].filter((e) => e.seq > Number(since));
    } else {
      const timeMin = q.get("timeMin") ? Date.parse(q.get("timeMin")!) : Number.NEGATIVE_INFINITY;
      items = this.live(calendarId).filter((e) => {
        const end = (e.end as { dateTime?: string; date?: string } | undefined) ?? {};
        return Date.parse(end.dateTime ?? `${end.date}T23:59:59Z`) > timeMin;
      });
    }
    items.sort((a, b) => a.seq - b.seq);
    const max = Number(q.get("maxResults") ?? 250);
    const start = Number(q.get("pageToken") ?? 0);
    const page = items.slice(start, start + max);
    const more = start + max < items.length;
    return this.send(res, 200, {
      kind: "calendar#events",
      etag: `"${this.seq}"`,
      timeZone: "Europe/Madrid",
      updated: new Date().toISOString(),
      items: page.map((e) => this.view(e)),
      // The sync token comes only with the last page (§4.2).
      ...(more
        ? { nextPageToken: String(start + max) }
        : { nextSyncToken: Buffer.from(`${calendarId}|${this.seq}`).toString("base64url") }),
    });
  }
}
