// The OpenAI-compatible transcriber against the local fake of /v1/audio/transcriptions: what goes
// over the wire (multipart fields, the file's bytes and name, the bearer key), what comes back, and
// every way the service can fail, each a TranscriptionError that never shows the key.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../config/env.ts";
import { FakeTranscription } from "./fakes/fake-transcription.ts";
import { storedVoice } from "./testing/media.ts";
import { OpenAiTranscriber, TranscriptionError, transcriptionsUrl, uploadName } from "./transcriber.ts";
import { transcriberFromConfig } from "./wire.ts";

const KEY = "sk-test-0123456789abcdef";
let fake: FakeTranscription;
let open: FakeTranscription;
let dir: string;
let voice: { storedPath: string; mimeType: string };

beforeAll(async () => {
  fake = new FakeTranscription(KEY);
  await fake.start();
  open = new FakeTranscription(null); // a self-hosted server without a key
  await open.start();
  dir = await mkdtemp(join(tmpdir(), "cita-transcriber-"));
  voice = await storedVoice(dir, "note.ogg");
});
afterAll(async () => {
  await fake?.stop();
  await open?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.text = "hola";
});

const failure = async (p: Promise<unknown>): Promise<TranscriptionError> => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TranscriptionError);
  return e as TranscriptionError;
};

describe("OpenAiTranscriber", () => {
  it("posts the note as multipart/form-data with the model and the key, and returns the text", async () => {
    fake.text = "  Quiero un corte de pelo el jueves por la tarde \n";
    const t = new OpenAiTranscriber({ baseUrl: fake.url, apiKey: KEY, model: "whisper-large-v3-turbo" });
    const said = await t.transcribe({ path: voice.storedPath, mimeType: voice.mimeType });
    expect(said).toBe("Quiero un corte de pelo el jueves por la tarde");

    const req = fake.requests.at(-1)!;
    expect(req.path).toBe("/v1/audio/transcriptions");
    expect(req.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.fields).toEqual({ model: "whisper-large-v3-turbo", response_format: "json" });
    expect(req.file!.name).toBe("note.ogg");
    expect(req.file!.type).toBe("audio/ogg"); // the codecs parameter is not part of the part's type
    expect(req.file!.bytes.equals(await readFile(voice.storedPath))).toBe(true);
  });

  it("sends the language hint when configured, and whisper-1 by default", async () => {
    const t = new OpenAiTranscriber({ baseUrl: `${fake.url}/v1/`, apiKey: KEY, language: "es" });
    await t.transcribe({ path: voice.storedPath, mimeType: voice.mimeType });
    expect(fake.requests.at(-1)!.fields).toEqual({ model: "whisper-1", language: "es", response_format: "json" });
  });

  it("a self-hosted server without a key gets no Authorization header", async () => {
    open.text = "hello there";
    const t = new OpenAiTranscriber({ baseUrl: open.url });
    expect(await t.transcribe({ path: voice.storedPath, mimeType: null })).toBe("hello there");
    expect(open.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("a stored file without a known extension is sent under a name the service recognises", async () => {
    const path = join(dir, "media-123");
    await writeFile(path, Buffer.from("ID3fake-mp3"));
    const t = new OpenAiTranscriber({ baseUrl: fake.url, apiKey: KEY });
    fake.said.set("media-123.mp3", "I'd like a trim");
    expect(await t.transcribe({ path, mimeType: "audio/mpeg" })).toBe("I'd like a trim");
    expect(fake.requests.at(-1)!.file!.name).toBe("media-123.mp3");
    expect(uploadName("/x/abc.bin", "audio/ogg; codecs=opus")).toBe("abc.ogg");
    expect(uploadName("/x/abc", null)).toBe("abc.ogg");
    expect(uploadName("/x/voice.m4a", "audio/ogg")).toBe("voice.m4a");
    expect(transcriptionsUrl("https://api.groq.com/openai")).toBe(
      "https://api.groq.com/openai/v1/audio/transcriptions",
    );
    expect(transcriptionsUrl("https://api.openai.com/v1/")).toBe("https://api.openai.com/v1/audio/transcriptions");
  });

  it("a wrong key is 'unauthorized' and the error does not show the key", async () => {
    const wrong = "sk-wrong-key-abcdef123456";
    const t = new OpenAiTranscriber({ baseUrl: fake.url, apiKey: wrong });
    const e = await failure(t.transcribe({ path: voice.storedPath, mimeType: voice.mimeType }));
    expect(e.kind).toBe("unauthorized");
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/Incorrect API key provided/);
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain("abcdef123456");

    const none = new OpenAiTranscriber({ baseUrl: fake.url });
    expect((await failure(none.transcribe({ path: voice.storedPath, mimeType: null }))).kind).toBe("unauthorized");
  });

  it("server errors, rate limits, bad answers, silence and timeouts are each named", async () => {
    const t = new OpenAiTranscriber({ baseUrl: fake.url, apiKey: KEY, timeoutMs: 400 });
    const go = () => failure(t.transcribe({ path: voice.storedPath, mimeType: voice.mimeType }));

    fake.fail({ status: 500, message: "The server had an error while processing your request." });
    let e = await go();
    expect([e.kind, e.status]).toEqual(["server_error", 500]);
    expect(e.message).toMatch(/The server had an error/);

    fake.fail({ status: 429, message: "Rate limit reached", type: "rate_limit_error" });
    expect((await go()).kind).toBe("rate_limited");

    fake.fail({ status: 400, message: "Audio file is too short" });
    expect((await go()).kind).toBe("rejected");

    fake.fail({ notJson: true });
    expect((await go()).kind).toBe("bad_response");

    fake.fail({ text: "   " });
    expect((await go()).kind).toBe("empty");

    fake.fail({ timeout: true });
    const t0 = Date.now();
    e = await go();
    expect(e.kind).toBe("timeout");
    expect(Date.now() - t0).toBeLessThan(3000);

    // After the faults, the service answers again.
    expect(await t.transcribe({ path: voice.storedPath, mimeType: voice.mimeType })).toBe("hola");
  });

  it("an unreachable server, a missing file and a file over the limit fail before or without an answer", async () => {
    const gone = new FakeTranscription(null);
    const url = await gone.start();
    await gone.stop();
    const down = new OpenAiTranscriber({ baseUrl: url, timeoutMs: 2000 });
    const e = await failure(down.transcribe({ path: voice.storedPath, mimeType: null }));
    expect(e.kind).toBe("network");
    expect(e.message).toMatch(/ECONNREFUSED/);

    const t = new OpenAiTranscriber({ baseUrl: fake.url, apiKey: KEY, maxBytes: 100 });
    const before = fake.requests.length;
    expect((await failure(t.transcribe({ path: join(dir, "nope.ogg"), mimeType: null }))).kind).toBe("file_missing");
    expect((await failure(t.transcribe({ path: voice.storedPath, mimeType: null }))).kind).toBe("too_large");
    expect(fake.requests.length).toBe(before);
  });
});

describe("configuration", () => {
  it("TRANSCRIBE_URL turns transcription on; the key is a secret; a key without a URL is refused", async () => {
    expect(transcriberFromConfig(loadConfig({}))).toBeNull();

    const c = loadConfig({ TRANSCRIBE_URL: fake.url, TRANSCRIBE_API_KEY: KEY, TRANSCRIBE_LANGUAGE: "es" });
    expect(c.TRANSCRIBE_MODEL).toBe("whisper-1");
    const t = transcriberFromConfig(c);
    expect(t).toBeInstanceOf(OpenAiTranscriber);
    fake.text = "desde la configuración";
    expect(await t!.transcribe({ path: voice.storedPath, mimeType: voice.mimeType })).toBe("desde la configuración");
    expect(fake.requests.at(-1)!.fields.language).toBe("es");

    expect(JSON.stringify(redactConfig(c))).not.toContain(KEY);
    expect(() => loadConfig({ TRANSCRIBE_API_KEY: KEY })).toThrow(ConfigError);
    expect(() => loadConfig({ TRANSCRIBE_API_KEY: KEY })).toThrow(/TRANSCRIBE_URL must be set/);
    expect(() => loadConfig({ TRANSCRIBE_URL: "not a url", TRANSCRIBE_API_KEY: KEY })).toThrow(
      /^Invalid configuration: TRANSCRIBE_URL/,
    );
    expect(() => loadConfig({ TRANSCRIBE_URL: fake.url, TRANSCRIBE_API_KEY: "" })).not.toThrow();
    expect(() => loadConfig({ TRANSCRIBE_URL: fake.url, TRANSCRIBE_LANGUAGE: "spanish" })).toThrow(
      /TRANSCRIBE_LANGUAGE/,
    );
  });
});
