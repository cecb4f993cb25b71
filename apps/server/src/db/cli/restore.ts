// pnpm db:restore <file> — restores a backup written by db:backup (or the daily backup) into a fresh
// data dir (CITA_DATA_DIR=<new folder>, embedded default) or an empty database (DATABASE_URL), and
// checks every table's row count and checksum against the backup before committing. Run it before
// starting Cita on that data dir (a first start seeds the demo salon, and a database with rows is
// refused). Personal data stays encrypted with the data key it was written with: that key must be in
// force (CITA_DATA_KEY, or the old data dir's data-key file copied into the new data dir).
import "dotenv/config";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { treatmentsDirOf } from "../../config/data-dir.ts";
import { ConfigError, loadConfig } from "../../config/env.ts";
import { dataKeyFingerprint, fileDirsOf, readBackupManifest, restoreDatabase, runningEmbeddedUrl } from "../backup.ts";
import { withDatabaseUrl } from "./shared.ts";

const file = process.argv[2] ? resolve(process.argv[2]) : "";
if (!file || !existsSync(file)) {
  process.stderr.write(`cita: usage: pnpm db:restore <backup file>${file ? ` (${file} does not exist)` : ""}\n`);
  process.exit(2);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`cita: ${e.message}\n`);
  process.exit(2);
}

async function restore(url: string): Promise<void> {
  const manifest = await readBackupManifest(file);
  const key = await dataKeyFingerprint(config);
  if (manifest.keyFingerprint && key !== manifest.keyFingerprint) {
    throw new Error(
      key
        ? `the data key in force (fingerprint ${key}) is not the one this backup's personal data is encrypted with (${manifest.keyFingerprint}): set CITA_DATA_KEY to that key, or copy the backed-up install's data-key file to ${join(config.CITA_DATA_DIR, "data-key")}`
        : `this backup's personal data is encrypted with the data key of fingerprint ${manifest.keyFingerprint}: set CITA_DATA_KEY to it, or copy the backed-up install's data-key file to ${join(config.CITA_DATA_DIR, "data-key")}, then run the restore again`,
    );
  }
  const r = await restoreDatabase(url, file, { files: fileDirsOf(config.CITA_DATA_DIR) });
  console.log(
    `Restored ${r.tables} tables, ${r.rows} rows from ${file} (backup of ${r.manifest.createdAt}); every table's count and checksum match (${r.ms} ms)`,
  );
  if (r.files) console.log(`Restored ${r.files} treatment photos into ${treatmentsDirOf(config.CITA_DATA_DIR)}`);
  if (r.migratedAfter.length) console.log(`Then applied newer migrations: ${r.migratedAfter.join(", ")}`);
}

const live = await runningEmbeddedUrl(config);
if (live) {
  await restore(live).catch((e) => {
    process.stderr.write(`cita: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
} else {
  await withDatabaseUrl((url) => restore(url));
}
