// The core of `pnpm agent:record` (eval/record.ts): re-records a Claude-mode script
// (fixtures/claude/<id>.json) from a real model. On a fresh seeded world with the frozen clock, the
// fixture's customer side (messages, taps, attachments, staff turns, hand-backs) is played exactly as
// the suite plays it (playFixture), against a Messages API reached through the real SDK; a `fetch`
// wrapper keeps every request body and response (never headers: the key is neither kept nor logged).
// Each response becomes one script step, as the fake plays one step per request; volatile values
// (UUIDs, URLs) become references the fake resolves on another database — `{{last.…}}`,
// `{{tool:<name>.…}}` or `{{tool:<name>#<n>.…}}` against the tool results in that request (see
// resolveRefs in fakes/fake-anthropic.ts), else `{{ctx.<key>}}` from the scenario's setup. What cannot
// be referenced, or a response the format cannot express, is a problem: no script is produced.
// replayFixture plays a script back through the fake on another fresh world, as the suite does.
import { rm } from "node:fs/promises";
import Anthropic from "@anthropic-ai/sdk";
import type { TestDatabase } from "../../testing/test-db.ts";
import type { BookingAgent, BookingAgentOptions } from "../agent.ts";
import { FakeAnthropic, lastUserText, type ScriptStep, toolResults } from "../fakes/fake-anthropic.ts";
import { mediaDir, RecordingTranscriber, storedImage, storedVoice } from "../testing/media.ts";
import { type AgentWorld, createAgentWorldOn, FROZEN_NOW } from "../testing/world.ts";
import type { DepositLinks } from "../tools/types.ts";
import { type ClaudeFixture, type FixtureStep, type FixtureTurn, playFixture } from "./fixtures.ts";
import type { Ctx, ScenarioDef } from "./scenarios.ts";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const URL_RE = /\bhttps?:\/\/[^\s"'<>]+/gi;
const REF = /\{\{[^}]+\}\}/g;

/** The UUIDs and URLs in a string (outside {{…}} references). */
export function volatileTokens(s: string): string[] {
  const bare = s.replace(REF, " ");
  return [...(bare.match(URL_RE) ?? []), ...(bare.replace(URL_RE, " ").match(UUID) ?? [])];
}

/** One Messages API request of the recorded run and what came back. */
export interface Exchange {
  /** Index in the fixture's `turns` of the customer turn that made the request. */
  turn: number;
  /** The request body (the key travels in headers, which are not kept). */
  request: Record<string, unknown>;
  response?: { content: Record<string, unknown>[]; stop_reason: string | null };
  /** The API's error, after the recorder's own retries. */
  error?: { status: number; type: string; message: string };
  /** No HTTP answer at all (connection failed), after retries. */
  network?: string;
}

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

function retryDelayMs(res: Response | null, attempt: number): number {
  const ms = Number(res?.headers.get("retry-after-ms"));
  if (ms > 0) return Math.min(ms, 60_000);
  const s = Number(res?.headers.get("retry-after"));
  if (s > 0) return Math.min(s * 1000, 60_000);
  return Math.min(1000 * 2 ** attempt, 30_000);
}

/**
 * The SDK's `fetch`: forwards to the Messages API and logs each /v1/messages exchange. Transient
 * errors are retried here (the SDK runs with maxRetries 0), so the agent sees exactly what the log
 * holds. With `serialTools`, requests ask for one tool call per response
 * (tool_choice.disable_parallel_tool_use): the script format plays one tool per step.
 */
export function capturingFetch(o: {
  log: Exchange[];
  turn: () => number;
  retries?: number;
  serialTools?: boolean;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}): typeof fetch {
  const base = o.fetch ?? globalThis.fetch;
  const retries = o.retries ?? 4;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!new URL(url).pathname.endsWith("/v1/messages")) return base(input, init);
    if (typeof init?.body !== "string") throw new Error("recorder: a Messages request without a JSON body");
    const request = JSON.parse(init.body) as Record<string, unknown>;
    if (o.serialTools !== false && Array.isArray(request.tools) && request.tools.length) {
      const choice = (request.tool_choice ?? { type: "auto" }) as Record<string, unknown>;
      if (choice.type !== "none") request.tool_choice = { ...choice, disable_parallel_tool_use: true };
    }
    const body = JSON.stringify(request);
    const turn = o.turn();
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await base(url, { ...init, body });
      } catch (e) {
        if (attempt < retries && !init.signal?.aborted) {
          await sleep(retryDelayMs(null, attempt));
          continue;
        }
        o.log.push({ turn, request, network: e instanceof Error ? e.message : String(e) });
        throw e;
      }
      if (res.ok) {
        const json = (await res.clone().json()) as { content?: Record<string, unknown>[]; stop_reason?: string };
        o.log.push({ turn, request, response: { content: json.content ?? [], stop_reason: json.stop_reason ?? null } });
        return res;
      }
      // As the SDK does: the API's x-should-retry header wins over the status.
      const hint = res.headers.get("x-should-retry");
      const retryable = hint === "true" || (hint !== "false" && RETRYABLE.has(res.status));
      if (retryable && attempt < retries) {
        await res.body?.cancel();
        await sleep(retryDelayMs(res, attempt));
        continue;
      }
      const err = (await res
        .clone()
        .json()
        .catch(() => null)) as { error?: { type?: string; message?: string } } | null;
      o.log.push({
        turn,
        request,
        error: {
          status: res.status,
          type: err?.error?.type ?? "api_error",
          message: err?.error?.message ?? `HTTP ${res.status}`,
        },
      });
      return res;
    }
  };
}

interface Candidate {
  value: string;
  ref: string;
}

function stringLeaves(value: unknown, path: string[], out: [string[], string][]): [string[], string][] {
  if (typeof value === "string") out.push([path, value]);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) stringLeaves(v, [...path, String(i)], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], out);
  return out;
}

/**
 * The volatile values a response to this request may carry, each with the reference that reads it
 * back: the tool results in the request, latest first (`last`, then the latest of a tool, then its
 * n-th), then the scenario's ctx. Longest values first, so a URL is referenced before an id inside it.
 */
export function referenceCandidates(request: Record<string, unknown>, ctx: Ctx): Candidate[] {
  const results = toolResults(request);
  const out: Candidate[] = [];
  for (let i = results.length - 1; i >= 0; i--) {
    const r = results[i]!;
    const same = results.filter((x) => x.name === r.name);
    const nth = same.indexOf(r);
    const head =
      i === results.length - 1
        ? "last"
        : r.name === "?"
          ? null
          : nth === same.length - 1
            ? `tool:${r.name}`
            : `tool:${r.name}#${nth}`;
    if (!head) continue;
    for (const [path, v] of stringLeaves(r.content, [], [])) {
      if (!volatileTokens(v).length || out.some((c) => c.value === v)) continue;
      // resolveRefs splits a reference on "." and ends it at "}": such keys cannot be addressed.
      if (path.some((p) => !p || /[.{}\s]/.test(p))) continue;
      out.push({ value: v, ref: [head, ...path].join(".") });
    }
  }
  for (const [k, v] of Object.entries(ctx)) {
    if (typeof v !== "string" || !/^\w+$/.test(k) || !volatileTokens(v).length) continue;
    if (!out.some((c) => c.value === v)) out.push({ value: v, ref: `ctx.${k}` });
  }
  // Stable: equal lengths keep the order of preference above.
  return out.sort((a, b) => b.value.length - a.value.length);
}

/** A string with its volatile values replaced by references; `left` holds what could not be. */
export function referenceString(s: string, candidates: Candidate[]): { value: string; left: string[] } {
  if (s.includes("{{"))
    return { value: s, left: [`"{{" in "${s.slice(0, 80)}" (the fake would read it as a reference)`] };
  let value = s;
  for (const c of candidates) if (value.includes(c.value)) value = value.split(c.value).join(`{{${c.ref}}}`);
  return { value, left: volatileTokens(value) };
}

function referenceDeep(value: unknown, candidates: Candidate[], left: string[]): unknown {
  if (typeof value === "string") {
    const r = referenceString(value, candidates);
    left.push(...r.left);
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v) => referenceDeep(v, candidates, left));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, referenceDeep(v, candidates, left)]));
  return value;
}

/** One exchange as one script step (or the problems that keep it from being one). */
export function stepFromExchange(ex: Exchange, ctx: Ctx): { step: FixtureStep | null; problems: string[] } {
  if (ex.network)
    return { step: null, problems: [`no answer from the API (${ex.network}); the fake cannot play that`] };
  if (ex.error) return { step: { error: { status: ex.error.status, type: ex.error.type } }, problems: [] };
  const { content, stop_reason } = ex.response!;
  const problems: string[] = [];
  const other = content.filter((b) => b.type !== "text" && b.type !== "tool_use").map((b) => String(b.type));
  if (other.length) problems.push(`content blocks the script cannot hold: ${other.join(", ")}`);
  const uses = content.filter((b) => b.type === "tool_use");
  if (uses.length > 1)
    problems.push(
      `${uses.length} tool calls in one response (${uses.map((u) => u.name).join(", ")}); a step holds one`,
    );
  if (uses.length && stop_reason !== "tool_use")
    problems.push(`a tool call with stop_reason "${stop_reason}"; the fake would answer "tool_use"`);
  const text = content
    .filter((b) => b.type === "text")
    .map((b) => String(b.text ?? ""))
    .join("\n");
  const candidates = referenceCandidates(ex.request, ctx);
  const left: string[] = [];
  let step: FixtureStep;
  if (uses.length) {
    const use = uses[0]!;
    const input = referenceDeep(use.input ?? {}, candidates, left) as Record<string, unknown>;
    step = {
      tool: String(use.name),
      input,
      ...(text.trim() ? { text: referenceDeep(text, candidates, left) as string } : {}),
    };
  } else {
    step = { say: referenceDeep(text, candidates, left) as string };
  }
  for (const t of left)
    problems.push(
      `"${t}" is not a value of a tool result in its request nor of the scenario's ctx: it would not replay`,
    );
  return { step: problems.length ? null : step, problems };
}

/** The fixture's turns with each customer turn's model steps taken from the recorded exchanges. */
export function recordedTurns(
  fixture: ClaudeFixture,
  log: Exchange[],
  ctx: Ctx,
): { turns: FixtureTurn[]; problems: string[] } {
  const problems: string[] = [];
  const turns = fixture.turns.map((t, i): FixtureTurn => {
    if (!("customer" in t)) return t;
    const mine = log.filter((e) => e.turn === i);
    const model: FixtureStep[] = [];
    mine.forEach((ex, j) => {
      const r = stepFromExchange(ex, ctx);
      problems.push(...r.problems.map((p) => `turn ${i + 1}, request ${j + 1}: ${p}`));
      if (r.step) model.push(r.step);
    });
    // The script's checks on what our code sends (a hand-back note, a transcript) stay with their request.
    t.model.forEach((s, j) => {
      if (!("expectUserText" in s) || !s.expectUserText) return;
      const ex = mine[j];
      const step = model[j];
      if (!ex || !step || "error" in step) {
        problems.push(`turn ${i + 1}: no request ${j + 1} to carry expectUserText /${s.expectUserText}/`);
      } else if (!new RegExp(s.expectUserText, "i").test(lastUserText(ex.request))) {
        problems.push(
          `turn ${i + 1}, request ${j + 1}: user text "${lastUserText(ex.request).slice(0, 120)}" does not match /${s.expectUserText}/`,
        );
      } else {
        step.expectUserText = s.expectUserText;
      }
    });
    return { ...t, model };
  });
  return { turns, problems };
}

/** The payment provider failing (Stripe answering 500s), for fixtures with world.deposits "failing". */
export const failingDeposits: DepositLinks = {
  async requestLink() {
    throw new Error("stripe: 500 api_error");
  },
};

/** The agent a fixture's `world` asks for (as the suite wires it). */
export function agentFor(
  w: AgentWorld,
  f: ClaudeFixture,
): { agent: BookingAgent; transcriber: RecordingTranscriber | null } {
  const transcriber = f.world?.transcriber ? new RecordingTranscriber(f.world.transcriber) : null;
  const agent =
    f.world?.deposits === "failing" || transcriber
      ? w.makeAgent({
          ...(f.world?.deposits === "failing" ? { deposits: failingDeposits } : {}),
          ...(transcriber ? { transcriber } : {}),
        })
      : w.agent;
  return { agent, transcriber };
}

interface PlayArgs {
  scenario: ScenarioDef;
  fixture: ClaudeFixture;
  /** A migrated, empty database; dropped afterwards. */
  database: () => Promise<TestDatabase>;
  client: Anthropic;
  model: string;
  limits?: BookingAgentOptions["limits"];
  /** Before each customer turn, with the turn's index in `turns` and its existing script. */
  load(turn: number, steps: ScriptStep[]): void;
  afterTurn?(turn: number): void;
}

/** The fixture's customer side on a fresh seeded world; returns the ctx and the scenario's check. */
async function play(a: PlayArgs): Promise<{ ctx: Ctx; failures: string[] }> {
  const tdb = await a.database();
  const dir = await mediaDir();
  const customerTurns = a.fixture.turns.flatMap((t, i) => ("customer" in t ? [i] : []));
  let k = 0;
  try {
    // Fixtures are recorded (and replayed) at the frozen instant, whatever CITA_TEST_NOW says.
    const w = await createAgentWorldOn(tdb, {
      now: FROZEN_NOW,
      claude: { client: a.client, model: a.model },
      ...(a.limits ? { limits: a.limits } : {}),
    });
    const s = a.scenario;
    const chat = await w.chat(`+34600${s.id.padStart(6, "0")}`, { language: s.lang });
    const ctx = (await s.setup?.(w, chat)) ?? {};
    const { agent } = agentFor(w, a.fixture);
    await playFixture(chat, a.fixture, ctx, {
      agent,
      load: (steps) => a.load(customerTurns[k++]!, steps),
      attachment: (kind) => (kind === "image" ? storedImage(dir) : storedVoice(dir)),
      afterTurn: () => a.afterTurn?.(customerTurns[k - 1]!),
    });
    await s.after?.(w, chat, ctx);
    return { ctx, failures: await s.check(w, chat, ctx) };
  } finally {
    await tdb.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RecordInput {
  scenario: ScenarioDef;
  /** The existing script: its customer side is played, its model side replaced. */
  fixture: ClaudeFixture;
  database: () => Promise<TestDatabase>;
  api: { apiKey: string; baseURL?: string | undefined; model: string; timeoutMs?: number; retries?: number };
  /** Room for a live model's latency (the turn deadline); the suite's defaults otherwise. */
  limits?: BookingAgentOptions["limits"];
  /** Before each customer turn, with the existing script's steps (tests: a fake model playing them). */
  beforeTurn?(steps: ScriptStep[]): void;
}

export interface RecordOutcome {
  id: string;
  /** The recorded script (null when it could not be made replayable, or the run crashed). */
  fixture: ClaudeFixture | null;
  /** The scenario's final-state check on the recorded run (empty: pass). */
  failures: string[];
  /** Why the run cannot become a script. */
  problems: string[];
  error?: string;
  exchanges: Exchange[];
  ctx: Ctx;
}

export async function recordScenario(o: RecordInput): Promise<RecordOutcome> {
  const log: Exchange[] = [];
  let turn = -1;
  const client = new Anthropic({
    apiKey: o.api.apiKey,
    ...(o.api.baseURL ? { baseURL: o.api.baseURL } : {}),
    maxRetries: 0,
    timeout: o.api.timeoutMs ?? 120_000,
    fetch: capturingFetch({
      log,
      turn: () => turn,
      ...(o.api.retries !== undefined ? { retries: o.api.retries } : {}),
    }),
  });
  const out: RecordOutcome = { id: o.scenario.id, fixture: null, failures: [], problems: [], exchanges: log, ctx: {} };
  try {
    const r = await play({
      scenario: o.scenario,
      fixture: o.fixture,
      database: o.database,
      client,
      model: o.api.model,
      ...(o.limits ? { limits: o.limits } : {}),
      load(i, steps) {
        turn = i;
        o.beforeTurn?.(steps);
      },
    });
    out.ctx = r.ctx;
    out.failures = r.failures;
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
    return out;
  }
  const { turns, problems } = recordedTurns(o.fixture, log, out.ctx);
  out.problems = problems;
  if (!problems.length) out.fixture = { ...o.fixture, turns };
  return out;
}

/**
 * Plays a script as the suite does (the real SDK against the fake Messages API, fake.load per
 * customer turn) on a fresh world. `script`: the fake's failures and unused steps; `failures`: the
 * scenario's check.
 */
export async function replayFixture(o: {
  scenario: ScenarioDef;
  fixture: ClaudeFixture;
  database: () => Promise<TestDatabase>;
}): Promise<{ script: string[]; failures: string[] }> {
  const fake = new FakeAnthropic();
  const baseURL = await fake.start();
  const script: string[] = [];
  try {
    const { failures } = await play({
      scenario: o.scenario,
      fixture: o.fixture,
      database: o.database,
      client: new Anthropic({ apiKey: "replay-key", baseURL, maxRetries: 0, timeout: 5000 }),
      model: "claude-replay",
      load: (_i, steps) => fake.load(steps),
      afterTurn(i) {
        script.push(...fake.failures.map((f) => `turn ${i + 1}: ${f}`));
        if (fake.remaining) script.push(`turn ${i + 1}: ${fake.remaining} script step(s) left unused`);
        fake.failures.length = 0;
      },
    });
    return { script, failures };
  } catch (e) {
    script.push(`replay crashed: ${e instanceof Error ? e.message : String(e)}`);
    return { script, failures: [] };
  } finally {
    await fake.stop();
  }
}
