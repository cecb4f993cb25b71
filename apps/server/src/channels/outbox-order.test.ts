// A conversation's messages reach the customer in the order they were written, even when the first
// one needs a retry: the later ones wait behind it instead of overtaking it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { callerFor } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { deliverMeta, metaMessage } from "./fakes/fake-meta.ts";
import { type ChannelsHarness, META_SECRET, PHONE_ID, startChannelsHarness, until } from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startChannelsHarness(t);
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

const FROM = "34600000777";
const toCustomer = (r: { body: unknown }) => (r.body as { to?: string } | null)?.to === FROM;
const texts = () =>
  h.meta
    .sentMessages()
    .filter(toCustomer)
    .map((r) => (r.body as { text?: { body?: string } }).text?.body ?? "");

it("sends a conversation's replies in order when the first one is retried", async () => {
  await deliverMeta(
    `${h.url}/webhooks/whatsapp`,
    metaMessage({ phoneNumberId: PHONE_ID, from: FROM, message: { type: "text", text: "hola" } }).body,
    { appSecret: META_SECRET },
  );
  const conv = await until(() =>
    t.db.conversation.findFirst({ where: { channel: "whatsapp_cloud", externalId: FROM } }),
  );
  // The assistant's answer to "hola" goes out first.
  await until(async () => (await t.db.outboxMessage.count({ where: { conversationId: conv.id, status: "sent" } })) > 0);
  const before = texts().length;

  const desk = callerFor(h.services, { staffId: h.staff.a.id, role: h.staff.a.role, locationId: h.staff.locationId });
  await desk.chats.takeOver({ conversationId: conv.id });
  // The next send to this customer fails once (a 500: retried after a backoff).
  h.meta.scriptFor("POST", /\/messages$/, toCustomer, { status: 500, body: { error: { message: "boom" } } });
  await desk.chats.reply({ conversationId: conv.id, text: "Uno" });
  await desk.chats.reply({ conversationId: conv.id, text: "Dos" });
  await desk.chats.reply({ conversationId: conv.id, text: "Tres" });

  await until(
    async () => (await t.db.outboxMessage.count({ where: { conversationId: conv.id, status: "sent" } })) >= 4,
  );
  // The failed attempt, then the three in the order written — "Dos" never overtook "Uno".
  expect(texts().slice(before)).toEqual(["Uno", "Uno", "Dos", "Tres"]);
  const rows = await t.db.outboxMessage.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
  expect(rows.map((r) => r.status)).toEqual(rows.map(() => "sent"));
  const sentAt = rows.slice(-3).map((r) => r.sentAt!.getTime());
  expect(sentAt).toEqual([...sentAt].sort((a, b) => a - b));
});
