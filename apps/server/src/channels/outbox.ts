// Transactional outbox: a message to a customer (or a Chatwoot status/assignment change) is written
// with the change that caused it and sent by a job, retried with backoff, dead-lettered when hopeless.
import { randomUUID } from "node:crypto";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Conversation } from "../generated/prisma/client.ts";
import type { OutboundReply } from "./agent-port.ts";
import { type OutboxPayload, type SendOutcome, sendChatwoot, sendMeta } from "./clients.ts";
import { configuredTemplates, sendTuning } from "./config.ts";
import { type ChannelDeps, QUEUES, WINDOW_MS } from "./deps.ts";

export interface OutboundRequest {
  conversation: Pick<Conversation, "id" | "channel" | "lastCustomerMessageAt">;
  author: "bot" | "staff" | "system";
  staffId?: string | null;
  reply: OutboundReply;
}

export function windowClosesAt(lastCustomerMessageAt: Date | null): Date | null {
  return lastCustomerMessageAt ? new Date(lastCustomerMessageAt.getTime() + WINDOW_MS) : null;
}

/** Refuses free-form messages outside WhatsApp's 24 h window, and templates nobody configured. */
export function checkSendable(deps: Pick<ChannelDeps, "clock" | "config">, req: OutboundRequest): void {
  const { reply, conversation } = req;
  if (reply.kind === "template") {
    const allowed = configuredTemplates(deps.config);
    if (!allowed.some((t) => t.name === reply.name && t.language === reply.language)) {
      throw new AppError(
        "BAD_INPUT",
        `Template "${reply.name}" (${reply.language}) is not configured; configured: ${allowed.map((t) => `${t.name} (${t.language})`).join(", ") || "none (set WHATSAPP_TEMPLATES)"}`,
      );
    }
    return;
  }
  if (conversation.channel === "sandbox") return;
  const closes = windowClosesAt(conversation.lastCustomerMessageAt);
  if (!closes || closes.getTime() <= deps.clock().getTime()) {
    // Meta refuses free-form messages outside the window (error 131047, §2.4/§2.5); refuse up front.
    const names = configuredTemplates(deps.config).map((t) => t.name);
    throw new AppError(
      "PRECONDITION_FAILED",
      `WhatsApp's 24-hour window is closed${closes ? ` (it closed at ${closes.toISOString()})` : ""}: the customer must write first, or send an approved template${names.length ? ` (${names.join(", ")})` : " (none configured: set WHATSAPP_TEMPLATES)"}`,
      { windowClosedAt: closes?.toISOString() ?? null, templates: names },
    );
  }
}

function messageShape(reply: OutboundReply): {
  kind: "text" | "interactive" | "template";
  body: string;
  choices: unknown;
} {
  if (reply.kind === "text") return { kind: "text", body: reply.text, choices: null };
  if (reply.kind === "choices") return { kind: "interactive", body: reply.text, choices: reply.choices };
  return { kind: "template", body: `[${reply.name}] ${reply.params.join(" · ")}`.trim(), choices: null };
}

/** Writes the message + outbox row and enqueues the send, all in the caller's transaction. */
export async function enqueueOutbound(
  tx: Tx,
  deps: Pick<ChannelDeps, "clock" | "config" | "jobs">,
  req: OutboundRequest,
): Promise<{ messageId: string; outboxId: string }> {
  checkSendable(deps, req);
  const shape = messageShape(req.reply);
  const message = await tx.message.create({
    data: {
      conversationId: req.conversation.id,
      direction: "outbound",
      author: req.author,
      staffId: req.staffId ?? null,
      kind: shape.kind,
      body: shape.body,
      choices: (shape.choices ?? undefined) as never,
      deliveryStatus: "pending",
      sentAt: deps.clock(),
    },
  });
  const payload: OutboxPayload = { type: "message", reply: req.reply };
  const outbox = await tx.outboxMessage.create({
    data: {
      conversationId: req.conversation.id,
      messageId: message.id,
      channel: req.conversation.channel,
      payload: payload as never,
      idempotencyKey: `cita-msg-${message.id}`,
    },
  });
  if (deps.jobs) await deps.jobs.send(QUEUES.outbox, { outboxId: outbox.id }, { tx });
  return { messageId: message.id, outboxId: outbox.id };
}

/** A Chatwoot side effect (status toggle, assignment) through the same reliable path. No-op elsewhere. */
export async function enqueueChatwootAction(
  tx: Tx,
  deps: Pick<ChannelDeps, "jobs">,
  conversation: Pick<Conversation, "id" | "channel">,
  payload: Exclude<OutboxPayload, { type: "message" }>,
): Promise<void> {
  if (conversation.channel !== "chatwoot") return;
  const outbox = await tx.outboxMessage.create({
    data: {
      conversationId: conversation.id,
      channel: conversation.channel,
      payload: payload as never,
      idempotencyKey: `cita-${payload.type}-${randomUUID()}`,
    },
  });
  if (deps.jobs) await deps.jobs.send(QUEUES.outbox, { outboxId: outbox.id }, { tx });
}

/** Exponential backoff with jitter ("equal jitter"), never sooner than Retry-After. */
export function backoffMs(
  attempt: number,
  base: number,
  max: number,
  retryAfterMs: number | null,
  rand = Math.random(),
) {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + (exp / 2) * rand;
  return Math.min(max, Math.max(jittered, retryAfterMs ?? 0));
}

interface ClaimedRow {
  id: string;
  conversation_id: string;
  message_id: string | null;
  channel: "chatwoot" | "whatsapp_cloud" | "sandbox";
  payload: OutboxPayload;
  idempotency_key: string;
  attempts: number;
}

/**
 * The outbox job. Claims the row with a conditional UPDATE (so duplicate jobs and a sweep cannot send
 * twice concurrently), sends, then records the outcome. Scheduling uses wall time, like pg-boss.
 *
 * A conversation's messages go out in the order they were written (`seq`): a message is not claimed
 * while an earlier message of its conversation is still unsent (pending, sending or retrying), so a
 * customer never reads a reply before the message it follows. Chatwoot side effects (status,
 * assignment) are not messages and neither wait nor hold messages back. When a message is settled
 * (sent or dead-lettered) the next one is sent at once; the sweep catches any wake-up lost.
 */
export async function sendOutboxMessage(deps: ChannelDeps, outboxId: string): Promise<void> {
  // Settling a row hands back the next one of its conversation that was waiting: sent here and now,
  // rather than after the queue's next poll (a reply and its buttons should arrive together).
  let next: string | null = outboxId;
  while (next) next = await sendOne(deps, next);
}

/** Sends one row; returns the conversation's next row to send now, if this one was settled. */
async function sendOne(deps: ChannelDeps, outboxId: string): Promise<string | null> {
  const tuning = sendTuning(deps.config);
  // The claim holds for timeout + a margin; a crash while sending leaves `sending`, which the sweep retries.
  const leaseSeconds = Math.ceil(tuning.timeoutMs / 1000) + (deps.config.CITA_TAKEOVER_SECONDS ?? 60);
  const claimed = await deps.db.$queryRaw<ClaimedRow[]>`
    UPDATE outbox_message
       SET status = 'sending', attempts = attempts + 1,
           next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
     WHERE id = ${outboxId}::uuid
       AND (status = 'pending'
            OR (status = 'failed' AND next_attempt_at <= now() + interval '1 second')
            OR (status = 'sending' AND next_attempt_at < now()))
       AND (outbox_message.message_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM outbox_message earlier
                            WHERE earlier.conversation_id = outbox_message.conversation_id
                              AND earlier.message_id IS NOT NULL
                              AND earlier.seq < outbox_message.seq
                              AND earlier.status IN ('pending', 'sending', 'failed')))
     RETURNING id, conversation_id, message_id, channel, payload, idempotency_key, attempts`;
  const row = claimed[0];
  if (!row) return null; // already handled, not due, or waiting behind an earlier message (woken later)
  const claimEnds = Date.now() + leaseSeconds * 1000;
  const conversation = await deps.db.conversation.findUnique({ where: { id: row.conversation_id } });
  if (!conversation) return null;
  const target = { externalId: conversation.externalId, channelAccount: conversation.channelAccount };
  let outcome: SendOutcome;
  try {
    outcome =
      row.channel === "chatwoot"
        ? await sendChatwoot(deps.config, target, row.payload, row.idempotency_key, tuning.timeoutMs)
        : row.channel === "whatsapp_cloud"
          ? await sendMeta(deps.config, target, row.payload, tuning.timeoutMs)
          : { kind: "ok", externalId: `sandbox-${row.id}`, body: null };
  } catch (e) {
    outcome = { kind: "retry", reason: `unexpected: ${(e as Error).message}`, retryAfterMs: null };
  }
  const log = deps.log.child({ component: "outbox", outboxId, attempt: row.attempts });
  if (outcome.kind === "ok") {
    const externalId = outcome.externalId;
    // Recorded even if the database is briefly unreachable (restarting): a row left `sending` would be
    // sent a second time once its claim lapses, so the write is retried for as long as the claim holds.
    await whileClaimed(claimEnds, () =>
      deps.db.$transaction(async (tx) => {
        await tx.outboxMessage.update({
          where: { id: row.id },
          data: { status: "sent", sentAt: new Date(), externalId, lastError: null },
        });
        if (row.message_id) {
          await tx.message.updateMany({
            where: { id: row.message_id, deliveryStatus: "pending" },
            data: { deliveryStatus: "sent", ...(externalId ? { externalId } : {}) },
          });
          await appendChange(tx, {
            entityType: "conversation",
            entityId: row.conversation_id,
            op: "upsert",
            data: { event: "message_sent", messageId: row.message_id },
          });
        }
      }),
    );
    log.info({ externalId }, "outbox message sent");
    return row.message_id ? nextWaiting(deps, row.conversation_id) : null;
  }
  if (outcome.kind === "retry" && row.attempts < tuning.maxAttempts) {
    const delay = backoffMs(row.attempts, tuning.baseDelayMs, tuning.maxDelayMs, outcome.retryAfterMs);
    const next = new Date(Date.now() + delay);
    await deps.db.$transaction(async (tx) => {
      await tx.outboxMessage.update({
        where: { id: row.id },
        data: { status: "failed", lastError: outcome.reason, nextAttemptAt: next },
      });
      if (deps.jobs) await deps.jobs.send(QUEUES.outbox, { outboxId: row.id }, { tx, startAfter: next });
    });
    log.warn({ reason: outcome.reason, retryInMs: Math.round(delay) }, "outbox send failed; will retry");
    return null;
  }
  const reason =
    outcome.kind === "retry" ? `gave up after ${row.attempts} attempts: ${outcome.reason}` : outcome.reason;
  await deadLetter(deps, row, reason);
  log.error({ reason }, "outbox message dead-lettered");
  return row.message_id ? nextWaiting(deps, row.conversation_id) : null;
}

/** Runs `write`, retrying failures (backoff up to 2 s) until shortly before `claimEnds`. */
async function whileClaimed<T>(claimEnds: number, write: () => Promise<T>): Promise<T> {
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await write();
    } catch (e) {
      if (Date.now() + wait + 1_000 >= claimEnds) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * The conversation's next unsent row, if it is due now (a row in backoff keeps its own timer). Its
 * own job, if still queued, then finds it settled and does nothing.
 */
async function nextWaiting(deps: ChannelDeps, conversationId: string): Promise<string | null> {
  const next = await deps.db.outboxMessage.findFirst({
    where: { conversationId, messageId: { not: null }, status: { in: ["pending", "failed"] } },
    orderBy: { seq: "asc" },
    select: { id: true, nextAttemptAt: true },
  });
  return next && next.nextAttemptAt.getTime() <= Date.now() + 1000 ? next.id : null;
}

async function deadLetter(deps: ChannelDeps, row: ClaimedRow, reason: string): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    await tx.outboxMessage.update({ where: { id: row.id }, data: { status: "dead", lastError: reason } });
    if (row.message_id) {
      await tx.message.update({
        where: { id: row.message_id },
        data: { deliveryStatus: "failed", failureReason: reason },
      });
    }
    const data = {
      event: "delivery_failed",
      outboxId: row.id,
      messageId: row.message_id,
      kind: row.payload.type,
      reason,
    };
    await appendAudit(
      tx,
      { type: "job", id: "channels.outbox" },
      {
        action: "conversation.delivery_failed",
        entityType: "conversation",
        entityId: row.conversation_id,
        data,
      },
    );
    await appendChange(tx, { entityType: "conversation", entityId: row.conversation_id, op: "upsert", data });
  });
}
