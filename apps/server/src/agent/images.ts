// Customer images for the model. Claude works best at about 1.15 megapixels and refuses images over
// 5 MB, so every image the customer sends is made to fit with sharp (libvips): turned upright by its
// EXIF orientation, scaled down (aspect kept) to at most MAX_PIXELS, re-encoded, and stripped of its
// metadata — a phone photo's EXIF carries the GPS position of the customer's home. An image that is
// already small enough and carries no metadata is passed as it is (no second lossy encoding).
// Whatever the file holds, imageBlock never throws: a file it cannot use gives a `reason` instead.
import { readFile } from "node:fs/promises";
import type Anthropic from "@anthropic-ai/sdk";
import type { Metadata } from "sharp";

/** sharp (libvips, ~0.1 s to load) at the first image, not at start-up. */
let loaded: Promise<typeof import("sharp")> | null = null;
async function sharpLib() {
  loaded ??= import("sharp");
  return (await loaded).default;
}

export const MAX_PIXELS = 1_150_000;
/** Anthropic's limit per image is 5 MB; staying at 3 MB keeps the base64 form (×4/3) at 4 MB. */
export const MAX_BYTES = 3 * 1024 * 1024;
/** Bigger inputs are refused before decoding (WhatsApp sends images up to 5 MB, documents up to 100). */
const MAX_INPUT_BYTES = 40 * 1024 * 1024;
/** Decompression bombs: a tiny file claiming gigapixels is refused from its header. */
const MAX_INPUT_PIXELS = 100_000_000;

type MediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";
const PASS_THROUGH: Record<string, MediaType> = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};
/** Formats sharp's prebuilt libvips decodes that a phone may send; others (SVG, PDF…) are refused. */
const DECODABLE = new Set(["jpeg", "png", "gif", "webp", "heif", "avif", "tiff"]);

export interface ImageResult {
  block: Anthropic.Messages.ImageBlockParam | null;
  /** Why there is no block: file_missing, unsupported_format, unreadable_image…; null with a block. */
  reason: string | null;
}

function block(mediaType: MediaType, data: Buffer): ImageResult {
  return {
    block: { type: "image", source: { type: "base64", media_type: mediaType, data: data.toString("base64") } },
    reason: null,
  };
}

/** Width and height after EXIF orientation, scaled so that width × height ≤ MAX_PIXELS. */
export function fitWithin(width: number, height: number, maxPixels = MAX_PIXELS): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  const w = Math.max(1, Math.min(Math.floor(width * scale), maxPixels));
  const h = Math.max(1, Math.min(Math.floor(height * scale), Math.floor(maxPixels / w)));
  return { width: w, height: h };
}

async function encode(
  input: Buffer,
  size: { width: number; height: number },
  format: "jpeg" | "png" | "webp",
  quality: number,
): Promise<Buffer> {
  const sharp = await sharpLib();
  const img = sharp(input, { autoOrient: true, limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" }).resize({
    width: size.width,
    height: size.height,
    fit: "inside",
    withoutEnlargement: true,
  });
  // No withMetadata()/keepExif(): sharp writes no EXIF, XMP, IPTC or ICC chunks (pixels are sRGB).
  if (format === "jpeg") return img.flatten({ background: "#ffffff" }).jpeg({ quality, mozjpeg: false }).toBuffer();
  if (format === "webp") return img.webp({ quality }).toBuffer();
  return img.png({ compressionLevel: 6, palette: false }).toBuffer();
}

const MEDIA: Record<"jpeg" | "png" | "webp", MediaType> = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

/** The image at `path` as a Claude image block, downscaled and stripped as needed. Never throws. */
export async function imageBlock(path: string, _mimeType: string | null): Promise<ImageResult> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return { block: null, reason: "file_missing" };
  }
  if (buf.length > MAX_INPUT_BYTES) return { block: null, reason: `file_too_big_${buf.length}_bytes` };
  let sharp: Awaited<ReturnType<typeof sharpLib>>;
  try {
    sharp = await sharpLib();
  } catch (e) {
    return { block: null, reason: unreadable(e) };
  }
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (e) {
    return { block: null, reason: unreadable(e) };
  }
  if (!DECODABLE.has(meta.format)) return { block: null, reason: `unsupported_format_${meta.format}` };
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) return { block: null, reason: "unreadable_image_no_size" };
  if (width * height > MAX_INPUT_PIXELS) return { block: null, reason: `too_many_pixels_${width}x${height}` };

  const passType = PASS_THROUGH[meta.format];
  const hasMetadata = !!(meta.exif || meta.xmp || meta.iptc) || (meta.orientation ?? 1) > 1;
  const animated = (meta.pages ?? 1) > 1;
  if (passType && !hasMetadata && !animated && width * height <= MAX_PIXELS && buf.length <= MAX_BYTES) {
    // Already fits and says nothing about the customer: the original bytes, no second encoding, once
    // the pixels are known to decode (a broken file would make the model's API refuse the turn).
    try {
      await sharp(buf, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" }).raw().toBuffer();
    } catch (e) {
      return { block: null, reason: unreadable(e) };
    }
    return block(passType, buf);
  }

  const size = fitWithin(width, height);
  const plan = encodings(meta.format, meta.hasAlpha);
  try {
    for (const [format, quality] of plan) {
      const out = await encode(buf, size, format, quality);
      if (out.length <= MAX_BYTES) return block(MEDIA[format], out);
    }
  } catch (e) {
    return { block: null, reason: unreadable(e) };
  }
  return { block: null, reason: `too_large_after_resize_${size.width}x${size.height}` };
}

type Encoding = ["jpeg" | "png" | "webp", number];

/**
 * Encodings to try, in order, until one fits MAX_BYTES: JPEG and WebP photos stay in their format
 * (lower quality if needed); lossless sources (PNG, GIF) stay PNG while it fits, else become WebP
 * (keeps transparency) or JPEG; anything else (HEIF, AVIF, TIFF) becomes JPEG, or WebP with alpha.
 */
function encodings(format: string, hasAlpha: boolean): Encoding[] {
  const lossy: Encoding[] = hasAlpha
    ? [
        ["webp", 85],
        ["webp", 60],
      ]
    : [
        ["jpeg", 85],
        ["jpeg", 60],
      ];
  if (format === "jpeg")
    return [
      ["jpeg", 85],
      ["jpeg", 70],
      ["jpeg", 55],
    ];
  if (format === "webp")
    return [
      ["webp", 85],
      ["webp", 70],
      ["webp", 55],
    ];
  if (format === "png" || format === "gif") return [["png", 0], ...lossy];
  return lossy;
}

/** A short, log-safe reason from sharp's error ("Input buffer contains unsupported image format"…). */
function unreadable(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unsupported image format/i.test(msg)) return "unsupported_format";
  if (/pixel limit/i.test(msg)) return "too_many_pixels";
  return `unreadable_image: ${msg.split("\n")[0]!.slice(0, 120)}`;
}
