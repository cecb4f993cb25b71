// A fake WhatsApp Cloud API (integrations.md §2): Graph POST /{phone_number_id}/messages with a
// Bearer token, media lookup (GET /{media-id} → short-lived URL) and download, and helpers that POST
// signed webhook notifications the way Meta does (§2.2).
import { nowMs } from "../../testing/test-now.ts";
import { metaSignatureHeader } from "../signatures.ts";
import { HttpFake } from "./http-fake.ts";

export class FakeMeta extends HttpFake {
  private nextId = 1;
  readonly media = new Map<string, { bytes: Buffer; mime: string }>();

  constructor(readonly token: string) {
    super();
    const authed = (h: Record<string, string | string[] | undefined>) => h.authorization === `Bearer ${token}`;
    const graphError = (status: number, code: number, message: string) => ({
      status,
      body: { error: { message, type: "OAuthException", code, fbtrace_id: "fake" } },
    });
    this.route("POST", /^\/(\d+)\/messages$/, (req) => {
      if (!authed(req.headers)) return graphError(401, 190, "Invalid OAuth access token");
      const b = req.body as { to?: string; type?: string; messaging_product?: string };
      if (b?.messaging_product !== "whatsapp" || !b.to || !b.type) return graphError(400, 100, "Invalid parameter");
      return {
        status: 200,
        body: {
          messaging_product: "whatsapp",
          contacts: [{ input: b.to, wa_id: b.to }],
          messages: [{ id: `wamid.FAKE${String(this.nextId++).padStart(6, "0")}` }],
        },
      };
    });
    this.route("GET", /^\/lookaside\/(.+)$/, (req, [id]) => {
      if (!authed(req.headers)) return { status: 401 };
      const m = this.media.get(id!);
      return m ? { status: 200, bytes: m.bytes, headers: { "content-type": m.mime } } : { status: 404 };
    });
    this.route("GET", /^\/([\w.-]+)$/, (req, [id]) => {
      if (!authed(req.headers)) return graphError(401, 190, "Invalid OAuth access token");
      const m = this.media.get(id!);
      if (!m) return graphError(404, 100, "Unsupported get request");
      return {
        status: 200,
        body: {
          messaging_product: "whatsapp",
          url: `${this.url}/lookaside/${id}`,
          mime_type: m.mime,
          sha256: "fake",
          file_size: String(m.bytes.length),
          id,
        },
      };
    });
  }

  sentMessages() {
    return this.requestsTo("POST", /\/messages$/);
  }
}

export async function deliverMeta(
  url: string,
  payload: unknown,
  o: { appSecret?: string | null; signature?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (o.appSecret) Object.assign(headers, metaSignatureHeader(body, o.appSecret));
  if (o.signature) headers["x-hub-signature-256"] = o.signature;
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: res.status, body: parsed };
}

let seq = 1;

type MetaInbound =
  | { type: "text"; text: string }
  | { type: "image"; mediaId: string; mime?: string; caption?: string }
  | { type: "audio"; mediaId: string; mime?: string }
  | { type: "button_reply"; id: string; title: string };

/** A `messages` notification as in §2.2. */
export function metaMessage(o: {
  phoneNumberId: string;
  from: string;
  name?: string;
  id?: string;
  at?: Date;
  message: MetaInbound;
}) {
  const id = o.id ?? `wamid.IN${String(seq++).padStart(8, "0")}`;
  const m = o.message;
  const content =
    m.type === "text"
      ? { type: "text", text: { body: m.text } }
      : m.type === "image"
        ? {
            type: "image",
            image: {
              id: m.mediaId,
              mime_type: m.mime ?? "image/jpeg",
              sha256: "x",
              ...(m.caption ? { caption: m.caption } : {}),
            },
          }
        : m.type === "audio"
          ? {
              type: "audio",
              audio: { id: m.mediaId, mime_type: m.mime ?? "audio/ogg; codecs=opus", sha256: "x", voice: true },
            }
          : {
              type: "interactive",
              context: { from: "15550783881", id: "wamid.PROMPT" },
              interactive: { type: "button_reply", button_reply: { id: m.id, title: m.title } },
            };
  return {
    id,
    body: {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: o.phoneNumberId },
                contacts: [{ profile: { name: o.name ?? "Ana" }, wa_id: o.from }],
                messages: [
                  {
                    from: o.from,
                    id,
                    timestamp: String(Math.floor((o.at?.getTime() ?? nowMs()) / 1000)),
                    ...content,
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  };
}

export function metaStatus(o: {
  phoneNumberId: string;
  recipient: string;
  wamid: string;
  status: "sent" | "delivered" | "read" | "failed";
  error?: { code: number; title: string; details?: string };
}) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: o.phoneNumberId },
              statuses: [
                {
                  id: o.wamid,
                  status: o.status,
                  timestamp: String(Math.floor(nowMs() / 1000)),
                  recipient_id: o.recipient,
                  ...(o.error
                    ? {
                        errors: [
                          {
                            code: o.error.code,
                            title: o.error.title,
                            message: o.error.title,
                            error_data: { details: o.error.details ?? o.error.title },
                          },
                        ],
                      }
                    : {}),
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
