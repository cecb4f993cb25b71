// Re-encrypts every personal field (and recomputes blind indexes, the name-search tokens among
// them) under a new data key, in one transaction: either all rows move to the new key or none do.
import { nameFields } from "../customers/name-index.ts";
import type { Db } from "../db/client.ts";
import type { FieldCrypto } from "./field-crypto.ts";

export interface RotationResult {
  customers: number;
  bookings: number;
}

export async function rotateDataKey(db: Db, from: FieldCrypto, to: FieldCrypto): Promise<RotationResult> {
  return db.$transaction(
    async (tx) => {
      const state = await tx.encryptionKeyState.findUnique({ where: { id: 1 } });
      if (state && state.fingerprint !== from.fingerprint) {
        throw new Error("the current key does not match the database; nothing was changed");
      }
      const reencrypt = (b: Uint8Array | null) => (b ? to.encrypt(from.decrypt(b)) : null);
      let customers = 0;
      const rows = await tx.customer.findMany({
        select: { id: true, phoneCipher: true, nameCipher: true, notesCipher: true },
      });
      for (const c of rows) {
        const phone = c.phoneCipher ? from.decrypt(c.phoneCipher) : null;
        await tx.customer.update({
          where: { id: c.id },
          data: {
            phoneCipher: phone ? to.encrypt(phone) : null,
            phoneHash: phone ? to.blindIndex(phone) : null,
            ...nameFields(to, c.nameCipher ? from.decrypt(c.nameCipher) : null),
            notesCipher: reencrypt(c.notesCipher),
          },
        });
        customers++;
      }
      const guests = await tx.booking.findMany({
        where: { guestNameCipher: { not: null } },
        select: { id: true, guestNameCipher: true },
      });
      for (const b of guests) {
        await tx.booking.update({ where: { id: b.id }, data: { guestNameCipher: reencrypt(b.guestNameCipher) } });
      }
      await tx.encryptionKeyState.upsert({
        where: { id: 1 },
        update: { fingerprint: to.fingerprint, rotatedAt: new Date() },
        create: { id: 1, fingerprint: to.fingerprint },
      });
      return { customers, bookings: guests.length };
    },
    { timeout: 600_000, maxWait: 10_000 },
  );
}
