// pnpm db:seed — (re)seeds the demo salon; safe to run again.
import { createFieldCrypto } from "../../crypto/field-crypto.ts";
import { loadSecrets } from "../../crypto/keys.ts";
import { createDb } from "../client.ts";
import { checkDataKey } from "../database.ts";
import { applyMigrations } from "../migrate.ts";
import { seedDemoSalon } from "../seed.ts";
import { withDatabaseUrl } from "./shared.ts";

await withDatabaseUrl(async (url, { config }) => {
  await applyMigrations(url);
  const fc = createFieldCrypto((await loadSecrets(config)).dataKey);
  const db = createDb(url);
  try {
    await checkDataKey(db, fc);
    const r = await seedDemoSalon(db, fc);
    console.log(`Demo salon ready (${r.createdBookings} new bookings).`);
  } finally {
    await db.$disconnect();
  }
});
