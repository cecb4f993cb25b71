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
  decryptManyUnverified(ciphers: Uint8Array[] | PackedCiphers): string[];
  /** Short public fingerprint of the key (safe to store and log). */
  fingerprint: string;
}

/** Ciphertexts side by side in one buffer: the i-th is buf[spans[2i] … spans[2i + 1]). */
export interface PackedCiphers {
  buf: Uint8Array;
  spans: Uint32Array;
}

function pack(ciphers: Uint8Array[]): PackedCiphers {
  const buf = Buffer.concat(ciphers);
  const spans = new Uint32Array(ciphers.length * 2);
  let at = 0;
  ciphers.forEach((c, i) => {
    spans[2 * i] = at;
    at += c.length;
    spans[2 * i + 1] = at;
  });
  return { buf, spans };
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
      const { buf, spans } = Array.isArray(ciphers) ? pack(ciphers) : ciphers;
      const count = spans.length / 2;
      const overhead = 1 + NONCE_BYTES + TAG_BYTES;
      let blocks = 0;
      let bytes = 0;
      for (let k = 0; k < count; k++) {
        const len = spans[2 * k + 1]! - spans[2 * k]! - overhead;
        if (len < 0 || buf[spans[2 * k]!] !== FORMAT_V1) throw new DecryptionError("unknown ciphertext format");
        blocks += Math.ceil(len / 16);
        bytes += len;
      }
      const counters = Buffer.alloc(blocks * 16);
      let at = 0;
      for (let k = 0; k < count; k++) {
        const start = spans[2 * k]!;
        const n = Math.ceil((spans[2 * k + 1]! - start - overhead) / 16);
        const nonce = buf.subarray(start + 1, start + 1 + NONCE_BYTES);
        for (let i = 0; i < n; i++, at += 16) {
          counters.set(nonce, at);
          counters.writeUInt32BE(i + 2, at + NONCE_BYTES);
        }
      }
      const ecb = createCipheriv("aes-256-ecb", encKey, null).setAutoPadding(false);
      const stream = Buffer.concat([ecb.update(counters), ecb.final()]);
      const plain = Buffer.allocUnsafe(bytes);
      const out: string[] = new Array(count);
      let s = 0;
      let p = 0;
      for (let k = 0; k < count; k++) {
        const body = spans[2 * k]! + 1 + NONCE_BYTES;
        const len = spans[2 * k + 1]! - body - TAG_BYTES;
        for (let i = 0; i < len; i++) plain[p + i] = buf[body + i]! ^ stream[s + i]!;
        out[k] = plain.toString("utf8", p, p + len);
        p += len;
        s += Math.ceil(len / 16) * 16;
      }
      return out;
    },
  };
}
