// Inbound deliveries: stored raw and deduplicated before the 200 (intake), then processed by a job
// into customers, conversations and messages (integrations.md §6).
import { appendAudit, appendChange, CHANGE_CHANNEL, CHANGE_LOG_LOCK, type ChangeInput } from "../changes/change-log.ts";
import { normalisePhone } from "../crypto/phone.ts";
import { upsertCustomersByPhone } from "../customers/customer-store.ts";
import type { Tx } from "../db/client.ts";
import { beforeCommit } from "../db/transaction.ts";
import { isAppError } from "../errors/app-error.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Channel, DeliveryStatus } from "../generated/prisma/enums.ts";
import { metricsOf } from "../metrics/metrics.ts";
import { type ChannelDeps, QUEUES } from "./deps.ts";
import { type Delivery, insertDeliveries, type StoredDelivery } from "./intake.ts";
import { guessLanguage } from "./language.ts";
import { type AttachmentRef, chatwootEvents, type InboundEvent, type MessageEvent, metaEvents } from "./payloads.ts";

export type { WebhookSourceName } from "./intake.ts";

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
 * Stores a verified delivery (or finds it already stored): one INSERT, committed on its own, no job.
 * The webhook routes go through the group-commit intake (intake.ts) instead, which writes the
 * deliveries arriving together, with their processing jobs, in one statement. A row stored without
 * its job stays `received` and the sweep in jobs.ts enqueues it (at start-up and periodically), so
 * nothing is lost — the inbox pattern, with pg-boss doing the retries.
 */
export async function storeDelivery(deps: Pick<ChannelDeps, "db">, d: Delivery): Promise<StoredDelivery> {
  const [stored] = await insertDeliveries(deps.db, [d]);
  return stored!;
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
}

/** Webhook events handled in one transaction at most (a worker's batch; see processWebhookEvents). */
export const WEBHOOK_BATCH = 50;

/** Processes one stored delivery; throws when it should be retried (the queue does). */
export async function processWebhookEvent(deps: ChannelDeps, eventId: string): Promise<void> {
  const [error] = await processWebhookEvents(deps, [eventId]);
  if (error) throw error;
}

/**
 * Processes stored deliveries together: one transaction for the whole batch (one lock on each event
 * row, set-based writes for its messages, one change-log append, one insert of the follow-up jobs),
 * which is what lets a backlog drain at hundreds per second. Answers per id (same order): null when
 * the event is done with (processed, ignored, or recorded as not processable), else the error to
 * retry it for.
 *
 * If anything in the batch fails, the batch's transaction rolls back as a whole and each event is
 * then processed alone, so one bad event is recorded (and retried or not) without holding the others
 * back or taking them with it.
 */
export async function processWebhookEvents(deps: ChannelDeps, eventIds: string[]): Promise<(Error | null)[]> {
  const unique = [...new Set(eventIds)];
  if (unique.length > 1) {
    try {
      await applyWebhookEvents(deps, unique);
      return eventIds.map(() => null);
    } catch (e) {
      deps.log.debug({ err: e, events: unique.length }, "webhook batch failed; processing its events one by one");
    }
  }
  const outcome = new Map<string, Error | null>();
  for (const id of unique) {
    try {
      await applyWebhookEvents(deps, [id]);
      outcome.set(id, null);
    } catch (e) {
      outcome.set(id, await recordFailure(deps, id, e));
    }
  }
  return eventIds.map((id) => outcome.get(id) ?? null);
}

/** Bad data (e.g. not a phone number) will not get better: record it and stop. Anything else is
 * retried by the queue (a status for a message we have not recorded yet, a lost connection…). */
async function recordFailure(deps: ChannelDeps, eventId: string, e: unknown): Promise<Error | null> {
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
    return null;
  }
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Rows stored by one statement share a received_at: their ids, time-ordered (intake.ts
 * orderedUuid, version 7), keep the order they arrived in. Other ids (random, version 4) tell nothing.
 */
function arrival(a: string, b: string): number {
  if (a[14] !== "7" || b[14] !== "7") return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One transaction for all of `eventIds`; throws (nothing written) if any of them fails. */
async function applyWebhookEvents(deps: ChannelDeps, eventIds: string[]): Promise<void> {
  const follow: Followups = { turns: new Set(), media: new Set() };
  const position = new Map(eventIds.map((id, i) => [id, i]));
  await deps.db.$transaction(
    async (tx) => {
      // Run again from scratch if the transaction is retried (contention).
      follow.turns.clear();
      follow.media.clear();
      // Locked in id order (two batches never wait on each other in a cycle), applied in the order
      // they reached us: a conversation's messages, statuses and mode changes keep their order.
      const rows = await tx.$queryRaw<
        { id: string; source: string; raw_body: string; status: string; received_at: Date }[]
      >`
        SELECT id::text, source::text, raw_body, status::text, received_at FROM webhook_event
         WHERE id = ANY(${eventIds}::uuid[]) ORDER BY id FOR UPDATE`;
      const todo = rows
        .filter((ev) => ev.status !== "processed" && ev.status !== "ignored")
        .sort(
          (a, b) =>
            a.received_at.getTime() - b.received_at.getTime() ||
            arrival(a.id, b.id) ||
            position.get(a.id)! - position.get(b.id)!,
        );
      if (!todo.length) return;
      // Consecutive messages are written together; anything else is applied in its place between them.
      let messages: ReceivedMessage[] = [];
      const flush = async () => {
        if (messages.length) await applyMessages(tx, deps, messages, follow);
        messages = [];
      };
      const nothingToDo: string[] = [];
      for (const ev of todo) {
        const body = JSON.parse(ev.raw_body) as unknown;
        const events = ev.source === "chatwoot" ? chatwootEvents(body) : metaEvents(body);
        if (!events.length) nothingToDo.push(ev.id);
        for (const e of events) {
          if (e.type === "message") {
            messages.push({ e, receivedAt: ev.received_at });
            continue;
          }
          await flush();
          if (e.type === "delivery") await applyDelivery(tx, deps, e);
          else await applyConversationStatus(tx, e);
        }
      }
      await flush();
      const ids = todo.map((ev) => ev.id);
      const statuses = ids.map((id) => (nothingToDo.includes(id) ? "ignored" : "processed"));
      const errors = ids.map((id) => (nothingToDo.includes(id) ? "nothing to do" : null));
      await tx.$executeRaw`
        UPDATE webhook_event w
           SET status = x.s::"WebhookStatus", processed_at = ${new Date()}, attempts = w.attempts + 1, last_error = x.e
          FROM unnest(${ids}::uuid[], ${statuses}::text[], ${errors}::text[]) AS x(id, s, e)
         WHERE w.id = x.id`;
      for (const ev of todo) metricsOf(deps)?.webhookProcessed(ev.source, Date.now() - ev.received_at.getTime());
      if (deps.jobs) {
        await deps.jobs.sendMany(
          QUEUES.turn,
          [...follow.turns].map((conversationId) => ({ conversationId })),
          { tx },
        );
        await deps.jobs.sendMany(
          QUEUES.media,
          [...follow.media].map((messageId) => ({ messageId })),
          { tx },
        );
      }
    },
    { timeout: 15_000 + 500 * eventIds.length },
  );
}

const batchedChanges = new WeakMap<object, ChangeInput[]>();

/**
 * appendChange (changes/change-log.ts), with the batch's changes written together just before
 * commit: the same lock protocol (the change-log lock taken last, nothing after it but the insert
 * and the NOTIFY), but one multi-row INSERT, so a batch of fifty messages holds the lock that every
 * write in the salon waits on for one statement instead of fifty.
 */
async function appendBatchedChange(tx: Tx, change: ChangeInput): Promise<void> {
  const queued = batchedChanges.get(tx);
  if (queued) {
    queued.push(change);
    return;
  }
  if (beforeCommit(tx, () => writeBatchedChanges(tx))) {
    batchedChanges.set(tx, [change]);
    return;
  }
  await appendChange(tx, change);
}

async function writeBatchedChanges(tx: Tx): Promise<void> {
  const changes = batchedChanges.get(tx) ?? [];
  batchedChanges.delete(tx);
  if (!changes.length) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK})`;
  // Versions follow the order the changes were made in (ORDER BY n).
  await tx.$queryRaw`
    WITH ins AS (
      INSERT INTO change_log (at, entity_type, entity_id, op, location_id, data)
      SELECT ${new Date()}, entity_type, entity_id, op::"ChangeOp", location_id::uuid, data::jsonb
        FROM unnest(${changes.map((c) => c.entityType)}::text[], ${changes.map((c) => c.entityId)}::text[],
                    ${changes.map((c) => c.op)}::text[], ${changes.map((c) => c.locationId ?? null)}::text[],
                    ${changes.map((c) => (c.data === undefined || c.data === null ? null : JSON.stringify(c.data)))}::text[])
             WITH ORDINALITY AS x(entity_type, entity_id, op, location_id, data, n)
       ORDER BY n
      RETURNING version
    )
    SELECT pg_notify(${CHANGE_CHANNEL}, max(version)::text)::text AS notified FROM ins`;
}

interface ReceivedMessage {
  e: MessageEvent;
  /** When the delivery reached us: the messages it carries are stamped with it (created_at), so the
   * turn's quiet window (turns.ts) measures the customer's pauses, not our processing lag. */
  receivedAt: Date;
}

/** A conversation by its channel's ids (Chatwoot conversation id, or the customer's wa_id). */
function conversationOf(
  tx: Tx,
  e: { channel: Channel; channelAccount: string; externalConversationId: string },
): Promise<{ id: string } | null> {
  return tx.conversation.findUnique({
    where: {
      channel_channelAccount_externalId: {
        channel: e.channel,
        channelAccount: e.channelAccount,
        externalId: e.externalConversationId,
      },
    },
    select: { id: true },
  });
}

const conversationKey = (e: { channel: string; channelAccount: string; externalConversationId: string }) =>
  `${e.channel}\u0000${e.channelAccount}\u0000${e.externalConversationId}`;

/**
 * Customers' messages, in arrival order, written set-wise: their customers found or created, their
 * conversations found or created, the messages inserted (a message already stored — the same one
 * through two webhooks with different delivery ids — is skipped), each conversation's window and
 * version moved once, then the audit, change-log and follow-up entries of each new message.
 */
async function applyMessages(tx: Tx, deps: ChannelDeps, items: ReceivedMessage[], follow: Followups): Promise<void> {
  const now = new Date();
  const phones = items.map(({ e }) => normalisePhone(e.phone));
  const customers = await upsertCustomersByPhone(
    tx,
    deps.fc,
    // Language guessed once, from the first message, and kept (the agent or staff may change it later).
    items.map(({ e }, i) => ({ phone: phones[i]!, name: e.profileName, language: guessLanguage(e.message.body) })),
  );

  // Conversations: created by their first message here (a Chatwoot conversation that is not
  // `pending` is a person's, not the bot's, §1.1), found otherwise.
  const firstOf = new Map<string, number>();
  items.forEach(({ e }, i) => {
    if (!firstOf.has(conversationKey(e))) firstOf.set(conversationKey(e), i);
  });
  const firsts = [...firstOf.values()].map((i) => items[i]!.e);
  type ConvRow = { id: string; channel: string; account: string; ext: string; inserted: boolean };
  const channels = firsts.map((e) => e.channel);
  const accounts = firsts.map((e) => e.channelAccount);
  const exts = firsts.map((e) => e.externalConversationId);
  const owners = firsts.map((e) => customers.get(normalisePhone(e.phone))!.customer.id);
  const modes = firsts.map((e) => (e.chatwootStatus && e.chatwootStatus !== "pending" ? "human" : "bot"));
  const convRows = await tx.$queryRaw<ConvRow[]>`
    WITH input AS (
      SELECT * FROM unnest(${channels}::text[], ${accounts}::text[], ${exts}::text[], ${owners}::uuid[], ${modes}::text[])
             AS x(channel, account, ext, customer_id, mode)
    ), ins AS (
      INSERT INTO conversation (id, customer_id, channel, channel_account, external_id, mode, updated_at, location_id)
      SELECT gen_random_uuid(), customer_id, channel::"Channel", account, ext, mode::"ConversationMode", ${now},
             -- Issue #21: the salon of this inbox when exactly one serves it; none (the default
             -- location answers) or several (the agent asks which one) leave it null.
             (SELECT CASE WHEN count(*) = 1 THEN (array_agg(li.location_id))[1] END FROM location_inbox li
               WHERE li.channel = input.channel::"Channel" AND li.channel_account = input.account)
        FROM input
      ON CONFLICT (channel, channel_account, external_id) DO NOTHING
      RETURNING id, channel, channel_account, external_id
    )
    SELECT id::text, channel::text, channel_account AS account, external_id AS ext, true AS inserted FROM ins
    UNION ALL
    SELECT c.id::text, c.channel::text, c.channel_account, c.external_id, false FROM conversation c
      JOIN input i ON c.channel = i.channel::"Channel" AND c.channel_account = i.account AND c.external_id = i.ext`;
  const conversations = new Map<string, ConvRow>();
  for (const r of convRows) {
    const key = conversationKey({ channel: r.channel, channelAccount: r.account, externalConversationId: r.ext });
    if (!conversations.has(key) || r.inserted) conversations.set(key, r);
  }
  if (conversations.size < firsts.length) {
    // Created by another transaction after this statement's snapshot was taken (the insert waited
    // for it): visible to a new statement.
    const missing = firsts.filter((e) => !conversations.has(conversationKey(e)));
    for (const e of missing) {
      const c = await conversationOf(tx, e);
      if (!c) throw new Error(`conversation ${e.externalConversationId} vanished during the batch`);
      conversations.set(conversationKey(e), {
        id: c.id,
        channel: e.channel,
        account: e.channelAccount,
        ext: e.externalConversationId,
        inserted: false,
      });
    }
  }

  // Messages, in arrival order.
  const rows = items.map(({ e, receivedAt }) => ({
    conversationId: conversations.get(conversationKey(e))!.id,
    sentAt: e.message.sentAt ?? deps.clock(),
    receivedAt,
  }));
  const inserted = await tx.$queryRaw<{ id: string; conversation_id: string; external_id: string }[]>`
    INSERT INTO message (id, conversation_id, direction, author, kind, body, attachments, choices, external_id,
                         delivery_status, sent_at, created_at)
    SELECT gen_random_uuid(), conversation_id, 'inbound', 'customer', kind::"MessageKind", body, attachments::jsonb,
           choices::jsonb, external_id, 'received', sent_at, created_at
      FROM unnest(${rows.map((r) => r.conversationId)}::uuid[], ${items.map(({ e }) => e.message.kind)}::text[],
                  ${items.map(({ e }) => e.message.body)}::text[],
                  ${items.map(({ e }) => (e.message.attachments.length ? JSON.stringify(e.message.attachments) : null))}::text[],
                  ${items.map(({ e }) => (e.message.selectedChoiceId ? JSON.stringify({ selected: { id: e.message.selectedChoiceId, title: e.message.body } }) : null))}::text[],
                  ${items.map(({ e }) => e.message.externalId)}::text[],
                  ${rows.map((r) => r.sentAt.toISOString())}::timestamptz[],
                  ${rows.map((r) => r.receivedAt.toISOString())}::timestamptz[])
           WITH ORDINALITY AS x(conversation_id, kind, body, attachments, choices, external_id, sent_at, created_at, n)
     ORDER BY n
    ON CONFLICT (conversation_id, external_id) DO NOTHING
    RETURNING id::text, conversation_id::text, external_id`;
  const newIds = new Map(inserted.map((m) => [`${m.conversation_id}\u0000${m.external_id}`, m.id]));
  // The items whose message was stored now (the first of twins in this batch, none already stored).
  const fresh: { item: ReceivedMessage; messageId: string; conversationId: string; sentAt: Date }[] = [];
  items.forEach((item, i) => {
    const key = `${rows[i]!.conversationId}\u0000${item.e.message.externalId}`;
    const messageId = newIds.get(key);
    if (!messageId) return;
    newIds.delete(key);
    fresh.push({ item, messageId, conversationId: rows[i]!.conversationId, sentAt: rows[i]!.sentAt });
  });
  if (!fresh.length) return;

  // Each conversation once: the window moves to its latest message (out-of-order deliveries never
  // move it backwards), the version by one per new message.
  const perConversation = new Map<string, { latest: Date; count: number }>();
  for (const f of fresh) {
    const c = perConversation.get(f.conversationId) ?? { latest: f.sentAt, count: 0 };
    c.count++;
    if (c.latest < f.sentAt) c.latest = f.sentAt;
    perConversation.set(f.conversationId, c);
  }
  const convIds = [...perConversation.keys()].sort();
  const updated = await tx.$queryRaw<{ id: string; mode: "bot" | "human"; version: number }[]>`
    UPDATE conversation c
       SET last_customer_message_at = GREATEST(c.last_customer_message_at, x.latest), version = c.version + x.n,
           updated_at = ${now}
      FROM unnest(${convIds}::uuid[], ${convIds.map((id) => perConversation.get(id)!.latest.toISOString())}::timestamptz[],
                  ${convIds.map((id) => perConversation.get(id)!.count)}::int[]) AS x(id, latest, n)
     WHERE c.id = x.id
    RETURNING c.id::text, c.mode::text AS mode, c.version`;
  const after = new Map(updated.map((u) => [u.id, u]));

  const startedHere = new Set([...conversations.values()].filter((c) => c.inserted).map((c) => c.id));
  const customerNew = new Set([...customers.values()].filter((c) => c.created).map((c) => c.customer.id));
  const seen = new Map<string, number>();
  const audits: Prisma.AuditLogCreateManyInput[] = [];
  for (const f of fresh) {
    const { e } = f.item;
    const customerId = customers.get(normalisePhone(e.phone))!.customer.id;
    const conv = after.get(f.conversationId)!;
    const nth = seen.get(f.conversationId) ?? 0;
    seen.set(f.conversationId, nth + 1);
    const started = startedHere.delete(f.conversationId);
    const customerCreated = customerNew.delete(customerId);
    audits.push({
      actorType: "customer",
      actorId: customerId,
      action: started ? "conversation.started" : "conversation.message_received",
      entityType: "conversation",
      entityId: f.conversationId,
      data: { messageId: f.messageId, channel: e.channel, customerCreated, kind: e.message.kind },
    });
    const version = conv.version - perConversation.get(f.conversationId)!.count + nth + 1;
    await appendBatchedChange(tx, {
      entityType: "conversation",
      entityId: f.conversationId,
      op: "upsert",
      data: { event: "message_received", messageId: f.messageId, version, mode: conv.mode },
    });
    if (e.message.attachments.some((a: AttachmentRef) => a.type === "image" || a.type === "audio")) {
      follow.media.add(f.messageId);
    }
    // While a person owns the conversation the bot stays silent; Chatwoot keeps sending these (§1.1, #11429).
    const botMayAnswer = conv.mode === "bot" && (e.chatwootStatus === null || e.chatwootStatus === "pending");
    if (botMayAnswer) follow.turns.add(f.conversationId);
  }
  await tx.auditLog.createMany({ data: audits });
}

/**
 * A delivery status (Meta `statuses[]`, Chatwoot message_updated) is about a message *we* sent: it
 * only ever moves an outbound message, whichever way the message is found. A status naming a
 * customer's message (the same id space on both channels) changes nothing and is not retried.
 */
async function applyDelivery(tx: Tx, deps: ChannelDeps, e: Extract<InboundEvent, { type: "delivery" }>): Promise<void> {
  const conversation = e.externalConversationId
    ? await conversationOf(tx, { ...e, externalConversationId: e.externalConversationId })
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
  await appendBatchedChange(tx, {
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
  await appendBatchedChange(tx, {
    entityType: "conversation",
    entityId: conversation.id,
    op: "upsert",
    data: { event: "mode_changed", mode: updated.mode, version: updated.version, source: "chatwoot" },
  });
}
