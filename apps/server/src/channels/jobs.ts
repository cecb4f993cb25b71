// Channels' queues and workers (registered from jobs/workers.ts), plus the start-up sweep that
// re-enqueues work a crash left behind.
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import { EchoAgent } from "./agent-port.ts";
import { type ChannelDeps, QUEUES } from "./deps.ts";
import { processWebhookEvents, WEBHOOK_BATCH } from "./inbound.ts";
import { fetchMessageMedia } from "./media.ts";
import { sendOutboxMessage } from "./outbox.ts";
import { runTurns } from "./turns.ts";

/**
 * Deliveries still `received` after a minute (stored, but their job never ran: no queue in that
 * process, or the job was lost) and outbox rows whose send was interrupted are enqueued again.
 * Both handlers are idempotent (row locks / conditional claims), so a duplicate job is harmless.
 */
export async function sweepChannels(deps: ChannelDeps, jobs: JobQueue): Promise<{ webhooks: number; outbox: number }> {
  const stale = deps.config.CITA_TAKEOVER_SECONDS ?? 60;
  const events = await deps.db.$queryRaw<{ id: string }[]>`
    SELECT id FROM webhook_event
     WHERE status = 'received' AND source IN ('chatwoot', 'whatsapp_cloud') AND received_at < now() - make_interval(secs => ${stale})
     ORDER BY received_at LIMIT 1000`;
  for (const e of events) await jobs.send(QUEUES.webhook, { eventId: e.id });
  const outbox = await deps.db.$queryRaw<{ id: string }[]>`
    SELECT id FROM outbox_message
     WHERE status IN ('pending', 'failed', 'sending') AND next_attempt_at < now() - make_interval(secs => ${stale})
     ORDER BY next_attempt_at LIMIT 1000`;
  for (const o of outbox) await jobs.send(QUEUES.outbox, { outboxId: o.id });
  if (events.length || outbox.length) {
    deps.log.info({ webhooks: events.length, outbox: outbox.length }, "channels sweep re-enqueued work");
  }
  return { webhooks: events.length, outbox: outbox.length };
}

/** Queues must exist before anything is sent to them: pg-boss 10 silently drops jobs for unknown queues. */
export async function defineChannelQueues(jobs: JobQueue): Promise<void> {
  await jobs.define({ name: QUEUES.webhook, retryLimit: 8, retryDelaySeconds: 2, expireInSeconds: 120 });
  await jobs.define({ name: QUEUES.turn, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 600 });
  // The outbox schedules its own retries (backoff, Retry-After); pg-boss retries only cover crashes.
  await jobs.define({ name: QUEUES.outbox, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 300 });
  await jobs.define({ name: QUEUES.media, retryLimit: 5, retryDelaySeconds: 10, expireInSeconds: 300 });
  await jobs.define({ name: QUEUES.sweep, retryLimit: 0, expireInSeconds: 120 });
}

export async function registerChannelWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  const deps: ChannelDeps = { ...services, jobs };
  const agent = services.agent ?? new EchoAgent();
  await defineChannelQueues(jobs);
  // Fetched up to WEBHOOK_BATCH at a time and processed in one transaction (inbound.ts).
  await jobs.workBatch<{ eventId: string }>(
    QUEUES.webhook,
    (batch) =>
      processWebhookEvents(
        deps,
        batch.map((j) => j.data.eventId),
      ),
    { batchSize: WEBHOOK_BATCH },
  );
  await jobs.work<{ conversationId: string }>(QUEUES.turn, (d) => runTurns(deps, agent, d.conversationId), {
    concurrency: services.config.TURN_CONCURRENCY,
  });
  await jobs.work<{ outboxId: string }>(QUEUES.outbox, (d) => sendOutboxMessage(deps, d.outboxId));
  await jobs.work<{ messageId: string }>(QUEUES.media, (d) => fetchMessageMedia(deps, d.messageId));
  await jobs.work(QUEUES.sweep, async () => {
    await sweepChannels(deps, jobs);
  });
  // Every minute as well as now: a delivery is stranded only if the process died between storing it
  // and enqueueing it (see storeDelivery), which a restart also sweeps.
  await jobs.boss.schedule(QUEUES.sweep, "* * * * *");
  await sweepChannels(deps, jobs);
}
