// Inbound deliveries: stored raw and deduplicated before the 200 (intake), then processed by a job
// into customers, conversations and messages (integrations.md §6).
import { createHash } from "node:crypto";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import { normalisePhone } from "../crypto/phone.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import type { Tx } from "../db/client.ts";
import { isAppError } from "../errors/app-error.ts";
import type { DeliveryStatus } from "../generated/prisma/enums.ts";
import { type ChannelDeps, QUEUES } from "./deps.ts";
import { guessLanguage } from "./language.ts";
import { type AttachmentRef, chatwootEvents, type InboundEvent, type MessageEvent, metaEvents } from "./payloads.ts";

export type WebhookSourceName = "chatwoot" | "whatsapp_cloud";

const KEPT_HEADERS = [
  "content-type",
  "user-agent",
  "x-chatwoot-delivery",
  "x-chatwoot-timestamp",
  "x-chatwoot-signature",
  "x-hub-signature-256",
  "x-request-id",
];

export function keptHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = (Array.isArray(v) ? v.join(", ") : v).replaceAll("\0", "").slice(0, 500);
  }
  return out;
}

/**
 * Stores a verified delivery (or finds it already stored): one INSERT, committed on its own, before
 * the 200. That single round trip is all the acknowledgement waits for; the processing job is
 * enqueued right after the reply (enqueueProcessing). If the process dies in between, the stored
 * row is still `received` and the sweep in jobs.ts re-enqueues it (at start-up and periodically),
 * so nothing is lost — the inbox pattern, with pg-boss doing the retries.
 */
export async function storeDelivery(
  deps: Pick<ChannelDeps, "db">,
  d: {
    source: WebhookSourceName;
    dedupKey: string;
    headers: Record<string, string>;
    rawBody: string;
    process: boolean;
    ignoredReason?: string;
  },
): Promise<{ duplicate: boolean; eventId: string | null; needsProcessing: boolean }> {
  // Ids come from the sender: keep them storable (no NUL) and bounded.
  const cleanKey = d.dedupKey.replaceAll("\0", "");
  const dedupKey = cleanKey.length > 300 ? `sha256:${createHash("sha256").update(cleanKey).digest("hex")}` : cleanKey;
  const status = d.process ? "received" : "ignored";
  const rows = await deps.db.$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_event (id, source, dedup_key, headers, raw_body, status, last_error, processed_at)
    VALUES (gen_random_uuid(), ${d.source}::"WebhookSource", ${dedupKey}, ${JSON.stringify(d.headers)}::jsonb,
            ${d.rawBody}, ${status}::"WebhookStatus", ${d.ignoredReason?.replaceAll("\0", "").slice(0, 500) ?? null},
            ${d.process ? null : new Date()})
    ON CONFLICT (source, dedup_key) DO NOTHING
    RETURNING id`;
  const id = rows[0]?.id ?? null;
  return { duplicate: id === null, eventId: id, needsProcessing: id !== null && d.process };
}

/** Hands a stored delivery to the job queue (after the 200; the sweep covers a crash before this). */
export async function enqueueProcessing(deps: Pick<ChannelDeps, "jobs" | "log">, eventId: string): Promise<void> {
  // No job queue in this process (a CLI, some tests): the sweep picks the row up later.
  if (!deps.jobs) return;
  try {
    await deps.jobs.send(QUEUES.webhook, { eventId });
  } catch (err) {
    deps.log.warn({ err, eventId }, "could not enqueue a stored webhook event; the sweep will retry it");
  }
}

/** Raised when a status arrives before the message it is about is known (ordering is not guaranteed, §2.3). */
export class NotYetKnown extends Error {}

const RANK: Record<DeliveryStatus, number> = { received: 0, pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/**
 * The statuses a message may move from to `next`: only forwards (read stays read when "delivered"
 * comes late), a failure never after "read" (the phone showed it), and nothing out of "failed".
 */
export function statusesBefore(next: DeliveryStatus): DeliveryStatus[] {
  const all = Object.keys(RANK) as DeliveryStatus[];
  if (next === "failed") return all.filter((s) => s !== "read" && s !== "failed");
  return all.filter((s) => s !== "failed" && RANK[s] < RANK[next]);
}

interface Followups {
  turns: Set<string>;
  media: Set<string>;
  /** When the delivery reached us: the messages it carries are stamped with it (created_at), so the
   * turn's quiet window (turns.ts) measures the customer's pauses, not our processing lag. */
  receivedAt?: Date;
}

export async function processWebhookEvent(deps: ChannelDeps, eventId: string): Promise<void> {
  const follow: Followups = { turns: new Set(), media: new Set() };
  try {
    await deps.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ source: string; raw_body: string; status: string; received_at: Date }[]>`
          SELECT source::text, raw_body, status::text, received_at FROM webhook_event WHERE id = ${eventId}::uuid FOR UPDATE`;
        const ev = rows[0];
        if (!ev || ev.status === "processed" || ev.status === "ignored") return;
        follow.receivedAt = ev.received_at;
        const body = JSON.parse(ev.raw_body) as unknown;
        const events = ev.source === "chatwoot" ? chatwootEvents(body) : metaEvents(body);
        for (const e of events) await applyEvent(tx, deps, e, follow);
        await tx.webhookEvent.update({
          where: { id: eventId },
          data: {
            status: events.length ? "processed" : "ignored",
            processedAt: new Date(),
            attempts: { increment: 1 },
            lastError: events.length ? null : "nothing to do",
          },
        });
        if (deps.jobs) {
          for (const conversationId of follow.turns) await deps.jobs.send(QUEUES.turn, { conversationId }, { tx });
          for (const messageId of follow.media) await deps.jobs.send(QUEUES.media, { messageId }, { tx });
        }
      },
      { timeout: 15_000 },
    );
  } catch (e) {
    // Bad data (e.g. not a phone number) will not get better: record it and stop. Anything else is
    // retried by the queue (a status for a message we have not recorded yet, a lost connection…).
    const permanent = isAppError(e) && e.code === "BAD_INPUT";
    const row = await deps.db.webhookEvent.update({
      where: { id: eventId },
      data: {
        status: "failed",
        attempts: { increment: 1 },
        lastError: String((e as Error).message ?? e).slice(0, 500),
      },
      select: { attempts: true },
    });
    // A status for a message that never shows up (sent by another tool on the same number) is dropped.
    const gaveUp = e instanceof NotYetKnown && row.attempts >= 5;
    if (gaveUp) await deps.db.webhookEvent.update({ where: { id: eventId }, data: { status: "ignored" } });
    if (permanent || gaveUp) {
      deps.log.warn({ eventId, reason: (e as Error).message }, "webhook event not processable");
      return;
    }
    throw e;
  }
}

async function applyEvent(tx: Tx, deps: ChannelDeps, e: InboundEvent, follow: Followups): Promise<void> {
  if (e.type === "message") return applyMessage(tx, deps, e, follow);
  if (e.type === "delivery") return applyDelivery(tx, deps, e);
  return applyConversationStatus(tx, e);
}

async function applyMessage(tx: Tx, deps: ChannelDeps, e: MessageEvent, follow: Followups): Promise<void> {
  const phone = normalisePhone(e.phone);
  const { customer, created } = await upsertCustomerByPhone(tx, deps.fc, {
    phone,
    name: e.profileName,
    // Guessed once, from the first message, and kept (the agent or staff may change it later).
    language: guessLanguage(e.message.body),
  });
  const isNewConversation = !(await tx.conversation.findUnique({
    where: {
      channel_channelAccount_externalId: {
        channel: e.channel,
        channelAccount: e.channelAccount,
        externalId: e.externalConversationId,
      },
    },
    select: { id: true },
  }));
  const conversation = await tx.conversation.upsert({
    where: {
      channel_channelAccount_externalId: {
        channel: e.channel,
        channelAccount: e.channelAccount,
        externalId: e.externalConversationId,
      },
    },
    // A Chatwoot conversation that is not `pending` is a person's, not the bot's (§1.1).
    create: {
      customerId: customer.id,
      channel: e.channel,
      channelAccount: e.channelAccount,
      externalId: e.externalConversationId,
      mode: e.chatwootStatus && e.chatwootStatus !== "pending" ? "human" : "bot",
    },
    update: {},
  });
  const existing = await tx.message.findUnique({
    where: { conversationId_externalId: { conversationId: conversation.id, externalId: e.message.externalId } },
    select: { id: true },
  });
  // The same message can arrive through two webhooks (agent bot + account webhook) with different
  // delivery ids: the message's own id makes the second one a no-op.
  if (existing) return;
  const sentAt = e.message.sentAt ?? deps.clock();
  const attachments: AttachmentRef[] = e.message.attachments;
  const message = await tx.message.create({
    data: {
      conversationId: conversation.id,
      direction: "inbound",
      author: "customer",
      kind: e.message.kind,
      body: e.message.body,
      attachments: attachments.length ? (attachments as never) : undefined,
      choices: e.message.selectedChoiceId
        ? ({ selected: { id: e.message.selectedChoiceId, title: e.message.body } } as never)
        : undefined,
      externalId: e.message.externalId,
      deliveryStatus: "received",
      sentAt,
      ...(follow.receivedAt ? { createdAt: follow.receivedAt } : {}),
    },
  });
  // Out-of-order deliveries must not move the window backwards.
  const last = conversation.lastCustomerMessageAt;
  const updated = await tx.conversation.update({
    where: { id: conversation.id },
    data: {
      lastCustomerMessageAt: !last || last < sentAt ? sentAt : last,
      version: { increment: 1 },
    },
  });
  await appendAudit(
    tx,
    { type: "customer", id: customer.id },
    {
      action: isNewConversation ? "conversation.started" : "conversation.message_received",
      entityType: "conversation",
      entityId: conversation.id,
      data: { messageId: message.id, channel: e.channel, customerCreated: created, kind: e.message.kind },
    },
  );
  await appendChange(tx, {
    entityType: "conversation",
    entityId: conversation.id,
    op: "upsert",
    data: { event: "message_received", messageId: message.id, version: updated.version, mode: updated.mode },
  });
  if (attachments.some((a) => a.type === "image" || a.type === "audio")) follow.media.add(message.id);
  // While a person owns the conversation the bot stays silent; Chatwoot keeps sending these (§1.1, #11429).
  const botMayAnswer = updated.mode === "bot" && (e.chatwootStatus === null || e.chatwootStatus === "pending");
  if (botMayAnswer) follow.turns.add(conversation.id);
}

/**
 * A delivery status (Meta `statuses[]`, Chatwoot message_updated) is about a message *we* sent: it
 * only ever moves an outbound message, whichever way the message is found. A status naming a
 * customer's message (the same id space on both channels) changes nothing and is not retried.
 */
async function applyDelivery(tx: Tx, deps: ChannelDeps, e: Extract<InboundEvent, { type: "delivery" }>): Promise<void> {
  const conversation = e.externalConversationId
    ? await tx.conversation.findUnique({
        where: {
          channel_channelAccount_externalId: {
            channel: e.channel,
            channelAccount: e.channelAccount,
            externalId: e.externalConversationId,
          },
        },
        select: { id: true },
      })
    : null;
  if (e.externalConversationId && !conversation)
    throw new NotYetKnown(`no conversation for ${e.externalMessageId} yet`);
  const where = conversation
    ? { conversationId: conversation.id, externalId: e.externalMessageId }
    : {
        externalId: e.externalMessageId,
        conversation: { channel: e.channel, channelAccount: e.channelAccount },
      };
  const message = await tx.message.findFirst({ where: { ...where, direction: "outbound" } });
  if (!message) {
    const theirs = await tx.message.findFirst({ where: { ...where, direction: "inbound" }, select: { id: true } });
    if (theirs) {
      deps.log.debug(
        { channel: e.channel, messageId: theirs.id, status: e.status },
        "delivery status for a customer's message ignored (statuses apply to our outbound messages only)",
      );
      return;
    }
    throw new NotYetKnown(`no outbound message ${e.externalMessageId} yet`);
  }
  // Statuses arrive out of order (§2.3) and are processed side by side: the move is one conditional
  // UPDATE, so "delivered" processed at the same moment as "read" can never overwrite it.
  const moved = await tx.message.updateMany({
    where: { id: message.id, deliveryStatus: { in: statusesBefore(e.status) } },
    data: { deliveryStatus: e.status, ...(e.status === "failed" ? { failureReason: e.reason ?? "failed" } : {}) },
  });
  if (moved.count === 0) return;
  if (e.status === "failed") {
    await appendAudit(
      tx,
      { type: "system", id: e.channel },
      {
        action: "conversation.delivery_failed",
        entityType: "conversation",
        entityId: message.conversationId,
        data: { messageId: message.id, reason: e.reason },
      },
    );
  }
  await appendChange(tx, {
    entityType: "conversation",
    entityId: message.conversationId,
    op: "upsert",
    data: { event: "delivery_status", messageId: message.id, status: e.status },
  });
}

async function applyConversationStatus(
  tx: Tx,
  e: Extract<InboundEvent, { type: "conversation_status" }>,
): Promise<void> {
  const conversation = await tx.conversation.findUnique({
    where: {
      channel_channelAccount_externalId: {
        channel: e.channel,
        channelAccount: e.channelAccount,
        externalId: e.externalConversationId,
      },
    },
  });
  if (!conversation) return;
  // Chatwoot's convention (§1.1): `pending` = the bot's, `open` = a person's.
  let data: Record<string, unknown> | null = null;
  if (e.status === "open" && conversation.mode === "bot") {
    data = { mode: "human", escalatedAt: new Date(), escalationReason: "Opened in Chatwoot", escalationSummary: null };
  } else if (e.status === "pending" && conversation.mode === "human") {
    data = { mode: "bot", assignedStaffId: null };
  }
  if (!data) return;
  const updated = await tx.conversation.update({
    where: { id: conversation.id },
    data: { ...data, version: { increment: 1 } },
  });
  await appendAudit(
    tx,
    { type: "system", id: "chatwoot" },
    {
      action: updated.mode === "human" ? "conversation.taken_over" : "conversation.handed_back",
      entityType: "conversation",
      entityId: conversation.id,
      data: { source: "chatwoot", status: e.status },
    },
  );
  await appendChange(tx, {
    entityType: "conversation",
    entityId: conversation.id,
    op: "upsert",
    data: { event: "mode_changed", mode: updated.mode, version: updated.version, source: "chatwoot" },
  });
}
