// Customers with personal data encrypted at rest. Lookup by phone goes through the blind index.
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { normalisePhone } from "../crypto/phone.ts";
import type { Tx } from "../db/client.ts";
import type { Customer } from "../generated/prisma/client.ts";
import { nameFields } from "./name-index.ts";

export interface CustomerView {
  id: string;
  phone: string | null;
  name: string | null;
  notes: string | null;
  language: string;
  marketingConsent: boolean;
  noShowCount: number;
  erased: boolean;
  version: number;
}

export interface NewCustomer {
  phone: string;
  name?: string | null;
  language?: string;
  marketingConsent?: boolean;
}

export function phoneIndex(fc: FieldCrypto, phone: string): Uint8Array<ArrayBuffer> {
  return fc.blindIndex(normalisePhone(phone));
}

export function encryptCustomerFields(fc: FieldCrypto, input: NewCustomer) {
  const phone = normalisePhone(input.phone);
  return {
    phoneCipher: fc.encrypt(phone),
    phoneHash: fc.blindIndex(phone),
    ...nameFields(fc, input.name || null),
  };
}

export function viewCustomer(fc: FieldCrypto, c: Customer): CustomerView {
  return {
    id: c.id,
    phone: c.phoneCipher ? fc.decrypt(c.phoneCipher) : null,
    name: c.nameCipher ? fc.decrypt(c.nameCipher) : null,
    notes: c.notesCipher ? fc.decrypt(c.notesCipher) : null,
    language: c.language,
    marketingConsent: c.marketingConsent,
    noShowCount: c.noShowCount,
    erased: c.erasedAt !== null,
    version: c.version,
  };
}

/**
 * A record merged into another one (customers/merge.ts) keeps its phone's blind index so that number
 * still reaches the person: lookups follow `mergedIntoId` to the surviving record.
 */
export async function followMerges(tx: Pick<Tx, "customer">, c: Customer): Promise<Customer> {
  let current = c;
  for (let hops = 0; current.mergedIntoId && hops < 10; hops++) {
    const next = await tx.customer.findUnique({ where: { id: current.mergedIntoId } });
    if (!next) break;
    current = next;
  }
  return current;
}

export async function findCustomerByPhone(tx: Tx, fc: FieldCrypto, phone: string): Promise<Customer | null> {
  const found = await tx.customer.findUnique({ where: { phoneHash: phoneIndex(fc, phone) } });
  return found ? followMerges(tx, found) : null;
}

/** Finds the customer with this phone or creates one; the phone must come from a verified source. */
export async function upsertCustomerByPhone(
  tx: Tx,
  fc: FieldCrypto,
  input: NewCustomer,
): Promise<{ customer: Customer; created: boolean }> {
  // Two messages from a new number processed at once (jobs run side by side) must not both create
  // her: the second waits for the first's transaction on a lock keyed by the phone's blind index,
  // then finds her. Taken before any row lock, like the idempotency claim (see changes/change-log.ts).
  const hash = phoneIndex(fc, input.phone);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`customer-phone:${hash}`}, 0))`;
  const existing = await findCustomerByPhone(tx, fc, input.phone);
  if (existing) return { customer: existing, created: false };
  const customer = await tx.customer.create({
    data: {
      ...encryptCustomerFields(fc, input),
      language: input.language ?? "es",
      marketingConsent: input.marketingConsent ?? false,
      consentAt: input.marketingConsent ? new Date() : null,
    },
  });
  return { customer, created: true };
}

/**
 * upsertCustomerByPhone for many numbers at once (a batch of inbound messages): the same per-phone
 * locks (taken in one statement, in a fixed order, so two batches cannot deadlock on them), one
 * lookup, one insert of the missing ones. Keyed by the normalised phone; the first input of a phone
 * gives a new customer her name and language.
 */
export async function upsertCustomersByPhone(
  tx: Tx,
  fc: FieldCrypto,
  inputs: NewCustomer[],
): Promise<Map<string, { customer: Customer; created: boolean }>> {
  const wanted = new Map<string, NewCustomer & { hash: Uint8Array<ArrayBuffer> }>();
  for (const input of inputs) {
    const phone = normalisePhone(input.phone);
    if (!wanted.has(phone)) wanted.set(phone, { ...input, phone, hash: fc.blindIndex(phone) });
  }
  const out = new Map<string, { customer: Customer; created: boolean }>();
  if (!wanted.size) return out;
  const keys = [...wanted.values()].map((w) => `customer-phone:${w.hash}`).sort();
  await tx.$executeRaw`
    SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${keys}::text[]) WITH ORDINALITY AS x(k, n) ORDER BY n`;
  const found = await tx.customer.findMany({ where: { phoneHash: { in: [...wanted.values()].map((w) => w.hash) } } });
  const byHash = new Map(found.map((c) => [Buffer.from(c.phoneHash!).toString("hex"), c]));
  const missing: NewCustomer[] = [];
  for (const [phone, w] of wanted) {
    const existing = byHash.get(Buffer.from(w.hash).toString("hex"));
    if (existing) out.set(phone, { customer: await followMerges(tx, existing), created: false });
    else missing.push(w);
  }
  if (missing.length) {
    const created = await tx.customer.createManyAndReturn({
      data: missing.map((input) => ({
        ...encryptCustomerFields(fc, input),
        language: input.language ?? "es",
        marketingConsent: input.marketingConsent ?? false,
        consentAt: input.marketingConsent ? new Date() : null,
      })),
    });
    const byNewHash = new Map(created.map((c) => [Buffer.from(c.phoneHash!).toString("hex"), c]));
    for (const input of missing) {
      const customer = byNewHash.get(Buffer.from(wanted.get(input.phone)!.hash).toString("hex"))!;
      out.set(input.phone, { customer, created: true });
    }
  }
  return out;
}
