// Issue #21 in Claude mode (the real SDK against the fake Messages API, the real channel path): a
// chat on location B's inbox gets B's salon facts in the system prompt and B's catalogue from the
// tools, never A's; one number for A and B asks which salon first (in code, no model call), then
// the model is told the salon the customer chose and answers the first message with its tools.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BookingAgent } from "../agent/agent.ts";
import { FakeAnthropic, say, toolResults, use } from "../agent/fakes/fake-anthropic.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { createSecondLocation, LOCATION_B, routeInbox, type SecondLocation } from "../testing/second-location.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { chatwootMessage, deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { type ChannelsHarness, CW_SECRET, startChannelsHarness, until } from "./testing.ts";

let t: TestDatabase;
let a: SalonFixture;
let b: SecondLocation;
let h: ChannelsHarness;
let fake: FakeAnthropic;

const INBOX_B = 31;
const INBOX_SHARED = 32;

beforeAll(async () => {
  fake = new FakeAnthropic();
  const baseURL = await fake.start();
  t = await createTestDatabase();
  a = await createSalonFixture(t.db, t.fc, { customers: 0 });
  b = await createSecondLocation(t.db, a);
  const agent = new BookingAgent({
    db: t.db,
    fc: t.fc,
    clock: () => new Date(),
    locationId: a.locationId,
    claude: {
      client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
      model: "claude-sonnet-4-6",
    },
  });
  h = await startChannelsHarness(t, { agent });
  await routeInbox(t.db, "chatwoot", String(INBOX_B), [b.locationId]);
  await routeInbox(t.db, "chatwoot", String(INBOX_SHARED), [a.locationId, b.locationId]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await fake?.stop();
  await t?.drop();
});

async function say1(inbox: number, conversation: number, phone: string, content: string) {
  const convWhere = { channel: "chatwoot" as const, externalId: String(conversation) };
  const before = await t.db.message.count({ where: { conversation: convWhere, direction: "outbound", author: "bot" } });
  const payload = chatwootMessage({ conversationId: conversation, inboxId: inbox, phone, content, status: "pending" });
  expect((await deliverChatwoot(`${h.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET })).status).toBe(200);
  const conv = await until(() => t.db.conversation.findFirst({ where: convWhere }));
  await until(async () => {
    const open = await t.db.message.count({ where: { conversationId: conv.id, direction: "inbound", turnId: null } });
    const out = await t.db.message.count({ where: { conversationId: conv.id, direction: "outbound", author: "bot" } });
    return open === 0 && out > before;
  }, 30_000);
  const replies = await t.db.message.findMany({
    where: { conversationId: conv.id, direction: "outbound", author: "bot" },
    orderBy: [{ createdAt: "asc" }],
    skip: before,
  });
  return { conversationId: conv.id, text: replies.map((m) => m.body ?? "").join("\n") };
}

const systemOf = (body: Record<string, unknown>) => JSON.stringify(body.system);

describe("Claude mode with two locations", () => {
  it("a chat on B's inbox: B's facts in the prompt, B's services from the tools", async () => {
    fake.load([
      use("search_services", { query: "peinado" }),
      say("{{tool:search_services.matches.0.name}}: {{tool:search_services.matches.0.price}}"),
    ]);
    const first = fake.requests.length;
    const r = await say1(INBOX_B, 9301, "+34612000001", "¿Cuánto cuesta un peinado?");
    expect(fake.failures).toEqual([]);
    const requests = fake.requests.slice(first);
    expect(requests.length).toBe(2);
    const system = systemOf(requests[0]!.body);
    expect(system).toContain(LOCATION_B.name);
    expect(system).toContain("Calle Feria 10");
    expect(system).not.toContain("Test Salon");
    expect(system).not.toContain("Calle Mayor 1");
    const found = toolResults(requests[1]!.body).find((x) => x.name === "search_services")!;
    expect(JSON.stringify(found.content)).toContain(LOCATION_B.services.blowDry.nameEs);
    expect(JSON.stringify(found.content)).not.toContain("Corte");
    expect(r.text).toContain(LOCATION_B.services.blowDry.nameEs);
    expect(r.text).toMatch(/18/);
  });

  it("one number for A and B: asked in code, then the model answers for the chosen salon", async () => {
    const first = fake.requests.length;
    const asked = await say1(INBOX_SHARED, 9302, "+34612000002", "¿Cuánto cuesta un peinado?");
    expect(asked.text).toMatch(/varios salones/);
    expect(fake.requests.length).toBe(first); // no model call for the question
    fake.load([
      use("search_services", { query: "peinado" }),
      say("{{tool:search_services.matches.0.name}}: {{tool:search_services.matches.0.price}}"),
    ]);
    const r = await say1(INBOX_SHARED, 9302, "+34612000002", "Norte");
    expect(fake.failures).toEqual([]);
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: r.conversationId } })).locationId).toBe(
      b.locationId,
    );
    const request = fake.requests[first]!;
    expect(systemOf(request.body)).toContain(LOCATION_B.name);
    // The model sees the salon chosen and the customer's first message.
    const lastUser = JSON.stringify((request.body.messages as unknown[]).at(-1));
    expect(lastUser).toContain(`The customer chose the salon \\"${LOCATION_B.name}\\"`);
    expect(lastUser).toContain("¿Cuánto cuesta un peinado?");
    expect(r.text).toContain(LOCATION_B.services.blowDry.nameEs);
  });
});
