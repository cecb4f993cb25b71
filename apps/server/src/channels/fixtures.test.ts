// Every fixture (shapes from integrations.md §1.2 / §2.2, see fixtures/README.md) parses and becomes
// the events the processing relies on.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chatwootEvents, classifyChatwoot, classifyMeta, metaEvents } from "./payloads.ts";

const dir = join(import.meta.dirname, "fixtures");
const load = (name: string) => {
  const raw = readFileSync(join(dir, name));
  return { raw, body: JSON.parse(raw.toString("utf8")) as unknown };
};

describe("webhook fixtures", () => {
  it("every fixture is classified as a valid delivery", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const { raw, body } = load(f);
      const c = f.startsWith("chatwoot") ? classifyChatwoot(body, undefined, raw) : classifyMeta(body, raw);
      expect(c.ok, f).toBe(true);
    }
  });

  it("Chatwoot: incoming message, voice note, echo, private note, status change", () => {
    const m = load("chatwoot-message-created.json");
    expect(classifyChatwoot(m.body, undefined, m.raw)).toEqual({ ok: true, dedupKey: "message:9001", process: true });
    expect(classifyChatwoot(m.body, "5c1f7d0e-3a1b-4c8e-9d1a-2b3c4d5e6f70", m.raw)).toMatchObject({
      dedupKey: "delivery:5c1f7d0e-3a1b-4c8e-9d1a-2b3c4d5e6f70",
    });
    expect(chatwootEvents(m.body)).toEqual([
      {
        type: "message",
        channel: "chatwoot",
        channelAccount: "3",
        externalConversationId: "42",
        phone: "+34600111222",
        profileName: "Ana",
        chatwootStatus: "pending",
        message: {
          externalId: "9001",
          kind: "text",
          body: "Hola, quiero cita el viernes",
          selectedChoiceId: null,
          attachments: [],
          sentAt: new Date("2026-09-01T10:00:00.000Z"),
        },
      },
    ]);
    const voice = chatwootEvents(load("chatwoot-message-created-voice-note.json").body)[0];
    expect(voice).toMatchObject({
      message: {
        kind: "audio",
        body: null,
        attachments: [{ type: "audio", sourceUrl: expect.stringMatching(/^https:/) }],
      },
    });
    for (const [f, reason] of [
      ["chatwoot-message-created-outgoing-echo.json", "message_type outgoing"],
      ["chatwoot-message-created-private-note.json", "private note"],
    ] as const) {
      const x = load(f);
      expect(classifyChatwoot(x.body, undefined, x.raw)).toMatchObject({
        ok: true,
        process: false,
        ignoredReason: reason,
      });
    }
    const s = load("chatwoot-conversation-status-changed.json");
    expect(classifyChatwoot(s.body, undefined, s.raw)).toMatchObject({
      process: true,
      dedupKey: "conversation_status_changed:42:1788261601.12",
    });
    expect(chatwootEvents(s.body)).toEqual([
      {
        type: "conversation_status",
        channel: "chatwoot",
        channelAccount: "3",
        externalConversationId: "42",
        status: "open",
      },
    ]);
  });

  it("Meta: text (escaped non-ASCII), image, voice note, button reply, statuses", () => {
    const text = load("meta-text-message.json");
    expect(text.raw.toString()).toContain("\\u00bf"); // as Meta sends it
    expect(classifyMeta(text.body, text.raw)).toMatchObject({
      ok: true,
      process: true,
      dedupKey: expect.stringMatching(/^wamid:wamid\./),
    });
    expect(metaEvents(text.body)).toEqual([
      expect.objectContaining({
        channel: "whatsapp_cloud",
        channelAccount: "106540352242922",
        externalConversationId: "34600111222",
        phone: "34600111222",
        profileName: "Ana",
        message: expect.objectContaining({
          kind: "text",
          body: "Hola, ¿tenéis hueco el viernes?",
          sentAt: new Date(1788261600_000),
        }),
      }),
    ]);
    expect(metaEvents(load("meta-image-message.json").body)[0]).toMatchObject({
      message: {
        kind: "image",
        body: "Este corte",
        attachments: [{ type: "image", mediaId: "1456273958729834", mimeType: "image/jpeg" }],
      },
    });
    expect(metaEvents(load("meta-voice-note.json").body)[0]).toMatchObject({
      message: { kind: "audio", attachments: [{ type: "audio", mediaId: "3192837465019283" }] },
    });
    expect(metaEvents(load("meta-interactive-button-reply.json").body)[0]).toMatchObject({
      message: { kind: "interactive", body: "Vie 10:00", selectedChoiceId: "slot_123" },
    });
    const failed = load("meta-status-failed.json");
    expect(classifyMeta(failed.body, failed.raw)).toMatchObject({
      dedupKey: "wamid:wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI0NjQ5QjdGQjc0QjE5RjU1OTAA:failed",
    });
    expect(metaEvents(failed.body)).toEqual([
      {
        type: "delivery",
        channel: "whatsapp_cloud",
        channelAccount: "106540352242922",
        externalConversationId: "34600111222",
        externalMessageId: "wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI0NjQ5QjdGQjc0QjE5RjU1OTAA",
        status: "failed",
        reason: expect.stringMatching(
          /^131047 Re-engagement message: Message failed to send because more than 24 hours/,
        ),
      },
    ]);
    expect(metaEvents(load("meta-status-read.json").body)[0]).toMatchObject({ type: "delivery", status: "read" });
  });
});
