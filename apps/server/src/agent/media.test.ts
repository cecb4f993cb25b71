// Real media through the booking agent: voice notes transcribed by the OpenAiTranscriber against the
// local fake of /v1/audio/transcriptions (and answered like text, or the customer asked kindly to
// write when the service fails), and a 12-megapixel phone photo reaching the fake Anthropic Messages
// API as an image block under the limits. Guided mode and Claude mode on the seeded salon.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Anthropic from "@anthropic-ai/sdk";
import pino from "pino";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BookingAgent } from "./agent.ts";
import { FakeAnthropic, lastUserText, say } from "./fakes/fake-anthropic.ts";
import { FakeTranscription } from "./fakes/fake-transcription.ts";
import { MAX_PIXELS } from "./images.ts";
import { dayLabel, dayPhrase, salonDay, salonToday } from "./testing/calendar.ts";
import { type AgentWorld, createAgentWorld, createRealAgentWorld } from "./testing/harness.ts";
import { storedVoice } from "./testing/media.ts";
import { photoJpeg } from "./testing/photos.ts";
import { OpenAiTranscriber } from "./transcriber.ts";

const KEY = "sk-transcribe-secret-0123456789";
let w: AgentWorld;
let speech: FakeTranscription;
let anthropic: FakeAnthropic;
let anthropicUrl: string;
let dir: string;
let phone = 34657000100;
const nextPhone = () => `+${phone++}`;
/** What the agent logged (pino JSON lines), to check the key never appears. */
const logged: string[] = [];
const log = pino(
  { level: "warn" },
  new Writable({
    write(chunk, _enc, done) {
      logged.push(String(chunk));
      done();
    },
  }),
);

beforeAll(async () => {
  speech = new FakeTranscription(KEY);
  await speech.start();
  anthropic = new FakeAnthropic();
  anthropicUrl = await anthropic.start();
  w = await createAgentWorld();
  dir = await mkdtemp(join(tmpdir(), "cita-media-"));
}, 120_000);
afterAll(async () => {
  await speech?.stop();
  await anthropic?.stop();
  await w?.drop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  anthropic.failures.length = 0;
});

const transcriber = (timeoutMs = 2000) => new OpenAiTranscriber({ baseUrl: speech.url, apiKey: KEY, timeoutMs });
const guided = (): BookingAgent => w.makeAgent({ transcriber: transcriber(), log });
const claude = (): BookingAgent =>
  w.makeAgent({
    transcriber: transcriber(),
    log,
    claude: {
      client: new Anthropic({ apiKey: "test-key", baseURL: anthropicUrl, maxRetries: 0, timeout: 10_000 }),
      model: "claude-sonnet-4-6",
    },
  });

/** "Quiero corte hombre el jueves por la tarde", for a day of the coming week with free afternoon men's cuts. */
const afternoonCut = async () => {
  const cut = await w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug: "corte-hombre" } });
  const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: null }], window: [14 * 60, 24 * 60] });
  return { date, text: `Quiero corte hombre ${dayPhrase(date, await salonToday(w))} por la tarde` };
};

describe("voice notes through the OpenAI-compatible transcriber (guided mode)", () => {
  it("a voice note is transcribed through the fake endpoint and answered like the same text", async () => {
    const want = await afternoonCut();
    const voice = await storedVoice(dir, "cut.ogg");
    speech.said.set("cut.ogg", want.text);
    const chat = await w.chat(nextPhone());
    const before = speech.requests.length;
    await chat.say(null, { kind: "audio", attachments: [voice] }, guided());

    expect(speech.requests.length).toBe(before + 1);
    const req = speech.requests.at(-1)!;
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.fields.model).toBe("whisper-1");
    expect(req.file!.bytes.equals(await readFile(voice.storedPath))).toBe(true);
    // Answered as the written request is: the free afternoon slots of that day.
    expect(chat.told).toMatch(/huecos libres/);
    expect(chat.choices.length).toBeGreaterThan(0);
    expect(chat.choices.every((c) => c.title.startsWith(dayLabel(want.date)))).toBe(true);
    const [m] = await w.db.message.findMany({ where: { conversationId: chat.conversationId, direction: "inbound" } });
    expect(m!.turnId).not.toBeNull();
  });

  it("an English voice note is answered in English", async () => {
    const voice = await storedVoice(dir, "hours.ogg");
    speech.said.set("hours.ogg", "Hi! What are your opening hours, please?");
    const chat = await w.chat(nextPhone()); // a customer on file as Spanish-speaking
    await chat.say(null, { kind: "audio", attachments: [voice] }, guided());
    expect(chat.told).toMatch(/open|hours/i);
    expect(chat.told).not.toMatch(/horario|abrimos/i);
  });

  it("the service failing (500, timeout, wrong key) → the customer is asked kindly to write; the turn completes; no key in the log", async () => {
    const faults = [
      { status: 500 },
      { timeout: true as const },
      { status: 401, message: `Incorrect API key provided: ${KEY}` },
    ];
    for (const [i, fault] of faults.entries()) {
      speech.fail(fault);
      const chat = await w.chat(nextPhone());
      const agent = w.makeAgent({ transcriber: transcriber(500), log });
      const voice = await storedVoice(dir, `failing-${i}.ogg`);
      await chat.say(null, { kind: "audio", attachments: [voice] }, agent);
      expect(chat.told).toMatch(/no puedo escuchar notas de voz.*¿Me lo escribes, por favor\?/s);
      const turns = await w.db.agentTurn.findMany({ where: { conversationId: chat.conversationId } });
      expect(turns.map((t) => t.status)).toEqual(["completed"]);
      // The customer writes it instead: the conversation carries on.
      await chat.say("¿Qué horario tenéis?", {}, agent);
      expect(chat.told).toMatch(/horario|abrimos/i);
    }
    const warnings = logged.filter((l) => l.includes("voice note not transcribed"));
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.join("\n")).toMatch(/server_error 500/);
    expect(warnings.join("\n")).toMatch(/timeout/);
    expect(warnings.join("\n")).toMatch(/unauthorized 401/);
    expect(logged.join("\n")).not.toContain(KEY);
  });

  it("a voice note that cannot be heard next to written text: said so, and the text is answered", async () => {
    speech.fail({ status: 503 });
    const chat = await w.chat(nextPhone());
    const voice = await storedVoice(dir, "with-text.ogg");
    await chat.say("¿Qué horario tenéis?", { kind: "audio", attachments: [voice] }, guided());
    expect(chat.told).toMatch(/No he podido escuchar tu audio/);
    expect(chat.told).toMatch(/horario|abrimos/i);
  });
});

describe("Claude mode: what the model receives (fake Messages API)", () => {
  it("a 4000×3000 JPEG from the customer reaches the model as one image block under the limits, without EXIF", async () => {
    const photo = await photoJpeg(4000, 3000);
    const path = join(dir, "balayage.jpg");
    await writeFile(path, photo);
    anthropic.load([say("¡Qué bonito! ¿Quieres que te busque hueco para un balayage como ese?")]);
    const chat = await w.chat(nextPhone());
    const before = anthropic.requests.length;
    await chat.say(
      "¿Cuánto cuesta un balayage como este?",
      { kind: "image", attachments: [{ type: "image", mimeType: "image/jpeg", storedPath: path }] },
      claude(),
    );
    expect(anthropic.failures).toEqual([]);
    expect(anthropic.requests.length).toBe(before + 1);
    expect(chat.told).toMatch(/balayage como ese/);

    const body = anthropic.requests.at(-1)!.body as {
      messages: {
        role: string;
        content: string | { type: string; source?: Record<string, string>; text?: string }[];
      }[];
    };
    const user = body.messages.at(-1)!;
    expect(user.role).toBe("user");
    const blocks = user.content as { type: string; source?: Record<string, string>; text?: string }[];
    const images = blocks.filter((b) => b.type === "image");
    expect(images).toHaveLength(1);
    expect(blocks.some((b) => b.type === "text" && /image_not_viewable/.test(b.text ?? ""))).toBe(false);
    const src = images[0]!.source!;
    expect(src.type).toBe("base64");
    expect(src.media_type).toBe("image/jpeg");
    expect(src.data!.length).toBeLessThan(5 * 1024 * 1024);
    const meta = await sharp(Buffer.from(src.data!, "base64")).metadata();
    expect(meta.width! * meta.height!).toBeLessThanOrEqual(MAX_PIXELS);
    expect(meta.width! / meta.height!).toBeCloseTo(4 / 3, 2);
    expect(meta.exif).toBeUndefined();
    console.log(
      `[media] photo ${photo.length} bytes → image block ${meta.width}×${meta.height}, base64 ${src.data!.length} chars`,
    );
  }, 60_000);

  it("a corrupt image is described to the model instead of failing the turn", async () => {
    const path = join(dir, "broken.jpg");
    await writeFile(path, (await photoJpeg(600, 400, { exif: false })).subarray(0, 3000));
    anthropic.load([
      {
        ...say("No he podido ver bien la foto, ¿me la reenvías?"),
        expectUserText: "image_not_viewable:unreadable_image",
      },
    ]);
    const chat = await w.chat(nextPhone());
    await chat.say(
      "Mira esta foto",
      { kind: "image", attachments: [{ type: "image", mimeType: "image/jpeg", storedPath: path }] },
      claude(),
    );
    expect(anthropic.failures).toEqual([]);
    expect(chat.told).toMatch(/reenvías/);
  });

  it("a voice note reaches the model as the customer's text", async () => {
    const voice = await storedVoice(dir, "claude.ogg");
    speech.said.set("claude.ogg", "¿Tenéis hueco para un corte mañana?");
    anthropic.load([{ ...say("Claro, déjame mirar."), expectUserText: "^¿Tenéis hueco para un corte mañana\\?$" }]);
    const chat = await w.chat(nextPhone());
    await chat.say(null, { kind: "audio", attachments: [voice] }, claude());
    expect(anthropic.failures).toEqual([]);
    expect(lastUserText(anthropic.requests.at(-1)!.body)).toBe("¿Tenéis hueco para un corte mañana?");
    expect(chat.told).toMatch(/déjame mirar/);
  });
});

describe("through the real path: signed Chatwoot webhook → media download → queue → agent → outbox", () => {
  let real: AgentWorld;
  beforeAll(async () => {
    real = await createRealAgentWorld();
  }, 120_000);
  afterAll(async () => {
    await real?.drop();
  });

  it("a voice note the channels downloaded is transcribed through the fake endpoint and answered like text", async () => {
    const cut = await real.db.service.findFirstOrThrow({
      where: { locationId: real.locationId, slug: "corte-hombre" },
    });
    const { date } = await salonDay(real, {
      items: [{ serviceId: cut.id, staffId: null }],
      window: [14 * 60, 24 * 60],
    });
    speech.text = `Quiero corte hombre ${dayPhrase(date, await salonToday(real))} por la tarde`;
    const voice = await storedVoice(dir, "real.ogg");
    const chat = await real.chat("+34657900100");
    const before = speech.requests.length;
    await chat.say(null, { kind: "audio", attachments: [voice] }, real.makeAgent({ transcriber: transcriber(), log }));

    expect(speech.requests.length).toBe(before + 1);
    // The bytes the channels downloaded from Chatwoot, sent on to the speech-to-text service.
    expect(speech.requests.at(-1)!.file!.bytes.equals(await readFile(voice.storedPath))).toBe(true);
    expect(chat.told).toMatch(/huecos libres/);
    expect(chat.choices.length).toBeGreaterThan(0);
    expect(chat.choices.every((c) => c.title.startsWith(dayLabel(date)))).toBe(true);
  }, 60_000);
});
