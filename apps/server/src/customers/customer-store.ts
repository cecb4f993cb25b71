// Customers with personal data encrypted at rest. Lookup by phone goes through the blind index.
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { normalisePhone } from "../crypto/phone.ts";
import type { Tx } from "../db/client.ts";
import type { Customer } from "../generated/prisma/client.ts";

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
    nameCipher: input.name ? fc.encrypt(input.name) : null,
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
