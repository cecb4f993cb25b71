// pnpm db:migrate — applies prisma/migrations with no network and no engine binary.
import { applyMigrations } from "../migrate.ts";
import { withDatabaseUrl } from "./shared.ts";

await withDatabaseUrl(async (url) => {
  const applied = await applyMigrations(url);
  console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
});
