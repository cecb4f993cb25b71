// `pnpm agent:record` without a key: the recorder's core drives the local fake Messages API playing
// an existing script as if it were the live model (its base URL, a dummy key, the real SDK). The
// recorded script must play the same tools and texts once its references are resolved, hold no raw
// ids or links, and replay through the suite's path (fake.load(toScript(...)) + the scenario's
// check) on another fresh database. The conversion's refusals and the capture are unit-tested too.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../testing/test-db.ts";
import { FakeAnthropic, resolveRefs } from "../fakes/fake-anthropic.ts";
import { createAgentWorld, FROZEN_NOW } from "../testing/harness.ts";
import { mediaDir, storedImage, storedVoice } from "../testing/media.ts";
import {
  type ClaudeFixture,
  type FixtureStep,
  type FixtureTurn,
  loadFixture,
  playFixture,
  toScript,
} from "./fixtures.ts";
import {
  agentFor,
  capturingFetch,
  type Exchange,
  recordScenario,
  replayFixture,
  stepFromExchange,
  volatileTokens,
} from "./recorder.ts";
import { type Ctx, SCENARIO_BY_ID } from "./scenarios.ts";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

/** What the fake sends for a step in answer to this request (tool_use ids aside). */
function played(step: FixtureStep, ctx: Ctx, request: Record<string, unknown>) {
  const [s] = toScript([step], ctx);
  const content = (resolveRefs(s!.content ?? [], request) as Record<string, unknown>[]).map(({ id: _id, ...b }) => b);
  return { content, error: s!.error, expectUserText: s!.expectUserText };
}

const customerSide = (turns: FixtureTurn[]) => turns.map((t) => ("model" in t ? { ...t, model: null } : t));
const modelTurns = (f: ClaudeFixture) =>
  f.turns.map((t) => ("model" in t ? t.model.map((s) => ("tool" in s ? s.tool : "say" in s ? "say" : "error")) : null));

describe("agent:record against the fake Messages API playing the existing scripts", () => {
  let fake: FakeAnthropic;
  let baseURL: string;
  const recorded = new Map<string, ClaudeFixture>();

  beforeAll(async () => {
    fake = new FakeAnthropic();
    baseURL = await fake.start();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  // 1: service ids, a booking id and a deposit link; 9: a reschedule; 14: staff, hand-back and
  // expectUserText; 15: the failing payment provider (world wiring, three errored tool calls).
  for (const id of ["1", "9", "14", "15"]) {
    it(`${id}: records a script that plays the same and replays on another database`, async () => {
      const s = SCENARIO_BY_ID.get(id)!;
      const original = await loadFixture(id);
      fake.failures.length = 0;
      const rec = await recordScenario({
        scenario: s,
        fixture: original,
        database: () => createTestDatabase(),
        api: { apiKey: "dummy-key", baseURL, model: "claude-sonnet-4-6" },
        beforeTurn: (steps) => fake.load(steps),
      });
      expect(rec.error).toBeUndefined();
      expect(fake.failures).toEqual([]);
      expect(rec.problems).toEqual([]);
      expect(rec.failures, "the recorded run passes the scenario's check").toEqual([]);
      const f = rec.fixture!;
      recorded.set(id, f);

      // Scenario, description, world and the customer side are kept.
      expect({ ...f, turns: customerSide(f.turns) }).toEqual({ ...original, turns: customerSide(original.turns) });
      // (a) One step per request, the same tools in the same order, and — references resolved against
      // each recorded request — the same tool inputs and texts as the original script.
      expect(modelTurns(f)).toEqual(modelTurns(original));
      original.turns.forEach((t, i) => {
        if (!("model" in t)) return;
        const steps = (f.turns[i] as typeof t).model;
        const requests = rec.exchanges.filter((e) => e.turn === i).map((e) => e.request);
        expect(requests).toHaveLength(t.model.length);
        t.model.forEach((step, j) => {
          expect(played(steps[j]!, rec.ctx, requests[j]!), `turn ${i + 1} step ${j + 1}`).toEqual(
            played(step, rec.ctx, requests[j]!),
          );
        });
      });
      // (b) No raw UUID or URL left: they are references.
      expect(volatileTokens(JSON.stringify(f))).toEqual([]);
      const served = JSON.stringify(rec.exchanges.map((e) => e.response));
      expect(volatileTokens(served).length, "the model's answers did carry ids").toBeGreaterThan(0);

      // (c) The suite's playing path on a fresh world: the recorded script replays and passes.
      const w = await createAgentWorld({
        now: FROZEN_NOW,
        claude: {
          client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
          model: "claude-sonnet-4-6",
        },
      });
      try {
        const chat = await w.chat(`+34611${id.padStart(6, "0")}`, { language: s.lang });
        const ctx = (await s.setup?.(w, chat)) ?? {};
        const { agent } = agentFor(w, f);
        const dir = await mediaDir();
        fake.failures.length = 0;
        await playFixture(chat, f, ctx, {
          agent,
          load: (steps) => fake.load(steps),
          attachment: (k) => (k === "image" ? storedImage(dir) : storedVoice(dir)),
          afterTurn(n) {
            expect(fake.failures, `turn ${n}`).toEqual([]);
            expect(fake.remaining, `turn ${n}: script steps left unused`).toBe(0);
          },
        });
        await s.after?.(w, chat, ctx);
        expect(await s.check(w, chat, ctx)).toEqual([]);
        if (id === "1") {
          // The link told on replay is this database's, through {{last.url}}.
          const [link] = w.deposits.links;
          expect(link && chat.told).toContain(link!.url);
          expect(rec.ctx).toEqual({});
        }
      } finally {
        await w.drop();
      }
    }, 60_000);
  }

  it("1: the references are the ones the fake resolves (results in the request)", () => {
    const f = recorded.get("1");
    expect(f, "scenario 1 was recorded above").toBeDefined();
    const last = f!.turns.at(-1) as Extract<FixtureTurn, { model: unknown }>;
    expect(last.model).toEqual([
      { tool: "hold_slot", input: { slot_ref: "S1" } },
      { tool: "request_deposit_link", input: { booking_id: "{{last.booking.booking_id}}" } },
      { say: expect.stringMatching(/confirmarla: \{\{last\.url\}\}$/) },
    ]);
    const first = f!.turns[0] as Extract<FixtureTurn, { model: unknown }>;
    expect(first.model[1]).toMatchObject({ input: { service_ids: ["{{last.matches.0.service_id}}"] } });
  });

  it("the CLI's verifier replays a recorded script and catches one that does not", async () => {
    const f = recorded.get("9");
    expect(f, "scenario 9 was recorded above").toBeDefined();
    const s = SCENARIO_BY_ID.get("9")!;
    const ok = await replayFixture({ scenario: s, fixture: f!, database: () => createTestDatabase() });
    expect(ok).toEqual({ script: [], failures: [] });
    // The last turn's final answer dropped: the agent's request finds no step left.
    const cut = structuredClone(f!);
    (cut.turns.at(-1) as Extract<FixtureTurn, { model: unknown }>).model.pop();
    const bad = await replayFixture({ scenario: s, fixture: cut, database: () => createTestDatabase() });
    expect(bad.script.join("\n")).toMatch(/turn 2: no scripted response left/);
  }, 60_000);
});

describe("recording: what cannot replay is refused", () => {
  const BOOKING = "0b9e5a52-3f4c-4d7e-9a51-6f2f0e1c2d3a";
  const OTHER = "5d1c2b3a-1111-4222-8333-944455556666";
  const URL = `https://pay.test/checkout/${BOOKING}`;
  const request = {
    messages: [
      { role: "user", content: [{ type: "text", text: "sí" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "list_my_bookings", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: JSON.stringify({ upcoming: [{ booking_id: OTHER }] }) },
        ],
      },
      { role: "assistant", content: [{ type: "tool_use", id: "t2", name: "list_my_bookings", input: {} }] },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "t2", content: JSON.stringify({ upcoming: [] }) }],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "t3", name: "request_deposit_link", input: { booking_id: BOOKING } }],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t3", content: JSON.stringify({ booking_id: BOOKING, url: URL }) },
        ],
      },
    ],
  };
  const ex = (content: Record<string, unknown>[], stop_reason = "end_turn"): Exchange => ({
    turn: 0,
    request,
    response: { content, stop_reason },
  });

  it("turns ids and links into references: last, an earlier result of a tool, ctx", () => {
    const r = stepFromExchange(ex([{ type: "text", text: `Paga aquí: ${URL} (reserva ${BOOKING})` }]), {});
    expect(r).toEqual({ step: { say: "Paga aquí: {{last.url}} (reserva {{last.booking_id}})" }, problems: [] });
    // The same text replays as it was said.
    expect(played(r.step!, {}, request).content).toEqual([
      { type: "text", text: `Paga aquí: ${URL} (reserva ${BOOKING})` },
    ]);

    const moved = stepFromExchange(
      ex(
        [{ type: "tool_use", id: "x", name: "reschedule_booking", input: { booking_id: OTHER, slot_ref: "S1" } }],
        "tool_use",
      ),
      {},
    );
    expect(moved.step).toEqual({
      tool: "reschedule_booking",
      input: { booking_id: "{{tool:list_my_bookings#0.upcoming.0.booking_id}}", slot_ref: "S1" },
    });
    expect(played(moved.step!, {}, request).content).toMatchObject([{ input: { booking_id: OTHER } }]);

    const fromSetup = "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff";
    const ctxRef = stepFromExchange(
      ex([{ type: "tool_use", id: "y", name: "cancel_booking", input: { booking_id: fromSetup } }], "tool_use"),
      { bookingId: fromSetup, start: "2026-03-13T09:00:00.000Z" },
    );
    expect(ctxRef.step).toEqual({ tool: "cancel_booking", input: { booking_id: "{{ctx.bookingId}}" } });
  });

  it("fails loudly on an id or link the request does not hold, parallel tools, or other blocks", () => {
    const unknown = stepFromExchange(
      ex([{ type: "text", text: "Tu cita 11111111-2222-4333-8444-555555555555 en https://example.com/x" }]),
      {},
    );
    expect(unknown.step).toBeNull();
    expect(unknown.problems).toEqual([
      '"https://example.com/x" is not a value of a tool result in its request nor of the scenario\'s ctx: it would not replay',
      '"11111111-2222-4333-8444-555555555555" is not a value of a tool result in its request nor of the scenario\'s ctx: it would not replay',
    ]);
    const parallel = stepFromExchange(
      ex(
        [
          { type: "tool_use", id: "a", name: "search_services", input: { query: "corte" } },
          { type: "tool_use", id: "b", name: "search_services", input: { query: "tinte" } },
        ],
        "tool_use",
      ),
      {},
    );
    expect(parallel.step).toBeNull();
    expect(parallel.problems[0]).toMatch(/2 tool calls in one response/);
    const thinking = stepFromExchange(ex([{ type: "thinking", thinking: "…" }]), {});
    expect(thinking.problems[0]).toMatch(/content blocks the script cannot hold: thinking/);
    const braces = stepFromExchange(ex([{ type: "text", text: "usa {{esto}}" }]), {});
    expect(braces.problems[0]).toMatch(/would read it as a reference/);
  });

  it("captures bodies (never the key), retries transient errors itself and asks for one tool per response", async () => {
    const log: Exchange[] = [];
    const seen: { body: Record<string, unknown>; headers: Headers }[] = [];
    let calls = 0;
    const base = (async (_url: string, init: RequestInit) => {
      seen.push({ body: JSON.parse(String(init.body)), headers: new Headers(init.headers) });
      if (++calls === 1) {
        return new Response(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "x" } }), {
          status: 529,
          headers: { "retry-after-ms": "1" },
        });
      }
      return new Response(
        JSON.stringify({ content: [{ type: "text", text: "hola" }], stop_reason: "end_turn", role: "assistant" }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    }) as typeof fetch;
    const f = capturingFetch({ log, turn: () => 3, fetch: base, sleep: async () => {} });
    const res = await f("https://api.anthropic.com/v1/messages", {
      method: "POST",
      headers: { "x-api-key": "sk-ant-secret-value" },
      body: JSON.stringify({ model: "m", messages: [], tools: [{ name: "t" }] }),
    });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
    expect(seen[1]!.body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(seen[1]!.headers.get("x-api-key")).toBe("sk-ant-secret-value");
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ turn: 3, response: { content: [{ type: "text", text: "hola" }] } });
    expect(JSON.stringify(log)).not.toContain("sk-ant-secret-value");

    // An error that outlasts the retries is what the agent saw: it becomes an error step.
    let tries = 0;
    const failing = capturingFetch({
      log,
      turn: () => 4,
      retries: 1,
      sleep: async () => {},
      fetch: (async () => {
        tries++;
        return new Response(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "slow" } }), {
          status: 429,
        });
      }) as unknown as typeof fetch,
    });
    expect((await failing("https://api.anthropic.com/v1/messages", { method: "POST", body: "{}" })).status).toBe(429);
    expect(tries).toBe(2);
    expect(stepFromExchange(log[1]!, {})).toEqual({
      step: { error: { status: 429, type: "rate_limit_error" } },
      problems: [],
    });
    // The API's x-should-retry: false is obeyed (the fake sends it on a missing step).
    tries = 0;
    const final = capturingFetch({
      log,
      turn: () => 5,
      sleep: async () => {},
      fetch: (async () => {
        tries++;
        return new Response(JSON.stringify({ type: "error", error: { type: "api_error", message: "no" } }), {
          status: 500,
          headers: { "x-should-retry": "false" },
        });
      }) as unknown as typeof fetch,
    });
    expect((await final("https://api.anthropic.com/v1/messages", { method: "POST", body: "{}" })).status).toBe(500);
    expect(tries).toBe(1);
  });

  it("pnpm agent:record without a key says so, exits 0 and leaves the scripts as they are", async () => {
    const before = await readFile(join(ROOT, "apps/server/src/agent/fixtures/claude/1.json"), "utf8");
    const { stdout } = await promisify(execFile)(
      join(ROOT, "node_modules/.bin/tsx"),
      ["apps/server/src/agent/eval/record.ts", "--scenarios", "1"],
      { cwd: ROOT, env: { ...process.env, ANTHROPIC_API_KEY: "" } },
    );
    expect(stdout).toMatch(/ANTHROPIC_API_KEY is not set/);
    expect(stdout).toMatch(/stay as they are/);
    expect(await readFile(join(ROOT, "apps/server/src/agent/fixtures/claude/1.json"), "utf8")).toBe(before);
  }, 30_000);
});
