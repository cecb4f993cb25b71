import { randomBytes } from "node:crypto";
import * as fcheck from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../audit/scope.ts";
import { demoFixture } from "../audit/test-fixture.ts";
import { createFieldCrypto, type FieldCrypto } from "../crypto/field-crypto.ts";
import { rotateDataKey } from "../crypto/rotate-key.ts";
import { upsertCustomersByPhone } from "./customer-store.ts";
import { createCustomer, matchCustomersByName, searchCustomers, updateCustomer } from "./customers.ts";
import { eraseCustomer } from "./erase.ts";
import { mergeCustomers } from "./merge.ts";
import {
  backfillNameTokens,
  foldName,
  foldNames,
  NAME_TOKEN_BITS,
  nameFragments,
  nameTokens,
  queryTokens,
} from "./name-index.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
let scope: Scope;
beforeAll(async () => {
  f = await demoFixture();
  scope = {
    db: f.t.db,
    fc: f.t.fc,
    clock: f.clock,
    actor: { type: "staff", id: f.ids.owner },
    role: "owner",
    locationId: f.locationId,
  };
});
afterAll(() => f.t.drop());

/** What search did before the index: decrypt every live customer's name. */
async function fullScan(s: Scope, query: string): Promise<{ id: string; folded: string }[]> {
  const needle = foldName(query);
  const rows = await s.db.customer.findMany({
    where: { erasedAt: null, mergedIntoId: null, nameCipher: { not: null } },
    select: { id: true, nameCipher: true },
  });
  return rows
    .map((r) => ({ id: r.id, folded: foldName(s.fc.decrypt(r.nameCipher!)) }))
    .filter((r) => r.folded.includes(needle))
    .sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : a.id < b.id ? -1 : 1));
}

const tokensOf = async (id: string) =>
  (await f.t.db.customer.findUniqueOrThrow({ where: { id }, select: { nameTokens: true } })).nameTokens;

async function names(s: Scope, query: string): Promise<string[]> {
  return (await matchCustomersByName(s.db, s.fc, query)).map((m) => m.id);
}

const PARTS = [
  "María",
  "maria",
  "José",
  "Íñigo",
  "Nuñez",
  "Muñoz",
  "Ñandú",
  "Álvarez",
  "Pérez-Reverte",
  "García-Lorca",
  "O'Brien",
  "de la Fuente",
  "Zoë",
  "François",
  "Ana",
  "Luz",
  "Li",
  "A",
  "Jean-Luc",
  "Çelik",
  "Øster",
];
let phoneSeq = 0;
const nextPhone = () => `+34611${String(++phoneSeq).padStart(6, "0")}`;

describe("name tokens", () => {
  it("are short keyed hashes of 2- and 3-character fragments, different under another key", () => {
    expect(nameFragments("ana li")).toEqual(["an", "ana", "na", "na ", "a ", "a l", " l", " li", "li"]);
    const tokens = nameTokens(f.t.fc, "Ana Li");
    expect(tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 2 ** NAME_TOKEN_BITS)).toBe(true);
    expect(tokens).toEqual([...new Set(tokens)].sort((a, b) => a - b));
    expect(nameTokens(f.t.fc, "ÁNA  li")).toEqual(tokens);
    expect(nameTokens(createFieldCrypto(randomBytes(32)), "Ana Li")).not.toEqual(tokens);
    expect(queryTokens(f.t.fc, "a")).toBeNull();
    expect(queryTokens(f.t.fc, "")).toBeNull();
    expect(queryTokens(f.t.fc, "an")).toHaveLength(1);
    // Every query token is one of the name's.
    for (const q of ["an", "ana", "na l", "ana li"]) {
      expect(queryTokens(f.t.fc, q)!.every((t) => tokens.includes(t))).toBe(true);
    }
  });

  it("folds many names at once exactly as one by one", () => {
    const text = fcheck.oneof(
      fcheck.string({ unit: "grapheme", maxLength: 12 }),
      fcheck.string({
        unit: fcheck.constantFrom("Σ", "σ", "ς", "A", "\u0301", " ", "\t", "\n", "ß", "İ", "\u0000"),
        maxLength: 8,
      }),
      fcheck.constantFrom(...PARTS),
      // Latin-1 and Latin Extended-A only: the per-character path.
      fcheck.string({ unit: fcheck.integer({ min: 1, max: 0x17f }).map((n) => String.fromCharCode(n)), maxLength: 12 }),
    );
    fcheck.assert(
      fcheck.property(fcheck.array(text, { maxLength: 30 }), (texts) => {
        expect(foldNames(texts)).toEqual(texts.map(foldName));
      }),
      { numRuns: 500 },
    );
  });
});

describe("name search through the index", () => {
  it("finds exactly what decrypting every customer finds, over random names", async () => {
    const arbName = fcheck
      .array(fcheck.constantFrom(...PARTS), { minLength: 1, maxLength: 4 })
      .chain((parts) =>
        fcheck
          .array(fcheck.constantFrom(" ", "  ", " - ", "-"), { minLength: parts.length, maxLength: parts.length })
          .map((seps) => parts.map((p, i) => (i ? seps[i] : "") + p).join("")),
      );
    const generated = fcheck.sample(arbName, { numRuns: 240, seed: 18 });
    // Half through the console, half through the bulk path inbound messages take.
    for (const name of generated.slice(0, 120)) await createCustomer(scope, { phone: nextPhone(), name });
    await f.t.db.$transaction((tx) =>
      upsertCustomersByPhone(
        tx,
        f.t.fc,
        generated.slice(120).map((name) => ({ phone: nextPhone(), name })),
      ),
    );

    const queries = new Set<string>(["a", "ñ", "n", "an", "ez", "-", " - ", "mar", "MARÍA", "nunez", "xyz", "zzz"]);
    queries.add("de la fuente").add("o'b").add("perez-rev").add("øs").add("ç").add("zoe").add("garcia-lorca jose");
    const folded = generated.map(foldName);
    const rnd = fcheck.sample(fcheck.tuple(fcheck.nat(239), fcheck.nat(30), fcheck.integer({ min: 1, max: 12 })), {
      numRuns: 120,
      seed: 7,
    });
    for (const [i, start, len] of rnd) queries.add(folded[i]!.slice(start, start + len) || "a");
    for (const q of queries) {
      expect(await names(scope, q), q).toEqual((await fullScan(scope, q)).map((m) => m.id));
    }
  });

  it("pages like before: the same order, no repeats or gaps", async () => {
    const all = (await fullScan(scope, "ar")).map((m) => m.id);
    expect(all.length).toBeGreaterThan(20);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof searchCustomers>> = await searchCustomers(scope, {
        query: "AR",
        limit: 9,
        cursor,
      });
      expect(page.matchedBy).toBe("name");
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("pages through equal names by id", async () => {
    for (let i = 0; i < 7; i++)
      await createCustomer(scope, { phone: nextPhone(), name: i % 2 ? "Zacarías Zúñiga" : "zacarias ZUÑIGA" });
    const all = (await fullScan(scope, "zacarias zu")).map((m) => m.id);
    expect(all).toHaveLength(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof searchCustomers>> = await searchCustomers(scope, {
        query: "Zacarías Zu",
        limit: 2,
        cursor,
      });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("follows a rename", async () => {
    const c = await createCustomer(scope, { phone: nextPhone(), name: "Wilhelmina Quackenbush" });
    expect(await names(scope, "quacken")).toEqual([c.id]);
    await updateCustomer(scope, { customerId: c.id, version: c.version, name: "Wilma Flintstone" });
    expect(await names(scope, "quacken")).toEqual([]);
    expect(await names(scope, "flintst")).toEqual([c.id]);
  });

  it("an erased customer's tokens are deleted with her name", async () => {
    const c = await createCustomer(scope, { phone: nextPhone(), name: "Ermengarda Borrada" });
    expect((await tokensOf(c.id)).length).toBeGreaterThan(10);
    await eraseCustomer(scope, { customerId: c.id, version: c.version });
    expect(await tokensOf(c.id)).toEqual([]);
    expect(await names(scope, "ermengarda")).toEqual([]);
  });

  it("a merged-away record is not found by name; a survivor without a name takes the duplicate's tokens", async () => {
    const survivor = await createCustomer(scope, { phone: nextPhone(), name: "Petronila Sobreviviente" });
    const duplicate = await createCustomer(scope, { phone: nextPhone(), name: "Petronila Duplicada" });
    await mergeCustomers(scope, {
      survivorId: survivor.id,
      duplicateId: duplicate.id,
      expectedVersions: { survivor: survivor.version, duplicate: duplicate.version },
    });
    expect(await names(scope, "petronila")).toEqual([survivor.id]);
    expect(await names(scope, "duplicada")).toEqual([]);
    expect(await tokensOf(duplicate.id)).toEqual([]);

    // A customer who wrote in (no name yet) merged with the one the desk typed in.
    const { survivorId } = await f.t.db.$transaction(async (tx) => {
      const m = await upsertCustomersByPhone(tx, f.t.fc, [{ phone: nextPhone() }]);
      return { survivorId: [...m.values()][0]!.customer.id };
    });
    const named = await createCustomer(scope, { phone: nextPhone(), name: "Filomena Tecleada" });
    const nameless = await f.t.db.customer.findUniqueOrThrow({ where: { id: survivorId } });
    await mergeCustomers(scope, {
      survivorId,
      duplicateId: named.id,
      expectedVersions: { survivor: nameless.version, duplicate: named.version },
    });
    expect(await names(scope, "filomena")).toEqual([survivorId]);
    expect(await tokensOf(survivorId)).toEqual(nameTokens(f.t.fc, "Filomena Tecleada"));
  });

  it("start-up computes the tokens of customers who have none, once", async () => {
    const snapshot = () =>
      f.t.db.customer.findMany({ orderBy: { id: "asc" }, select: { id: true, nameTokens: true, version: true } });
    const before = await snapshot();
    expect(await backfillNameTokens(f.t.db, f.t.fc)).toBe(0);
    // As the migration leaves them: no tokens yet.
    const ids = (await f.t.db.customer.findMany({ where: { nameCipher: { not: null } }, take: 30 })).map((c) => c.id);
    await f.t.db.$executeRaw`UPDATE customer SET name_tokens = NULL WHERE id = ANY(${ids}::uuid[])`;
    expect(await names(scope, "maría")).toEqual(
      (await fullScan(scope, "maría")).filter((m) => !ids.includes(m.id)).map((m) => m.id),
    );
    expect(await backfillNameTokens(f.t.db, f.t.fc, 7)).toBe(30);
    expect(await snapshot()).toEqual(before);
    expect(await backfillNameTokens(f.t.db, f.t.fc)).toBe(0);
  });

  it("key rotation recomputes every token, and search works under the new key", async () => {
    const all = () =>
      f.t.db.customer.findMany({ where: { nameCipher: { not: null } }, select: { id: true, nameTokens: true } });
    const before = new Map((await all()).map((r) => [r.id, JSON.stringify(r.nameTokens)]));
    const to: FieldCrypto = createFieldCrypto(randomBytes(32));
    await rotateDataKey(f.t.db, f.t.fc, to);
    const after = await all();
    expect(after.length).toBe(before.size);
    const changed = after.filter((r) => r.nameTokens.length && JSON.stringify(r.nameTokens) !== before.get(r.id));
    expect(changed.length).toBeGreaterThan(after.filter((r) => r.nameTokens.length).length * 0.9);
    for (const r of after) {
      const c = await f.t.db.customer.findUniqueOrThrow({ where: { id: r.id } });
      expect(r.nameTokens).toEqual(nameTokens(to, to.decrypt(c.nameCipher!)));
    }
    const rotated = { ...scope, fc: to };
    for (const q of ["maría", "nunez", "ar", "petronila", "o'b", "a"]) {
      expect(await names(rotated, q), q).toEqual((await fullScan(rotated, q)).map((m) => m.id));
    }
    expect(await names(rotated, "flintst")).toHaveLength(1);
    expect(await names(scope, "flintst")).toEqual([]); // the old key's tokens find nothing
    scope = rotated;
  });
});
