// Webhook signature checks on the exact bytes received (integrations.md §1.3, §2.2, §6).
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureResult = { ok: true; signed: boolean } | { ok: false; reason: string };

function safeEqualHex(expectedHex: string, given: string): boolean {
  const a = Buffer.from(expectedHex, "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  // timingSafeEqual needs equal lengths; the length of a hex digest is not a secret.
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export const CHATWOOT_MAX_SKEW_SECONDS = 300;

/**
 * Chatwoot ≥ 4.11.2 (account webhooks; agent bots and API inboxes from 4.13.0) signs
 * `"<X-Chatwoot-Timestamp>.<raw body>"` with HMAC-SHA256 and sends `X-Chatwoot-Signature: sha256=<hex>`
 * (integrations.md §1.3). A delivery on /webhooks/chatwoot must carry a valid signature by one of the
 * configured secrets: unsigned, wrongly signed, stale (outside ±5 minutes) or unverifiable (no secret
 * configured) deliveries are refused. A Chatwoot that cannot sign uses the URL-token route instead
 * (http.ts), never this one unsigned.
 */
export function verifyChatwoot(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  secrets: string[],
  nowMs: number,
): SignatureResult {
  if (!secrets.length) {
    return {
      ok: false,
      reason:
        "no CHATWOOT_WEBHOOK_SECRET is configured, so no delivery to /webhooks/chatwoot can be verified (set it, or use /webhooks/chatwoot/<CHATWOOT_WEBHOOK_URL_TOKEN> for a Chatwoot that cannot sign)",
    };
  }
  const sig = header(headers, "x-chatwoot-signature");
  const ts = header(headers, "x-chatwoot-timestamp");
  if (!sig) return { ok: false, reason: "missing X-Chatwoot-Signature (unsigned deliveries are refused)" };
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: "missing or malformed X-Chatwoot-Timestamp" };
  if (Math.abs(nowMs / 1000 - Number(ts)) > CHATWOOT_MAX_SKEW_SECONDS) {
    return { ok: false, reason: "timestamp outside the 5-minute window" };
  }
  const given = sig.startsWith("sha256=") ? sig.slice(7) : sig;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(`${ts}.`).update(raw).digest("hex");
    if (safeEqualHex(expected, given)) return { ok: true, signed: true };
  }
  return { ok: false, reason: "signature mismatch" };
}

/** Whether a delivery carries Chatwoot's signature headers at all. */
export function hasChatwootSignature(headers: Record<string, string | string[] | undefined>): boolean {
  return header(headers, "x-chatwoot-signature") !== undefined;
}

/** Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`; no timestamp (§2.2). */
export function verifyMeta(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  appSecret: string | undefined,
): SignatureResult {
  if (!appSecret) return { ok: false, reason: "WHATSAPP_APP_SECRET is not configured" };
  const sig = header(headers, "x-hub-signature-256");
  if (!sig) return { ok: false, reason: "missing signature" };
  if (!sig.startsWith("sha256=")) return { ok: false, reason: "malformed signature" };
  const expected = createHmac("sha256", appSecret).update(raw).digest("hex");
  return safeEqualHex(expected, sig.slice(7))
    ? { ok: true, signed: true }
    : { ok: false, reason: "signature mismatch" };
}

/** What the fakes (and tests) send: Chatwoot's header set for a body. */
export function chatwootSignatureHeaders(body: string, secret: string, tsSeconds: number): Record<string, string> {
  const sig = createHmac("sha256", secret).update(`${tsSeconds}.${body}`).digest("hex");
  return { "x-chatwoot-signature": `sha256=${sig}`, "x-chatwoot-timestamp": String(tsSeconds) };
}

export function metaSignatureHeader(body: string, appSecret: string): Record<string, string> {
  return { "x-hub-signature-256": `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}` };
}
