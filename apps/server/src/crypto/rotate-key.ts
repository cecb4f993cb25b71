// Re-encrypts every personal field (and recomputes blind indexes, the name-search tokens among
// them) under a new data key, in one transaction: either all rows move to the new key or none do.
import { nameFields } from "../customers/name-index.ts";
import { reencryptTreatments } from "../customers/treatment-photos.ts";
import type { Db } from "../db/client.ts";
import type { FieldCrypto } from "./field-crypto.ts";

export interface RotationResult {
  customers: number;
  bookings: number;
  /** Issue #20/#21: waitlist notes, patch-test notes, treatment records and their photo files. */
  others?: { waitlistNotes: number; patchTests: number; treatments: number; photos: number };
}

/**
 * `treatmentsDir`: where treatment photos live (<CITA_DATA_DIR>/treatments); their files are
 * rewritten under new names in the transaction and the old ones removed once it commits.
 */
export async function rotateDataKey(
  db: Db,
  from: FieldCrypto,
  to: FieldCrypto,
  opts: { treatmentsDir?: string | null } = {},
): Promise<RotationResult> {
  const files: { pending: Awaited<ReturnType<typeof reencryptTreatments>> | null } = { pending: null };
  try {
    const result = await rotateRows(db, from, to, opts.treatmentsDir ?? null, (t) => {
      files.pending = t;
    });
    await files.pending?.done(true);
    return result;
  } catch (e) {
    await files.pending?.done(false).catch(() => {});
    throw e;
  }
}

function rotateRows(
  db: Db,
  from: FieldCrypto,
  to: FieldCrypto,
  treatmentsDir: string | null,
  onFiles: (t: Awaited<ReturnType<typeof reencryptTreatments>>) => void,
): Promise<RotationResult> {
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
      const wishes = await tx.waitlistWish.findMany({
        where: { noteCipher: { not: null } },
        select: { id: true, noteCipher: true },
      });
      for (const w of wishes) {
        await tx.waitlistWish.update({ where: { id: w.id }, data: { noteCipher: reencrypt(w.noteCipher) } });
      }
      const tests = await tx.patchTest.findMany({
        where: { notesCipher: { not: null } },
        select: { id: true, notesCipher: true },
      });
      for (const p of tests) {
        await tx.patchTest.update({ where: { id: p.id }, data: { notesCipher: reencrypt(p.notesCipher) } });
      }
      const treatments = await reencryptTreatments(tx, from, to, treatmentsDir);
      onFiles(treatments);
      await tx.encryptionKeyState.upsert({
        where: { id: 1 },
        update: { fingerprint: to.fingerprint, rotatedAt: new Date() },
        create: { id: 1, fingerprint: to.fingerprint },
      });
      return {
        customers,
        bookings: guests.length,
        others: {
          waitlistNotes: wishes.length,
          patchTests: tests.length,
          treatments: treatments.records,
          photos: treatments.photos,
        },
      };
    },
    { timeout: 600_000, maxWait: 10_000 },
  );
}
