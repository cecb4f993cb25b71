// A local fake of the OpenAI-compatible speech-to-text API (OpenAI, Groq, whisper.cpp's server):
// real HTTP on loopback, POST /v1/audio/transcriptions with a multipart/form-data body (file, model,
// language?, response_format?), a bearer key when one is set, answers {"text": "..."} like OpenAI
// (or plain text / verbose_json when asked), and OpenAI-shaped error bodies. Each request is recorded
// with its fields and the file's bytes. It can be told to fail the next requests: an HTTP status
// (401, 429, 500…), a body that is not JSON, or no answer at all (the client's timeout fires).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface TranscriptionRequest {
  path: string;
  headers: IncomingMessage["headers"];
  contentType: string;
  /** The text fields of the form (model, language, response_format…). */
  fields: Record<string, string>;
  file: { name: string; type: string; bytes: Buffer } | null;
}

export type TranscriptionFault =
  | { status: number; message?: string; type?: string }
  | { timeout: true }
  | { notJson: true }
  | { text: string };

export class FakeTranscription {
  readonly requests: TranscriptionRequest[] = [];
  /** What every voice note "says" unless `said` knows the file by name. */
  text = "hola";
  /** Per uploaded file name: what that voice note says. */
  readonly said = new Map<string, string>();
  private readonly faults: TranscriptionFault[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  url = "";

  /** key: the bearer token requests must carry; null = a self-hosted server that needs none. */
  constructor(readonly key: string | null = "test-transcribe-key") {}

  /** The next requests get these answers, in order; then normal answers resume. */
  fail(...faults: TranscriptionFault[]): void {
    this.faults.push(...faults);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void this.handle(req, Buffer.concat(chunks)).then((r) => {
          if (!r || res.destroyed) return; // no answer: the client's timeout fires
          res.writeHead(r.status, { "content-type": r.type });
          res.end(r.body);
        });
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; type: string; body: string } | null> {
    const json = (status: number, body: unknown) => ({ status, type: "application/json", body: JSON.stringify(body) });
    const error = (status: number, message: string, type = "invalid_request_error") =>
      json(status, { error: { message, type, param: null, code: null } });
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method !== "POST" || path !== "/v1/audio/transcriptions") return error(404, `Unknown route ${path}`);
    if (this.key !== null && req.headers.authorization !== `Bearer ${this.key}`) {
      const shown = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      return shown ? error(401, `Incorrect API key provided: ${shown}.`) : error(401, "You didn't provide an API key.");
    }
    const contentType = String(req.headers["content-type"] ?? "");
    if (!/^multipart\/form-data;\s*boundary=/i.test(contentType)) {
      return error(400, "Content-Type must be multipart/form-data with a boundary");
    }
    // The multipart body parsed by undici's form-data parser (the one behind Response.formData()).
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    } catch {
      return error(400, "Could not parse multipart form");
    }
    const fields: Record<string, string> = {};
    let file: TranscriptionRequest["file"] = null;
    const parts: [string, FormDataEntryValue][] = [];
    form.forEach((v, k) => {
      parts.push([k, v]);
    });
    for (const [k, v] of parts) {
      if (typeof v === "string") fields[k] = v;
      else if (k === "file") file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
    }
    this.requests.push({ path, headers: req.headers, contentType, fields, file });
    if (!file) return error(400, "1 validation error: file is required");
    if (!fields.model) return error(400, "you must provide a model parameter");
    const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
    if (!["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "opus", "wav", "webm"].includes(ext)) {
      return error(
        400,
        `Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']`,
      );
    }

    const fault = this.faults.shift();
    let text = this.said.get(file.name) ?? this.text;
    if (fault) {
      if ("timeout" in fault) return null;
      if ("notJson" in fault) return { status: 200, type: "text/html", body: "<html>Bad gateway</html>" };
      if ("status" in fault) {
        return error(fault.status, fault.message ?? `scripted ${fault.status}`, fault.type ?? "server_error");
      }
      text = fault.text;
    }
    const format = fields.response_format ?? "json";
    if (format === "text") return { status: 200, type: "text/plain", body: text };
    if (format === "verbose_json") {
      return json(200, {
        task: "transcribe",
        language: fields.language ?? "spanish",
        duration: 2.5,
        text,
        segments: [],
      });
    }
    return json(200, { text, usage: { type: "duration", seconds: 3 } });
  }
}
