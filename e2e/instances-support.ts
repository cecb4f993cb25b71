// Shared by the several-instances and fault tests (instances.test.ts, faults.test.ts): Cita processes
// (apps/server/src/main.ts, as the README starts it) on one PostgreSQL, a fake WhatsApp Cloud API that
// records every reply, signed webhook deliveries, plain tRPC over HTTP and a change-stream reader.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { deliverMeta, FakeMeta, metaMessage } from "../apps/server/src/channels/fakes/fake-meta.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { root, type Started } from "./start-support.ts";

export const META = { token: "meta-instances-token", secret: "meta-instances-app-secret", phoneId: "106540352242922" };
export const DESK = { email: "desk@cita.demo", password: "cita-desk-demo" } as const;

/** Work a dead instance held passes to another after this long (CITA_TAKEOVER_SECONDS). */
export const TAKEOVER_SECONDS = 10;

/** The environment every instance of one installation shares (same keys, same fake WhatsApp). */
export function sharedEnv(databaseUrl: string, graphUrl: string): Record<string, string> {
  return {
    CITA_ENV: "test",
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    DATABASE_URL: databaseUrl,
    CITA_DATA_KEY: randomBytes(32).toString("base64"),
    CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
    CITA_SANDBOX: "false",
    CITA_SEED_DEMO_CHATS: "false",
    WHATSAPP_GRAPH_URL: graphUrl,
    WHATSAPP_ACCESS_TOKEN: META.token,
    WHATSAPP_APP_SECRET: META.secret,
    // Each message answered at once (the customers here wait for each answer before writing again).
    TURN_QUIET_MS: "0",
    CHANNELS_HTTP_TIMEOUT_MS: "2000",
    CITA_TAKEOVER_SECONDS: String(TAKEOVER_SECONDS),
  };
}

export interface Instance extends Started {
  name: string;
  dataDir: string;
}

/**
 * One Cita process with its own data dir and port. Node itself runs main.ts (tsx as a loader, not the
 * tsx CLI, which would put the server in a child process that a SIGKILL to the CLI leaves running).
 */
export async function startInstance(name: string, env: Record<string, string>, dataDir?: string): Promise<Instance> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), `cita-${name}-`)));
  const port = env.PORT ?? String(await freePort());
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: port, CITA_DATA_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => (out += d));
  proc.stderr?.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited ${proc.exitCode}: ${out}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok && out.includes("Cita is ready")) return { proc, output: () => out, url, name, dataDir: dir };
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill("SIGKILL");
  throw new Error(`${name} not ready in 150 s: ${out}`);
}

/**
 * Waits until the job workers run: a server listens (and /readyz says 200) before its workers are
 * registered, and a delivery stored in that moment waits for the channels sweep instead of its job.
 * The sweep's schedule is written while the channels' workers are registered; they start just after.
 */
export async function workersRunning(databaseUrl: string): Promise<void> {
  await until(
    "job workers registered",
    async () =>
      (
        await sql<{ n: number }>(
          databaseUrl,
          "SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = 'channels-sweep'",
        )
      )[0]!.n > 0,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 1_000));
}

/** SIGKILL: no shutdown code runs, in-flight work stays where it was. Resolves when the process is gone. */
export function killHard(i: Instance): Promise<void> {
  return new Promise((resolve) => {
    if (i.proc.exitCode !== null || i.proc.signalCode !== null) return resolve();
    i.proc.once("exit", () => resolve());
    i.proc.kill("SIGKILL");
  });
}

export async function removeInstance(i: Instance | undefined, keepDataDir = false): Promise<void> {
  if (!i) return;
  if (i.proc.exitCode === null && i.proc.signalCode === null) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => i.proc.kill("SIGKILL"), 15_000);
      i.proc.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      i.proc.kill("SIGTERM");
    });
  }
  if (!keepDataDir) await rm(i.dataDir, { recursive: true, force: true });
}

// ── tRPC over plain HTTP (status codes stay visible: 200, 409 SLOT_TAKEN…) ──

export async function login(url: string, who: { email: string; password: string } = DESK): Promise<string> {
  const r = await fetch(`${url}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(who),
  });
  const body = (await r.json()) as { result?: { data?: { accessToken?: string } } };
  const token = body.result?.data?.accessToken;
  if (!token) throw new Error(`login failed (${r.status}): ${JSON.stringify(body)}`);
  return token;
}

export async function mutate(
  url: string,
  token: string,
  path: string,
  input: unknown,
): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: r.status, body: await r.json() };
}

export async function query<T>(url: string, token: string, path: string, input: unknown): Promise<T> {
  const r = await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await r.json()) as { result?: { data?: T } };
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
  return body.result!.data as T;
}

// ── A console's live stream (changes.stream over SSE), read with fetch ──

export interface StreamEvent {
  id: string | null;
  data: { version: string; entityType: string; entityId: string; data: unknown };
}

export interface ChangeStream {
  events: StreamEvent[];
  /** SSE connections the reader opened (1 + reconnects). */
  connections: number;
  close(): void;
  /** Resolves with the first event (from now on or already seen) matching `match`. */
  waitFor(match: (e: StreamEvent) => boolean, ms?: number): Promise<StreamEvent>;
}

/**
 * Subscribes to changes.stream as the console does (an EventSource: it reconnects after a dropped
 * connection with the last event id, so nothing is missed or repeated).
 */
export function openChangeStream(url: string, token: string): ChangeStream {
  const events: StreamEvent[] = [];
  const abort = new AbortController();
  let lastId: string | null = null;
  const stream: ChangeStream = {
    events,
    connections: 0,
    close: () => abort.abort(),
    async waitFor(match, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = events.find(match);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no matching change event in ${ms} ms (${events.length} seen)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const input = encodeURIComponent(JSON.stringify(lastId ? { lastEventId: lastId } : {}));
        const r = await fetch(`${url}/trpc/changes.stream?input=${input}`, {
          headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          signal: abort.signal,
        });
        if (r.status !== 200 || !r.body) throw new Error(`stream answered ${r.status}`);
        stream.connections++;
        const decoder = new TextDecoder();
        let buf = "";
        const reader = r.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let end = buf.indexOf("\n\n");
          while (end >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            end = buf.indexOf("\n\n");
            let id: string | null = null;
            let data = "";
            let event = "message";
            for (const line of block.split("\n")) {
              if (line.startsWith("id:")) id = line.slice(3).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
              else if (line.startsWith("event:")) event = line.slice(6).trim();
            }
            if (event !== "message" || !data || !id) continue;
            const parsed = JSON.parse(data) as StreamEvent["data"];
            if (!parsed?.entityId) continue;
            lastId = id;
            events.push({ id, data: parsed });
          }
        }
      } catch {
        // dropped or refused: reconnect as EventSource does
      }
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 300));
    }
  };
  void run();
  return stream;
}

// ── WhatsApp: the fake Cloud API and signed deliveries ──

export async function startFakeMeta(): Promise<FakeMeta> {
  const meta = new FakeMeta(META.token);
  await meta.start();
  return meta;
}

/** A customer's text message as Meta posts it; the same `id` is the same message (a redelivery). */
export function whatsappText(from: string, text: string, id: string) {
  return metaMessage({
    phoneNumberId: META.phoneId,
    from,
    name: `Cliente ${from.slice(-4)}`,
    id,
    message: { type: "text", text },
  }).body;
}

/** Posts a signed delivery; a refused connection (the instance is down) answers status 0. */
export async function deliver(url: string, body: unknown): Promise<number> {
  try {
    return (await deliverMeta(`${url}/webhooks/whatsapp`, body, { appSecret: META.secret })).status;
  } catch {
    return 0;
  }
}

/** The replies the fake WhatsApp received for one customer, in arrival order. */
export function repliesTo(meta: FakeMeta, phone: string) {
  return meta.sentMessages().filter((r) => (r.body as { to?: string }).to === phone);
}

// ── Reading the shared database directly ──

export async function sql<T extends Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Per customer phone (WhatsApp id): inbound messages stored, answered, and replies written/sent. */
export interface ConversationCounts {
  inbound: number;
  answered: number;
  outbound: number;
  sent: number;
  turns: number;
}

export async function countsByPhone(databaseUrl: string): Promise<Map<string, ConversationCounts>> {
  const rows = await sql<{
    external_id: string;
    inbound: number;
    answered: number;
    outbound: number;
    sent: number;
    turns: number;
  }>(
    databaseUrl,
    `SELECT c.external_id,
            (SELECT count(*)::int FROM message m WHERE m.conversation_id = c.id AND m.direction = 'inbound') AS inbound,
            (SELECT count(*)::int FROM message m WHERE m.conversation_id = c.id AND m.direction = 'inbound'
                AND m.turn_id IS NOT NULL) AS answered,
            (SELECT count(*)::int FROM message m WHERE m.conversation_id = c.id AND m.direction = 'outbound') AS outbound,
            (SELECT count(*)::int FROM outbox_message o WHERE o.conversation_id = c.id AND o.status = 'sent') AS sent,
            (SELECT count(*)::int FROM agent_turn t WHERE t.conversation_id = c.id) AS turns
       FROM conversation c`,
  );
  return new Map(rows.map((r) => [r.external_id, r]));
}

/** Polls until `check` yields a value. */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
