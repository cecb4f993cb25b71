// Channels end to end over real HTTP and real PostgreSQL: fake Chatwoot and Meta on loopback, the
// webhook routes of buildServer, pg-boss jobs, and the tRPC chats procedures.
import { existsSync, statSync } from "node:fs";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, type TestIdentity } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { nowMs } from "../testing/test-now.ts";
import { chatwootMessage, chatwootStatusChanged, deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { deliverMeta, metaMessage, metaStatus } from "./fakes/fake-meta.ts";
import { metaSignatureHeader } from "./signatures.ts";
import {
  type ChannelsHarness,
  CW_SECRET,
  META_SECRET,
  PHONE_ID,
  startChannelsHarness,
  until,
  VERIFY_TOKEN,
} from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;
let cw: string;
let wa: string;

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startChannelsHarness(t);
  cw = `${h.url}/webhooks/chatwoot`;
  wa = `${h.url}/webhooks/whatsapp`;
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

const as = (s: { id: string; role: TestIdentity["role"] }) =>
  callerFor(h.services, { staffId: s.id, role: s.role, locationId: h.staff.locationId });

async function conversationOf(channel: "chatwoot" | "whatsapp_cloud", externalId: string) {
  return t.db.conversation.findFirst({ where: { channel, externalId } });
}

async function messagesOf(conversationId: string) {
  return t.db.message.findMany({ where: { conversationId }, orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }] });
}

async function eventCount() {
  return t.db.webhookEvent.count();
}

async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
  throw new Error("expected a tRPC error");
}

/** Scripts a fake Meta answer only for sends to this customer (other tests' sends pass through). */
const to = (from: string) => (r: { body: unknown }) => (r.body as { to?: string } | null)?.to === from;

describe("Meta verification handshake", () => {
  it("echoes hub.challenge as plain text for the right token, 403 otherwise", async () => {
    const ok = await fetch(`${wa}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await fetch(`${wa}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    const noMode = await fetch(`${wa}?hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    expect(noMode.status).toBe(403);
  });
});

describe("signatures on the raw body", () => {
  it("Chatwoot: good → 200; bad, stale or missing → 401 and nothing stored", async () => {
    const payload = chatwootMessage({ conversationId: 100, phone: "+34600000100", content: "Hola" });
    const before = await eventCount();
    expect((await deliverChatwoot(cw, payload, { secret: "wrong-secret" })).status).toBe(401);
    expect(
      (await deliverChatwoot(cw, payload, { secret: CW_SECRET, ts: Math.floor(Date.now() / 1000) - 301 })).status,
    ).toBe(401);
    expect((await deliverChatwoot(cw, payload, { secret: null, signature: "sha256=00" })).status).toBe(401);
    // Unsigned (an older Chatwoot, or anybody): refused; such a Chatwoot uses the URL-token route (edges.test.ts).
    expect((await deliverChatwoot(cw, payload, { secret: null })).status).toBe(401);
    expect(await eventCount()).toBe(before);
    // Re-serialising would change the bytes: the signature is over exactly what was sent.
    const spaced = JSON.stringify(payload, null, 2);
    expect((await deliverChatwoot(cw, spaced, { secret: CW_SECRET })).status).toBe(200);
    expect(await eventCount()).toBe(before + 1);
  });

  it("Meta: good → 200; bad or missing X-Hub-Signature-256 → 401", async () => {
    const { body } = metaMessage({
      phoneNumberId: PHONE_ID,
      from: "34600000200",
      message: { type: "text", text: "hola" },
    });
    const before = await eventCount();
    expect((await deliverMeta(wa, body, { appSecret: "not-the-secret" })).status).toBe(401);
    expect((await deliverMeta(wa, body, {})).status).toBe(401);
    expect((await deliverMeta(wa, body, { signature: "sha1=abc" })).status).toBe(401);
    expect(await eventCount()).toBe(before);
    // Non-ASCII is escaped by Meta (\u00e9): verified over the raw bytes, not re-serialised JSON.
    const escaped = JSON.stringify(body).replace("hola", "caf\\u00e9");
    expect((await deliverMeta(wa, escaped, { appSecret: META_SECRET })).status).toBe(200);
    expect(await eventCount()).toBe(before + 1);
  });
});

describe("inbound Chatwoot messages", () => {
  it("creates the customer from the verified phone, answers once through the REST API, dedups redeliveries", async () => {
    const payload = chatwootMessage({
      conversationId: 200,
      phone: "+44 7700 900123",
      name: "Jane",
      content: "Hi, I would like an appointment",
    });
    const first = await deliverChatwoot(cw, payload, { secret: CW_SECRET, deliveryId: "d-200-1" });
    expect(first).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
    // The same delivery retried, and the same message through a second webhook (new delivery id).
    expect((await deliverChatwoot(cw, payload, { secret: CW_SECRET, deliveryId: "d-200-1" })).body).toMatchObject({
      duplicate: true,
    });
    expect((await deliverChatwoot(cw, payload, { secret: CW_SECRET, deliveryId: "d-200-2" })).status).toBe(200);
    const conv = await until(() => conversationOf("chatwoot", "200"));
    const sent = await until(async () => {
      const m = (await messagesOf(conv.id)).filter((x) => x.direction === "outbound");
      return m.length && m.every((x) => x.deliveryStatus === "sent") ? m : null;
    });
    await new Promise((r) => setTimeout(r, 800)); // give a wrong second reply the time to show up
    const all = await messagesOf(conv.id);
    expect(all.filter((m) => m.direction === "inbound")).toHaveLength(1);
    expect(all.filter((m) => m.direction === "outbound")).toHaveLength(1);
    expect(sent[0]!.externalId).toMatch(/^\d+$/);
    const posted = h.chatwoot.sentMessages().filter((r) => r.path.endsWith("/conversations/200/messages"));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.headers.api_access_token).toBe("cw-api-token");
    expect(posted[0]!.body).toMatchObject({
      content: "You said: Hi, I would like an appointment",
      message_type: "outgoing",
      private: false,
      echo_id: expect.stringMatching(/^cita-msg-/),
    });
    const customer = await t.db.customer.findUniqueOrThrow({ where: { id: conv.customerId } });
    expect(customer.language).toBe("en");
    expect(h.services.fc.decrypt(customer.phoneCipher!)).toBe("+447700900123");
    expect(h.services.fc.decrypt(customer.nameCipher!)).toBe("Jane");
    expect(conv).toMatchObject({ channelAccount: "3", mode: "bot" });
    // The language guessed on first contact is kept.
    await deliverChatwoot(
      cw,
      chatwootMessage({ conversationId: 200, phone: "+447700900123", content: "Hola, gracias" }),
      {
        secret: CW_SECRET,
      },
    );
    await until(async () => (await messagesOf(conv.id)).filter((m) => m.direction === "outbound").length === 2);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id: conv.customerId } })).language).toBe("en");
  });

  it("ignores our own outgoing echoes, private notes and activity messages", async () => {
    const phone = "+34600000300";
    const inbound = chatwootMessage({ conversationId: 300, phone, content: "Hola, quiero cita" });
    await deliverChatwoot(cw, inbound, { secret: CW_SECRET });
    const conv = await until(() => conversationOf("chatwoot", "300"));
    await until(async () => (await messagesOf(conv.id)).some((m) => m.deliveryStatus === "sent"));
    const echo = chatwootMessage({ conversationId: 300, phone, content: "Has dicho: Hola", messageType: "outgoing" });
    const note = chatwootMessage({ conversationId: 300, phone, content: "VIP, be nice", private: true });
    const activity = chatwootMessage({
      conversationId: 300,
      phone,
      content: "Conversation was reopened",
      messageType: "activity",
    });
    for (const p of [echo, note, activity]) {
      const r = await deliverChatwoot(cw, p, { secret: CW_SECRET });
      expect(r).toMatchObject({ status: 200, body: { ok: true, ignored: true } });
    }
    const stored = await t.db.webhookEvent.findMany({
      where: { dedupKey: { in: [echo, note, activity].map((p) => `message:${p.id}`) } },
    });
    expect(stored).toHaveLength(0); // they came with delivery ids
    await new Promise((r) => setTimeout(r, 800));
    const msgs = await messagesOf(conv.id);
    expect(msgs.map((m) => [m.direction, m.body])).toEqual([
      ["inbound", "Hola, quiero cita"],
      ["outbound", "Has dicho: Hola, quiero cita"],
    ]);
    expect(h.chatwoot.sentMessages().filter((r) => r.path.endsWith("/conversations/300/messages"))).toHaveLength(1);
    const ignored = await t.db.webhookEvent.count({ where: { status: "ignored", lastError: "private note" } });
    expect(ignored).toBeGreaterThanOrEqual(1);
  });

  it("stores messages of conversations a person owns in Chatwoot (status open) without answering", async () => {
    await deliverChatwoot(
      cw,
      chatwootMessage({ conversationId: 310, phone: "+34600000310", content: "Hola", status: "open" }),
      {
        secret: CW_SECRET,
      },
    );
    const conv = await until(() => conversationOf("chatwoot", "310"));
    expect(conv.mode).toBe("human");
    await new Promise((r) => setTimeout(r, 800));
    expect((await messagesOf(conv.id)).map((m) => m.direction)).toEqual(["inbound"]);
    expect(h.chatwoot.sentMessages().filter((r) => r.path.endsWith("/conversations/310/messages"))).toHaveLength(0);
  });
});

describe("malformed input", () => {
  it("answers 4xx to bad JSON, wrong shapes and oversized bodies; 200 to events it does not use", async () => {
    const post = (url: string, body: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    // Signed as Chatwoot signs: the shape is judged only once the sender is known.
    const signed = async (body: string) => (await deliverChatwoot(cw, body, { secret: CW_SECRET })).status;
    expect(await signed("{not json")).toBe(400);
    expect((await post(cw, "")).status).toBe(400);
    expect(await signed(JSON.stringify({ event: "something_new" }))).toBe(200);
    expect(await signed(JSON.stringify([1, 2]))).toBe(422);
    expect(await signed(JSON.stringify({ event: "message_created", id: 1 }))).toBe(422);
    expect(await signed(JSON.stringify({ event: "conversation_typing_on", id: 1 }))).toBe(200);
    const big = JSON.stringify({ event: "message_created", content: "x".repeat(300 * 1024) });
    expect((await post(cw, big)).status).toBe(413);
    const metaBad = JSON.stringify({ object: "page", entry: [] });
    expect((await deliverMeta(wa, metaBad, { appSecret: META_SECRET })).status).toBe(422);
    expect((await deliverMeta(wa, "[]", { appSecret: META_SECRET })).status).toBe(422);
    expect((await deliverMeta(wa, "{", { appSecret: META_SECRET })).status).toBe(400);
    // Other content types get the same raw handling (no parser is picked by the sender).
    expect(
      (await post(wa, "{", { "content-type": "text/plain", ...metaSignatureHeader("{", META_SECRET) })).status,
    ).toBe(400);
  });
});

describe("WhatsApp Cloud API inbound", () => {
  it("handles out-of-order deliveries: transcript by message time, statuses never go backwards", async () => {
    const from = "34600000400";
    const t0 = new Date(nowMs() - 60_000);
    const early = metaMessage({ phoneNumberId: PHONE_ID, from, at: t0, message: { type: "text", text: "primero" } });
    const late = metaMessage({
      phoneNumberId: PHONE_ID,
      from,
      at: new Date(t0.getTime() + 5000),
      message: { type: "text", text: "segundo" },
    });
    h.agent.delayMs = 0;
    expect((await deliverMeta(wa, late.body, { appSecret: META_SECRET })).status).toBe(200);
    expect((await deliverMeta(wa, early.body, { appSecret: META_SECRET })).status).toBe(200);
    expect((await deliverMeta(wa, early.body, { appSecret: META_SECRET })).body).toMatchObject({ duplicate: true });
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const out = await until(async () => {
      const m = (await messagesOf(conv.id)).filter((x) => x.direction === "outbound" && x.externalId);
      return m.length ? m : null;
    });
    const inbound = (await messagesOf(conv.id)).filter((m) => m.direction === "inbound");
    expect(inbound.map((m) => m.body)).toEqual(["primero", "segundo"]);
    expect(
      (await t.db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).lastCustomerMessageAt?.getTime(),
    ).toBe(Math.floor((t0.getTime() + 5000) / 1000) * 1000);
    const wamid = out[0]!.externalId!;
    const read = metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid, status: "read" });
    const delivered = metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid, status: "delivered" });
    expect((await deliverMeta(wa, read, { appSecret: META_SECRET })).status).toBe(200);
    await until(
      async () => (await t.db.message.findUniqueOrThrow({ where: { id: out[0]!.id } })).deliveryStatus === "read",
    );
    expect((await deliverMeta(wa, delivered, { appSecret: META_SECRET })).status).toBe(200);
    await until(
      async () =>
        await t.db.webhookEvent.findFirst({ where: { dedupKey: `wamid:${wamid}:delivered`, status: "processed" } }),
    );
    expect((await t.db.message.findUniqueOrThrow({ where: { id: out[0]!.id } })).deliveryStatus).toBe("read");

    // "delivered" and "read" for the same messages, processed side by side by the queue's workers:
    // whichever commits last, every message ends read (no lost update of the status).
    const ours = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t.db.message.create({
          data: {
            conversationId: conv.id,
            direction: "outbound",
            author: "bot",
            kind: "text",
            externalId: `wamid.race-${conv.id.slice(0, 8)}-${i}`,
            deliveryStatus: "sent",
          },
        }),
      ),
    );
    const statuses = ours.flatMap((m) =>
      (["delivered", "read"] as const).map((status) =>
        metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid: m.externalId!, status }),
      ),
    );
    const acks = await Promise.all(statuses.map((b) => deliverMeta(wa, b, { appSecret: META_SECRET })));
    expect(acks.map((a) => a.status)).toEqual(statuses.map(() => 200));
    await until(async () => {
      const done = await t.db.webhookEvent.count({
        where: { dedupKey: { startsWith: `wamid:wamid.race-${conv.id.slice(0, 8)}-` }, status: "processed" },
      });
      return done === statuses.length;
    });
    const after = await t.db.message.findMany({ where: { id: { in: ours.map((m) => m.id) } } });
    expect(after.map((m) => m.deliveryStatus)).toEqual(ours.map(() => "read"));
  });

  it("merges double texting into one turn while a turn is running", async () => {
    const from = "34600000410";
    h.agent.delayMs = 1200;
    try {
      const before = h.agent.inputs.length;
      await deliverMeta(
        wa,
        metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } }).body,
        {
          appSecret: META_SECRET,
        },
      );
      await until(async () => h.agent.inputs.length > before);
      for (const text of ["quiero cita", "el viernes"]) {
        await deliverMeta(wa, metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text } }).body, {
          appSecret: META_SECRET,
        });
      }
      const conv = await until(() => conversationOf("whatsapp_cloud", from));
      await until(
        async () => (await messagesOf(conv.id)).filter((m) => m.direction === "outbound").length >= 2,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const turns = h.agent.inputs.slice(before).filter((i) => i.conversation.id === conv.id);
      expect(turns.map((i) => i.newMessages.map((m) => m.body))).toEqual([["hola"], ["quiero cita", "el viernes"]]);
      expect(turns[1]!.history.map((m) => m.body)).toEqual(["hola", "Has dicho: hola"]);
      const out = (await messagesOf(conv.id)).filter((m) => m.direction === "outbound");
      expect(out.map((m) => m.body)).toEqual(["Has dicho: hola", "Has dicho: quiero cita / el viernes"]);
    } finally {
      h.agent.delayMs = 0;
    }
  });

  it("sends interactive buttons where the channel supports them", async () => {
    const from = "34600000420";
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "#choices" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const req = await until(async () => h.meta.sentMessages().find((r) => (r.body as { to?: string }).to === from));
    expect(req.body).toMatchObject({
      type: "interactive",
      interactive: {
        type: "button",
        action: {
          buttons: [{ type: "reply", reply: { id: "slot_1", title: "Vie 10:00" } }, { reply: { id: "slot_2" } }],
        },
      },
    });
    // The tap comes back as an interactive reply carrying the choice id.
    await deliverMeta(
      wa,
      metaMessage({
        phoneNumberId: PHONE_ID,
        from,
        message: { type: "button_reply", id: "slot_2", title: "Vie 11:30" },
      }).body,
      { appSecret: META_SECRET },
    );
    await until(async () => h.agent.inputs.find((i) => i.newMessages.some((m) => m.selectedChoiceId === "slot_2")));
  });

  it("fetches images and voice notes once and keeps them under the data dir", async () => {
    const from = "34600000430";
    const jpeg = Buffer.from("ffd8ffe000104a46494600", "hex");
    h.meta.media.set("MEDIA1", { bytes: jpeg, mime: "image/jpeg" });
    await deliverMeta(
      wa,
      metaMessage({
        phoneNumberId: PHONE_ID,
        from,
        message: { type: "image", mediaId: "MEDIA1", caption: "este corte" },
      }).body,
      { appSecret: META_SECRET },
    );
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const stored = await until(async () => {
      const m = (await messagesOf(conv.id)).find((x) => x.direction === "inbound");
      const a = (m?.attachments as { storedPath?: string }[] | null)?.[0];
      return a?.storedPath
        ? (m!.attachments as { storedPath: string; mimeType: string; bytes: number; type: string }[])[0]
        : null;
    });
    expect(stored).toMatchObject({ type: "image", mimeType: "image/jpeg", bytes: jpeg.length });
    expect(stored.storedPath.startsWith(h.dataDir)).toBe(true);
    expect(statSync(stored.storedPath).size).toBe(jpeg.length);
    expect(h.meta.requestsTo("GET", /^\/MEDIA1$/)[0]!.headers.authorization).toBe("Bearer meta-access-token");
    expect(h.meta.requestsTo("GET", /^\/lookaside\/MEDIA1$/)).toHaveLength(1);

    // Chatwoot voice note: data_url is fetched without the token.
    const ogg = Buffer.from("OggS-fake-voice");
    const dataUrl = h.chatwoot.addMedia("voice-1", ogg, "audio/ogg");
    await deliverChatwoot(
      cw,
      chatwootMessage({
        conversationId: 430,
        phone: "+34600000431",
        content: null,
        attachments: [{ file_type: "audio", data_url: dataUrl, extension: "ogg", file_size: ogg.length }],
      }),
      { secret: CW_SECRET },
    );
    const cwConv = await until(() => conversationOf("chatwoot", "430"));
    const voice = await until(async () => {
      const m = (await messagesOf(cwConv.id)).find((x) => x.direction === "inbound");
      const a = (m?.attachments as { storedPath?: string; type: string }[] | null)?.[0];
      return a?.storedPath ? { kind: m!.kind, ...a } : null;
    });
    expect(voice).toMatchObject({ kind: "audio", type: "audio", mimeType: "audio/ogg", bytes: ogg.length });
    expect(existsSync(voice.storedPath!)).toBe(true);
  });
});

describe("outbound delivery", () => {
  it("retries a 429 after Retry-After and then sends once", async () => {
    const from = "34600000500";
    h.meta.scriptFor("POST", /\/messages$/, to(from), {
      status: 429,
      headers: { "retry-after": "1" },
      body: { error: { code: 130429, message: "Rate limit hit" } },
    });
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const outbox = await until(async () => {
      const o = await t.db.outboxMessage.findFirst({ where: { conversationId: conv.id } });
      return o?.status === "sent" ? o : null;
    });
    expect(outbox.attempts).toBe(2);
    const calls = h.meta.sentMessages().filter((r) => (r.body as { to?: string }).to === from);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    const msg = await t.db.message.findUniqueOrThrow({ where: { id: outbox.messageId! } });
    expect(msg.deliveryStatus).toBe("sent");
    expect(msg.externalId).toMatch(/^wamid\.FAKE/);
  });

  it("retries a timeout", async () => {
    const from = "34600000510";
    h.meta.scriptFor("POST", /\/messages$/, to(from), { timeout: true });
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const outbox = await until(async () => {
      const o = await t.db.outboxMessage.findFirst({ where: { conversationId: conv.id } });
      return o?.status === "sent" ? o : null;
    });
    expect(outbox.attempts).toBe(2);
  });

  it("dead-letters a permanent failure at once and repeated 5xx after the last attempt, visibly", async () => {
    const from = "34600000520";
    h.meta.scriptFor("POST", /\/messages$/, to(from), {
      status: 400,
      body: { error: { message: "Invalid parameter", type: "OAuthException", code: 100 } },
    });
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const dead = await until(async () => {
      const o = await t.db.outboxMessage.findFirst({ where: { conversationId: conv.id } });
      return o?.status === "dead" ? o : null;
    });
    expect(dead.attempts).toBe(1);
    expect(dead.lastError).toContain("HTTP 400");
    const detail = await as(h.staff.a).chats.get({ conversationId: conv.id });
    const failed = detail.messages.find((m) => m.direction === "outbound")!;
    expect(failed).toMatchObject({
      deliveryStatus: "failed",
      failureReason: expect.stringContaining("Invalid parameter"),
    });
    const audit = await t.db.auditLog.findFirst({
      where: { entityId: conv.id, action: "conversation.delivery_failed" },
    });
    expect(audit).not.toBeNull();
    const change = await t.db.changeLog.findFirst({ where: { entityId: conv.id }, orderBy: { version: "desc" } });
    expect(change?.data).toMatchObject({ event: "delivery_failed", reason: expect.stringContaining("HTTP 400") });

    const from2 = "34600000521";
    h.meta.scriptFor("POST", /\/messages$/, to(from2), { status: 500 }, { status: 502 }, { status: 503 });
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from: from2, message: { type: "text", text: "hola" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const conv2 = await until(() => conversationOf("whatsapp_cloud", from2));
    const dead2 = await until(async () => {
      const o = await t.db.outboxMessage.findFirst({ where: { conversationId: conv2.id } });
      return o?.status === "dead" ? o : null;
    }, 20_000);
    expect(dead2.attempts).toBe(3);
    expect(dead2.lastError).toMatch(/^gave up after 3 attempts: HTTP 503/);
    expect(h.meta.sentMessages().filter((r) => (r.body as { to?: string }).to === from2)).toHaveLength(3);
  });
});

describe("takeover, staff reply, hand-back", () => {
  it("escalation → waiting first → takeover (conflict for the second) → reply → note → hand back → bot answers", async () => {
    const phone = "+34600000600";
    const conversationId = 600;
    // A quiet conversation and an escalated one: the escalated one is listed first.
    await deliverChatwoot(cw, chatwootMessage({ conversationId: 601, phone: "+34600000601", content: "Hola" }), {
      secret: CW_SECRET,
    });
    await until(() => conversationOf("chatwoot", "601"));
    await deliverChatwoot(cw, chatwootMessage({ conversationId, phone, content: "Quiero hablar con una #persona" }), {
      secret: CW_SECRET,
    });
    const conv = await until(async () => {
      const c = await conversationOf("chatwoot", String(conversationId));
      return c?.mode === "human" ? c : null;
    });
    expect(conv).toMatchObject({ escalationReason: "asked for a person", assignedStaffId: null });
    await until(async () => h.chatwoot.statuses.get(String(conversationId)) === "open");

    const lucia = as(h.staff.a);
    const marco = as(h.staff.b);
    const list = await lucia.chats.list({});
    expect(list.items[0]).toMatchObject({ id: conv.id, waiting: true, mode: "human", unread: 1 });
    expect(list.items.findIndex((i) => i.id === conv.id)).toBeLessThan(
      list.items.findIndex((i) => i.waiting === false),
    );

    expect(await lucia.chats.takeOver({ conversationId: conv.id })).toMatchObject({ mode: "human" });
    const conflict = await trpcError(marco.chats.takeOver({ conversationId: conv.id }));
    expect(conflict.code).toBe("CONFLICT");
    expect(conflict.message).toContain("Lucía");
    // A stylist has no chats.use.
    expect((await trpcError(as(h.staff.stylist).chats.list({}))).code).toBe("FORBIDDEN");
    expect((await trpcError(marco.chats.reply({ conversationId: conv.id, text: "Hola" }))).message).toContain("Lucía");

    // The customer writes while a person has it: stored, the bot stays silent.
    await deliverChatwoot(cw, chatwootMessage({ conversationId, phone, content: "¿Hay alguien?", status: "open" }), {
      secret: CW_SECRET,
    });
    await until(async () => (await messagesOf(conv.id)).some((m) => m.body === "¿Hay alguien?"));
    await lucia.chats.reply({ conversationId: conv.id, text: "Hola, soy Lucía. Te busco hueco." });
    await lucia.chats.note({ conversationId: conv.id, text: "Prefiere mañanas" });
    const staffPost = await until(async () =>
      h.chatwoot
        .sentMessages()
        .find((r) => (r.body as { content?: string }).content === "Hola, soy Lucía. Te busco hueco."),
    );
    expect(staffPost.path).toBe(`/api/v1/accounts/1/conversations/${conversationId}/messages`);
    await new Promise((r) => setTimeout(r, 600));
    expect(h.chatwoot.sentMessages().some((r) => (r.body as { content?: string }).content === "Prefiere mañanas")).toBe(
      false,
    );
    const posts = h.chatwoot.sentMessages().filter((r) => r.path.endsWith(`/conversations/${conversationId}/messages`));
    expect(posts).toHaveLength(1); // no bot reply while human

    const detail = await lucia.chats.get({ conversationId: conv.id });
    expect(detail.messages.map((m) => [m.author, m.kind, m.body, m.staffName])).toEqual([
      ["customer", "text", "Quiero hablar con una #persona", null],
      ["customer", "text", "¿Hay alguien?", null],
      ["staff", "text", "Hola, soy Lucía. Te busco hueco.", "Lucía"],
      ["staff", "note", "Prefiere mañanas", "Lucía"],
    ]);
    expect(detail.messages[2]!.deliveryStatus).toBe("sent");
    expect(detail.conversation).toMatchObject({ assignedStaffName: "Lucía", windowOpen: true, unread: 0 });

    await lucia.chats.handBack({ conversationId: conv.id, note: "Le he ofrecido el viernes a las 10" });
    await until(async () => h.chatwoot.statuses.get(String(conversationId)) === "pending");
    const inputsBefore = h.agent.inputs.length;
    await deliverChatwoot(cw, chatwootMessage({ conversationId, phone, content: "Vale, el viernes" }), {
      secret: CW_SECRET,
    });
    const input = await until(async () =>
      h.agent.inputs.slice(inputsBefore).find((i) => i.conversation.id === conv.id),
    );
    expect(input.handBackNote).toBe("Le he ofrecido el viernes a las 10");
    expect(input.newMessages.map((m) => m.body)).toEqual(["Vale, el viernes"]);
    await until(async () =>
      h.chatwoot.sentMessages().find((r) => (r.body as { content?: string }).content === "Has dicho: Vale, el viernes"),
    );
    const after = await t.db.conversation.findUniqueOrThrow({ where: { id: conv.id } });
    expect(after).toMatchObject({ mode: "bot", assignedStaffId: null, handBackNote: null });
    const actions = (await t.db.auditLog.findMany({ where: { entityId: conv.id }, orderBy: { id: "asc" } })).map(
      (a) => a.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "conversation.escalated",
        "conversation.taken_over",
        "conversation.staff_replied",
        "conversation.note_added",
        "conversation.handed_back",
      ]),
    );
  });

  it("force takes a conversation from its owner; Chatwoot status changes are reflected", async () => {
    await deliverChatwoot(cw, chatwootMessage({ conversationId: 610, phone: "+34600000610", content: "Hola" }), {
      secret: CW_SECRET,
    });
    const conv = await until(() => conversationOf("chatwoot", "610"));
    await as(h.staff.a).chats.takeOver({ conversationId: conv.id });
    await as(h.staff.b).chats.takeOver({ conversationId: conv.id, force: true });
    expect((await t.db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).assignedStaffId).toBe(h.staff.b.id);
    // An agent in Chatwoot sends it back to the bot, then opens it again.
    await deliverChatwoot(cw, chatwootStatusChanged({ conversationId: 610, from: "open", to: "pending" }), {
      secret: CW_SECRET,
    });
    await until(async () => (await t.db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).mode === "bot");
    await deliverChatwoot(cw, chatwootStatusChanged({ conversationId: 610, from: "pending", to: "open" }), {
      secret: CW_SECRET,
    });
    const c = await until(async () => {
      const x = await t.db.conversation.findUniqueOrThrow({ where: { id: conv.id } });
      return x.mode === "human" ? x : null;
    });
    expect(c.escalationReason).toBe("Opened in Chatwoot");
  });
});

describe("WhatsApp's 24-hour window", () => {
  it("refuses free-form replies outside it and sends configured templates", async () => {
    const from = "34600000700";
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } }).body,
      {
        appSecret: META_SECRET,
      },
    );
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    await until(async () => (await messagesOf(conv.id)).some((m) => m.direction === "outbound"));
    const lucia = as(h.staff.a);
    await lucia.chats.takeOver({ conversationId: conv.id });
    h.clock.advance(25 * 3600_000);
    try {
      const refused = await trpcError(lucia.chats.reply({ conversationId: conv.id, text: "¿Sigues ahí?" }));
      expect(refused.code).toBe("PRECONDITION_FAILED");
      expect(refused.message).toMatch(/24-hour window is closed.*template.*booking_reminder/);
      expect((await lucia.chats.get({ conversationId: conv.id })).conversation.windowOpen).toBe(false);
      const unknown = await trpcError(
        lucia.chats.sendTemplate({ conversationId: conv.id, name: "promo_blast", language: "es", params: [] }),
      );
      expect(unknown.code).toBe("BAD_REQUEST");
      await lucia.chats.sendTemplate({
        conversationId: conv.id,
        name: "booking_reminder",
        language: "es",
        params: ["Ana", "viernes 10:00"],
      });
      const req = await until(async () =>
        h.meta
          .sentMessages()
          .find(
            (r) =>
              (r.body as { to?: string; type?: string }).to === from &&
              (r.body as { type?: string }).type === "template",
          ),
      );
      expect(req.body).toMatchObject({
        template: {
          name: "booking_reminder",
          language: { code: "es" },
          components: [
            {
              type: "body",
              parameters: [
                { type: "text", text: "Ana" },
                { type: "text", text: "viernes 10:00" },
              ],
            },
          ],
        },
      });
    } finally {
      h.clock.advance(-25 * 3600_000);
    }
  });
});
