// Baseline for the cold-start benchmark: a Node process that only starts embedded PostgreSQL.
import { startEmbeddedPostgres } from "../../apps/server/src/db/embedded.ts";

const pg = await startEmbeddedPostgres({
  dataDir: process.env.CITA_DATA_DIR!,
  port: Number(process.env.EMBEDDED_PG_PORT),
});
process.stdout.write("READY\n");
process.on("SIGTERM", () => pg.stop().then(() => process.exit(0)));
