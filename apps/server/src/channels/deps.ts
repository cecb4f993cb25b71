// What channel domain code needs: AppServices satisfies it structurally (no transport types here).
import type { Logger } from "pino";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";

export interface ChannelDeps {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  log: Logger;
  config: AppConfig;
  jobs?: JobQueue;
}

export const QUEUES = {
  webhook: "channels-webhook",
  turn: "channels-turn",
  outbox: "channels-outbox",
  media: "channels-media",
  sweep: "channels-sweep",
} as const;

/** WhatsApp's customer-service window (integrations.md §2.5). */
export const WINDOW_MS = 24 * 3600_000;
