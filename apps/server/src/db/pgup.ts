import { startEmbeddedPostgres, ensureDatabase } from "/work/main/apps/server/src/db/embedded.ts";
const pg = await startEmbeddedPostgres({ dataDir: "/tmp/cita-try", port: 55001 });
await ensureDatabase(pg.url, "cita");
console.log("UP", pg.url);
setInterval(() => {}, 1e9);
