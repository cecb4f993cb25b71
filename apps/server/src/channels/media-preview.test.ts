// What staff see of a customer's photo (chats.media): scaled down, without its EXIF, and only a file
// of that conversation's message inside the media folder — never another chat's, never a path outside.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photoJpeg } from "../agent/testing/photos.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import { isAppError } from "../errors/app-error.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { mediaPreview } from "./media-preview.ts";

let t: TestDatabase;
let dataDir: string;
let conversationId: string;
let otherConversationId: string;

async function messageWith(conversation: string, storedPath: string | null, type = "image") {
  const m = await t.db.message.create({
    data: {
      conversationId: conversation,
      direction: "inbound",
      author: "customer",
      kind: "image",
      deliveryStatus: "received",
      attachments: [{ type, storedPath, mimeType: "image/jpeg" }] as never,
    },
  });
  return m.id;
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return "OK";
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
};

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "cita-media-"));
  await mkdir(join(dataDir, "media"));
  const { customer } = await t.db.$transaction((tx) =>
    upsertCustomerByPhone(tx, t.fc, { phone: "+34600999001", name: "Foto Prueba" }),
  );
  const conv = (externalId: string) =>
    t.db.conversation.create({
      data: { customerId: customer.id, channel: "chatwoot", channelAccount: "1", externalId },
    });
  conversationId = (await conv("media-1")).id;
  otherConversationId = (await conv("media-2")).id;
}, 120_000);

afterAll(async () => {
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("chats.media: a customer's image for the console", () => {
  it("scales a phone photo down to 1024 px and drops its EXIF", async () => {
    const photo = await photoJpeg(4000, 3000);
    expect(photo.includes(Buffer.from("Exif\0\0"))).toBe(true);
    const path = join(dataDir, "media", "photo.jpg");
    await writeFile(path, photo);
    const messageId = await messageWith(conversationId, path);
    const r = await mediaPreview({ db: t.db, dataDir }, { conversationId, messageId, index: 0 });
    expect([r.width, r.height]).toEqual([1024, 768]);
    const bytes = Buffer.from(r.dataUrl.replace(/^data:image\/jpeg;base64,/, ""), "base64");
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(bytes.includes(Buffer.from("Exif\0\0"))).toBe(false);
    expect(bytes.length).toBeLessThan(photo.length / 10);
  });

  it("refuses another chat's message, a path outside the media folder, a missing or damaged file", async () => {
    const inside = join(dataDir, "media", "ok.jpg");
    await writeFile(inside, await photoJpeg(50, 50));
    const elsewhere = await messageWith(otherConversationId, inside);
    expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: elsewhere, index: 0 }))).toBe(
      "NOT_FOUND",
    );
    for (const path of [join(dataDir, "secret.jpg"), join(dataDir, "media", "..", "secret.jpg"), "/etc/passwd"]) {
      await writeFile(join(dataDir, "secret.jpg"), await photoJpeg(50, 50));
      const id = await messageWith(conversationId, path);
      expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: id, index: 0 })), path).toBe(
        "NOT_FOUND",
      );
    }
    const missing = await messageWith(conversationId, join(dataDir, "media", "gone.jpg"));
    expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: missing, index: 0 }))).toBe(
      "NOT_FOUND",
    );
    const notYet = await messageWith(conversationId, null);
    expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: notYet, index: 0 }))).toBe(
      "NOT_FOUND",
    );
    const voice = await messageWith(conversationId, inside, "audio");
    expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: voice, index: 0 }))).toBe(
      "NOT_FOUND",
    );
    const damaged = join(dataDir, "media", "damaged.jpg");
    await writeFile(damaged, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const bad = await messageWith(conversationId, damaged);
    expect(await code(mediaPreview({ db: t.db, dataDir }, { conversationId, messageId: bad, index: 0 }))).toBe(
      "PRECONDITION_FAILED",
    );
  });
});
