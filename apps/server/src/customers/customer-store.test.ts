import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { rotateDataKey } from "../crypto/rotate-key.ts";
import { checkDataKey } from "../db/database.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { findCustomerByPhone, upsertCustomerByPhone, viewCustomer } from "./customer-store.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await checkDataKey(t.db, t.fc);
});
afterAll(() => t.drop());

async function rawDump(): Promise<string> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  const { rows } = await c.query("SELECT * FROM customer");
  await c.end();
  // Everything the table holds, bytes decoded as text in both common encodings.
  return rows
    .flatMap((r) => Object.values(r))
    .map((v) => (Buffer.isBuffer(v) ? `${v.toString("utf8")}${v.toString("latin1")}${v.toString("hex")}` : String(v)))
    .join("|");
}

describe("customer personal data at rest", () => {
  it("stores phone and name only as ciphertext, and finds the customer by phone", async () => {
    const { customer, created } = await t.db.$transaction((tx) =>
      upsertCustomerByPhone(tx, t.fc, { phone: "+34 600 123 456", name: "Lucía Fernández", language: "es" }),
    );
    expect(created).toBe(true);
    const dump = await rawDump();
    expect(dump).not.toContain("600123456");
    expect(dump).not.toContain(Buffer.from("600123456").toString("hex"));
    expect(dump).not.toContain("Lucía");
    expect(dump).not.toContain("Fern");

    const found = await findCustomerByPhone(t.db, t.fc, "0034600123456");
    expect(found?.id).toBe(customer.id);
    expect(viewCustomer(t.fc, found!)).toMatchObject({ phone: "+34600123456", name: "Lucía Fernández" });
  });

  it("returns the same customer for the same phone instead of creating another", async () => {
    const again = await t.db.$transaction((tx) => upsertCustomerByPhone(tx, t.fc, { phone: "+34600123456" }));
    expect(again.created).toBe(false);
    expect(await t.db.customer.count()).toBe(1);
  });

  it("rejects a phone number that is not E.164", async () => {
    await expect(t.db.$transaction((tx) => upsertCustomerByPhone(tx, t.fc, { phone: "hello" }))).rejects.toThrow(
      /not a phone number/,
    );
  });

  it("re-encrypts everything under a new key; the old key is then refused", async () => {
    const next = createFieldCrypto(randomBytes(32));
    const before = await rawDump();
    expect(await rotateDataKey(t.db, t.fc, next)).toMatchObject({ customers: 1, bookings: 0 });
    expect(await rawDump()).not.toEqual(before);
    const found = await findCustomerByPhone(t.db, next, "+34600123456");
    expect(viewCustomer(next, found!).name).toBe("Lucía Fernández");
    expect(await findCustomerByPhone(t.db, t.fc, "+34600123456")).toBeNull();
    await expect(checkDataKey(t.db, t.fc)).rejects.toThrow(/CITA_DATA_KEY does not match/);
    await expect(rotateDataKey(t.db, t.fc, next)).rejects.toThrow(/does not match/);
  });
});
