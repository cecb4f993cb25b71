// Queues and workers for payments: event processing, refunds, reconciliation (every 10 minutes).
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import { JOB_ACTOR } from "./common.ts";
import { processStripeEvent, STRIPE_EVENT_QUEUE, type StripeEventJob } from "./events.ts";
import { reportIntegration } from "./integration-status.ts";
import { RECONCILE_QUEUE, reconcileStripeEvents } from "./reconcile.ts";
import { REFUND_QUEUE, type RefundJob, refundBooking } from "./refunds.ts";
import { stripeMode } from "./stripe-client.ts";

export async function registerPaymentWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  const mode = stripeMode(services.config);
  await reportIntegration(
    services.db,
    "stripe",
    {
      mode,
      healthy: mode !== "off",
      lastError: mode === "off" ? "STRIPE_SECRET_KEY is not set: deposits are off" : null,
    },
    services.clock(),
  );
  await jobs.define({ name: STRIPE_EVENT_QUEUE, retryLimit: 10, retryDelaySeconds: 5 });
  await jobs.define({ name: REFUND_QUEUE, retryLimit: 20, retryDelaySeconds: 30 });
  await jobs.define({ name: RECONCILE_QUEUE, retryLimit: 1, retryDelaySeconds: 60 });
  await jobs.work<StripeEventJob>(STRIPE_EVENT_QUEUE, (d) => processStripeEvent(services, d.webhookEventId));
  await jobs.work<RefundJob>(REFUND_QUEUE, async (d) => {
    await refundBooking(services, { ...d, actor: JOB_ACTOR });
  });
  await jobs.work(RECONCILE_QUEUE, async () => {
    await reconcileStripeEvents(services);
  });
  if (mode !== "off") await jobs.boss.schedule(RECONCILE_QUEUE, "*/10 * * * *");
}
