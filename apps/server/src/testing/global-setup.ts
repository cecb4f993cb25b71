// Vitest global setup: one PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL), and a
// template database with every migration applied. Each test file clones the template in ~50 ms.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../db/embedded.ts";
import { applyMigrations } from "../db/migrate.ts";
import { withDatabase } from "../db/url.ts";
import { createJobQueue } from "../jobs/job-queue.ts";
import { createLogger } from "../logger.ts";

export const TEMPLATE_DB = "cita_test_template";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export async function startTestPostgres(): Promise<{ serverUrl: string; stop: () => Promise<void> }> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return { serverUrl: external, stop: async () => {} };
  const dataDir = await mkdtemp(join(tmpdir(), "cita-test-pg-"));
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true });
  return {
    serverUrl: embedded.url,
    stop: async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function buildTemplate(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  await applyMigrations(withDatabase(serverUrl, TEMPLATE_DB));
  // Install pg-boss's schema once, so test databases cloned from the template start their queue fast.
  const jobs = createJobQueue(withDatabase(serverUrl, TEMPLATE_DB), createLogger("silent"));
  await jobs.start();
  await jobs.stop({ graceful: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const { serverUrl, stop } = await startTestPostgres();
  await buildTemplate(serverUrl);
  project.provide("pgServerUrl", serverUrl);
  return stop;
}
