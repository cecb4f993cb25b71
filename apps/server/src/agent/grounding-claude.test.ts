// The grounding guard in Claude mode (#16): the real SDK against the fake Messages API, on the
// seeded salon at the frozen instant. The script plays a model that invents a slot time and a
// price the tools never returned; what is judged is what the customer received and the database.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeAnthropic, lastUserText, say, use } from "./fakes/fake-anthropic.ts";
import type { OutboundReply } from "./port.ts";
import { type AgentWorld, createAgentWorld, FROZEN_NOW } from "./testing/harness.ts";

let w: AgentWorld;
let fake: FakeAnthropic;
let phone = 34655000100;
const nextPhone = () => `+${phone++}`;

// Outside the salon's hours and prices: no tool can return them, no guided reply can contain them.
const INVENTED_TIME = "21:45";
const INVENTED_PRICE = "13,37";

beforeAll(async () => {
  fake = new FakeAnthropic();
  const baseURL = await fake.start();
  w = await createAgentWorld({
    now: FROZEN_NOW,
    claude: {
      client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
      model: "claude-sonnet-4-6",
    },
  });
}, 120_000);
afterAll(async () => {
  await fake?.stop();
  await w?.drop();
});
beforeEach(() => {
  fake.failures.length = 0;
});

const textOf = (replies: OutboundReply[]) =>
  replies
    .map((r) =>
      r.kind === "choices"
        ? [r.text, ...r.choices.flatMap((c) => [c.title, c.description ?? ""])].join("\n")
        : r.kind === "text"
          ? r.text
          : r.name,
    )
    .join("\n");

// Fresh tool_use ids for every script (they are the tool_call ledger's keys).
const searchAndCheck = () => [
  use("search_services", { query: "corte mujer" }),
  use("check_availability", {
    service_ids: ["{{last.matches.0.service_id}}"],
    date: "2026-03-12",
    day_part: "afternoon",
  }),
];

async function turnsOf(conversationId: string) {
  return w.db.agentTurn.findMany({ where: { conversationId }, orderBy: { startedAt: "asc" } });
}

describe("Claude mode states only what the tools returned", () => {
  it("an invented slot and price get one corrective turn; the customer sees only the restated, grounded reply", async () => {
    const chat = await w.chat(nextPhone());
    fake.load([
      ...searchAndCheck(),
      say(`El jueves tengo hueco a las ${INVENTED_TIME} con Laura, ${INVENTED_PRICE} €. ¿Te lo reservo?`),
      {
        ...say(
          "El jueves por la tarde tengo {{tool:check_availability.slots.0.when}} con {{tool:check_availability.slots.0.stylist}} ({{tool:check_availability.slots.0.price}}). ¿Te lo reservo?",
        ),
        expectUserText: "grounding check",
      },
    ]);
    const first = fake.requests.length;
    const r = await chat.say("Quiero corte mujer el jueves por la tarde");
    expect(fake.failures).toEqual([]);
    expect(fake.remaining).toBe(0);

    // The model was told what was wrong, in the corrective turn.
    const requests = fake.requests.slice(first);
    expect(requests).toHaveLength(4);
    const correction = lastUserText(requests[3]!.body);
    expect(correction).toContain(`time "${INVENTED_TIME}"`);
    expect(correction).toContain(`price "${INVENTED_PRICE} €"`);

    // What the customer received: the restated reply only, with the slot the tool returned.
    const sent = textOf(r.replies);
    expect(r.replies).toHaveLength(1);
    expect(sent).not.toContain(INVENTED_TIME);
    expect(sent).not.toContain(INVENTED_PRICE);
    const check = await w.db.toolCall.findFirstOrThrow({
      where: { name: "check_availability", turn: { conversationId: chat.conversationId } },
    });
    const slot = (check.result as { content: { slots: { when: string; price: string; stylist: string }[] } }).content
      .slots[0]!;
    expect(sent).toContain(slot.when);
    expect(sent).toContain(slot.price);
    const stored = await w.db.message.findMany({
      where: { conversationId: chat.conversationId, author: "bot" },
      select: { body: true },
    });
    expect(stored.map((m) => m.body).join("\n")).not.toMatch(new RegExp(`${INVENTED_TIME}|${INVENTED_PRICE}`));

    // Claude answered (no fallback); the corrective message is in the turn's transcript.
    const [turn] = await turnsOf(chat.conversationId);
    expect(turn!.mode).toBe("claude");
    expect(JSON.stringify(turn!.transcript)).toContain("[grounding check]");
    expect(JSON.stringify(turn!.transcript)).not.toContain('"fallback"');
    expect(await chat.bookings()).toHaveLength(0);

    // Next turn, without calling a tool, the model repeats the slot from the earlier turn: grounded
    // (earlier tool results count), sent as is, no correction asked for.
    fake.load([say(`Perfecto: ${slot.when} con ${slot.stylist}, ${slot.price}. ¿Lo confirmo?`)]);
    const before = fake.requests.length;
    const r2 = await chat.say("la primera me va bien");
    expect(fake.failures).toEqual([]);
    expect(fake.requests.length - before).toBe(1);
    expect(textOf(r2.replies)).toBe(`Perfecto: ${slot.when} con ${slot.stylist}, ${slot.price}. ¿Lo confirmo?`);
  });

  it("a model that invents again after the correction: guided mode answers, nothing invented reaches the customer or the database", async () => {
    const chat = await w.chat(nextPhone());
    fake.load([
      ...searchAndCheck(),
      // It tries to hold a time it was never given (refused by the tool), then claims it anyway.
      use("hold_slot", { slot_ref: `2026-03-12T${INVENTED_TIME}` }),
      say(`¡Listo! Te he reservado el jueves 12/03 a las ${INVENTED_TIME} con Laura por ${INVENTED_PRICE} €.`),
      {
        ...say(`Confirmado: jueves a las ${INVENTED_TIME}, ${INVENTED_PRICE} €. ¡Te esperamos!`),
        expectUserText: "grounding check",
      },
    ]);
    const first = fake.requests.length;
    const r = await chat.say("Quiero corte mujer el jueves por la tarde");
    expect(fake.failures).toEqual([]);
    expect(fake.remaining).toBe(0);
    expect(fake.requests.length - first).toBe(5);

    const sent = textOf(r.replies);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).not.toContain(INVENTED_TIME);
    expect(sent).not.toContain(INVENTED_PRICE);
    // Guided mode carried on with the customer's request: real Thursday slots from the salon.
    expect(sent).toMatch(/12\/03|jueves/i);

    const [turn] = await turnsOf(chat.conversationId);
    expect(turn!.mode).toBe("guided");
    const transcript = JSON.stringify(turn!.transcript);
    expect(transcript).toContain('"fallback"');
    expect(transcript).toMatch(/ungrounded:price,time/);
    const conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
    expect(conv.agentMode).toBe("guided");

    // No booking from the invented slot (nor any other: nobody said yes).
    const hold = await w.db.toolCall.findFirstOrThrow({
      where: { name: "hold_slot", turn: { conversationId: chat.conversationId } },
    });
    expect(hold.isError).toBe(true);
    expect(await chat.bookings()).toHaveLength(0);
  });

  it("choices are checked too: an invented button is never shown; choices from the corrective round's own tool results are", async () => {
    const chat = await w.chat(nextPhone());
    fake.load([
      ...searchAndCheck(),
      use("present_choices", {
        text: "Elige una hora para el jueves:",
        choices: [
          { id: "{{last.slots.0.slot_ref}}", title: "{{last.slots.0.time}}" },
          { id: "S99", title: INVENTED_TIME, description: `Con Laura · ${INVENTED_PRICE} €` },
        ],
      }),
      say(""),
      // Corrected, it asks the tool again, for Friday, and shows those slots: a date (13/03) that
      // only the corrective round's result holds.
      {
        ...use("check_availability", {
          service_ids: ["{{tool:search_services.matches.0.service_id}}"],
          date: "2026-03-13",
          day_part: "afternoon",
        }),
        expectUserText: "grounding check",
      },
      use("present_choices", {
        text: "Elige una hora:",
        choices: [0, 1].map((i) => ({
          id: `{{last.slots.${i}.slot_ref}}`,
          title: `{{last.slots.${i}.time}}`,
          description: `{{last.slots.${i}.when}} · {{last.slots.${i}.price}}`,
        })),
      }),
      say(""),
    ]);
    const r = await chat.say("Quiero corte mujer el jueves por la tarde");
    expect(fake.failures).toEqual([]);
    expect(fake.remaining).toBe(0);
    const choices = r.replies.filter((x) => x.kind === "choices");
    expect(choices).toHaveLength(1);
    expect(textOf(r.replies)).not.toMatch(new RegExp(`${INVENTED_TIME}|${INVENTED_PRICE}`));
    const checks = await w.db.toolCall.findMany({
      where: { name: "check_availability", turn: { conversationId: chat.conversationId } },
      orderBy: { createdAt: "asc" },
    });
    expect(checks).toHaveLength(2);
    const slots = (checks[1]!.result as { content: { slots: { time: string; when: string }[] } }).content.slots;
    const shown = choices[0]!.kind === "choices" ? choices[0]!.choices : [];
    expect(shown.map((c) => c.title)).toEqual([slots[0]!.time, slots[1]!.time]);
    expect(shown[0]!.description).toContain("13/03");
    const [turn] = await turnsOf(chat.conversationId);
    expect(turn!.mode).toBe("claude");
  });

  it("the corrective turn counts toward the turn's limits: with no room left, guided mode answers at once", async () => {
    const agent = w.makeAgent({ limits: { maxToolCallsPerTurn: 2 } });
    const chat = await w.chat(nextPhone());
    fake.load([...searchAndCheck(), say(`Tengo el jueves a las ${INVENTED_TIME}. ¿Te va bien?`)]);
    const first = fake.requests.length;
    const r = await chat.say("Quiero corte mujer el jueves por la tarde", {}, agent);
    expect(fake.failures).toEqual([]);
    expect(fake.remaining).toBe(0);
    // No fourth request: the two tool calls used the turn's budget, the correction had none left.
    expect(fake.requests.length - first).toBe(3);
    expect(textOf(r.replies)).not.toContain(INVENTED_TIME);
    const [turn] = await turnsOf(chat.conversationId);
    expect(turn!.mode).toBe("guided");
    expect(JSON.stringify(turn!.transcript)).toMatch(/ungrounded:time/);
    expect(await chat.bookings()).toHaveLength(0);
  });
});
