// The agent's own overhead per turn: a Claude-mode turn (search → availability → answer: three
// model calls) against the fake Messages API answering instantly, minus the time spent in those
// HTTP round trips (measured per call around fetch), on the seeded salon in PostgreSQL. Baseline:
// the same three round trips to the fake alone. Also a guided-mode turn (no model at all).
import Anthropic from "@anthropic-ai/sdk";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { toScript } from "./eval/fixtures.ts";
import { FakeAnthropic, type ScriptStep } from "./fakes/fake-anthropic.ts";
import { createAgentWorldOn, FROZEN_NOW, standalonePostgres } from "./testing/world.ts";

const ITERATIONS = 150;
const WARMUP = 15;

const turnScript = () =>
  toScript(
    [
      { tool: "search_services", input: { query: "corte hombre" } },
      {
        tool: "check_availability",
        input: { service_ids: ["{{last.matches.0.service_id}}"], date: "2026-03-12", day_part: "afternoon" },
      },
      { say: "El jueves tengo {{last.slots.0.when}} con {{last.slots.0.stylist}}. ¿Te va bien?" },
    ],
    {},
  );

export const benchmarks: Benchmark[] = [
  {
    name: "agent turn",
    async run() {
      const pg = await standalonePostgres();
      const fake = new FakeAnthropic();
      const baseURL = await fake.start();
      let modelMs = 0;
      // Time inside the HTTP round trips to the fake (request, response and body).
      const timedFetch = async (url: string | URL | Request, init?: RequestInit) => {
        const t0 = performance.now();
        const r = await fetch(url, init);
        const body = await r.arrayBuffer();
        modelMs += performance.now() - t0;
        return new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
      };
      const client = new Anthropic({ apiKey: "bench", baseURL, maxRetries: 0, timeout: 5000, fetch: timedFetch });
      const w = await createAgentWorldOn(await pg.database(), { now: FROZEN_NOW }); // its scripts name March 2026 days
      try {
        const limits = { rateLimitTurns: 1_000_000 };
        const claude = w.makeAgent({ claude: { client, model: "claude-sonnet-4-6" }, limits });
        const guided = w.makeAgent({ limits });
        let phone = 34699000000;

        const overhead: number[] = [];
        const wall: number[] = [];
        for (let i = 0; i < WARMUP + ITERATIONS; i++) {
          const chat = await w.chat(`+${phone++}`);
          await chat.store("Quiero corte hombre el jueves por la tarde");
          const input = await chat.input();
          fake.load(turnScript());
          modelMs = 0;
          const t0 = performance.now();
          await claude.handleTurn(input);
          const dt = performance.now() - t0;
          if (fake.remaining || fake.failures.length) throw new Error(`script not played: ${fake.failures.join("; ")}`);
          if (i >= WARMUP) {
            wall.push(dt);
            overhead.push(dt - modelMs);
          }
        }

        // Baseline: the same three calls, same request bodies' shape, straight to the fake.
        const body = fake.requests.at(-1)!.body as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming;
        const plain: ScriptStep[] = [
          { content: [{ type: "tool_use", id: "toolu_b1", name: "search_services", input: { query: "x" } }] },
          { content: [{ type: "tool_use", id: "toolu_b2", name: "check_availability", input: {} }] },
          { content: [{ type: "text", text: "ok" }] },
        ];
        const trips: number[] = [];
        for (let i = 0; i < WARMUP + ITERATIONS; i++) {
          fake.load(plain);
          const t0 = performance.now();
          for (let k = 0; k < 3; k++) await client.messages.create(body);
          if (i >= WARMUP) trips.push(performance.now() - t0);
        }

        const guidedMs: number[] = [];
        for (let i = 0; i < WARMUP + ITERATIONS; i++) {
          const chat = await w.chat(`+${phone++}`);
          await chat.store("Quiero corte hombre el jueves por la tarde");
          const input = await chat.input();
          const t0 = performance.now();
          const r = await guided.handleTurn(input);
          if (i >= WARMUP) guidedMs.push(performance.now() - t0);
          if (!r.replies.length) throw new Error("guided turn gave no reply");
        }

        const o = summarize(overhead);
        const t = summarize(wall);
        const b = summarize(trips);
        const g = summarize(guidedMs);
        const base = (v: number) => ({ name: "3 fake API round trips", value: v });
        return [
          { name: "Claude-mode turn, agent overhead p50", value: o.p50, unit: "ms", baseline: base(b.p50) },
          {
            name: "Claude-mode turn, agent overhead p95",
            value: o.p95,
            unit: "ms",
            baseline: base(b.p95),
            target: { max: 50 },
            note: `turn minus the time inside its 3 HTTP calls to an instant fake; ${ITERATIONS} turns, new conversation each (search_services, check_availability, answer)`,
          },
          { name: "Claude-mode turn, wall time p95", value: t.p95, unit: "ms", baseline: base(b.p95) },
          { name: "guided-mode turn p50", value: g.p50, unit: "ms" },
          {
            name: "guided-mode turn p95",
            value: g.p95,
            unit: "ms",
            note: "same message, same tools (search, availability, offered slots), no model",
          },
        ];
      } finally {
        await fake.stop();
        await w.db.$disconnect();
        await pg.stop();
      }
    },
  },
];
