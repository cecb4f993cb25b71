// pnpm db:backup [file] — a consistent backup of Cita's database (db/backup.ts explains the format).
// Without a file: into the backup folder (CITA_BACKUP_DIR, default <data dir>/backups) with a dated
// name, old ones pruned and the console's "last backup" updated, as the daily backup does. With a
// running Cita on the embedded default, its database is read in place (not stopped).
import "dotenv/config";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../../config/env.ts";
import { backupDatabase, backupDir, fileDirsOf, runBackup, runningEmbeddedUrl } from "../backup.ts";
import { withDatabaseUrl } from "./shared.ts";

const target = process.argv[2];
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`cita: ${e.message}\n`);
  process.exit(2);
}

const photos = (n = 0, missing = 0) =>
  (n ? `, ${n} treatment photos` : "") + (missing ? ` (${missing} photos' files were missing on disk)` : "");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function backup(url: string): Promise<void> {
  if (target) {
    const r = await backupDatabase(url, resolve(target), undefined, { files: fileDirsOf(config.CITA_DATA_DIR) });
    const rows = r.manifest.tables.reduce((n, t) => n + t.rows, 0);
    console.log(
      `Backed up ${r.manifest.tables.length} tables, ${rows} rows${photos(r.manifest.files?.length, r.manifest.missingFiles)} to ${r.file} (${mb(r.bytes)}, ${r.ms} ms)`,
    );
    return;
  }
  const state = await runBackup(config, { url });
  if (!state.lastAttempt?.ok || !state.lastOk) throw new Error(state.lastAttempt?.error ?? "backup failed");
  const ok = state.lastOk;
  console.log(
    `Backed up ${ok.tables} tables, ${ok.rows} rows${photos(ok.files, ok.missingFiles)} to ${ok.file} (${mb(ok.bytes)}, ${ok.ms} ms)`,
  );
  console.log(`Keeping ${config.CITA_BACKUP_KEEP_DAYS} days of backups in ${backupDir(config)}`);
}

const live = await runningEmbeddedUrl(config);
if (live) {
  await backup(live).catch((e) => {
    process.stderr.write(`cita: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
} else {
  await withDatabaseUrl((url) => backup(url));
}
