// Where a customer's personal data can be, and how to recognise it in free text and JSON: shared by
// export.ts (collect it) and erase.ts (remove it). Pure helpers plus the audit query.
import { dirname, join, resolve, sep } from "node:path";
import type { AttachmentRef } from "../channels/payloads.ts";
import type { Db, Tx } from "../db/client.ts";
import { foldName } from "./customers.ts";

export interface MediaOptions {
  /** The directory channels/media.ts stores attachments in (<data dir>/media); files outside it are never touched. */
  mediaDir?: string | null;
  /** Treatment photos (#21, treatment-photos.ts); by default <data dir>/treatments, next to mediaDir. */
  treatmentsDir?: string | null;
}

export const treatmentsDirFor = (m: MediaOptions): string | null =>
  m.treatmentsDir ?? (m.mediaDir ? join(dirname(resolve(m.mediaDir)), "treatments") : null);

export function insideDir(dir: string, path: string): boolean {
  const root = resolve(dir) + sep;
  return resolve(path).startsWith(root);
}

export function attachmentsOf(json: unknown): AttachmentRef[] {
  return Array.isArray(json) ? (json as AttachmentRef[]).filter((a) => a && typeof a === "object") : [];
}

/** Everything that names a customer in the audit log. */
export interface RelatedIds {
  customerIds: string[];
  bookingIds: string[];
  conversationIds: string[];
  paymentIds: string[];
}

export function relatedAuditWhere(ids: RelatedIds) {
  return {
    OR: [
      { entityType: "customer", entityId: { in: ids.customerIds } },
      { entityType: "booking", entityId: { in: ids.bookingIds } },
      { entityType: "conversation", entityId: { in: ids.conversationIds } },
      { entityType: "payment", entityId: { in: ids.paymentIds } },
      { actorType: "customer" as const, actorId: { in: ids.customerIds } },
    ],
  };
}

export function auditAbout(db: Db | Tx, ids: RelatedIds) {
  return db.auditLog.findMany({ where: relatedAuditWhere(ids), orderBy: [{ at: "asc" }, { id: "asc" }] });
}

// ─────────────── Recognising the person's data in text ───────────────

export const ERASED = "[erased]";

const SEPARATORS = "[ .()/-]{0,3}";

function spaced(digits: string): string {
  return digits.split("").join(SEPARATORS);
}

/**
 * A regular expression source (valid in JavaScript and PostgreSQL) matching an E.164 number as people
 * and providers write it: "+34 600 111 201", "0034600111201", "34600111201" (WhatsApp ids), and the
 * national form without the country code ("600 111 201", "07700 900123"), not inside a longer number.
 */
export function phonePattern(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  const forms = [digits];
  // The country code is 1–3 digits; national numbers shorter than 9 digits are too ambiguous to look for.
  for (let k = 1; k <= 3; k++) if (digits.length - k >= 9) forms.push(digits.slice(k));
  return `(^|[^0-9])(\\+|00)?0?(${forms.map(spaced).join("|")})([^0-9]|$)`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What must not survive an erasure, as found by decrypting the customer's fields. */
export interface Secrets {
  phones: string[];
  /** Whole values: names, guest names, note lines. */
  texts: string[];
  /** Parts of the name (folded, ≥ 3 letters): only looked for in rows known to be about the customer. */
  tokens: string[];
}

export function buildSecrets(input: { phones: string[]; names: string[]; notes: string[] }): Secrets {
  const texts = new Set<string>();
  for (const n of input.names) if (n.trim().length >= 2) texts.add(n.trim());
  for (const note of input.notes) {
    if (note.trim().length >= 4) texts.add(note.trim());
    for (const line of note.split(/\r?\n/)) if (line.trim().length >= 6) texts.add(line.trim());
  }
  const tokens = new Set<string>();
  for (const n of input.names) for (const t of foldName(n).split(/[^\p{L}\p{N}]+/u)) if (t.length >= 3) tokens.add(t);
  return { phones: [...new Set(input.phones)], texts: [...texts], tokens: [...tokens] };
}

/** One PostgreSQL regular expression (for `~*` over json text) finding any of the secrets. */
export function secretsSqlPattern(s: Secrets): string | null {
  const parts = [
    ...s.phones.map(phonePattern),
    // jsonb's text form escapes quotes, backslashes and control characters the way JSON does.
    ...s.texts.map((t) => escapeRegex(JSON.stringify(t).slice(1, -1))),
  ];
  return parts.length ? parts.map((p) => `(${p})`).join("|") : null;
}

export interface Matcher {
  /** True when the text holds a phone, a name, a note line (or, with tokens, a part of the name). */
  test(text: string, withTokens: boolean): boolean;
}

export function secretMatcher(s: Secrets): Matcher {
  const phones = s.phones.map((p) => new RegExp(phonePattern(p)));
  const texts = s.texts.map((t) => t.toLowerCase());
  const tokens = s.tokens.map((t) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegex(t)}([^\\p{L}\\p{N}]|$)`, "u"));
  return {
    test(text, withTokens) {
      if (phones.some((r) => r.test(text))) return true;
      const lower = text.toLowerCase();
      if (texts.some((t) => lower.includes(t))) return true;
      return withTokens && tokens.some((r) => r.test(foldName(text)));
    },
  };
}

/** Keys whose string values are free text (typed by people or quoted from them) in audit and change data. */
const FREE_TEXT_KEYS = new Set([
  "body",
  "cancelReason",
  "caption",
  "content",
  "description",
  "details",
  "escalationReason",
  "escalationSummary",
  "guestName",
  "handBackNote",
  "name",
  "note",
  "notes",
  "phone",
  "reason",
  "summary",
  "text",
  "title",
]);

/**
 * Replaces personal data in a JSON value. `related`: the row is about the customer, so every free-text
 * field goes, and parts of the name are looked for too; otherwise only strings holding a secret go.
 */
export function redactJson(value: unknown, m: Matcher, related: boolean): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown, key: string | null): unknown => {
    if (typeof v === "string") {
      if ((related && key !== null && FREE_TEXT_KEYS.has(key) && v !== ERASED) || m.test(v, related)) {
        changed = true;
        return ERASED;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  const out = walk(value, null);
  return { value: out, changed };
}
