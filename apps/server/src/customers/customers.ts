// Customer commands and queries for the console. Phone, name and notes are ciphertexts at rest
// (customer-store.ts), which shapes search:
//  * by phone: exact, through the HMAC blind index (phone_hash), one indexed lookup;
//  * by name: SQL cannot look inside AES-GCM ciphertexts, so a keyed blind index of name fragments
//    (name-index.ts) narrows the customers down to candidates, and only theirs are decrypted and
//    filtered in memory (a one-character query still decrypts everyone). search.bench.ts measures
//    it at 100,000 customers.
// Customers are not tied to a location in the schema (one WhatsApp number is one person for the
// whole business); booking history is scoped to the caller's location.
import { bumpVersion, recordWrite, type Scope } from "../audit/scope.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { normalisePhone } from "../crypto/phone.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";
import { toLocal } from "../time/zoned.ts";
import { type CustomerView, followMerges, phoneIndex, viewCustomer } from "./customer-store.ts";
import { foldName, foldNames, nameCandidates, nameFields } from "./name-index.ts";

export { foldName };

export type CustomerSummary = Omit<CustomerView, "notes">;

/** Digits, spaces, dots, dashes, parentheses and a leading + or 00, with at least 6 digits. */
export function looksLikePhone(query: string): boolean {
  return /^\+?[\d\s().-]+$/.test(query.trim()) && (query.match(/\d/g)?.length ?? 0) >= 6;
}

/** Country calling codes of the countries a salon is likely to be in, for numbers typed without one. */
const CALLING_CODES: Record<string, string> = {
  ES: "34",
  PT: "351",
  FR: "33",
  IT: "39",
  DE: "49",
  GB: "44",
  IE: "353",
  NL: "31",
  BE: "32",
  MX: "52",
  AR: "54",
  CO: "57",
  CL: "56",
  US: "1",
};

/** E.164 candidates for what was typed: as given, and with the salon's country code when it had none. */
export function phoneCandidates(query: string, country: string | null): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    try {
      const e164 = normalisePhone(s);
      if (!out.includes(e164)) out.push(e164);
    } catch {
      // not a valid number in this reading
    }
  };
  const compact = query.replace(/[\s().-]/g, "");
  const code = country ? CALLING_CODES[country.toUpperCase()] : undefined;
  if (code && !compact.startsWith("+") && !compact.startsWith("00")) add(`+${code}${compact.replace(/^0/, "")}`);
  add(compact);
  return out;
}

interface NameCursor {
  n: string;
  id: string;
}

function encodeCursor(c: NameCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(s: string): NameCursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as NameCursor;
    if (typeof c.n === "string" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new AppError("BAD_INPUT", "Invalid cursor; start the search again");
}

const summary = (fc: FieldCrypto, c: Parameters<typeof viewCustomer>[1]): CustomerSummary => {
  const { notes: _n, ...rest } = viewCustomer(fc, { ...c, notesCipher: null });
  return rest;
};

interface NameHit {
  id: string;
  folded: string;
}

/**
 * Live customers whose folded name contains the folded query, unordered: `hits` are indexes into
 * `folded` and `id` (formatted on demand). Only the name index's candidates are decrypted (every
 * live customer for a one-character query), in one batch without the tag check: they are only
 * compared here, and the page shown is decrypted again with it.
 */
async function nameHits(db: Scope["db"], fc: FieldCrypto, query: string) {
  const needle = foldName(query);
  const found = await nameCandidates(db, fc, needle);
  const folded = foldNames(fc.decryptManyUnverified(found.ciphers));
  const ids: (string | undefined)[] = new Array(found.count);
  const id = (i: number): string => {
    ids[i] ??= found.id(i);
    return ids[i];
  };
  const hits: number[] = [];
  for (let i = 0; i < found.count; i++) if (folded[i]!.includes(needle)) hits.push(i);
  return { hits, folded, id };
}

/** Live customers whose folded name contains the folded query, sorted by folded name then id. */
export async function matchCustomersByName(db: Scope["db"], fc: FieldCrypto, query: string): Promise<NameHit[]> {
  const { hits, folded, id } = await nameHits(db, fc, query);
  return hits
    .map((i) => ({ id: id(i), folded: folded[i]! }))
    .sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * The first `limit` hits after the cursor in search order (folded name, then id), and whether
 * more follow: a selection (one comparison for most hits), not a sort of thousands to show fifty.
 */
function firstAfter(
  { hits, folded, id }: Awaited<ReturnType<typeof nameHits>>,
  after: NameCursor | null,
  limit: number,
): { page: NameHit[]; more: boolean } {
  const before = (i: number, j: number) => folded[i]! < folded[j]! || (folded[i] === folded[j] && id(i) < id(j));
  const isAfter = (i: number) => !after || folded[i]! > after.n || (folded[i] === after.n && id(i) > after.id);
  const top: number[] = [];
  for (const h of hits) {
    if (top.length > limit && !before(h, top[limit]!)) continue;
    if (!isAfter(h)) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(top[mid]!, h)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, h);
    if (top.length > limit + 1) top.pop();
  }
  return { page: top.slice(0, limit).map((i) => ({ id: id(i), folded: folded[i]! })), more: top.length > limit };
}

export async function searchCustomers(
  scope: Scope,
  input: { query: string; cursor?: string | null; limit?: number },
): Promise<{ items: CustomerSummary[]; nextCursor: string | null; matchedBy: "phone" | "name" }> {
  const limit = input.limit ?? 50;
  const query = input.query.trim();
  if (looksLikePhone(query)) {
    const loc = await scope.db.location.findUnique({ where: { id: scope.locationId }, select: { country: true } });
    const hashes = phoneCandidates(query, loc?.country ?? null).map((p) => phoneIndex(scope.fc, p));
    const found = hashes.length
      ? await scope.db.customer.findMany({ where: { phoneHash: { in: hashes }, erasedAt: null } })
      : [];
    // A merged-away record's number finds the record it was merged into.
    const rows = [...new Map((await Promise.all(found.map((r) => followMerges(scope.db, r)))).map((r) => [r.id, r]))]
      .map(([, r]) => r)
      .filter((r) => !r.erasedAt);
    return { items: rows.map((r) => summary(scope.fc, r)), nextCursor: null, matchedBy: "phone" };
  }
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const { page, more } = firstAfter(await nameHits(scope.db, scope.fc, query), after, limit);
  const rows = await scope.db.customer.findMany({ where: { id: { in: page.map((p) => p.id) } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = page.map((p) => summary(scope.fc, byId.get(p.id)!));
  const last = page.at(-1);
  return { items, nextCursor: more && last ? encodeCursor({ n: last.folded, id: last.id }) : null, matchedBy: "name" };
}

export interface CustomerBookingView {
  id: string;
  startsAt: string;
  date: string;
  status: BookingStatus;
  totalPriceCents: number;
  currency: string;
  items: {
    serviceId: string;
    serviceNameEs: string;
    serviceNameEn: string;
    staffId: string;
    staffName: string;
    priceCents: number;
  }[];
}

export async function getCustomer(
  scope: Scope,
  customerId: string,
): Promise<{ customer: CustomerView; bookings: CustomerBookingView[]; noShowCount: number }> {
  const found = await scope.db.customer.findUnique({ where: { id: customerId } });
  if (!found) throw new AppError("NOT_FOUND", "Customer not found");
  // A merged-away id answers with the record it was merged into (its id tells the caller).
  const customer = await followMerges(scope.db, found);
  const loc = await scope.db.location.findUniqueOrThrow({
    where: { id: scope.locationId },
    select: { timeZone: true },
  });
  const bookings = await scope.db.booking.findMany({
    where: { customerId: customer.id, locationId: scope.locationId },
    orderBy: { startsAt: "desc" },
    include: {
      items: {
        orderBy: { position: "asc" },
        include: {
          service: { select: { nameEs: true, nameEn: true } },
          staff: { select: { displayName: true } },
        },
      },
    },
  });
  return {
    customer: viewCustomer(scope.fc, customer),
    noShowCount: customer.noShowCount,
    bookings: bookings.map((b) => ({
      id: b.id,
      startsAt: b.startsAt.toISOString(),
      date: toLocal(b.startsAt, loc.timeZone).date,
      status: b.status,
      totalPriceCents: b.totalPriceCents,
      currency: b.currency,
      items: b.items.map((i) => ({
        serviceId: i.serviceId,
        serviceNameEs: i.service.nameEs,
        serviceNameEn: i.service.nameEn,
        staffId: i.staffId,
        staffName: i.staff.displayName,
        priceCents: i.priceCents,
      })),
    })),
  };
}

export interface CustomerCreate {
  phone: string;
  name: string;
  language?: string;
  marketingConsent?: boolean;
  notes?: string | null;
}

export async function createCustomer(scope: Scope, input: CustomerCreate): Promise<CustomerView> {
  const phone = normalisePhone(input.phone);
  const phoneHash = scope.fc.blindIndex(phone);
  return scope.db.$transaction(async (tx) => {
    const found = await tx.customer.findUnique({ where: { phoneHash } });
    if (found) {
      const existing = await followMerges(tx, found);
      throw new AppError("CONFLICT", `A customer with the phone ${phone} already exists`, { customerId: existing.id });
    }
    const consent = input.marketingConsent ?? false;
    const row = await tx.customer.create({
      data: {
        phoneCipher: scope.fc.encrypt(phone),
        phoneHash,
        ...nameFields(scope.fc, input.name),
        notesCipher: input.notes ? scope.fc.encrypt(input.notes) : null,
        language: input.language ?? "es",
        marketingConsent: consent,
        consentAt: consent ? scope.clock() : null,
      },
    });
    await recordWrite(tx, scope, {
      action: "customer.create",
      entityType: "customer",
      entityId: row.id,
      // No personal data in the logs: they are not encrypted.
      audit: { language: row.language, marketingConsent: consent, notes: input.notes ? "set" : "none" },
      change: { version: row.version },
    });
    return viewCustomer(scope.fc, row);
  });
}

export interface CustomerUpdate {
  customerId: string;
  version: number;
  name?: string;
  language?: string;
  marketingConsent?: boolean;
  notes?: string | null;
}

export async function updateCustomer(scope: Scope, input: CustomerUpdate): Promise<CustomerView> {
  return scope.db.$transaction(async (tx: Tx) => {
    const current = await tx.customer.findUnique({ where: { id: input.customerId } });
    if (!current) throw new AppError("NOT_FOUND", "Customer not found");
    if (current.erasedAt) throw new AppError("PRECONDITION_FAILED", "This customer's data has been erased");
    if (current.mergedIntoId) {
      throw new AppError("PRECONDITION_FAILED", "This customer was merged into another one: edit that one", {
        mergedIntoId: current.mergedIntoId,
      });
    }
    const data: Record<string, unknown> = {};
    const changed: string[] = [];
    if (input.name !== undefined) {
      Object.assign(data, nameFields(scope.fc, input.name));
      changed.push("name");
    }
    if (input.notes !== undefined) {
      data.notesCipher = input.notes ? scope.fc.encrypt(input.notes) : null;
      changed.push("notes");
    }
    if (input.language !== undefined) {
      data.language = input.language;
      changed.push("language");
    }
    if (input.marketingConsent !== undefined && input.marketingConsent !== current.marketingConsent) {
      data.marketingConsent = input.marketingConsent;
      data.consentAt = input.marketingConsent ? scope.clock() : null;
      changed.push("marketingConsent");
    }
    await bumpVersion(
      "The customer",
      input.version,
      (v) =>
        tx.customer.updateMany({ where: { id: input.customerId, ...v }, data: { ...data, version: { increment: 1 } } }),
      () => tx.customer.findUnique({ where: { id: input.customerId }, select: { version: true } }),
    );
    const after = await tx.customer.findUniqueOrThrow({ where: { id: input.customerId } });
    await recordWrite(tx, scope, {
      action: "customer.update",
      entityType: "customer",
      entityId: input.customerId,
      audit: {
        fields: changed,
        ...(input.language !== undefined ? { language: input.language } : {}),
        ...(input.marketingConsent !== undefined ? { marketingConsent: input.marketingConsent } : {}),
      },
      change: { version: after.version },
    });
    return viewCustomer(scope.fc, after);
  });
}
