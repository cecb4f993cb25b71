import type { Logger } from "pino";
import type { AccessClaims } from "../auth/access-token.ts";
import type { ChangeFeed } from "../changes/feed.ts";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";

/** Long-lived services shared by every request. */
export interface AppServices {
  config: AppConfig;
  db: Db;
  fc: FieldCrypto;
  log: Logger;
  clock: () => Date;
  /** HMAC secret for access tokens. */
  authSecret: string;
  /** Live change fan-out (changes.stream); absent where nothing streams (CLIs, some tests). */
  changeFeed?: ChangeFeed;
  /** Durable job queue (pg-boss); absent where no jobs run (CLIs, some tests). */
  jobs?: JobQueue;
}

export interface AppContext extends AppServices {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** Verified access-token claims, or null for an anonymous caller. */
  auth: AccessClaims | null;
}
