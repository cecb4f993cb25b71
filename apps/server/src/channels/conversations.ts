// Staff side of WhatsApp chats: the list, a transcript, takeover, replies, notes and hand-back.
// Every write: audit + change_log (entity "conversation") in the same transaction.

import type { chatDetail, chatListItem } from "@cita/shared";
import type { z } from "zod";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Conversation, ConversationMode } from "../generated/prisma/client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AgentChoice, OutboundReply } from "./agent-port.ts";
import { chatwootAssignees, configuredTemplates } from "./config.ts";
import { enqueueChatwootAction, enqueueOutbound, windowClosesAt } from "./outbox.ts";
import type { AttachmentRef } from "./payloads.ts";

export interface ChatScope {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  config: AppConfig;
  jobs?: JobQueue;
  /** The staff member acting. */
  staffId: string;
  /**
   * Issue #21: the location the console shows. The list keeps that location's chats and those not
   * tied to a location yet (a salon not chosen, or an inbox no location names): a front desk sees
   * every chat that may be theirs.
   */
  locationId?: string | null;
}

type ListItem = z.infer<typeof chatListItem>;
type Detail = z.infer<typeof chatDetail>;

export interface WriteResult {
  conversationId: string;
  mode: ConversationMode;
  version: number;
  messageId: string | null;
}

interface ListRow {
  id: string;
  channel: ListItem["channel"];
  mode: ConversationMode;
  customer_id: string;
  assigned_staff_id: string | null;
  assigned_staff_name: string | null;
  escalation_reason: string | null;
  version: number;
  phone_cipher: Uint8Array | null;
  name_cipher: Uint8Array | null;
  last_at: Date | null;
  last_body: string | null;
  unread: number;
  waiting: boolean;
}

function decrypt(fc: FieldCrypto, c: Uint8Array | null): string | null {
  return c ? fc.decrypt(c) : null;
}

function listItem(fc: FieldCrypto, r: ListRow): ListItem {
  return {
    id: r.id,
    channel: r.channel,
    mode: r.mode,
    waiting: r.waiting,
    customerId: r.customer_id,
    customerName: decrypt(fc, r.name_cipher),
    customerPhone: decrypt(fc, r.phone_cipher),
    assignedStaffId: r.assigned_staff_id,
    assignedStaffName: r.assigned_staff_name,
    escalationReason: r.escalation_reason,
    lastMessageAt: r.last_at?.toISOString() ?? null,
    lastMessagePreview: r.last_body ? r.last_body.slice(0, 140) : null,
    unread: r.unread,
    version: r.version,
  };
}

async function listRows(
  db: Db | Tx,
  where: { id?: string; filter?: string; locationId?: string | null },
  limit: number,
): Promise<ListRow[]> {
  const id = where.id ?? null;
  const locationId = where.locationId ?? null;
  const filter = where.filter ?? "all";
  // Waiting for a person (human, nobody assigned) first, oldest escalation first; then most recent activity.
  // Unread = customer messages since the last reply (bot or staff; notes do not count).
  return db.$queryRaw<ListRow[]>`
    SELECT c.id, c.channel::text AS channel, c.mode::text AS mode, c.customer_id, c.assigned_staff_id,
           s.display_name AS assigned_staff_name, c.escalation_reason, c.version,
           cu.phone_cipher, cu.name_cipher,
           last.sent_at AS last_at, last.body AS last_body,
           (SELECT count(*)::int FROM message i
             WHERE i.conversation_id = c.id AND i.direction = 'inbound'
               AND i.sent_at > COALESCE((SELECT max(o.sent_at) FROM message o
                                          WHERE o.conversation_id = c.id AND o.direction = 'outbound'
                                            AND o.kind <> 'note'), '-infinity'::timestamptz)) AS unread,
           (c.mode = 'human' AND c.assigned_staff_id IS NULL) AS waiting
      FROM conversation c
      JOIN customer cu ON cu.id = c.customer_id
      LEFT JOIN staff_member s ON s.id = c.assigned_staff_id
      LEFT JOIN LATERAL (SELECT m.sent_at, m.body FROM message m
                          WHERE m.conversation_id = c.id AND m.kind <> 'note'
                          ORDER BY m.sent_at DESC, m.created_at DESC LIMIT 1) last ON true
     WHERE (${id}::uuid IS NULL OR c.id = ${id}::uuid)
       AND (${locationId}::uuid IS NULL OR c.location_id IS NULL OR c.location_id = ${locationId}::uuid)
       AND (${filter} = 'all'
            OR (${filter} = 'waiting' AND c.mode = 'human' AND c.assigned_staff_id IS NULL)
            OR (${filter} = 'human' AND c.mode = 'human')
            OR (${filter} = 'bot' AND c.mode = 'bot'))
     ORDER BY (c.mode = 'human' AND c.assigned_staff_id IS NULL) DESC,
              CASE WHEN c.mode = 'human' AND c.assigned_staff_id IS NULL THEN c.escalated_at END ASC NULLS LAST,
              COALESCE(last.sent_at, c.updated_at) DESC
     LIMIT ${limit}`;
}

export async function listChats(
  scope: ChatScope,
  input: { filter: string; limit: number },
): Promise<{ items: ListItem[] }> {
  const rows = await listRows(scope.db, { filter: input.filter, locationId: scope.locationId ?? null }, input.limit);
  return { items: rows.map((r) => listItem(scope.fc, r)) };
}

export async function getChat(scope: ChatScope, conversationId: string): Promise<Detail> {
  // Another location's chat is not found here (issue #21): the console shows one location at a time.
  const [row] = await listRows(scope.db, { id: conversationId, locationId: scope.locationId ?? null }, 1);
  if (!row) throw new AppError("NOT_FOUND", "Conversation not found");
  const conversation = await scope.db.conversation.findUniqueOrThrow({
    where: { id: conversationId },
    include: { customer: { select: { language: true } } },
  });
  const messages = await scope.db.message.findMany({
    where: { conversationId },
    orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }],
    take: 1000,
  });
  const staffIds = [...new Set(messages.map((m) => m.staffId).filter((s): s is string => !!s))];
  const staff = new Map(
    (
      await scope.db.staffMember.findMany({ where: { id: { in: staffIds } }, select: { id: true, displayName: true } })
    ).map((s) => [s.id, s.displayName]),
  );
  const bookings = await scope.db.booking.findMany({
    where: { conversationId },
    select: { id: true, status: true, startsAt: true },
    orderBy: { startsAt: "asc" },
  });
  const closes = windowClosesAt(conversation.lastCustomerMessageAt);
  return {
    conversation: {
      ...listItem(scope.fc, row),
      escalationSummary: conversation.escalationSummary,
      handBackNote: conversation.handBackNote,
      windowClosesAt: closes?.toISOString() ?? null,
      windowOpen: !!closes && closes.getTime() > scope.clock().getTime(),
      customerLanguage: conversation.customer.language,
    },
    messages: messages.map((m) => {
      const choices = Array.isArray(m.choices) ? (m.choices as unknown as AgentChoice[]) : null;
      return {
        id: m.id,
        direction: m.direction,
        author: m.author,
        staffName: m.staffId ? (staff.get(m.staffId) ?? null) : null,
        kind: m.kind,
        body: m.body,
        attachments: ((m.attachments as AttachmentRef[] | null) ?? []).map((a) => ({
          type: a.type,
          sourceUrl: a.sourceUrl ?? null,
          storedPath: a.storedPath ?? null,
          mimeType: a.mimeType ?? null,
          bytes: a.bytes ?? null,
        })),
        choices:
          choices?.map((c) => ({
            id: c.id,
            title: c.title,
            ...(c.description ? { description: c.description } : {}),
          })) ?? null,
        deliveryStatus: m.deliveryStatus,
        failureReason: m.failureReason,
        // The bot's replies name the agent turn that wrote them (managers can open it: chats.turn).
        turnId: m.author === "bot" ? m.turnId : null,
        at: m.sentAt.toISOString(),
      };
    }),
    bookings: bookings.map((b) => ({ id: b.id, status: b.status, startsAt: b.startsAt.toISOString() })),
    templates: configuredTemplates(scope.config),
  };
}

async function lockConversation(tx: Tx, id: string): Promise<Conversation> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM conversation WHERE id = ${id}::uuid FOR UPDATE`;
  if (!rows[0]) throw new AppError("NOT_FOUND", "Conversation not found");
  return tx.conversation.findUniqueOrThrow({ where: { id } });
}

async function staffName(tx: Tx, id: string | null): Promise<string> {
  if (!id) return "someone";
  const s = await tx.staffMember.findUnique({ where: { id }, select: { displayName: true } });
  return s?.displayName ?? "someone";
}

async function record(
  tx: Tx,
  scope: ChatScope,
  conversationId: string,
  action: string,
  data: Record<string, unknown>,
): Promise<void> {
  await appendAudit(
    tx,
    { type: "staff", id: scope.staffId },
    { action, entityType: "conversation", entityId: conversationId, data },
  );
  await appendChange(tx, {
    entityType: "conversation",
    entityId: conversationId,
    op: "upsert",
    data: { event: action, ...data },
  });
}

/** Refuses when someone else has the conversation (CONFLICT naming them), or it is still the bot's. */
async function assertMine(tx: Tx, scope: ChatScope, c: Conversation): Promise<void> {
  if (c.mode !== "human") {
    throw new AppError("CONFLICT", "The assistant is handling this conversation: take it over first", { mode: c.mode });
  }
  if (c.assignedStaffId && c.assignedStaffId !== scope.staffId) {
    const name = await staffName(tx, c.assignedStaffId);
    throw new AppError("CONFLICT", `${name} is handling this conversation`, {
      ownerId: c.assignedStaffId,
      ownerName: name,
    });
  }
}

export async function takeOver(
  scope: ChatScope,
  input: { conversationId: string; force: boolean },
): Promise<WriteResult> {
  return scope.db.$transaction(async (tx) => {
    const c = await lockConversation(tx, input.conversationId);
    if (c.mode === "human" && c.assignedStaffId && c.assignedStaffId !== scope.staffId && !input.force) {
      const name = await staffName(tx, c.assignedStaffId);
      throw new AppError("CONFLICT", `${name} already has this conversation (take it anyway with force)`, {
        ownerId: c.assignedStaffId,
        ownerName: name,
      });
    }
    if (c.mode === "human" && c.assignedStaffId === scope.staffId) {
      return { conversationId: c.id, mode: c.mode, version: c.version, messageId: null };
    }
    const updated = await tx.conversation.update({
      where: { id: c.id },
      data: { mode: "human", assignedStaffId: scope.staffId, version: { increment: 1 } },
    });
    // Chatwoot's convention (§1.1): `open` = a person has it, so the agent bot is no longer asked.
    await enqueueChatwootAction(tx, scope, c, { type: "chatwoot_status", status: "open" });
    const me = await tx.staffMember.findUnique({ where: { id: scope.staffId }, select: { email: true } });
    const assignee = me ? chatwootAssignees(scope.config).get(me.email.toLowerCase()) : undefined;
    if (assignee !== undefined)
      await enqueueChatwootAction(tx, scope, c, { type: "chatwoot_assign", assigneeId: assignee });
    await record(tx, scope, c.id, "conversation.taken_over", {
      version: updated.version,
      mode: "human",
      previousOwner: c.assignedStaffId,
      forced: input.force && !!c.assignedStaffId && c.assignedStaffId !== scope.staffId,
    });
    return { conversationId: c.id, mode: updated.mode, version: updated.version, messageId: null };
  });
}

async function staffSend(
  scope: ChatScope,
  conversationId: string,
  reply: OutboundReply,
  action: string,
): Promise<WriteResult> {
  return scope.db.$transaction(async (tx) => {
    const c = await lockConversation(tx, conversationId);
    await assertMine(tx, scope, c);
    const { messageId } = await enqueueOutbound(tx, scope, {
      conversation: c,
      author: "staff",
      staffId: scope.staffId,
      reply,
    });
    const updated = await tx.conversation.update({
      where: { id: c.id },
      data: { version: { increment: 1 }, ...(c.assignedStaffId ? {} : { assignedStaffId: scope.staffId }) },
    });
    await record(tx, scope, c.id, action, { version: updated.version, messageId, kind: reply.kind });
    return { conversationId: c.id, mode: updated.mode, version: updated.version, messageId };
  });
}

export function staffReply(
  scope: ChatScope,
  input: { conversationId: string; text: string; choices?: AgentChoice[] },
): Promise<WriteResult> {
  const reply: OutboundReply = input.choices?.length
    ? { kind: "choices", text: input.text, choices: input.choices }
    : { kind: "text", text: input.text };
  return staffSend(scope, input.conversationId, reply, "conversation.staff_replied");
}

export function staffTemplate(
  scope: ChatScope,
  input: { conversationId: string; name: string; language: string; params: string[] },
): Promise<WriteResult> {
  return staffSend(
    scope,
    input.conversationId,
    { kind: "template", name: input.name, language: input.language, params: input.params },
    "conversation.template_sent",
  );
}

/** An internal note: stored in the transcript, never sent. */
export async function addNote(scope: ChatScope, input: { conversationId: string; text: string }): Promise<WriteResult> {
  return scope.db.$transaction(async (tx) => {
    const c = await lockConversation(tx, input.conversationId);
    const m = await tx.message.create({
      data: {
        conversationId: c.id,
        direction: "outbound",
        author: "staff",
        staffId: scope.staffId,
        kind: "note",
        body: input.text,
        // Never sent: "received" marks it as stored only.
        deliveryStatus: "received",
        sentAt: scope.clock(),
      },
    });
    const updated = await tx.conversation.update({ where: { id: c.id }, data: { version: { increment: 1 } } });
    await record(tx, scope, c.id, "conversation.note_added", { version: updated.version, messageId: m.id });
    return { conversationId: c.id, mode: updated.mode, version: updated.version, messageId: m.id };
  });
}

export async function handBack(
  scope: ChatScope,
  input: { conversationId: string; note?: string },
): Promise<WriteResult> {
  return scope.db.$transaction(async (tx) => {
    const c = await lockConversation(tx, input.conversationId);
    if (c.mode !== "human") throw new AppError("CONFLICT", "The assistant already has this conversation");
    await assertMine(tx, scope, c);
    // What the customer wrote while a person had the conversation was answered by that person: close
    // it in a staff "turn" so the agent's next turn only answers what comes after the hand-back.
    const pending = await tx.message.findMany({
      where: { conversationId: c.id, direction: "inbound", turnId: null },
      select: { id: true },
    });
    if (pending.length) {
      const turn = await tx.agentTurn.create({
        data: { conversationId: c.id, mode: "staff", status: "completed", finishedAt: new Date() },
      });
      await tx.message.updateMany({ where: { id: { in: pending.map((p) => p.id) } }, data: { turnId: turn.id } });
    }
    const updated = await tx.conversation.update({
      where: { id: c.id },
      data: {
        mode: "bot",
        assignedStaffId: null,
        handBackNote: input.note?.trim() ? input.note.trim() : null,
        version: { increment: 1 },
      },
    });
    await enqueueChatwootAction(tx, scope, c, { type: "chatwoot_status", status: "pending" });
    await record(tx, scope, c.id, "conversation.handed_back", {
      version: updated.version,
      mode: "bot",
      withNote: !!updated.handBackNote,
    });
    return { conversationId: c.id, mode: updated.mode, version: updated.version, messageId: null };
  });
}
