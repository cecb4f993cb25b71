import { randomBytes } from "node:crypto";
import * as fcheck from "fast-check";
import { describe, expect, it } from "vitest";
import { createFieldCrypto, DecryptionError } from "./field-crypto.ts";

describe("field crypto", () => {
  const fc = createFieldCrypto(randomBytes(32));

  it("decrypts many values at once as decrypt does one by one (any length, any characters)", () => {
    fcheck.assert(
      fcheck.property(fcheck.array(fcheck.string({ unit: "grapheme", maxLength: 80 }), { maxLength: 20 }), (texts) => {
        const ciphers = texts.map((t) => fc.encrypt(t));
        expect(fc.decryptManyUnverified(ciphers)).toEqual(ciphers.map((c) => fc.decrypt(c)));
      }),
      { numRuns: 200 },
    );
    const long = "Ñ".repeat(5000);
    expect(fc.decryptManyUnverified([fc.encrypt(long), fc.encrypt("")])).toEqual([long, ""]);
    expect(() => fc.decryptManyUnverified([new Uint8Array(5)])).toThrow(DecryptionError);
  });

  it("name tokens use their own subkey: not the phone blind index, different under another key", () => {
    expect(fc.nameToken("gar").equals(Buffer.from(fc.blindIndex("gar")))).toBe(false);
    expect(fc.nameToken("gar").equals(fc.nameToken("gar"))).toBe(true);
    expect(createFieldCrypto(randomBytes(32)).nameToken("gar").equals(fc.nameToken("gar"))).toBe(false);
  });
});
