// Media files as the channels' media fetch stores them: a real (tiny) PNG and a voice note, plus a
// transcriber standing in for the speech-to-text service.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Transcriber } from "../agent.ts";

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid width×height RGB PNG of one colour. */
export function png(width: number, height: number, rgb: [number, number, number] = [150, 60, 40]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export async function mediaDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "cita-agent-media-"));
}

export async function storedImage(dir: string, name = "colour.png") {
  const path = join(dir, name);
  await writeFile(path, png(32, 24));
  return { type: "image", mimeType: "image/png", storedPath: path };
}

export async function storedVoice(dir: string, name = "note.ogg") {
  const path = join(dir, name);
  // An Ogg page header and some bytes: the agent never decodes audio itself.
  await writeFile(path, Buffer.concat([Buffer.from("OggS", "ascii"), Buffer.alloc(200, 7)]));
  return { type: "audio", mimeType: "audio/ogg; codecs=opus", storedPath: path };
}

/** The speech-to-text service: answers with the text registered for the file, records each call. */
export class RecordingTranscriber implements Transcriber {
  calls: string[] = [];
  constructor(private readonly said: string) {}
  async transcribe(audio: { path: string; mimeType: string | null }): Promise<string> {
    this.calls.push(audio.path);
    return this.said;
  }
}
