// Jobs keep up: turns of different conversations run side by side (each conversation one turn at a
// time, its replies in order), a burst of messages is read as one turn, and a lone message is picked
// up at once (LISTEN/NOTIFY) rather than at the next poll.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { AgentTurnInput, AgentTurnResult, ConversationAgent } from "./agent-port.ts";
import { deliverMeta, metaMessage } from "./fakes/fake-meta.ts";
import { type ChannelsHarness, META_SECRET, PHONE_ID, startChannelsHarness, until } from "./testing.ts";

/** Answers after `delayMs`, recording when each turn ran. */
class TimedAgent implements ConversationAgent {
  readonly name = "timed";
  delayMs = 800;
  readonly turns: { conversationId: string; texts: string[]; start: number; end: number }[] = [];
  async handleTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, this.delayMs));
    const texts = input.newMessages.map((m) => m.body ?? "");
    this.turns.push({ conversationId: input.conversation.id, texts, start, end: Date.now() });
    return { replies: texts.map((t) => ({ kind: "text" as const, text: `re: ${t}` })) };
  }
}

let t: TestDatabase;
let h: ChannelsHarness;
let wa: string;
const agent = new TimedAgent();

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startChannelsHarness(t, { agent, env: { TURN_QUIET_MS: "600" } });
  wa = `${h.url}/webhooks/whatsapp`;
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

const say = (from: string, text: string) =>
  deliverMeta(wa, metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text } }).body, {
    appSecret: META_SECRET,
  });
const conversationOf = (from: string) => until(() => t.db.conversation.findFirst({ where: { externalId: from } }));
const outbound = async (conversationId: string) =>
  (
    await t.db.message.findMany({
      where: { conversationId, direction: "outbound" },
      orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }],
    })
  ).map((m) => m.body);

describe("jobs keep up", () => {
  it("runs two conversations' turns at the same time; each keeps its replies in order", async () => {
    agent.delayMs = 1500;
    const [a, b] = ["34600000901", "34600000902"];
    await Promise.all([say(a, "uno"), say(b, "one")]);
    const [ca, cb] = [await conversationOf(a), await conversationOf(b)];
    await until(async () => (await outbound(ca.id)).length >= 1 && (await outbound(cb.id)).length >= 1, 20_000);
    const ta = agent.turns.find((x) => x.conversationId === ca.id)!;
    const tb = agent.turns.find((x) => x.conversationId === cb.id)!;
    expect(ta.start < tb.end && tb.start < ta.end, "the two turns overlapped in time").toBe(true);
    // A second message for A while nothing runs: its reply follows the first, in order.
    await say(a, "dos");
    await until(async () => (await outbound(ca.id)).length >= 2, 20_000);
    expect(await outbound(ca.id)).toEqual(["re: uno", "re: dos"]);
    expect(await outbound(cb.id)).toEqual(["re: one"]);
  });

  it("reads a burst as one turn, and answers a lone message well within a second", async () => {
    agent.delayMs = 0;
    const from = "34600000903";
    for (const text of ["hola", "quiero corte", "mañana", "a las 6", "con Laura"]) {
      await say(from, text);
      await new Promise((r) => setTimeout(r, 100));
    }
    const c = await conversationOf(from);
    await until(async () => (await outbound(c.id)).length >= 5, 20_000);
    const turns = agent.turns.filter((x) => x.conversationId === c.id);
    expect(turns.map((x) => x.texts)).toEqual([["hola", "quiero corte", "mañana", "a las 6", "con Laura"]]);

    const lone = "34600000904";
    const sent = Date.now();
    await say(lone, "¿abrís el sábado?");
    const lc = await conversationOf(lone);
    await until(async () => (await outbound(lc.id)).length >= 1, 10_000);
    const reply = await t.db.message.findFirstOrThrow({ where: { conversationId: lc.id, direction: "outbound" } });
    // Quiet window 600 ms + the work: no poll interval (2 s) in the way.
    expect(reply.createdAt.getTime() - sent).toBeLessThan(1500);
  });
});
