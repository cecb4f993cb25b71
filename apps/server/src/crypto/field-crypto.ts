// Personal data at rest: AES-256-GCM per value, plus an HMAC blind index for exact lookups
// (a phone number can be found without ever storing it in clear).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";

const FORMAT_V1 = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface FieldCrypto {
  encrypt(plain: string): Uint8Array<ArrayBuffer>;
  decrypt(cipher: Uint8Array): string;
  /** Deterministic keyed hash of an already-normalised value. */
  blindIndex(normalised: string): Uint8Array<ArrayBuffer>;
  /** Short public fingerprint of the key (safe to store and log). */
  fingerprint: string;
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

export function createFieldCrypto(masterKey: Buffer): FieldCrypto {
  if (masterKey.length !== 32) throw new Error("data key must be 32 bytes");
  // Separate subkeys, so the blind index never reuses the encryption key.
  const encKey = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "cita/field-encryption/v1", 32));
  const macKey = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "cita/blind-index/v1", 32));
  const fingerprint = createHash("sha256").update("cita/key-fingerprint").update(masterKey).digest("hex").slice(0, 16);

  return {
    fingerprint,
    encrypt(plain) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", encKey, nonce);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return new Uint8Array(Buffer.concat([Buffer.from([FORMAT_V1]), nonce, body, cipher.getAuthTag()]));
    },
    decrypt(data) {
      const buf = Buffer.from(data);
      if (buf.length < 1 + NONCE_BYTES + TAG_BYTES || buf[0] !== FORMAT_V1) {
        throw new DecryptionError("unknown ciphertext format");
      }
      const nonce = buf.subarray(1, 1 + NONCE_BYTES);
      const tag = buf.subarray(buf.length - TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", encKey, nonce);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([
          decipher.update(buf.subarray(1 + NONCE_BYTES, buf.length - TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new DecryptionError("ciphertext does not match the data key");
      }
    },
    blindIndex(normalised) {
      return new Uint8Array(createHmac("sha256", macKey).update(normalised, "utf8").digest());
    },
  };
}
