// Opens Cita's database: embedded PostgreSQL by default, any server via DATABASE_URL; applies
// migrations, checks the data key against the one the data was written with, seeds on first run.
import type { Logger } from "pino";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { backfillNameTokens } from "../customers/name-index.ts";
import { type ClockFn, systemClock } from "../time/clock.ts";
import { createDb, type Db } from "./client.ts";
import { type EmbeddedPg, ensureDatabase, startEmbeddedPostgres } from "./embedded.ts";
import { applyMigrations } from "./migrate.ts";
import { seedDemoSalon } from "./seed.ts";
import { seedDemoChats } from "./seed-chats.ts";

export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: EmbeddedPg | null;
  seeded: boolean;
  close(): Promise<void>;
}

export async function resolveDatabaseUrl(
  config: AppConfig,
  log: Logger,
): Promise<{ url: string; embedded: EmbeddedPg | null }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.CITA_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    onLog: (line) => log.debug({ component: "embedded-postgres" }, line),
  });
  log.info({ dataDir: config.CITA_DATA_DIR, port: embedded.port }, "embedded PostgreSQL started");
  return { url: await ensureDatabase(embedded.url, "cita"), embedded };
}

/** Refuses to run with a different data key than the one existing data was encrypted with. */
export async function checkDataKey(db: Db, fc: FieldCrypto): Promise<void> {
  const state = await db.encryptionKeyState.findUnique({ where: { id: 1 } });
  if (!state) {
    await db.encryptionKeyState.create({ data: { id: 1, fingerprint: fc.fingerprint } });
    return;
  }
  if (state.fingerprint !== fc.fingerprint) {
    throw new Error(
      "Invalid configuration: CITA_DATA_KEY does not match the key this database was encrypted with (use `pnpm db:rotate-key` to change keys)",
    );
  }
}

export async function openDatabase(
  config: AppConfig,
  fc: FieldCrypto,
  log: Logger,
  clock: ClockFn = systemClock,
): Promise<OpenDatabase> {
  const { url, embedded } = await resolveDatabaseUrl(config, log);
  try {
    const applied = await applyMigrations(url);
    if (applied.length) log.info({ migrations: applied }, "migrations applied");
    const db = createDb(url);
    await checkDataKey(db, fc);
    // Name-search tokens for customers written before the index existed (customers/name-index.ts).
    const indexed = await backfillNameTokens(db, fc);
    if (indexed) log.info({ customers: indexed }, "customer name index backfilled");
    let seeded = false;
    if (config.CITA_SEED_DEMO && (await db.location.count()) === 0) {
      const r = await seedDemoSalon(db, fc, { now: clock() });
      const chats = config.CITA_SEED_DEMO_CHATS ? await seedDemoChats(db, fc, clock()) : 0;
      seeded = true;
      log.info({ bookings: r.createdBookings, chats }, "demo salon seeded");
    }
    return {
      db,
      url,
      embedded,
      seeded,
      async close() {
        await db.$disconnect();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
}
