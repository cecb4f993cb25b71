// pnpm db:rotate-key — re-encrypts all personal data under a new key.
// With CITA_DATA_KEY set: pass the new key as CITA_NEW_DATA_KEY, then deploy it as CITA_DATA_KEY.
// On the embedded default (key file in the data dir): a new key is generated and the file replaced
// after the database commit; the old key is kept as data-key.previous.
import { randomBytes } from "node:crypto";
import { copyFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { treatmentsDirOf } from "../../config/data-dir.ts";
import { createFieldCrypto } from "../../crypto/field-crypto.ts";
import { loadSecrets } from "../../crypto/keys.ts";
import { rotateDataKey } from "../../crypto/rotate-key.ts";
import { createDb } from "../client.ts";
import { withDatabaseUrl } from "./shared.ts";

await withDatabaseUrl(async (url, { config }) => {
  const current = createFieldCrypto((await loadSecrets(config)).dataKey);
  const fromEnv = process.env.CITA_NEW_DATA_KEY;
  if (config.CITA_DATA_KEY && !fromEnv)
    throw new Error("CITA_NEW_DATA_KEY must be set (32 bytes, base64) when CITA_DATA_KEY is used");
  const newKey = fromEnv ?? randomBytes(32).toString("base64");
  if (Buffer.from(newKey, "base64").length !== 32)
    throw new Error("CITA_NEW_DATA_KEY must be 32 bytes, base64-encoded");
  const next = createFieldCrypto(Buffer.from(newKey, "base64"));
  const db = createDb(url);
  try {
    const keyFile = join(config.CITA_DATA_DIR, "data-key");
    if (!config.CITA_DATA_KEY) await writeFile(`${keyFile}.next`, `${newKey}\n`, { mode: 0o600 });
    const r = await rotateDataKey(db, current, next, { treatmentsDir: treatmentsDirOf(config.CITA_DATA_DIR) });
    if (!config.CITA_DATA_KEY) {
      await copyFile(keyFile, `${keyFile}.previous`);
      await rename(`${keyFile}.next`, keyFile);
    }
    console.log(`Re-encrypted ${r.customers} customers and ${r.bookings} bookings (key ${next.fingerprint}).`);
    if (config.CITA_DATA_KEY) console.log("Now set CITA_DATA_KEY to the new key and restart.");
  } finally {
    await db.$disconnect();
  }
});
