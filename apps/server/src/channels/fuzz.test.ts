// Property: whatever JSON (signed correctly, so it gets past the signature check) reaches the webhook
// routes, the answer is 2xx or 4xx, never 5xx, and nothing rejects unhandled — neither the request
// nor the jobs that process what was accepted.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { deliverMeta } from "./fakes/fake-meta.ts";
import { type ChannelsHarness, CW_SECRET, META_SECRET, PHONE_ID, startChannelsHarness } from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  t = await createTestDatabase();
  h = await startChannelsHarness(t);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await h?.stop();
  await t?.drop();
});

const anyJson = fc.jsonValue({ maxDepth: 4 });
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constant("\u0000"), fc.constant("+34600000000"));
const id = fc.oneof(fc.integer(), text, fc.constant(null));

/** Payloads close to Chatwoot's shape, so the fuzz reaches the deeper branches. */
const chatwootish = fc.record(
  {
    event: fc.constantFrom(
      "message_created",
      "message_updated",
      "conversation_status_changed",
      "conversation_updated",
      "x",
    ),
    id,
    content: fc.oneof(text, fc.constant(null)),
    message_type: fc.oneof(fc.constantFrom("incoming", "outgoing", "activity", 0, 1), text),
    private: fc.oneof(fc.boolean(), anyJson),
    status: fc.oneof(fc.constantFrom("open", "pending", "failed", "read"), text),
    created_at: fc.oneof(fc.integer(), text),
    sender: fc.record({ phone_number: fc.oneof(text, fc.constant("+34600111222")), name: text }, { requiredKeys: [] }),
    inbox: fc.record({ id }, { requiredKeys: [] }),
    conversation: fc.oneof(
      anyJson,
      fc.record({ id, inbox_id: id, status: fc.constantFrom("pending", "open"), meta: anyJson }, { requiredKeys: [] }),
    ),
    attachments: fc.oneof(
      anyJson,
      fc.array(fc.record({ file_type: fc.constantFrom("image", "audio"), data_url: text })),
    ),
    changed_attributes: anyJson,
  },
  { requiredKeys: [] },
);

const metaish = fc.record({
  object: fc.oneof(fc.constant("whatsapp_business_account"), text),
  entry: fc.array(
    fc.record({
      id: text,
      changes: fc.array(
        fc.record({
          field: fc.constantFrom("messages", "account_update"),
          value: fc.oneof(
            anyJson,
            fc.record(
              {
                metadata: fc.record({ phone_number_id: fc.oneof(fc.constant(PHONE_ID), text) }),
                contacts: anyJson,
                messages: fc.array(
                  fc.record(
                    {
                      from: fc.oneof(fc.constant("34600111222"), text),
                      id: text,
                      timestamp: fc.oneof(fc.constant("1788261600"), text),
                      type: fc.constantFrom("text", "image", "audio", "interactive", "button", "sticker", "reaction"),
                      text: fc.oneof(anyJson, fc.record({ body: text })),
                      image: anyJson,
                      interactive: anyJson,
                    },
                    { requiredKeys: [] },
                  ),
                  { maxLength: 3 },
                ),
                statuses: fc.array(
                  fc.record({ id: text, status: fc.constantFrom("sent", "failed", "read", "x"), recipient_id: text }),
                  { maxLength: 2 },
                ),
              },
              { requiredKeys: [] },
            ),
          ),
        }),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 3 },
  ),
});

const ok = (s: number) => (s >= 200 && s < 300) || (s >= 400 && s < 500);

describe("webhook fuzz", () => {
  it("Chatwoot route: only 2xx/4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, chatwootish), async (payload) => {
        const r = await deliverChatwoot(`${h.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET });
        expect(ok(r.status), `status ${r.status} for ${JSON.stringify(payload)}`).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("Meta route: only 2xx/4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, metaish), async (payload) => {
        const r = await deliverMeta(`${h.url}/webhooks/whatsapp`, payload, { appSecret: META_SECRET });
        expect(ok(r.status), `status ${r.status} for ${JSON.stringify(payload)}`).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("raw bytes that are not JSON: only 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const r = await fetch(`${h.url}/webhooks/chatwoot`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Buffer.from(bytes),
        });
        expect(ok(r.status)).toBe(true);
        await r.arrayBuffer();
      }),
      { numRuns: 100 },
    );
  });

  it("processing what was accepted neither crashes nor leaves work behind", async () => {
    // Let the jobs run over everything the fuzz got stored.
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const pending = await t.db.webhookEvent.count({ where: { status: { in: ["received", "processing"] } } });
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await t.db.webhookEvent.count({ where: { status: { in: ["received", "processing"] } } })).toBe(0);
    expect(unhandled).toEqual([]);
  }, 40_000);
});
