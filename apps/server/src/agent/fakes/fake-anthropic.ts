// A local fake of the Anthropic Messages API: real HTTP on loopback, the Messages wire format
// (POST /v1/messages, JSON, request-id header, error bodies), serving scripted responses in order.
// A script step can use values from the request: "{{last.slots.0.slot_ref}}" reads the latest
// tool_result (parsed JSON) of the request; "{{tool:check_availability.slots.1.slot_ref}}" the
// latest result of that tool, "{{tool:search_services#0.matches.0.service_id}}" its first result in the
// request. A request with no script step left fails the test (HTTP 500 with
// x-should-retry: false, and the error is kept in `failures`).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptStep {
  /** Assistant content blocks; strings inside may hold {{...}} references. */
  content?: unknown[];
  stop_reason?: string;
  /** Reply with an API error instead (e.g. 429 rate_limit_error, 529 overloaded_error). */
  error?: { status: number; type: string; message?: string };
  /** Checks on the request: the latest user text must match. */
  expectUserText?: string;
}

export interface RecordedRequest {
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
}

export function toolResults(body: Record<string, unknown>) {
  const out: { name: string; content: unknown }[] = [];
  const names = new Map<string, string>();
  for (const m of (body.messages ?? []) as { role: string; content: unknown }[]) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as Record<string, unknown>[]) {
      if (b.type === "tool_use") names.set(String(b.id), String(b.name));
      if (b.type === "tool_result") {
        let content: unknown = b.content;
        try {
          content = JSON.parse(String(b.content));
        } catch {}
        out.push({ name: names.get(String(b.tool_use_id)) ?? "?", content });
      }
    }
  }
  return out;
}

function dig(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) cur = cur == null ? undefined : (cur as Record<string, unknown>)[p];
  return cur;
}

export function resolveRefs(value: unknown, body: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    return value.replace(/\{\{([^}]+)\}\}/g, (_, ref: string) => {
      const results = toolResults(body);
      const [head, ...rest] = ref.trim().split(".");
      let base: unknown;
      if (head === "last") base = results.at(-1)?.content;
      else if (head?.startsWith("tool:")) {
        // "tool:name" is that tool's latest result; "tool:name#0" its first in the request.
        const [name, nth] = head.slice(5).split("#");
        const of = results.filter((r) => r.name === name);
        base = (nth === undefined ? of.at(-1) : of[Number(nth)])?.content;
      }
      const v = dig(base, rest);
      if (v === undefined) throw new Error(`fake-anthropic: unresolved reference {{${ref}}}`);
      return String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, body));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, body)]));
  }
  return value;
}

export function lastUserText(body: Record<string, unknown>): string {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  const m = [...msgs].reverse().find((x) => x.role === "user");
  if (!m) return "";
  if (typeof m.content === "string") return m.content;
  return (m.content as { type: string; text?: string }[])
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("\n");
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  readonly failures: string[] = [];
  private script: ScriptStep[] = [];
  private server: Server | null = null;
  private n = 0;

  /** Replaces the queue of responses (one per request, in order). */
  load(steps: ScriptStep[]): void {
    this.script = [...steps];
  }

  get remaining(): number {
    return this.script.length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const requestId = `req_fake_${++this.n}`;
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { "content-type": "application/json", "request-id": requestId, ...headers });
          res.end(JSON.stringify(body));
        };
        if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
          return send(404, { type: "error", error: { type: "not_found_error", message: "Not found" } });
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return send(400, { type: "error", error: { type: "invalid_request_error", message: "bad JSON" } });
        }
        this.requests.push({ body, headers: req.headers });
        const fail = (message: string) => {
          this.failures.push(message);
          send(500, { type: "error", error: { type: "api_error", message } }, { "x-should-retry": "false" });
        };
        // SDK 0.x sends x-api-key + anthropic-version 2023-06-01; SDK 1.x sends a Bearer token and a newer version.
        const authed = req.headers["x-api-key"] || /^Bearer \S+/.test(String(req.headers.authorization ?? ""));
        if (!authed || !req.headers["anthropic-version"]) {
          return send(401, { type: "error", error: { type: "authentication_error", message: "missing key/version" } });
        }
        const step = this.script.shift();
        if (!step)
          return fail(`no scripted response left for request ${this.n}: "${lastUserText(body).slice(0, 120)}"`);
        if (step.expectUserText && !new RegExp(step.expectUserText, "i").test(lastUserText(body))) {
          return fail(
            `request ${this.n}: user text "${lastUserText(body).slice(0, 200)}" does not match /${step.expectUserText}/`,
          );
        }
        if (step.error) {
          return send(
            step.error.status,
            {
              type: "error",
              error: { type: step.error.type, message: step.error.message ?? step.error.type },
              request_id: requestId,
            },
            { "retry-after-ms": "0", "x-should-retry": "false" },
          );
        }
        let content: unknown[];
        try {
          content = resolveRefs(step.content ?? [], body) as unknown[];
        } catch (e) {
          return fail((e as Error).message);
        }
        const hasTool = content.some((b) => (b as { type?: string }).type === "tool_use");
        send(200, {
          id: `msg_fake_${this.n}`,
          type: "message",
          role: "assistant",
          model: body.model,
          content,
          stop_reason: step.stop_reason ?? (hasTool ? "tool_use" : "end_turn"),
          stop_sequence: null,
          usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 90 },
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Shorthands for scripts. */
export const say = (text: string): ScriptStep => ({ content: [{ type: "text", text }] });
let toolN = 0;
export const use = (name: string, input: Record<string, unknown>, text?: string): ScriptStep => ({
  content: [
    ...(text ? [{ type: "text", text }] : []),
    { type: "tool_use", id: `toolu_fake_${Date.now().toString(36)}_${++toolN}`, name, input },
  ],
});
