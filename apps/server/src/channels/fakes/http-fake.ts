// A small recording HTTP server on 127.0.0.1 for fakes of external APIs: records every request and
// can be told to answer the next matching requests with an error status, a delay or no answer at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: unknown;
  at: number;
}

export type Scripted =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { timeout: true };

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw bytes instead of JSON. */
  bytes?: Buffer;
}

export type Route = (req: RecordedRequest, params: string[]) => FakeResponse | Promise<FakeResponse>;

export class HttpFake {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Route }[] = [];
  private readonly scripts: {
    method: string;
    pattern: RegExp;
    when?: (req: RecordedRequest) => boolean;
    queue: Scripted[];
  }[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  url = "";

  route(method: string, pattern: RegExp, handler: Route): void {
    this.routes.push({ method, pattern, handler });
  }

  /** The next requests matching method + pattern get these answers, in order, before normal handling resumes. */
  script(method: string, pattern: RegExp, ...answers: Scripted[]): void {
    this.scripts.push({ method, pattern, queue: [...answers] });
  }

  /**
   * Like script(), but only for requests `when` accepts (e.g. to one recipient), so a stray request
   * from another test's conversation cannot use up the scripted answers.
   */
  scriptFor(method: string, pattern: RegExp, when: (req: RecordedRequest) => boolean, ...answers: Scripted[]): void {
    this.scripts.push({ method, pattern, when, queue: [...answers] });
  }

  requestsTo(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    const rec: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, raw, body, at: Date.now() };
    this.requests.push(rec);
    const script = this.scripts.find(
      (s) => s.method === rec.method && s.pattern.test(path) && s.queue.length && (!s.when || s.when(rec)),
    );
    if (script) {
      const answer = script.queue.shift()!;
      if ("timeout" in answer) return; // never answer: the client's timeout fires
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      return this.send(res, {
        status: answer.status,
        body: answer.body ?? { error: `scripted ${answer.status}` },
        headers: answer.headers,
      });
    }
    for (const r of this.routes) {
      const m = r.method === rec.method ? r.pattern.exec(path) : null;
      if (!m) continue;
      try {
        return this.send(res, await r.handler(rec, m.slice(1)));
      } catch (e) {
        return this.send(res, { status: 500, body: { error: String(e) } });
      }
    }
    this.send(res, { status: 404, body: { error: "not found" } });
  }

  private send(res: ServerResponse, r: FakeResponse): void {
    if (res.destroyed) return;
    const headers = { ...(r.bytes ? {} : { "content-type": "application/json" }), ...(r.headers ?? {}) };
    res.writeHead(r.status, headers);
    res.end(r.bytes ?? (r.body === undefined ? "" : JSON.stringify(r.body)));
  }
}
