import { defineConfig } from "prisma/config";

// Used by the Prisma CLI (generate, and migrate if a schema-engine binary is available).
// Cita itself applies migrations through the WASM engine: see apps/server/src/db/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/cita" },
});
