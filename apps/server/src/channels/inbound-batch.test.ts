// Stored deliveries processed in batches (processWebhookEvents, as the webhook queue's workers call
// it): one bad event in a batch is recorded alone and the others are processed; a conversation's
// messages keep their order and versions; a batch queues one turn per conversation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { QUEUES } from "./deps.ts";
import { chatwootMessage, chatwootStatusChanged } from "./fakes/fake-chatwoot.ts";
import { metaStatus } from "./fakes/fake-meta.ts";
import { processWebhookEvents, storeDelivery } from "./inbound.ts";
import { type ChannelsHarness, PHONE_ID, startChannelsHarness } from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;

beforeAll(async () => {
  t = await createTestDatabase();
  // Queues defined, no workers: the test calls the processing itself and reads the queued jobs.
  h = await startChannelsHarness(t, { workers: false });
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

let key = 0;
/** Stores a delivery as the webhook route does (without enqueueing it) and returns its id. */
async function store(source: "chatwoot" | "whatsapp_cloud", payload: unknown): Promise<string> {
  const stored = await storeDelivery(h.services, {
    source,
    dedupKey: `batch-test-${key++}`,
    headers: {},
    rawBody: JSON.stringify(payload),
    process: true,
  });
  // Distinct arrival times (received_at has millisecond precision).
  await new Promise((r) => setTimeout(r, 3));
  return stored.eventId!;
}

/** Batches that failed as a whole and were processed one event at a time (logged at debug). */
let fellBack = 0;
const deps = () => ({
  ...h.services,
  jobs: h.jobs,
  log: Object.assign(Object.create(h.services.log), {
    debug: (_o: unknown, msg?: string) => {
      if (msg?.includes("one by one")) fellBack++;
    },
  }),
});
const event = (id: string) => t.db.webhookEvent.findUniqueOrThrow({ where: { id } });
const conversationOf = (externalId: number) =>
  t.db.conversation.findFirstOrThrow({ where: { channel: "chatwoot", externalId: String(externalId) } });
const turnJobs = async (conversationId: string) =>
  (
    await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${QUEUES.turn} AND data->>'conversationId' = ${conversationId}`
  )[0]!.n;

describe("webhook events processed in batches", () => {
  it("records a bad event alone: the good ones of its batch are processed, nothing is lost", async () => {
    const good1 = await store(
      "chatwoot",
      chatwootMessage({ conversationId: 93_001, phone: "+34600093001", content: "hola", status: "pending" }),
    );
    const bad = await store(
      "chatwoot",
      chatwootMessage({ conversationId: 93_002, phone: "+12", content: "no es un teléfono", status: "pending" }),
    );
    // A status for an outbound message nobody has recorded (yet): retried, not lost.
    const early = await store(
      "whatsapp_cloud",
      metaStatus({ phoneNumberId: PHONE_ID, recipient: "34600093003", wamid: "wamid.NOT-YET", status: "read" }),
    );
    const good2 = await store(
      "chatwoot",
      chatwootMessage({ conversationId: 93_004, phone: "+34600093004", content: "buenas", status: "pending" }),
    );

    fellBack = 0;
    const outcome = await processWebhookEvents(deps(), [good1, bad, early, good2]);
    expect(fellBack).toBe(1);

    expect(outcome[0]).toBeNull();
    expect(outcome[1], "bad input is not retried").toBeNull();
    expect(outcome[2]?.message).toMatch(/not-yet/i);
    expect(outcome[3]).toBeNull();
    expect((await event(good1)).status).toBe("processed");
    expect((await event(good2)).status).toBe("processed");
    const b = await event(bad);
    expect(b.status).toBe("failed");
    expect(b.lastError).toMatch(/phone number/);
    expect(b.attempts).toBe(1);
    const e = await event(early);
    expect(e.status).toBe("failed");
    expect(e.attempts).toBe(1);
    for (const [conversationId, text] of [
      [93_001, "hola"],
      [93_004, "buenas"],
    ] as const) {
      const c = await conversationOf(conversationId);
      const messages = await t.db.message.findMany({ where: { conversationId: c.id } });
      expect(messages.map((m) => m.body)).toEqual([text]);
      expect(await turnJobs(c.id)).toBe(1);
    }
    expect(await t.db.conversation.count({ where: { externalId: "93002" } })).toBe(0);

    // Processing the same ids again (a duplicate job) changes nothing; the retried status fails again.
    const again = await processWebhookEvents(deps(), [good1, good2, early]);
    expect(again[0]).toBeNull();
    expect(again[1]).toBeNull();
    expect(again[2]).toBeInstanceOf(Error);
    const c1 = await conversationOf(93_001);
    expect(await t.db.message.count({ where: { conversationId: c1.id } })).toBe(1);
    expect((await event(early)).attempts).toBe(2);
  });

  it("keeps a conversation's messages in order, skips a twin delivery, queues one turn", async () => {
    const base = Date.now() - 60_000;
    const first = chatwootMessage({
      conversationId: 93_010,
      phone: "+34600093010",
      content: "quiero cita",
      status: "pending",
      createdAt: new Date(base),
    });
    const second = chatwootMessage({
      conversationId: 93_010,
      phone: "+34600093010",
      content: "el viernes",
      status: "pending",
      createdAt: new Date(base + 1000),
    });
    const ids = [
      await store("chatwoot", first),
      await store("chatwoot", second),
      // The first message again through another webhook (another delivery id, same message id).
      await store("chatwoot", first),
    ];
    fellBack = 0;
    expect(await processWebhookEvents(deps(), ids)).toEqual([null, null, null]);
    expect(fellBack, "processed as one batch").toBe(0);

    const c = await conversationOf(93_010);
    const messages = await t.db.message.findMany({ where: { conversationId: c.id }, orderBy: { sentAt: "asc" } });
    expect(messages.map((m) => m.body)).toEqual(["quiero cita", "el viernes"]);
    expect(c.version).toBe(3); // created at 1, one step per message
    expect(c.lastCustomerMessageAt?.getTime()).toBe(messages[1]!.sentAt.getTime());
    const changes = await t.db.changeLog.findMany({ where: { entityId: c.id }, orderBy: { version: "asc" } });
    expect(changes.map((x) => (x.data as { messageId: string; version: number }).messageId)).toEqual(
      messages.map((m) => m.id),
    );
    expect(changes.map((x) => (x.data as { version: number }).version)).toEqual([2, 3]);
    const audits = await t.db.auditLog.findMany({ where: { entityId: c.id }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["conversation.started", "conversation.message_received"]);
    expect(audits.map((a) => (a.data as { customerCreated: boolean }).customerCreated)).toEqual([true, false]);
    expect(await turnJobs(c.id)).toBe(1);
    for (const id of ids) expect((await event(id)).status).toBe("processed");
  });

  it("applies a mode change in its place between a conversation's messages", async () => {
    const ids = [
      await store(
        "chatwoot",
        chatwootMessage({ conversationId: 93_020, phone: "+34600093020", content: "hola", status: "pending" }),
      ),
      await store("chatwoot", chatwootStatusChanged({ conversationId: 93_020, from: "pending", to: "open" })),
      await store(
        "chatwoot",
        chatwootMessage({ conversationId: 93_020, phone: "+34600093020", content: "¿sigues?", status: "open" }),
      ),
    ];
    fellBack = 0;
    expect(await processWebhookEvents(deps(), ids)).toEqual([null, null, null]);
    expect(fellBack, "processed as one batch").toBe(0);
    const c = await conversationOf(93_020);
    expect(c.mode).toBe("human");
    const changes = await t.db.changeLog.findMany({ where: { entityId: c.id }, orderBy: { version: "asc" } });
    expect(changes.map((x) => (x.data as { event: string; mode: string }).mode)).toEqual(["bot", "human", "human"]);
    expect(changes.map((x) => (x.data as { version: number }).version)).toEqual([2, 3, 4]);
  });
});
