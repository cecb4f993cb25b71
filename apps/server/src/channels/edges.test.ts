// Trust at the edges: Chatwoot deliveries only from Chatwoot (signed, or on the per-install URL
// token), delivery statuses only on our own messages, customer messages that arrive after the
// 24-hour window handed to staff, and well-formed deliveries we do not use answered 200.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../http/server.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { nowMs } from "../testing/test-now.ts";
import { chatwootMessage, deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { deliverMeta, metaMessage, metaStatus } from "./fakes/fake-meta.ts";
import { chatwootSignatureHeaders } from "./signatures.ts";
import { type ChannelsHarness, CW_SECRET, META_SECRET, PHONE_ID, startChannelsHarness, until } from "./testing.ts";
import { LATE_MESSAGE_TEMPLATE } from "./turns.ts";

const URL_TOKEN = randomBytes(24).toString("hex");
const HOUR = 3600_000;

let t: TestDatabase;
let h: ChannelsHarness;
let cw: string;
let wa: string;

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startChannelsHarness(t, {
    env: {
      CHATWOOT_WEBHOOK_URL_TOKEN: URL_TOKEN,
      WHATSAPP_TEMPLATES: `booking_reminder:es,${LATE_MESSAGE_TEMPLATE}:es,${LATE_MESSAGE_TEMPLATE}:en`,
    },
  });
  cw = `${h.url}/webhooks/chatwoot`;
  wa = `${h.url}/webhooks/whatsapp`;
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

const conversationOf = (channel: "chatwoot" | "whatsapp_cloud", externalId: string) =>
  t.db.conversation.findFirst({ where: { channel, externalId } });
const messagesOf = (conversationId: string) =>
  t.db.message.findMany({ where: { conversationId }, orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }] });
const counts = async () => ({
  events: await t.db.webhookEvent.count(),
  customers: await t.db.customer.count(),
  conversations: await t.db.conversation.count(),
  messages: await t.db.message.count(),
});

/** Runs `fn` with some settings changed (the harness's config object is the server's). */
async function withConfig<T>(patch: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const config = h.services.config as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(patch).map((k) => [k, config[k]]));
  Object.assign(config, patch);
  try {
    return await fn();
  } finally {
    Object.assign(config, saved);
  }
}

describe("Chatwoot deliveries only from Chatwoot", () => {
  it("refuses an unsigned delivery under the default configuration: 401, nothing stored, nobody answered", async () => {
    expect(h.services.config.CHATWOOT_SIGNATURE).toBe("required"); // the harness does not set it
    const before = await counts();
    const forged = chatwootMessage({ conversationId: 1100, phone: "+34600001100", content: "Hola, soy yo" });
    const r = await deliverChatwoot(cw, forged, { secret: null });
    expect(r.status).toBe(401);
    await new Promise((res) => setTimeout(res, 600));
    expect(await counts()).toEqual(before);
    expect(h.chatwoot.sentMessages().filter((m) => m.path.endsWith("/conversations/1100/messages"))).toHaveLength(0);
  });

  it("accepts a delivery on the URL-token route and answers it; a wrong or missing token is refused", async () => {
    const payload = chatwootMessage({ conversationId: 1101, phone: "+34600001101", content: "Hola, ¿hay cita?" });
    const before = await counts();
    const wrong = `${URL_TOKEN.slice(0, -1)}${URL_TOKEN.endsWith("0") ? "1" : "0"}`;
    for (const token of [wrong, "short", URL_TOKEN.toUpperCase(), `${URL_TOKEN}x`]) {
      expect((await deliverChatwoot(`${cw}/${token}`, payload, { secret: null })).status, token).toBe(401);
    }
    // A signature that is sent is checked even here.
    expect((await deliverChatwoot(`${cw}/${URL_TOKEN}`, payload, { secret: "not-the-secret" })).status).toBe(401);
    expect(await counts()).toEqual(before);

    const ok = await deliverChatwoot(`${cw}/${URL_TOKEN}`, payload, { secret: null });
    expect(ok).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
    const conv = await until(() => conversationOf("chatwoot", "1101"));
    await until(async () => h.chatwoot.sentMessages().find((m) => m.path.endsWith("/conversations/1101/messages")));
    expect((await messagesOf(conv.id)).map((m) => [m.direction, m.body])).toEqual([
      ["inbound", "Hola, ¿hay cita?"],
      ["outbound", "Has dicho: Hola, ¿hay cita?"],
    ]);
    // Signed by Chatwoot ≥ 4.13 on the token route too: accepted.
    const signed = chatwootMessage({ conversationId: 1101, phone: "+34600001101", content: "Gracias" });
    expect((await deliverChatwoot(`${cw}/${URL_TOKEN}`, signed, { secret: CW_SECRET })).status).toBe(200);
    await until(async () => (await messagesOf(conv.id)).filter((m) => m.direction === "outbound").length === 2);
  });

  it("with no token configured the token route refuses everything; with no secret the plain route does", async () => {
    const payload = chatwootMessage({ conversationId: 1102, phone: "+34600001102", content: "Hola" });
    const before = await t.db.webhookEvent.count();
    await withConfig({ CHATWOOT_WEBHOOK_URL_TOKEN: undefined }, async () => {
      expect((await deliverChatwoot(`${cw}/${URL_TOKEN}`, payload, { secret: null })).status).toBe(401);
    });
    await withConfig({ CHATWOOT_WEBHOOK_SECRET: undefined }, async () => {
      // Correctly signed with a secret nobody configured: nothing to verify it with, refused.
      expect((await deliverChatwoot(cw, payload, { secret: CW_SECRET })).status).toBe(401);
      expect((await deliverChatwoot(cw, payload, { secret: null })).status).toBe(401);
    });
    expect(await t.db.webhookEvent.count()).toBe(before);
  });

  it("never logs the URL token; says why a delivery was refused; debug-logs deliveries it does not use", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app: FastifyInstance = await buildServer({ ...h.services, log: createLogger("debug", sink) });
    try {
      const post = (url: string, body: string, headers: Record<string, string> = {}) =>
        app.inject({ method: "POST", url, payload: body, headers: { "content-type": "application/json", ...headers } });
      const body = JSON.stringify(chatwootMessage({ conversationId: 1103, phone: "+34600001103", content: "Hola" }));
      expect((await post(`/webhooks/chatwoot/${URL_TOKEN}`, body)).statusCode).toBe(200);
      expect((await post("/webhooks/chatwoot/wrong-token-wrong-token-wrong-token", body)).statusCode).toBe(401);
      expect((await post("/webhooks/chatwoot", body)).statusCode).toBe(401);
      const automation = JSON.stringify({ event: "automation_event.message_created", id: 1103 });
      const ts = Math.floor(Date.now() / 1000);
      expect(
        (await post("/webhooks/chatwoot", automation, chatwootSignatureHeaders(automation, CW_SECRET, ts))).statusCode,
      ).toBe(200);
      const log = lines.join("");
      expect(log).not.toContain(URL_TOKEN);
      expect(log).toContain("/webhooks/chatwoot/[token]");
      expect(log).toContain("wrong webhook URL token");
      expect(log).toContain("missing X-Chatwoot-Signature");
      expect(log).toMatch(/"level":20,[^\n]*"reason":"event automation_event.message_created not used"/);
    } finally {
      await app.close();
    }
  });
});

describe("delivery statuses apply to our outbound messages only", () => {
  it("a Meta status naming a customer's message (with or without the recipient) changes nothing", async () => {
    const from = "34600001200";
    const inbound = metaMessage({ phoneNumberId: PHONE_ID, from, message: { type: "text", text: "hola" } });
    await deliverMeta(wa, inbound.body, { appSecret: META_SECRET });
    const conv = await until(() => conversationOf("whatsapp_cloud", from));
    const ours = await until(async () => {
      const m = (await messagesOf(conv.id)).find((x) => x.direction === "outbound" && x.externalId);
      return m ?? null;
    });
    for (const status of ["read", "failed"] as const) {
      const s = metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid: inbound.id, status });
      expect((await deliverMeta(wa, s, { appSecret: META_SECRET })).status).toBe(200);
      await until(() =>
        t.db.webhookEvent.findFirst({ where: { dedupKey: `wamid:${inbound.id}:${status}`, status: "processed" } }),
      );
    }
    // No recipient: the lookup by message id alone must not find the customer's message either.
    const bare = metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid: inbound.id, status: "delivered" });
    delete (bare.entry[0]!.changes[0]!.value.statuses[0] as { recipient_id?: string }).recipient_id;
    expect((await deliverMeta(wa, bare, { appSecret: META_SECRET })).status).toBe(200);
    await until(() =>
      t.db.webhookEvent.findFirst({
        where: { dedupKey: `wamid:${inbound.id}:delivered`, status: { in: ["processed", "ignored", "failed"] } },
      }),
    );
    const theirs = await t.db.message.findFirstOrThrow({ where: { externalId: inbound.id } });
    expect(theirs).toMatchObject({ direction: "inbound", deliveryStatus: "received", failureReason: null });
    expect(await t.db.auditLog.count({ where: { entityId: conv.id, action: "conversation.delivery_failed" } })).toBe(0);
    // Our own message still moves.
    const read = metaStatus({ phoneNumberId: PHONE_ID, recipient: from, wamid: ours.externalId!, status: "read" });
    await deliverMeta(wa, read, { appSecret: META_SECRET });
    await until(
      async () => (await t.db.message.findUniqueOrThrow({ where: { id: ours.id } })).deliveryStatus === "read",
    );
  });

  it("a Chatwoot message_updated naming a customer's message changes nothing", async () => {
    const phone = "+34600001201";
    const id = 771_201;
    await deliverChatwoot(cw, chatwootMessage({ id, conversationId: 1201, phone, content: "Hola" }), {
      secret: CW_SECRET,
    });
    const conv = await until(() => conversationOf("chatwoot", "1201"));
    await until(async () => (await messagesOf(conv.id)).some((m) => m.direction === "outbound"));
    const updated = {
      event: "message_updated",
      id,
      content: "Hola",
      content_type: "text",
      content_attributes: { external_error: "131047: Re-engagement message" },
      message_type: "outgoing",
      private: false,
      status: "failed",
      inbox: { id: 3 },
      conversation: { id: 1201, inbox_id: 3, status: "pending" },
    };
    const r = await deliverChatwoot(cw, updated, { secret: CW_SECRET });
    expect(r.status).toBe(200);
    await until(() =>
      t.db.webhookEvent.findFirst({ where: { dedupKey: `delivery:${r.deliveryId}`, status: "processed" } }),
    );
    const theirs = await t.db.message.findFirstOrThrow({ where: { conversationId: conv.id, externalId: String(id) } });
    expect(theirs).toMatchObject({ direction: "inbound", deliveryStatus: "received", failureReason: null });
  });
});

describe("customer messages older than the 24-hour window", () => {
  it("Meta: handed to staff with the reason, the late-message template sent, the turn recorded as not answered", async () => {
    const from = "34600001300";
    const inputsBefore = h.agent.inputs.length;
    const late = metaMessage({
      phoneNumberId: PHONE_ID,
      from,
      at: new Date(nowMs() - 26 * HOUR),
      message: { type: "text", text: "¿Tenéis hueco mañana por la tarde?" },
    });
    expect((await deliverMeta(wa, late.body, { appSecret: META_SECRET })).status).toBe(200);
    const conv = await until(async () => {
      const c = await conversationOf("whatsapp_cloud", from);
      return c?.mode === "human" ? c : null;
    });
    expect(conv.escalationReason).toMatch(
      /^Mensaje recibido con más de 24 h de retraso: llegó 26 h después .*plantilla «late_message»/,
    );
    expect(conv.escalationSummary).toContain("¿Tenéis hueco mañana por la tarde?");
    const template = await until(async () =>
      h.meta.sentMessages().find((r) => (r.body as { to?: string }).to === from),
    );
    expect(template.body).toMatchObject({
      type: "template",
      template: { name: "late_message", language: { code: "es" } },
    });
    await new Promise((res) => setTimeout(res, 800)); // give a wrong free-form reply the time to show up
    expect(h.meta.sentMessages().filter((r) => (r.body as { to?: string }).to === from)).toHaveLength(1);
    expect(h.agent.inputs.slice(inputsBefore).some((i) => i.conversation.id === conv.id)).toBe(false);
    const turns = await t.db.agentTurn.findMany({ where: { conversationId: conv.id } });
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ status: "handed_off", mode: "channels" });
    expect(turns[0]!.error).toMatch(/^Mensaje recibido con más de 24 h de retraso/);
    const msgs = await messagesOf(conv.id);
    expect(msgs.map((m) => [m.direction, m.kind])).toEqual([
      ["inbound", "text"],
      ["outbound", "template"],
    ]);
    expect(msgs[0]!.turnId).toBe(turns[0]!.id);
    const audit = await t.db.auditLog.findFirst({ where: { entityId: conv.id, action: "conversation.escalated" } });
    expect(audit?.data).toMatchObject({ reason: "late_message", template: "late_message", delayHours: 26 });
  });

  it("Chatwoot without a late-message template: handed to staff, Chatwoot opened, nothing sent to the customer", async () => {
    const phone = "+34600001301";
    await withConfig({ WHATSAPP_TEMPLATES: "booking_reminder:es" }, async () => {
      const r = await deliverChatwoot(
        cw,
        chatwootMessage({
          conversationId: 1301,
          phone,
          content: "Hola, ¿puedo cambiar mi cita?",
          createdAt: new Date(nowMs() - 30 * HOUR),
        }),
        { secret: CW_SECRET },
      );
      expect(r.status).toBe(200);
      const conv = await until(async () => {
        const c = await conversationOf("chatwoot", "1301");
        return c?.mode === "human" ? c : null;
      });
      expect(conv.escalationReason).toMatch(/^Mensaje recibido con más de 24 h de retraso: llegó 30 h después/);
      expect(conv.escalationReason).toContain("no hay plantilla «late_message» en WHATSAPP_TEMPLATES");
      await until(async () => h.chatwoot.statuses.get("1301") === "open");
      await new Promise((res) => setTimeout(res, 600));
      expect(h.chatwoot.sentMessages().filter((m) => m.path.endsWith("/conversations/1301/messages"))).toHaveLength(0);
      const turn = await t.db.agentTurn.findFirstOrThrow({ where: { conversationId: conv.id } });
      expect(turn.status).not.toBe("completed");
      expect((await messagesOf(conv.id)).map((m) => m.direction)).toEqual(["inbound"]);
    });
  });
});

describe("Chatwoot deliveries we do not use", () => {
  it("automation_event.*, macros and unknown events: 200 and stored as ignored; malformed bodies: 4xx", async () => {
    const conversation = { id: 1400, inbox_id: 3, status: "pending", meta: { sender: { id: 55, name: "Ana" } } };
    for (const event of [
      "automation_event.message_created",
      "automation_event.conversation_updated",
      "automation_event: conversation_created",
      "macro.executed",
      "conversation_contact_changed",
      "something_new_in_chatwoot_5",
    ]) {
      const r = await deliverChatwoot(cw, { event, ...conversation, messages: [] }, { secret: CW_SECRET });
      expect(r, event).toMatchObject({ status: 200, body: { ok: true, ignored: true } });
      const row = await t.db.webhookEvent.findFirstOrThrow({ where: { dedupKey: `delivery:${r.deliveryId}` } });
      expect(row).toMatchObject({ status: "ignored", lastError: `event ${event} not used` });
    }
    for (const body of [[1, 2], { event: 5 }, { id: 1 }, "null", { event: "message_created", id: 1 }]) {
      const r = await deliverChatwoot(cw, typeof body === "string" ? body : JSON.stringify(body), {
        secret: CW_SECRET,
      });
      expect(r.status, JSON.stringify(body)).toBe(422);
    }
    expect(await conversationOf("chatwoot", "1400")).toBeNull();
  });
});
