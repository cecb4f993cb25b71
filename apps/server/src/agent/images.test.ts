// Customer images on their way to the model: real files written by sharp (a 12-megapixel phone photo
// with GPS in its EXIF, a rotated portrait, PNGs with and without alpha) and broken ones, through
// imageBlock, checked by decoding what the block carries.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitWithin, imageBlock, MAX_PIXELS } from "./images.ts";
import { png } from "./testing/media.ts";
import { photoJpeg, photoPixels } from "./testing/photos.ts";

/** Anthropic refuses an image whose base64 data is over 5 MB. */
const API_LIMIT = 5 * 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cita-images-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

/** The block's image, decoded again. */
async function decoded(r: Awaited<ReturnType<typeof imageBlock>>) {
  expect(r.reason).toBeNull();
  expect(r.block).not.toBeNull();
  const src = r.block!.source as { type: "base64"; media_type: string; data: string };
  const bytes = Buffer.from(src.data, "base64");
  return { mediaType: src.media_type, base64Length: src.data.length, bytes, meta: await sharp(bytes).metadata() };
}

describe("imageBlock", () => {
  it("a 4000×3000 phone JPEG with GPS reaches the model at ≤ 1.15 MP, aspect kept, under the size limit, no EXIF", async () => {
    const original = await photoJpeg(4000, 3000);
    const inMeta = await sharp(original).metadata();
    expect(inMeta.exif?.toString("latin1")).toContain("CitaPhone"); // the test photo does carry EXIF
    expect(original.length).toBeGreaterThan(API_LIMIT); // over both of the API's limits as it is
    const path = await write("photo.jpg", original);

    const t0 = performance.now();
    const r = await imageBlock(path, "image/jpeg");
    const ms = performance.now() - t0;

    const out = await decoded(r);
    expect(out.mediaType).toBe("image/jpeg");
    expect(out.meta.format).toBe("jpeg");
    expect(out.meta.width! * out.meta.height!).toBeLessThanOrEqual(MAX_PIXELS);
    expect(out.meta.width! * out.meta.height!).toBeGreaterThan(MAX_PIXELS * 0.99); // as large as allowed
    expect(out.meta.width! / out.meta.height!).toBeCloseTo(4 / 3, 2);
    expect(out.base64Length).toBeLessThan(API_LIMIT);
    expect(out.meta.exif).toBeUndefined();
    expect(out.meta.xmp).toBeUndefined();
    expect(out.meta.iptc).toBeUndefined();
    expect(out.bytes.includes(Buffer.from("CitaPhone"))).toBe(false);
    console.log(
      `[images] 4000×3000 JPEG ${original.length} bytes → ${out.meta.width}×${out.meta.height} ${out.bytes.length} bytes ` +
        `(base64 ${out.base64Length}) in ${ms.toFixed(0)} ms`,
    );
  }, 60_000);

  it("a photo taken sideways (EXIF orientation 6) arrives upright", async () => {
    // Stored 1600×1200 landscape, to be shown rotated 90°: a 1200×1600 portrait.
    const stored = await photoJpeg(1600, 1200, { exif: false, orientation: 6, quality: 85 });
    const out = await decoded(await imageBlock(await write("sideways.jpg", stored), "image/jpeg"));
    expect(out.meta.height!).toBeGreaterThan(out.meta.width!);
    expect(out.meta.width! / out.meta.height!).toBeCloseTo(3 / 4, 2);
    expect(out.meta.width! * out.meta.height!).toBeLessThanOrEqual(MAX_PIXELS);
    expect(out.meta.orientation ?? 1).toBe(1);
    expect(out.meta.exif).toBeUndefined();
  });

  it("a small image without metadata is passed byte for byte", async () => {
    const small = png(32, 24);
    const out = await decoded(await imageBlock(await write("small.png", small), "image/png"));
    expect(out.mediaType).toBe("image/png");
    expect(out.bytes.equals(small)).toBe(true);
  });

  it("a small JPEG with GPS is re-encoded at its size without the EXIF", async () => {
    const withGps = await photoJpeg(640, 480, { quality: 85 });
    const out = await decoded(await imageBlock(await write("small-gps.jpg", withGps), "image/jpeg"));
    expect([out.meta.width, out.meta.height]).toEqual([640, 480]);
    expect(out.meta.exif).toBeUndefined();
    expect(out.bytes.includes(Buffer.from("CitaPhone"))).toBe(false);
  });

  it("a large PNG with transparency stays lossless with its alpha; a noisy one too big as PNG becomes JPEG", async () => {
    const logo = await sharp({
      create: { width: 2400, height: 1800, channels: 4, background: { r: 200, g: 30, b: 90, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const a = await decoded(await imageBlock(await write("logo.png", logo), "image/png"));
    expect(a.mediaType).toBe("image/png");
    expect(a.meta.hasAlpha).toBe(true);
    expect(a.meta.width! * a.meta.height!).toBeLessThanOrEqual(MAX_PIXELS);
    expect(a.meta.width! / a.meta.height!).toBeCloseTo(4 / 3, 2);

    // Pure noise does not compress: 1.13 MP of it as PNG is over the byte budget, so JPEG it is.
    const noise = await sharp(randomBytes(1260 * 900 * 3), { raw: { width: 1260, height: 900, channels: 3 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(3.2 * 1024 * 1024);
    const b = await decoded(await imageBlock(await write("noise.png", noise), "image/png"));
    expect(b.mediaType).toBe("image/jpeg");
    expect(b.meta.width! * b.meta.height!).toBeLessThanOrEqual(MAX_PIXELS);
    expect(b.base64Length).toBeLessThan(API_LIMIT);
  });

  it("a WebP sticker over the limit stays WebP", async () => {
    const webp = await sharp(await photoPixels(1500, 1500), { raw: { width: 1500, height: 1500, channels: 3 } })
      .webp({ quality: 80 })
      .toBuffer();
    const out = await decoded(await imageBlock(await write("sticker.webp", webp), "image/webp"));
    expect(out.mediaType).toBe("image/webp");
    expect([out.meta.width, out.meta.height]).toEqual([1072, 1072]);
  });

  it("broken, missing and foreign files give a reason and never throw", async () => {
    const photo = await photoJpeg(800, 600, { exif: false, quality: 85 });
    const cut = await imageBlock(await write("cut.jpg", photo.subarray(0, Math.floor(photo.length / 2))), "image/jpeg");
    expect(cut.block).toBeNull();
    expect(cut.reason).toMatch(/^unreadable_image/);

    const garbage = await imageBlock(await write("garbage.jpg", Buffer.alloc(5000, 0x5a)), "image/jpeg");
    expect(garbage).toEqual({ block: null, reason: "unsupported_format" });

    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect(await imageBlock(await write("x.svg", svg), "image/svg+xml")).toEqual({
      block: null,
      reason: "unsupported_format_svg",
    });

    expect(await imageBlock(join(dir, "gone.jpg"), "image/jpeg")).toEqual({ block: null, reason: "file_missing" });
  });

  it("fitWithin keeps the aspect ratio and never exceeds the pixel budget", () => {
    for (const [w, h] of [
      [4000, 3000],
      [3000, 4000],
      [12000, 100],
      [100, 40_000],
      [1072, 1073],
      [640, 480],
    ] as const) {
      const f = fitWithin(w, h);
      expect(f.width * f.height).toBeLessThanOrEqual(MAX_PIXELS);
      if (w * h <= MAX_PIXELS) expect(f).toEqual({ width: w, height: h });
      else expect(Math.abs(f.width / f.height - w / h) / (w / h)).toBeLessThan(0.01 + 1 / Math.min(f.width, f.height));
    }
    // A one-pixel-wide strip cannot keep its shape; it still fits.
    const strip = fitWithin(1, 5_000_000);
    expect(strip.width * strip.height).toBeLessThanOrEqual(MAX_PIXELS);
  });
});
