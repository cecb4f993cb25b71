// The service container: the long-lived services the composition root (app.ts) builds once and
// hands to every transport (tRPC context, webhook handlers, job workers) and domain module.
import type { Logger } from "pino";
import type { ChangeFeed } from "./changes/feed.ts";
import type { AppConfig } from "./config/env.ts";
import type { FieldCrypto } from "./crypto/field-crypto.ts";
import type { Db } from "./db/client.ts";
import type { JobQueue } from "./jobs/job-queue.ts";

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
  /** Prometheus metrics of this app (metrics/metrics.ts); absent where none are kept (CLIs, most tests). */
  metrics?: import("./metrics/metrics.ts").Metrics;
  /** Durable job queue (pg-boss); absent where no jobs run (CLIs, some tests). */
  jobs?: JobQueue;
  /** The conversation agent behind WhatsApp chats; absent = channels' EchoAgent (channels/agent-port.ts). */
  agent?: import("./channels/agent-port.ts").ConversationAgent;
  /** Customer messages (channels' outbox); absent = a no-op (notifications/notifier.ts). */
  notifier?: import("./notifications/notifier.ts").CustomerNotifier;
  /** Stripe client override (tests); absent = built from STRIPE_* settings (payments/stripe-client.ts). */
  stripe?: import("stripe").Stripe;
  /** Google auth client override (tests: a static token); absent = GOOGLE_SERVICE_ACCOUNT_JSON. */
  calendarAuth?: import("googleapis").Auth.OAuth2Client | import("googleapis").Auth.JWT;
}
