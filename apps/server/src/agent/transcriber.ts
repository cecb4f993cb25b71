// Speech to text for customers' voice notes over the OpenAI-compatible wire format,
// POST {base}/v1/audio/transcriptions (multipart/form-data: file, model, language?, response_format),
// which OpenAI, Groq and self-hosted whisper.cpp / faster-whisper servers all speak. Built on Node's
// own fetch, FormData and Blob. Every failure is a TranscriptionError naming what went wrong (never
// the key); the agent then asks the customer, kindly, to write instead.
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Transcriber } from "./agent.ts";

export interface OpenAiTranscriberOptions {
  /** e.g. https://api.openai.com, https://api.groq.com/openai, http://127.0.0.1:8080 ("/v1" may be included). */
  baseUrl: string;
  /** Sent as a bearer token; self-hosted servers may need none. */
  apiKey?: string | null;
  /** whisper-1 (OpenAI), whisper-large-v3-turbo (Groq); whisper.cpp ignores it. */
  model?: string;
  /** ISO-639-1 hint ("es"); unset, the service detects the language. */
  language?: string | null;
  timeoutMs?: number;
  /** OpenAI refuses files over 25 MB; bigger ones are not sent. */
  maxBytes?: number;
}

export type TranscriptionFailure =
  | "file_missing"
  | "too_large"
  | "unauthorized"
  | "rate_limited"
  | "rejected"
  | "server_error"
  | "timeout"
  | "network"
  | "bad_response"
  | "empty";

export class TranscriptionError extends Error {
  constructor(
    readonly kind: TranscriptionFailure,
    message: string,
    readonly status: number | null = null,
  ) {
    super(`transcription failed (${kind}${status ? ` ${status}` : ""}): ${message}`);
    this.name = "TranscriptionError";
  }
}

/** File extensions the OpenAI endpoint recognises, by media type (it goes by the file name). */
const EXTENSION: Record<string, string> = {
  "audio/ogg": ".ogg",
  "audio/opus": ".ogg",
  "audio/mpeg": ".mp3",
  "audio/mp3": ".mp3",
  "audio/mp4": ".m4a",
  "audio/m4a": ".m4a",
  "audio/x-m4a": ".m4a",
  "audio/aac": ".m4a",
  "audio/wav": ".wav",
  "audio/x-wav": ".wav",
  "audio/webm": ".webm",
  "audio/flac": ".flac",
  "video/mp4": ".mp4",
};
const KNOWN = new Set([".flac", ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".webm"]);

/** The name the file is sent under: its own if the extension is one the service knows, else from the media type. */
export function uploadName(path: string, mimeType: string | null): string {
  const name = basename(path);
  if (KNOWN.has(extname(name).toLowerCase())) return name;
  const base = (mimeType ?? "").split(";")[0]!.trim().toLowerCase();
  return `${name.replace(/\.[^.]*$/, "") || "voice"}${EXTENSION[base] ?? ".ogg"}`;
}

export function transcriptionsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return `${base.endsWith("/v1") ? base : `${base}/v1`}/audio/transcriptions`;
}

export class OpenAiTranscriber implements Transcriber {
  readonly url: string;
  readonly model: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: OpenAiTranscriberOptions) {
    this.url = transcriptionsUrl(opts.baseUrl);
    this.model = opts.model ?? "whisper-1";
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.maxBytes = opts.maxBytes ?? 25 * 1024 * 1024;
  }

  async transcribe(audio: { path: string; mimeType: string | null }): Promise<string> {
    let bytes: Buffer;
    try {
      const size = (await stat(audio.path)).size;
      if (size > this.maxBytes) throw new TranscriptionError("too_large", `${size} bytes, at most ${this.maxBytes}`);
      bytes = await readFile(audio.path);
    } catch (e) {
      if (e instanceof TranscriptionError) throw e;
      throw new TranscriptionError("file_missing", "the voice note's file cannot be read");
    }
    const type = (audio.mimeType ?? "").split(";")[0]!.trim() || "application/octet-stream";
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(bytes)], { type }), uploadName(audio.path, audio.mimeType));
    form.append("model", this.model);
    if (this.opts.language) form.append("language", this.opts.language);
    form.append("response_format", "json");

    const headers: Record<string, string> = { accept: "application/json" };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.url, { method: "POST", headers, body: form, signal });
      body = await res.text();
    } catch (e) {
      if (signal.aborted) throw new TranscriptionError("timeout", `no answer within ${this.timeoutMs} ms`);
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new TranscriptionError("network", `${new URL(this.url).host} unreachable${cause ? ` (${cause})` : ""}`);
    }
    if (!res.ok) {
      const status = res.status;
      const kind: TranscriptionFailure =
        status === 401 || status === 403
          ? "unauthorized"
          : status === 429
            ? "rate_limited"
            : status === 413
              ? "too_large"
              : status >= 500
                ? "server_error"
                : "rejected";
      throw new TranscriptionError(kind, serviceMessage(body, this.opts.apiKey ?? null), status);
    }
    let text: unknown;
    try {
      text = (JSON.parse(body) as { text?: unknown }).text;
    } catch {
      throw new TranscriptionError("bad_response", "the answer is not JSON", res.status);
    }
    if (typeof text !== "string") throw new TranscriptionError("bad_response", "the answer has no text", res.status);
    const said = text.trim();
    if (!said) throw new TranscriptionError("empty", "nothing was understood in the voice note", res.status);
    return said;
  }
}

/**
 * The service's own error message (OpenAI: {"error":{"message"}}), short and on one line, without the
 * key ("Incorrect API key provided: sk-…" quotes part of it).
 */
function serviceMessage(body: string, key: string | null): string {
  let msg = body;
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    msg = (typeof j.error === "string" ? j.error : j.error?.message) ?? j.message ?? body;
  } catch {}
  if (key) msg = msg.split(key).join("[key]");
  msg = msg.replace(/\b(sk|gsk|rk)[-_][A-Za-z0-9*_-]{4,}/g, "[key]");
  return msg.replace(/\s+/g, " ").trim().slice(0, 200) || "(no message)";
}
