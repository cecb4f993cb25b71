// Name search that scales (issue #18 item 3): a keyed blind index of name fragments, CipherSweet's
// approach. Names stay AES-GCM ciphertexts; next to each one, customer.name_tokens holds the tokens
// of the folded name's 2- and 3-character fragments ("garcía" → "ga", "gar", "ar", "arc", …):
// HMAC-SHA256 under a subkey of its own (field-crypto.ts, "cita/name-token/v1"), truncated to
// NAME_TOKEN_BITS bits. A search computes the tokens of the folded query, asks the GIN index for the
// customers holding ALL of them (a superset of the answer: a token stands for many fragments),
// decrypts only those and keeps the ones whose folded name contains the folded query, exactly as
// the full scan did. A one-character query has no token and still scans everyone.
//
// What the index gives away, and why 10 bits. Without the key nobody can compute a token, so a
// token cannot be looked up; and each of the 1,024 tokens stands for ~50 of the ~55,000 possible
// fragments. Among the fragments real names use (881 in search.bench.ts's 40 first names × 105
// surnames; a few thousand in a real salon) a token stands for one to a few, so what leaks is what
// any deterministic index leaks: customers with equal names have equal tokens, names sharing
// fragments share tokens, and token frequencies follow fragment frequencies (someone with the
// database and public surname statistics can guess, with false positives, who is likely a
// "García"). Fewer bits blur that further but make searches decrypt more false candidates: a
// two-letter query has one token, which at 10 bits also stands for about one other fragment in use
// (in one search.bench.ts run, "ñi" decrypted 15,487 customers for 9,630 matches).
// No name is stored in clear; the tokens are written with the name (nameFields) and go with it:
// rotation recomputes them under the new key, erase and merge clear them.
//
// Changing the tokenisation (fragments, bits, key) needs a migration that sets name_tokens to NULL:
// start-up (backfillNameTokens) recomputes every NULL one, since SQL has no key.
import type { FieldCrypto, PackedCiphers } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";

/** Bits kept of each fragment's HMAC (see the header for the leakage trade-off). */
export const NAME_TOKEN_BITS = 10;

/** Accents and case folded away: "Álvarez" and "alvarez" match. */
export function foldName(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

// Latin letters (up to U+017F) fold one by one, each always to the same text: decomposing,
// dropping marks and lower-casing look at no neighbour there (Greek final sigma does, and
// combining marks are outside this range). Memoised per character.
const LATIN = /^[\0-\u017f]*$/;
const latinFold = new Map<string, string>();
const foldLatinChar = (c: string): string => {
  let folded = latinFold.get(c);
  if (folded === undefined) {
    folded = c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    latinFold.set(c, folded);
  }
  return folded;
};

/**
 * foldName of many texts in one pass over their concatenation (a search folds thousands). NUL
 * separates them: no step of foldName changes or moves it, or lets a neighbour depend on it.
 */
export function foldNames(texts: string[]): string[] {
  if (texts.length < 8 || texts.some((t) => t.includes("\0"))) return texts.map(foldName);
  const joined = texts.join("\0");
  const folded = LATIN.test(joined)
    ? joined.replace(/[^\0-\x7f]/g, foldLatinChar).toLowerCase()
    : joined.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return folded
    .replace(/\s+/g, " ")
    .split("\0")
    .map((t) => t.trim());
}

/** Distinct 2- and 3-unit substrings (UTF-16 code units, like String.prototype.includes). */
export function nameFragments(folded: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + 2 <= folded.length; i++) {
    out.add(folded.slice(i, i + 2));
    if (i + 3 <= folded.length) out.add(folded.slice(i, i + 3));
  }
  return [...out];
}

// Fragment → token, per key: there are only a few thousand fragments in use, and an HMAC each time
// made bulk writes (rotation, start-up, imports) slow. Fragments of 2–3 letters, in memory only.
const tokenCache = new WeakMap<FieldCrypto, Map<string, number>>();

function tokenOf(fc: FieldCrypto, fragment: string): number {
  let cache = tokenCache.get(fc);
  if (!cache) {
    cache = new Map();
    tokenCache.set(fc, cache);
  }
  let token = cache.get(fragment);
  if (token === undefined) {
    token = fc.nameToken(fragment).readUInt16BE(0) >>> (16 - NAME_TOKEN_BITS);
    if (cache.size >= 100_000) cache.clear();
    cache.set(fragment, token);
  }
  return token;
}

/** The sorted, distinct tokens stored for a name. */
export function nameTokens(fc: FieldCrypto, name: string): number[] {
  const tokens = new Set(nameFragments(foldName(name)).map((f) => tokenOf(fc, f)));
  return [...tokens].sort((a, b) => a - b);
}

/**
 * The name columns of a customer, for every write of a name (create, rename, merge, erase,
 * rotation): its ciphertext and its tokens together, so they cannot disagree. Null: no name.
 */
export function nameFields(
  fc: FieldCrypto,
  name: string | null,
): { nameCipher: Uint8Array<ArrayBuffer> | null; nameTokens: number[] } {
  return name === null
    ? { nameCipher: null, nameTokens: [] }
    : { nameCipher: fc.encrypt(name), nameTokens: nameTokens(fc, name) };
}

/**
 * Tokens every name containing the (already folded) needle holds: its trigrams (a 2-character
 * needle: itself). Null when the needle is too short for the index (one character, or empty).
 */
export function queryTokens(fc: FieldCrypto, needle: string): number[] | null {
  if (needle.length < 2) return null;
  const fragments = new Set<string>();
  if (needle.length === 2) fragments.add(needle);
  for (let i = 0; i + 3 <= needle.length; i++) fragments.add(needle.slice(i, i + 3));
  return [...new Set([...fragments].map((f) => tokenOf(fc, f)))].sort((a, b) => a - b);
}

/** Candidates of a name search: their name ciphertexts, packed, and their ids, formatted on demand. */
export interface NameCandidates {
  count: number;
  ciphers: PackedCiphers;
  id(i: number): string;
}

/**
 * Live customers with a name holding every token of the (folded) needle, with their name
 * ciphertexts: a superset of those whose name contains it. Every live customer with a name when
 * the needle is too short for the index. They come back packed in one value (16-byte id, 4-byte
 * length, ciphertext, …, in base64): reading thousands of rows one by one cost more than the
 * search itself, and so did formatting thousands of ids when a page shows fifty.
 */
export async function nameCandidates(
  db: Pick<Tx, "$queryRaw">,
  fc: FieldCrypto,
  needle: string,
): Promise<NameCandidates> {
  const tokens = queryTokens(fc, needle);
  const [row] = tokens
    ? await db.$queryRaw<{ packed: string | null }[]>`
        SELECT encode(string_agg(uuid_send(id) || int4send(octet_length(name_cipher)) || name_cipher, ''::bytea), 'base64') AS packed
          FROM customer
         WHERE name_tokens @> ${tokens}::int[]
           AND erased_at IS NULL AND merged_into_id IS NULL AND name_cipher IS NOT NULL`
    : await db.$queryRaw<{ packed: string | null }[]>`
        SELECT encode(string_agg(uuid_send(id) || int4send(octet_length(name_cipher)) || name_cipher, ''::bytea), 'base64') AS packed
          FROM customer
         WHERE erased_at IS NULL AND merged_into_id IS NULL AND name_cipher IS NOT NULL`;
  // Base64 (its line breaks are skipped by Buffer.from): a bytea this size took Prisma longer.
  const buf = Buffer.from(row?.packed ?? "", "base64");
  const starts: number[] = [];
  for (let at = 0; at < buf.length; at += 20 + buf.readUInt32BE(at + 16)) starts.push(at);
  const spans = new Uint32Array(starts.length * 2);
  starts.forEach((at, i) => {
    spans[2 * i] = at + 20;
    spans[2 * i + 1] = at + 20 + buf.readUInt32BE(at + 16);
  });
  return {
    count: starts.length,
    ciphers: { buf, spans },
    id(i) {
      const h = buf.toString("hex", spans[2 * i]! - 20, spans[2 * i]! - 4);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}

/**
 * Start-up: tokens for customers with a name and none (written before this index existed, or
 * cleared by a migration that changed the tokenisation). When nothing is missing this is one scan
 * of the customer table (tens of milliseconds at 100,000 customers). Each batch locks its rows, so
 * an erase or rename running meanwhile is either seen or waits: no stale tokens are written.
 */
export async function backfillNameTokens(db: Db, fc: FieldCrypto, batchSize = 1000): Promise<number> {
  const [missing] = await db.$queryRaw<{ any: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM customer WHERE name_cipher IS NOT NULL AND name_tokens IS NULL) AS any`;
  if (!missing?.any) return 0;
  let total = 0;
  for (;;) {
    const n = await db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string; nameCipher: Uint8Array }[]>`
          SELECT id::text AS id, name_cipher AS "nameCipher" FROM customer
           WHERE name_cipher IS NOT NULL AND name_tokens IS NULL
           ORDER BY id LIMIT ${batchSize} FOR UPDATE`;
        if (!rows.length) return 0;
        const ids = rows.map((r) => r.id);
        const tokens = rows.map((r) => `{${nameTokens(fc, fc.decrypt(r.nameCipher)).join(",")}}`);
        await tx.$executeRaw`
          UPDATE customer c SET name_tokens = x.t::int[]
            FROM unnest(${ids}::uuid[], ${tokens}::text[]) AS x(id, t)
           WHERE c.id = x.id AND c.name_cipher IS NOT NULL`;
        return rows.length;
      },
      { timeout: 120_000 },
    );
    total += n;
    if (n < batchSize) return total;
  }
}
