// All eighteen scenarios in Claude mode: the real SDK against the fake Messages API playing the
// scripts in fixtures/claude/<scenario>.json (a missing script fails its test). The script plays
// the model; what is judged is what our code let it do — the final-state checks in
// eval/scenarios.ts, shared with the live evaluation (`pnpm eval:agent`).
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, playFixture } from "../eval/fixtures.ts";
import { SCENARIOS } from "../eval/scenarios.ts";
import { FakeAnthropic } from "../fakes/fake-anthropic.ts";
import { type AgentWorld, createWorld, FROZEN_NOW, type WorldMode } from "../testing/harness.ts";
import { mediaDir, RecordingTranscriber, storedImage, storedVoice } from "../testing/media.ts";
import type { DepositLinks } from "../tools/types.ts";

/** The payment provider failing (Stripe answering 500s). */
const failingDeposits: DepositLinks = {
  async requestLink() {
    throw new Error("stripe: 500 api_error");
  },
};

/** Defines the eighteen scripted scenarios on a world of this mode (one world, one server per file). */
export function claudeFixtureSuite(mode: WorldMode, firstPhone: number) {
  let w: AgentWorld;
  let fake: FakeAnthropic;
  let dir: string;
  let phone = firstPhone;

  beforeAll(async () => {
    fake = new FakeAnthropic();
    const baseURL = await fake.start();
    // The scripts replay what the model said at the instant they were recorded at: always that one.
    w = await createWorld(mode, {
      now: FROZEN_NOW,
      claude: {
        client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
        model: "claude-sonnet-4-6",
      },
    });
    dir = await mediaDir();
  }, 120_000);
  afterAll(async () => {
    await w?.drop();
    await fake?.stop();
  });

  describe(`Claude mode, scripted from fixtures/claude (${mode === "real" ? "webhook → queue → agent → outbox" : "handleTurn directly"})`, () => {
    for (const s of SCENARIOS) {
      it(`${s.id}: ${s.title}`, async () => {
        const f = await loadFixture(s.id);
        const chat = await w.chat(`+${phone++}`, { language: s.lang });
        const ctx = (await s.setup?.(w, chat)) ?? {};
        const transcriber = f.world?.transcriber ? new RecordingTranscriber(f.world.transcriber) : null;
        const agent =
          f.world?.deposits === "failing" || transcriber
            ? w.makeAgent({
                ...(f.world?.deposits === "failing" ? { deposits: failingDeposits } : {}),
                ...(transcriber ? { transcriber } : {}),
              })
            : w.agent;
        fake.failures.length = 0;
        const firstRequest = fake.requests.length;
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
        const conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
        const requests = fake.requests.slice(firstRequest).map((r) => JSON.stringify(r.body));

        // Scenario-specific evidence beyond the final state.
        if (s.id === "14") {
          // The "¿Hola?" in human mode had an empty script: a model request would have failed the turn.
          // It reaches the model only as history after the hand-back, next to what staff wrote.
          const seen = requests.filter((r) => r.includes("Hay alguien"));
          expect(seen.length).toBeGreaterThan(0);
          expect(seen.every((r) => r.includes("[Salon staff wrote]: Hola, soy Lucía del salón"))).toBe(true);
          expect(conv.mode).toBe("bot");
          expect(chat.told).toMatch(/Con Laura el viernes tengo viernes 13\/03/);
        }
        if (s.id === "15") {
          expect(conv.mode).toBe("human");
          expect(conv.escalationReason).toBe("tool_failure");
          expect(conv.escalationSummary).toMatch(
            /^El asistente no pudo completar lo que pedía\. Último mensaje: «.+»$/,
          );
          expect(chat.told).toMatch(/problemas técnicos/);
        }
        if (s.id === "16") {
          const withImage = fake.requests
            .slice(firstRequest)
            .find((r) =>
              (r.body.messages as { content: { type: string; source?: { media_type?: string } }[] }[]).some(
                (m) => Array.isArray(m.content) && m.content.some((b) => b.type === "image"),
              ),
            );
          expect(withImage, "an image block was sent to the model").toBeDefined();
          expect(JSON.stringify(withImage!.body)).toContain('"media_type":"image/png"');
          expect(transcriber!.calls).toHaveLength(1);
        }
        if (s.id === "18") {
          expect(conv.mode).toBe("human");
          expect(conv.escalationReason).toBe("abuse");
          const calls = await w.db.toolCall.findMany({
            where: { turn: { conversationId: chat.conversationId }, name: "cancel_booking" },
          });
          expect(calls.length).toBe(3);
          expect(calls.every((c) => c.isError && JSON.stringify(c.result).includes("NOT_FOUND"))).toBe(true);
        }
      }, 90_000);
    }
  });
}
