// Before/after photos of a treatment (issue #21). An upload is checked to really be an image by
// decoding it with sharp (libvips), turned upright by its EXIF orientation, scaled to at most
// MAX_SIDE px a side and re-encoded as JPEG, which drops every metadata chunk (a phone photo's EXIF
// carries the GPS position of where it was taken). The result is encrypted with the field crypto and
// written under <CITA_DATA_DIR>/treatments with a random name (no personal data in it). There is no
// URL to it: staff read it through the authorized `treatments.photo` query, as a data URL.
// Erase removes the files (removeTreatmentFiles), export inlines them (photoBase64).

import { randomBytes } from "node:crypto";
import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TREATMENT_PHOTO_MAX_BYTES, TREATMENT_PHOTOS_PER_RECORD, type TreatmentExportDto } from "@cita/shared";
import { recordWrite, type Scope } from "../audit/scope.ts";
import { TREATMENT_FILE_NAME } from "../config/data-dir.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { TreatmentPhotoKind } from "../generated/prisma/enums.ts";
import { decryptFormula, deleteTreatmentRows } from "./treatments.ts";

/** Longest side of a stored photo. */
export const MAX_SIDE = 1600;
/** Decompression bombs: a small file claiming gigapixels is refused from its header. */
const MAX_INPUT_PIXELS = 100_000_000;
/** Formats libvips decodes that a phone or camera produces; anything else (SVG, PDF…) is refused. */
const DECODABLE = new Set(["jpeg", "png", "webp", "heif", "avif", "tiff", "gif"]);

export interface PhotoStore {
  /** <CITA_DATA_DIR>/treatments */
  dir: string;
}

export { treatmentsDirOf } from "../config/data-dir.ts";

function pathOf(store: PhotoStore, storageKey: string): string {
  if (!TREATMENT_FILE_NAME.test(storageKey)) throw new AppError("NOT_FOUND", "Photo not found");
  return join(store.dir, storageKey);
}

let loaded: Promise<typeof import("sharp")> | null = null;
async function sharpLib() {
  loaded ??= import("sharp");
  return (await loaded).default;
}

/** The uploaded base64 (or data: URL) as bytes, within the size limit. */
export function decodeUpload(dataBase64: string): Buffer {
  const payload = dataBase64.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, "").replace(/\s+/g, "");
  if (!payload || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) {
    throw new AppError("BAD_INPUT", "dataBase64: must be a base64-encoded image");
  }
  const bytes = Buffer.from(payload, "base64");
  if (bytes.length > TREATMENT_PHOTO_MAX_BYTES)
    throw new AppError("BAD_INPUT", "dataBase64: The photo is larger than 8 MB");
  return bytes;
}

/** Decodes, orients, downsizes and re-encodes an image (no metadata survives). BAD_INPUT when it is not one. */
export async function normaliseImage(input: Buffer): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const sharp = await sharpLib();
  let format: string | undefined;
  try {
    format = (await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format;
  } catch {
    format = undefined;
  }
  if (!format || !DECODABLE.has(format)) {
    throw new AppError("BAD_INPUT", "dataBase64: This file is not a photo (JPEG, PNG, WebP or HEIC)");
  }
  try {
    const { data, info } = await sharp(input, { autoOrient: true, limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" })
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { jpeg: data, width: info.width, height: info.height };
  } catch {
    throw new AppError("BAD_INPUT", "dataBase64: The photo cannot be read (damaged or not an image)");
  }
}

const encryptFile = (fc: FieldCrypto, bytes: Buffer) => fc.encrypt(bytes.toString("base64"));
const decryptFile = (fc: FieldCrypto, stored: Buffer) => Buffer.from(fc.decrypt(stored), "base64");

export interface PhotoUpload {
  recordId: string;
  kind: TreatmentPhotoKind;
  dataBase64: string;
}

export async function uploadTreatmentPhoto(
  scope: Scope,
  store: PhotoStore,
  input: PhotoUpload,
): Promise<{ id: string; kind: TreatmentPhotoKind; mimeType: string; bytes: number; createdAt: string }> {
  const raw = decodeUpload(input.dataBase64);
  // Cheap checks first (the record exists, has room), then the decoding.
  const record = await scope.db.treatmentRecord.findUnique({
    where: { id: input.recordId },
    select: { id: true, customerId: true, _count: { select: { photos: true } } },
  });
  if (!record) throw new AppError("NOT_FOUND", "Treatment record not found");
  if (record._count.photos >= TREATMENT_PHOTOS_PER_RECORD) {
    throw new AppError("PRECONDITION_FAILED", `A record holds at most ${TREATMENT_PHOTOS_PER_RECORD} photos`);
  }
  const { jpeg } = await normaliseImage(raw);
  const storageKey = `${randomBytes(16).toString("hex")}.enc`;
  const path = pathOf(store, storageKey);
  await mkdir(store.dir, { recursive: true, mode: 0o700 });
  await writeFile(path, encryptFile(scope.fc, jpeg), { mode: 0o600 });
  try {
    return await scope.db.$transaction(async (tx: Tx) => {
      const r = await tx.treatmentRecord.findUnique({
        where: { id: input.recordId },
        select: { customer: { select: { erasedAt: true } }, _count: { select: { photos: true } } },
      });
      if (!r) throw new AppError("NOT_FOUND", "Treatment record not found");
      if (r.customer.erasedAt) throw new AppError("PRECONDITION_FAILED", "This customer's data has been erased");
      if (r._count.photos >= TREATMENT_PHOTOS_PER_RECORD) {
        throw new AppError("PRECONDITION_FAILED", `A record holds at most ${TREATMENT_PHOTOS_PER_RECORD} photos`);
      }
      const photo = await tx.treatmentPhoto.create({
        data: { recordId: input.recordId, kind: input.kind, storageKey, mimeType: "image/jpeg", bytes: jpeg.length },
      });
      await tx.treatmentRecord.update({ where: { id: input.recordId }, data: { version: { increment: 1 } } });
      await recordWrite(tx, scope, {
        action: "treatment.photo_added",
        entityType: "customer",
        entityId: record.customerId,
        audit: { recordId: input.recordId, photoId: photo.id, kind: input.kind, bytes: jpeg.length },
        change: { event: "treatment_photo_added", recordId: input.recordId },
      });
      return {
        id: photo.id,
        kind: photo.kind,
        mimeType: photo.mimeType,
        bytes: photo.bytes,
        createdAt: photo.createdAt.toISOString(),
      };
    });
  } catch (e) {
    await unlink(path).catch(() => {});
    throw e;
  }
}

/** A photo as a data URL, for staff allowed to read treatments (never a public URL). */
export async function treatmentPhotoData(
  scope: Scope,
  store: PhotoStore,
  photoId: string,
): Promise<{ id: string; kind: TreatmentPhotoKind; mimeType: string; dataUrl: string }> {
  const p = await scope.db.treatmentPhoto.findUnique({ where: { id: photoId } });
  if (!p) throw new AppError("NOT_FOUND", "Photo not found");
  let stored: Buffer;
  try {
    stored = await readFile(pathOf(store, p.storageKey));
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("NOT_FOUND", "The photo's file is no longer on the server");
  }
  const bytes = decryptFile(scope.fc, stored);
  return {
    id: p.id,
    kind: p.kind,
    mimeType: p.mimeType,
    dataUrl: `data:${p.mimeType};base64,${bytes.toString("base64")}`,
  };
}

export async function deleteTreatmentPhoto(
  scope: Scope,
  store: PhotoStore,
  photoId: string,
): Promise<{ photoId: string; deleted: true }> {
  const storageKey = await scope.db.$transaction(async (tx: Tx) => {
    const p = await tx.treatmentPhoto.findUnique({
      where: { id: photoId },
      select: { id: true, recordId: true, storageKey: true, record: { select: { customerId: true } } },
    });
    if (!p) throw new AppError("NOT_FOUND", "Photo not found");
    await tx.treatmentPhoto.delete({ where: { id: p.id } });
    await tx.treatmentRecord.update({ where: { id: p.recordId }, data: { version: { increment: 1 } } });
    await recordWrite(tx, scope, {
      action: "treatment.photo_deleted",
      entityType: "customer",
      entityId: p.record.customerId,
      audit: { recordId: p.recordId, photoId: p.id },
      change: { event: "treatment_photo_deleted", recordId: p.recordId },
    });
    return p.storageKey;
  });
  await removeTreatmentFiles(store.dir, [storageKey]);
  return { photoId, deleted: true };
}

/** Deletes a record (rows in one transaction) and then its photo files. */
export async function deleteTreatmentWithPhotos(
  scope: Scope,
  store: PhotoStore,
  input: { recordId: string; version: number },
): Promise<{ recordId: string; deleted: true; photos: number }> {
  const { storageKeys } = await deleteTreatmentRows(scope, input);
  await removeTreatmentFiles(store.dir, storageKeys);
  return { recordId: input.recordId, deleted: true, photos: storageKeys.length };
}

/** Removes photo files by storage key (only well-formed names inside `dir`); returns how many went. */
export async function removeTreatmentFiles(dir: string | null | undefined, storageKeys: string[]): Promise<number> {
  if (!dir) return 0;
  let n = 0;
  for (const key of storageKeys) {
    if (!TREATMENT_FILE_NAME.test(key)) continue;
    try {
      await unlink(join(dir, key));
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

/** A stored photo decrypted, as base64 (the export); null when its file is gone. */
export async function photoBase64(
  fc: FieldCrypto,
  dir: string | null | undefined,
  storageKey: string,
): Promise<string | null> {
  if (!dir || !TREATMENT_FILE_NAME.test(storageKey)) return null;
  try {
    return decryptFile(fc, await readFile(join(dir, storageKey))).toString("base64");
  } catch {
    return null;
  }
}

// ─────────────── Export and erase (customers/export.ts, customers/erase.ts) ───────────────

/** Every record of these customers (a person and the records merged into them), oldest first, photos inline. */
export async function exportTreatments(
  fc: FieldCrypto,
  db: Pick<Tx, "treatmentRecord">,
  customerIds: string[],
  dir: string | null,
): Promise<TreatmentExportDto[]> {
  const rows = await db.treatmentRecord.findMany({
    where: { customerId: { in: customerIds } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: { staff: { select: { displayName: true } }, photos: { orderBy: { createdAt: "asc" } } },
  });
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      bookingId: r.bookingId,
      staffName: r.staff?.displayName ?? null,
      formula: decryptFormula(fc, r.formulaCipher),
      notes: r.notesCipher ? fc.decrypt(r.notesCipher) : null,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      photos: await Promise.all(
        r.photos.map(async (p) => ({
          kind: p.kind,
          mimeType: p.mimeType,
          bytes: p.bytes,
          dataBase64: await photoBase64(fc, dir, p.storageKey),
        })),
      ),
    })),
  );
}

/** Deletes these customers' records (photo rows cascade) inside the erase's transaction; the files to remove after it. */
export async function eraseTreatmentRows(
  tx: Pick<Tx, "treatmentPhoto" | "treatmentRecord">,
  customerIds: string[],
): Promise<{ records: number; storageKeys: string[] }> {
  const photos = await tx.treatmentPhoto.findMany({
    where: { record: { customerId: { in: customerIds } } },
    select: { storageKey: true },
  });
  const { count } = await tx.treatmentRecord.deleteMany({ where: { customerId: { in: customerIds } } });
  return { records: count, storageKeys: photos.map((p) => p.storageKey) };
}

// ─────────────── Key rotation (crypto/rotate-key.ts) ───────────────

/**
 * Re-encrypts every treatment record (formula, notes) under `to` inside the rotation's transaction,
 * and every photo file as a NEW file (new random name) that its row points to in the same
 * transaction. After the transaction, `done(true)` removes the old files (committed) or `done(false)`
 * the new ones (rolled back): either way no row names a missing file and no file outlives its key.
 */
export async function reencryptTreatments(
  tx: Pick<Tx, "treatmentRecord" | "treatmentPhoto">,
  from: FieldCrypto,
  to: FieldCrypto,
  dir: string | null,
): Promise<{ records: number; photos: number; done(committed: boolean): Promise<void> }> {
  const again = (b: Uint8Array | null) => (b ? to.encrypt(from.decrypt(b)) : null);
  const records = await tx.treatmentRecord.findMany({ select: { id: true, formulaCipher: true, notesCipher: true } });
  for (const r of records) {
    await tx.treatmentRecord.update({
      where: { id: r.id },
      data: { formulaCipher: again(r.formulaCipher)!, notesCipher: again(r.notesCipher) },
    });
  }
  const written: string[] = [];
  const replaced: string[] = [];
  const photos = dir ? await tx.treatmentPhoto.findMany({ select: { id: true, storageKey: true } }) : [];
  try {
    for (const p of photos) {
      let stored: Buffer;
      try {
        stored = await readFile(pathOf({ dir: dir! }, p.storageKey));
      } catch {
        continue; // the file is gone already: nothing to carry over
      }
      const key = `${randomBytes(16).toString("hex")}.enc`;
      await writeFile(join(dir!, key), encryptFile(to, decryptFile(from, stored)), { mode: 0o600 });
      written.push(key);
      await tx.treatmentPhoto.update({ where: { id: p.id }, data: { storageKey: key } });
      replaced.push(p.storageKey);
    }
  } catch (e) {
    await removeTreatmentFiles(dir, written);
    throw e;
  }
  return {
    records: records.length,
    photos: written.length,
    done: async (committed) => {
      await removeTreatmentFiles(dir, committed ? replaced : written);
    },
  };
}
