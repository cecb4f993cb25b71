// Composition root: config → secrets → database → HTTP. Used by main.ts, tests and benchmarks.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { ChangeFeed } from "./changes/feed.ts";
import type { AppConfig } from "./config/env.ts";
import { createFieldCrypto } from "./crypto/field-crypto.ts";
import { loadSecrets } from "./crypto/keys.ts";
import { type OpenDatabase, openDatabase } from "./db/database.ts";
import { buildServer } from "./http/server.ts";
import { createJobQueue } from "./jobs/job-queue.ts";
import { registerWorkers } from "./jobs/workers.ts";
import type { AppServices } from "./trpc/context.ts";

export interface RunningApp {
  app: FastifyInstance;
  database: OpenDatabase;
  services: AppServices;
  url: string;
  stop(): Promise<void>;
}

export async function startApp(
  config: AppConfig,
  log: Logger,
  clock: () => Date = () => new Date(),
): Promise<RunningApp> {
  const secrets = await loadSecrets(config);
  const fc = createFieldCrypto(secrets.dataKey);
  const database = await openDatabase(config, fc, log);
  const changeFeed = new ChangeFeed({ url: database.url, db: database.db, log });
  const jobs = createJobQueue(database.url, log);
  const services: AppServices = {
    config,
    db: database.db,
    fc,
    log,
    clock,
    authSecret: secrets.authSecret,
    changeFeed,
    jobs,
  };
  let app: FastifyInstance;
  try {
    await changeFeed.start();
    await jobs.start();
    await registerWorkers(jobs, services);
    app = await buildServer(services);
    // Ends the live SSE streams first, so close() is not held up by them (clients reconnect).
    app.addHook("preClose", () => changeFeed.stop());
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (e) {
    await jobs.stop().catch(() => {});
    await changeFeed.stop();
    await database.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  let stopping: Promise<void> | undefined;
  return {
    app,
    database,
    services,
    url: `http://${config.HOST}:${port}`,
    stop() {
      stopping ??= (async () => {
        await app.close(); // stops accepting, ends SSE streams (change feed), waits for in-flight requests
        await jobs.stop(); // lets running jobs finish; unfinished ones are retried after restart
        await changeFeed.stop();
        await database.close(); // pool, then embedded PostgreSQL
      })();
      return stopping;
    },
  };
}
