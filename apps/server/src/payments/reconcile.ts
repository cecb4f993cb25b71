// Catches events the webhook missed (endpoint down longer than Stripe's retries, a lost delivery):
// lists recent events (events.list, created after the last run) and feeds them through the same
// store-and-dedup path as the webhook, so one already received is not processed again.
import { readCursor, writeCursor } from "../reminders/planner.ts";
import type { PaymentServices } from "./common.ts";
import { HANDLED_EVENT_TYPES, storeStripeEvent } from "./events.ts";
import { reportIntegration } from "./integration-status.ts";
import { stripeFor, stripeMode } from "./stripe-client.ts";

export const RECONCILE_QUEUE = "stripe.reconcile";
const CURSOR = "stripe.events.created";
/** First run: look back as far as Stripe keeps retrying live deliveries (3 days, reference §3.4). */
const FIRST_LOOKBACK_S = 3 * 24 * 3600;

export async function reconcileStripeEvents(services: PaymentServices): Promise<{ listed: number; stored: number }> {
  const stripe = stripeFor(services);
  if (!stripe) return { listed: 0, stored: 0 };
  const now = services.clock();
  const stored = await readCursor(services.db, CURSOR);
  const since = stored ? Number(stored) : Math.floor(now.getTime() / 1000) - FIRST_LOOKBACK_S;
  let listed = 0;
  let added = 0;
  let newest = since;
  try {
    // gte rather than gt: events of the cursor's own second may have been created after it was
    // read; the dedup on the event id makes seeing one twice harmless.
    for await (const ev of stripe.events.list({
      created: { gte: since },
      types: [...HANDLED_EVENT_TYPES],
      limit: 100,
    })) {
      listed++;
      newest = Math.max(newest, ev.created);
      const r = await storeStripeEvent(services, ev, JSON.stringify(ev), { via: "reconciliation" });
      if (!r.duplicate) added++;
    }
  } catch (e) {
    await reportIntegration(
      services.db,
      "stripe",
      { mode: stripeMode(services.config), healthy: false, lastError: (e as Error).message },
      now,
    );
    throw e;
  }
  await writeCursor(services.db, CURSOR, String(newest));
  await reportIntegration(services.db, "stripe", { mode: stripeMode(services.config), healthy: true }, now);
  if (added) services.log.info({ listed, added }, "stripe reconciliation found missed events");
  return { listed, stored: added };
}
