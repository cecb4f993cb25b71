// Customer images for the model. Claude works best at about 1.15 megapixels; resizing needs an
// image library with native code, which this project does not ship, so images already under the
// limit are passed through as they are and larger ones are not sent (the model is told why).
import { readFile } from "node:fs/promises";
import type Anthropic from "@anthropic-ai/sdk";

export const MAX_PIXELS = 1_150_000;
const MAX_BYTES = 5 * 1024 * 1024;

type MediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

/** Media type and pixel size from the file's own header (PNG, JPEG, GIF, WebP). */
export function imageInfo(buf: Buffer): { mediaType: MediaType; width: number; height: number } | null {
  if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47) {
    return { mediaType: "image/png", width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length > 10 && buf.toString("ascii", 0, 3) === "GIF") {
    return { mediaType: "image/gif", width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
  }
  if (buf.length > 30 && buf.toString("ascii", 0, 4) === "RIFF" && buf.toString("ascii", 8, 12) === "WEBP") {
    const kind = buf.toString("ascii", 12, 16);
    if (kind === "VP8X")
      return { mediaType: "image/webp", width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
    if (kind === "VP8L") {
      const b = buf.readUInt32LE(21);
      return { mediaType: "image/webp", width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
    }
    return { mediaType: "image/webp", width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  }
  if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) return null;
      const marker = buf[i + 1]!;
      const len = buf.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { mediaType: "image/jpeg", height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
      }
      i += 2 + len;
    }
  }
  return null;
}

export async function imageBlock(
  path: string,
  _mimeType: string | null,
): Promise<{ block: Anthropic.Messages.ImageBlockParam | null; reason: string | null }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return { block: null, reason: "file_missing" };
  }
  const info = imageInfo(buf);
  if (!info) return { block: null, reason: "unsupported_format" };
  if (info.width * info.height > MAX_PIXELS || buf.length > MAX_BYTES) {
    return { block: null, reason: `too_large_${info.width}x${info.height}_no_resizer` };
  }
  return {
    block: { type: "image", source: { type: "base64", media_type: info.mediaType, data: buf.toString("base64") } },
    reason: null,
  };
}
