// A customer's image as the console shows it: read from the server's media folder (where
// channels/media.ts stored it), scaled down with sharp to at most 1024 px a side, metadata removed,
// and returned inline to staff who may read the chat (chats.media). Only a file of this
// conversation's message, inside the media folder, is ever read.
import { readFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { AttachmentRef } from "./payloads.ts";

const MAX_SIDE = 1024;

export async function mediaPreview(
  deps: { db: Db; dataDir: string },
  q: { conversationId: string; messageId: string; index: number },
): Promise<{ mimeType: string; dataUrl: string; width: number; height: number }> {
  const message = await deps.db.message.findFirst({
    where: { id: q.messageId, conversationId: q.conversationId },
    select: { attachments: true },
  });
  const a = ((message?.attachments as AttachmentRef[] | null) ?? [])[q.index];
  if (a?.type !== "image") throw new AppError("NOT_FOUND", "No such image in this conversation");
  if (!a.storedPath) throw new AppError("NOT_FOUND", "The image has not been downloaded yet");
  const dir = resolve(join(deps.dataDir, "media"));
  const path = resolve(a.storedPath);
  if (!path.startsWith(dir + sep)) throw new AppError("NOT_FOUND", "No such image in this conversation");
  let input: Buffer;
  try {
    input = await readFile(path);
  } catch {
    throw new AppError("NOT_FOUND", "The image file is no longer on the server");
  }
  try {
    // Loaded at the first preview, not at start-up (libvips: ~0.1 s).
    const { default: sharp } = await import("sharp");
    const { data, info } = await sharp(input, { limitInputPixels: 100_000_000 })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: "inside", withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    return {
      mimeType: "image/jpeg",
      dataUrl: `data:image/jpeg;base64,${data.toString("base64")}`,
      width: info.width,
      height: info.height,
    };
  } catch {
    throw new AppError("PRECONDITION_FAILED", "The image cannot be read (damaged or not an image)");
  }
}
