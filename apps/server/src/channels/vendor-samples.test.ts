// The vendors' own published webhook samples, posted byte for byte (signed as our config requires) to
// the real webhook routes, processed by the real jobs on a real database (fixtures/vendor/README.md):
// - Meta: the "Webhook Payload Reference" of the WhatsApp Cloud API Postman collection in
//   WhatsApp/WhatsApp-Flows-Tools. Some are templates with unquoted placeholders (not JSON), and many
//   carry placeholders such as "<FROM_PHONE_NUMBER>" where a phone number goes.
// - Chatwoot: the one sample payload its docs publish (2020, JSON with comments).
// The samples are data kept outside this repository (the steering repo's shared/reference/vendor-samples,
// or CITA_VENDOR_SAMPLES): without them this file is skipped.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { deliverMeta } from "./fakes/fake-meta.ts";
import { type ChannelsHarness, CW_SECRET, META_SECRET, startChannelsHarness, until } from "./testing.ts";

const ROOT =
  process.env.CITA_VENDOR_SAMPLES ?? join(import.meta.dirname, "../../../../../shared/reference/vendor-samples");
const META = join(ROOT, "meta");
const CHATWOOT = join(ROOT, "chatwoot");
const present = existsSync(META) && existsSync(CHATWOOT);
/** The exact bytes as published (only read when present: a skipped describe still collects its tests). */
const raw = (dir: string, name: string) => (present ? readFileSync(join(dir, name), "utf8") : "");

let t: TestDatabase;
let h: ChannelsHarness;
let wa: string;
let cw: string;

describe.skipIf(!present)("vendors' published webhook samples through the real routes", () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    h = await startChannelsHarness(t);
    wa = `${h.url}/webhooks/whatsapp`;
    cw = `${h.url}/webhooks/chatwoot`;
  });
  afterAll(async () => {
    await h?.stop();
    await t?.drop();
  });

  const meta = (name: string) => deliverMeta(wa, raw(META, name), { appSecret: META_SECRET });
  const settled = (dedupKey: string) =>
    until(() =>
      t.db.webhookEvent.findFirst({
        where: { source: "whatsapp_cloud", dedupKey, status: { in: ["processed", "ignored", "failed"] } },
      }),
    );
  const conversation = (channelAccount: string, externalId: string) =>
    t.db.conversation.findFirst({ where: { channel: "whatsapp_cloud", channelAccount, externalId } });
  const inbound = (conversationId: string) =>
    t.db.message.findMany({ where: { conversationId, direction: "inbound" }, orderBy: { sentAt: "asc" } });

  describe("Meta (WhatsApp Cloud API)", () => {
    it("a customer's text message: stored for a new customer and conversation, handed to staff (written in 2020); a redelivery is a duplicate", async () => {
      const res = await meta("received-text-message.json");
      expect(res).toEqual({ status: 200, body: { ok: true, duplicate: false } });
      const row = await settled("wamid:wamid.ABGGFlCGg0cvAgo-sJQh43L5Pe4W");
      expect(row.status).toBe("processed");
      // Far outside the 24-hour window: nobody may answer it freely, so staff get it with the reason.
      const conv = await until(async () => {
        const c = await conversation("27681414235104944", "16315551234");
        return c?.mode === "human" ? c : null;
      });
      expect(conv.escalationReason).toMatch(/^Mensaje recibido con más de 24 h de retraso/);
      expect(await inbound(conv.id)).toEqual([
        expect.objectContaining({
          author: "customer",
          kind: "text",
          body: "Hello this is an answer",
          externalId: "wamid.ABGGFlCGg0cvAgo-sJQh43L5Pe4W",
          sentAt: new Date(1603059201_000),
        }),
      ]);
      expect(await t.db.customer.count({ where: { id: conv.customerId } })).toBe(1);
      expect((await meta("received-text-message.json")).body).toMatchObject({ duplicate: true });
    });

    it("a quick-reply button tap: an interactive message carrying the button's payload", async () => {
      expect((await meta("received-callback-from-a-quick-reply-button-click.json")).status).toBe(200);
      expect((await settled("wamid:wamid.ABGGFlCGg0cvAgo-sHWxBA2VFD_S")).status).toBe("processed");
      const conv = (await conversation("27681414235104944", "16315551234"))!;
      const tap = (await inbound(conv.id)).find((m) => m.externalId === "wamid.ABGGFlCGg0cvAgo-sHWxBA2VFD_S");
      expect(tap).toMatchObject({ kind: "interactive", body: "No" });
      expect(tap?.choices).toEqual({ selected: { id: "No-Button-Payload", title: "No" } });
    });

    it("a status callback ('sent') moves our outbound message's delivery status", async () => {
      const conv = (await conversation("27681414235104944", "16315551234"))!;
      const ours = await t.db.message.create({
        data: {
          conversationId: conv.id,
          direction: "outbound",
          author: "bot",
          kind: "text",
          body: "¿Qué día te va bien?",
          externalId: "wamid.gBGGFlCGg0cvAglAxydbAoy-gwNo", // the id the sample reports on
          deliveryStatus: "pending",
        },
      });
      expect((await meta("message-status-update-notifications.json")).status).toBe(200);
      expect((await settled("wamid:wamid.gBGGFlCGg0cvAglAxydbAoy-gwNo:sent")).status).toBe("processed");
      expect((await t.db.message.findUniqueOrThrow({ where: { id: ours.id } })).deliveryStatus).toBe("sent");
    });

    it("an unsupported message type and an order are stored as what they are", async () => {
      expect((await meta("received-unknown-messages.json")).status).toBe(200);
      expect((await meta("received-order-messages.json")).status).toBe(200);
      await settled("wamid:wamid.ABGGFlA5FpafAgo6tHcNmNjXmuSf");
      await settled("wamid:wamid.ABGGFlCGg0cvAgo6cHbBhfK5760V");
      const unknown = (await conversation("16315551234", "16315555555"))!;
      expect((await inbound(unknown.id)).map((m) => m.body)).toEqual(["[unknown]"]);
      const order = (await conversation("phone-number-id", "16315551234"))!;
      expect((await inbound(order.id)).map((m) => m.body)).toEqual(["[order]"]);
    });

    it("a reaction and a payment status are accepted and ignored (nothing to store)", async () => {
      const before = await t.db.message.count();
      expect((await meta("received-message-with-reaction.json")).status).toBe(200);
      expect((await meta("status-transaction-status-order-details-message.json")).status).toBe(200);
      expect(await settled("wamid:message_id")).toMatchObject({ status: "ignored", lastError: "nothing to do" });
      expect(await settled("wamid:wamid.ID:<captured | failed | pending>")).toMatchObject({ status: "ignored" });
      expect(await t.db.message.count()).toBe(before);
    });

    it("samples whose sender is a placeholder ('<FROM_PHONE_NUMBER>', 'PHONE_NUMBER'): 200, then refused as not a phone number", async () => {
      // Includes the contacts sample, which has no `type` at all (it used to be answered 422).
      const samples = [
        "received-media-message-with-image.json",
        "received-media-message-with-sticker.json",
        "received-contact-messages.json",
        "received-message-triggered-by-click-to-whatsapp-ads.json",
        "received-text-message-with-show-security-notifications.json",
      ];
      const conversations = await t.db.conversation.count();
      for (const name of samples) {
        const res = await meta(name);
        expect(res, name).toEqual({ status: 200, body: { ok: true, duplicate: false } });
      }
      // The product enquiry sample has the ad sample's message id ("wamid.ID"): a duplicate, stored once.
      expect((await meta("received-product-enquiry-message.json")).body).toMatchObject({ duplicate: true });
      await until(async () => (await t.db.webhookEvent.count({ where: { status: "failed" } })) === samples.length);
      const failed = await t.db.webhookEvent.findMany({ where: { status: "failed" } });
      for (const row of failed) expect(row.lastError).toMatch(/is not a phone number in international format$/);
      expect(await t.db.conversation.count()).toBe(conversations);
    });

    it("every published sample that is JSON is accepted; the templates that are not JSON are refused with 400", async () => {
      const files = readdirSync(META);
      const json = files.filter((f) => f.endsWith(".json"));
      const templates = files.filter((f) => f.endsWith(".invalid-json.txt"));
      expect(json.length).toBeGreaterThanOrEqual(13);
      expect(templates.length).toBeGreaterThanOrEqual(8);
      for (const f of json) expect((await meta(f)).status, f).toBe(200); // all redeliveries by now
      const stored = await t.db.webhookEvent.count();
      for (const f of templates) {
        expect(await meta(f), f).toEqual({ status: 400, body: { error: "body is not JSON" } });
      }
      expect(await t.db.webhookEvent.count()).toBe(stored);
    });
  });

  describe("Chatwoot", () => {
    const published = () => raw(CHATWOOT, "docs-webhooks-sample-message_created.jsonc.txt");

    it("the docs' sample as published (JSON with comments) is refused with 400 and not stored", async () => {
      const before = await t.db.webhookEvent.count({ where: { source: "chatwoot" } });
      const res = await deliverChatwoot(cw, published(), { secret: CW_SECRET });
      expect(res).toMatchObject({ status: 400, body: { error: "body is not JSON" } });
      expect(await t.db.webhookEvent.count({ where: { source: "chatwoot" } })).toBe(before);
    });

    it("its content without the comments: a 2020 shape with no conversation id, refused with 422 and not stored", async () => {
      const body = published()
        .replace(/\s\/\/ .*$/gm, "") // the annotations (not the "http://" inside a value)
        .replace(/,(\s*[}\]])/g, "$1"); // and the trailing comma they leave
      const parsed = JSON.parse(body) as { conversation: Record<string, unknown> };
      expect(parsed.conversation).not.toHaveProperty("id"); // only display_id in that version
      const res = await deliverChatwoot(cw, body, { secret: CW_SECRET });
      expect(res).toMatchObject({ status: 422, body: { error: "malformed message_created payload" } });
      expect(await t.db.webhookEvent.count({ where: { source: "chatwoot" } })).toBe(0);
    });
  });
});
