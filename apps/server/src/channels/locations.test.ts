// Issue #21, several locations on one server, the chat side (guided mode, the real path: signed
// Chatwoot webhooks → inbound job → turn → outbox → fake Chatwoot):
// - a chat on location B's inbox is answered with B's services and hours, not A's;
// - one number for A and B: the agent asks which salon (the salons as choices), stores the answer on
//   the conversation and then answers the customer's first message with that salon's prices;
// - an inbox no location names is answered by the default location (today's single-salon behaviour).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversationAgent } from "../agent/wire.ts";
import { loadConfig } from "../config/env.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { createSecondLocation, LOCATION_B, routeInbox, type SecondLocation } from "../testing/second-location.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { createCallerFactory } from "../trpc/init.ts";
import { appRouter } from "../trpc/router.ts";
import { chatwootMessage, deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { type ChannelsHarness, CW_SECRET, startChannelsHarness, until } from "./testing.ts";

let t: TestDatabase;
let a: SalonFixture;
let b: SecondLocation;
let h: ChannelsHarness;

const INBOX_B = 21;
const INBOX_SHARED = 22;
const INBOX_UNROUTED = 23;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createSalonFixture(t.db, t.fc, { customers: 0 });
  b = await createSecondLocation(t.db, a);
  const agent = await createConversationAgent({
    config: loadConfig({ CITA_ENV: "test" }),
    db: t.db,
    fc: t.fc,
    clock: () => new Date(),
    locationId: a.locationId,
    transcriber: null,
  });
  h = await startChannelsHarness(t, { agent });
  await routeInbox(t.db, "chatwoot", String(INBOX_B), [b.locationId]);
  await routeInbox(t.db, "chatwoot", String(INBOX_SHARED), [a.locationId, b.locationId]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

let ext = 9100;

/** Sends one customer message on `inbox`; resolves with the bot's replies to it (text and choices). */
async function say(inbox: number, conversation: number, phone: string, content: string) {
  const before = await t.db.message.count({
    where: { conversation: { externalId: String(conversation) }, direction: "outbound", author: "bot" },
  });
  const payload = chatwootMessage({ conversationId: conversation, inboxId: inbox, phone, content, status: "pending" });
  const res = await deliverChatwoot(`${h.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET });
  expect(res.status).toBe(200);
  const conv = await until(() =>
    t.db.conversation.findFirst({ where: { channel: "chatwoot", externalId: String(conversation) } }),
  );
  // Answered: the inbound message carries its turn, and the bot's replies are stored after it.
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
  return {
    conversationId: conv.id,
    text: replies.map((m) => m.body ?? "").join("\n"),
    choices: replies.flatMap((m) => (Array.isArray(m.choices) ? (m.choices as { id: string; title: string }[]) : [])),
  };
}

describe("a chat on location B's inbox", () => {
  it("is answered with B's services, prices and hours, not A's", async () => {
    const conv = ++ext;
    const r = await say(INBOX_B, conv, "+34611000001", "¿Qué precios tenéis?");
    const stored = await t.db.conversation.findUniqueOrThrow({ where: { id: r.conversationId } });
    expect(stored.locationId).toBe(b.locationId);
    // B's services with B's prices…
    expect(r.text).toContain(LOCATION_B.services.blowDry.nameEs);
    expect(r.text).toContain(LOCATION_B.services.highlights.nameEs);
    expect(r.text).toMatch(/18[,.]00|18 ?€/);
    expect(r.text).not.toContain("Corte");
    expect(r.text).not.toContain("Manicura");
    // …B's hours (10:00–18:00, closed on Sunday) and address, not A's hours (09:00–20:00).
    const hours = await say(INBOX_B, conv, "+34611000001", "¿Qué horario tenéis?");
    expect(hours.text).toContain("10:00");
    expect(hours.text).toContain("18:00");
    expect(hours.text).toContain("Calle Feria 10");
    expect(hours.text).not.toContain("09:00");
    expect(hours.text).not.toContain("20:00");
    expect(hours.text).not.toContain("Calle Mayor 1");
  });
});

describe("one number for A and B", () => {
  it("asks which salon, stores the answer and then answers with that salon's prices", async () => {
    const conv = ++ext;
    const first = await say(INBOX_SHARED, conv, "+34611000002", "¿Qué precios tenéis?");
    // The question, with both salons as choices; nothing of either salon's catalogue yet.
    expect(first.text).toMatch(/varios salones/);
    expect(first.choices.map((c) => c.title).sort()).toEqual([LOCATION_B.name, "Test Salon"].sort());
    expect(first.text).not.toContain(LOCATION_B.services.blowDry.nameEs);
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: first.conversationId } })).locationId).toBeNull();

    // Something that names no salon: asked again.
    const unclear = await say(INBOX_SHARED, conv, "+34611000002", "no sé");
    expect(unclear.text).toMatch(/no he entendido con qué salón/);

    // The answer (the salon's name, as typed on a channel without buttons).
    const second = await say(INBOX_SHARED, conv, "+34611000002", "salon norte");
    const stored = await t.db.conversation.findUniqueOrThrow({ where: { id: second.conversationId } });
    expect(stored.locationId).toBe(b.locationId);
    expect(second.text).toContain(LOCATION_B.services.blowDry.nameEs);
    expect(second.text).not.toContain("Corte");
    const audit = await t.db.auditLog.findFirst({
      where: { action: "conversation.location_chosen", entityId: stored.id },
    });
    expect(audit?.locationId).toBe(b.locationId);

    // Later turns keep B without asking again.
    const third = await say(INBOX_SHARED, conv, "+34611000002", "¿y el horario?");
    expect(third.text).toContain("18:00");
    expect(third.text).not.toMatch(/varios salones/);
  });

  it("picks A by its number in the list", async () => {
    const conv = ++ext;
    const first = await say(INBOX_SHARED, conv, "+34611000003", "Hola, precios por favor");
    const n = first.choices.findIndex((c) => c.title === "Test Salon") + 1;
    expect(n).toBeGreaterThan(0);
    const second = await say(INBOX_SHARED, conv, "+34611000003", String(n));
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: second.conversationId } })).locationId).toBe(
      a.locationId,
    );
    expect(second.text).toContain("Corte");
    expect(second.text).not.toContain(LOCATION_B.services.blowDry.nameEs);
  });
});

describe("an inbox no location names", () => {
  it("is answered by the default location, as with one salon", async () => {
    const r = await say(INBOX_UNROUTED, ++ext, "+34611000004", "¿Qué precios tenéis?");
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: r.conversationId } })).locationId).toBeNull();
    expect(r.text).toContain("Corte");
    expect(r.text).not.toContain(LOCATION_B.services.blowDry.nameEs);
  });
});

describe("the console's chat list", () => {
  it("shows the current location's chats and those not tied to one, not the other location's", async () => {
    const now = Math.floor(Date.now() / 1000);
    const list = async (location: string) =>
      (
        await createCallerFactory(appRouter)({
          ...h.services,
          requestId: "test",
          ip: "127.0.0.1",
          userAgent: "vitest",
          auth: { sub: a.managerId, role: "manager", loc: a.locationId, sid: NIL, iat: now, exp: now + 900 },
          locationHeader: location,
        }).chats.list({ filter: "all", limit: 100 })
      ).items.map((c) => c.id);
    const convs = await t.db.conversation.findMany({ select: { id: true, locationId: true } });
    const atA = convs.filter((c) => c.locationId === a.locationId).map((c) => c.id);
    const atB = convs.filter((c) => c.locationId === b.locationId).map((c) => c.id);
    const open = convs.filter((c) => c.locationId === null).map((c) => c.id);
    expect(atA.length && atB.length && open.length).toBeTruthy();
    const listA = await list(a.locationId);
    const listB = await list(b.locationId);
    expect(listA).toEqual(expect.arrayContaining([...atA, ...open]));
    expect(listA.some((id) => atB.includes(id))).toBe(false);
    expect(listB).toEqual(expect.arrayContaining([...atB, ...open]));
    expect(listB.some((id) => atA.includes(id))).toBe(false);
    // Opening another location's chat by its id: not found there; found where it belongs.
    const caller = (location: string) =>
      createCallerFactory(appRouter)({
        ...h.services,
        requestId: "test",
        ip: "127.0.0.1",
        userAgent: "vitest",
        auth: { sub: a.managerId, role: "manager", loc: a.locationId, sid: NIL, iat: now, exp: now + 900 },
        locationHeader: location,
      });
    await expect(caller(a.locationId).chats.get({ conversationId: atB[0]! })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await caller(b.locationId).chats.get({ conversationId: atB[0]! })).conversation.id).toBe(atB[0]);
    expect((await caller(b.locationId).chats.get({ conversationId: open[0]! })).conversation.id).toBe(open[0]);
  });
});

describe("the inboxes a location answers for (locations.inboxes / addInbox / removeInbox)", () => {
  const as = (staffId: string, role: "manager" | "front_desk", home: string, location: string) => {
    const now = Math.floor(Date.now() / 1000);
    return createCallerFactory(appRouter)({
      ...h.services,
      requestId: "test",
      ip: "127.0.0.1",
      userAgent: "vitest",
      auth: { sub: staffId, role, loc: home, sid: NIL, iat: now, exp: now + 900 },
      locationHeader: location,
    });
  };

  it("routes a new inbox to B, then shares it with A (the assistant asks), audited", async () => {
    const atB = as(a.managerId, "manager", a.locationId, b.locationId);
    const atA = as(a.managerId, "manager", a.locationId, a.locationId);
    expect(await atB.locations.addInbox({ channel: "chatwoot", channelAccount: "41" })).toContainEqual({
      channel: "chatwoot",
      channelAccount: "41",
      sharedWith: [],
    });
    // Adding it twice changes nothing.
    const again = await atB.locations.addInbox({ channel: "chatwoot", channelAccount: "41" });
    expect(again.filter((i) => i.channelAccount === "41")).toHaveLength(1);
    const r = await say(41, ++ext, "+34611000005", "¿Qué precios tenéis?");
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: r.conversationId } })).locationId).toBe(
      b.locationId,
    );
    expect(r.text).toContain(LOCATION_B.services.blowDry.nameEs);

    await atA.locations.addInbox({ channel: "chatwoot", channelAccount: "41" });
    expect((await atB.locations.inboxes()).find((i) => i.channelAccount === "41")?.sharedWith).toEqual(["Test Salon"]);
    const shared = await say(41, ++ext, "+34611000006", "Hola");
    expect(shared.text).toMatch(/varios salones/);

    await atA.locations.removeInbox({ channel: "chatwoot", channelAccount: "41" });
    expect((await atB.locations.inboxes()).find((i) => i.channelAccount === "41")?.sharedWith).toEqual([]);
    const audits = await t.db.auditLog.findMany({
      where: { action: { in: ["location.inbox_added", "location.inbox_removed"] } },
      orderBy: { at: "asc" },
    });
    expect(audits.map((x) => [x.action, x.locationId])).toEqual([
      ["location.inbox_added", b.locationId],
      ["location.inbox_added", a.locationId],
      ["location.inbox_removed", a.locationId],
    ]);
  });

  it("is for managers, and refuses a malformed account", async () => {
    await expect(as(a.deskId, "front_desk", a.locationId, a.locationId).locations.inboxes()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const atA = as(a.managerId, "manager", a.locationId, a.locationId);
    await expect(atA.locations.addInbox({ channel: "chatwoot", channelAccount: "a b" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(atA.locations.addInbox({ channel: "chatwoot", channelAccount: "  " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

const NIL = "00000000-0000-0000-0000-000000000000";
