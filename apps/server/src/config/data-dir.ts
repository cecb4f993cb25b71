// Folders Cita keeps under CITA_DATA_DIR besides the database, named in one place: the areas that
// write them, the backup and restore (db/backup.ts) and key rotation (crypto/rotate-key.ts).
import { join } from "node:path";

/** Treatment photos, encrypted, under random names (customers/treatment-photos.ts). */
export const treatmentsDirOf = (dataDir: string) => join(dataDir, "treatments");

/** The names Cita gives treatment photo files (no personal data in them); anything else is not one. */
export const TREATMENT_FILE_NAME = /^[a-f0-9]{32}\.enc$/;

/** Chat photos and voice notes (channels/media.ts); not in backups. */
export const mediaDirOf = (dataDir: string) => join(dataDir, "media");
