// Personal data at rest: AES-256-GCM per value, plus an HMAC blind index for exact lookups
// (a phone number can be found without ever storing it in clear).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
} from "node:crypto";

const FORMAT_V1 = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface FieldCrypto {
  encrypt(plain: string): Uint8Array<ArrayBuffer>;
  decrypt(cipher: Uint8Array): string;
  /** Deterministic keyed hash of an already-normalised value. */
  blindIndex(normalised: string): Uint8Array<ArrayBuffer>;
  /**
   * Keyed hash of a name fragment, under its own subkey (customers/name-index.ts truncates it to a
   * short token): a name token can never be compared with a phone's blind index.
   */
  nameToken(fragment: string): Buffer;
  /**
   * Many ciphertexts at once, WITHOUT checking their authentication tags (one AES call for all
   * of them instead of one GCM context each): only for narrowing a search down (customers.ts).
   * Anything shown or acted on must come from decrypt(), which checks the tag.
   */
  decryptManyUnverified(ciphers: Uint8Array[]): string[];
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
  const nameKey = createSecretKey(
    Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "cita/name-token/v1", 32)),
  );
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
    nameToken(fragment) {
      return createHmac("sha256", nameKey).update(fragment, "utf8").digest();
    },
    decryptManyUnverified(ciphers) {
      // GCM encrypts with AES-CTR: keystream block i is AES(nonce ‖ be32(i + 2)). All blocks of all
      // values go through one ECB call, then are XORed with the bodies.
      const overhead = 1 + NONCE_BYTES + TAG_BYTES;
      let blocks = 0;
      let bytes = 0;
      for (const c of ciphers) {
        if (c.length < overhead || c[0] !== FORMAT_V1) throw new DecryptionError("unknown ciphertext format");
        blocks += Math.ceil((c.length - overhead) / 16);
        bytes += c.length - overhead;
      }
      const counters = Buffer.alloc(blocks * 16);
      let at = 0;
      for (const c of ciphers) {
        const nonce = c.subarray(1, 1 + NONCE_BYTES);
        const n = Math.ceil((c.length - overhead) / 16);
        for (let i = 0; i < n; i++, at += 16) {
          counters.set(nonce, at);
          counters.writeUInt32BE(i + 2, at + NONCE_BYTES);
        }
      }
      const ecb = createCipheriv("aes-256-ecb", encKey, null).setAutoPadding(false);
      const stream = Buffer.concat([ecb.update(counters), ecb.final()]);
      const plain = Buffer.allocUnsafe(bytes);
      const out: string[] = [];
      let s = 0;
      let p = 0;
      for (const c of ciphers) {
        const len = c.length - overhead;
        for (let i = 0; i < len; i++) plain[p + i] = c[1 + NONCE_BYTES + i]! ^ stream[s + i]!;
        out.push(plain.toString("utf8", p, p + len));
        p += len;
        s += Math.ceil(len / 16) * 16;
      }
      return out;
    },
  };
}
