// Agent turns under a per-conversation lease: one turn at a time per conversation; messages that
// arrive during a turn (double texting) are answered together by the next one.
//
// Who writes what: channels own the lease and `message.turn_id` (which inbound messages a turn
// answered), stamped in the same transaction as the replies' outbox rows, so a message counts as
// answered exactly when its answer is queued. The agent owns `agent_turn` (its row, status and
// transcript; agent/turns.ts) and names it in `AgentTurnResult.turnId`. For an agent that keeps no
// turns (EchoAgent, test agents) channels write a completed row themselves, so every answered
// message points at one. A worker that dies mid-turn leaves its messages unstamped: the next lease
// holder simply answers them (the agent resumes or replays its own turn for the same messages).
//
// Messages too old to answer freely (the 24-hour window had closed by the time they are processed:
// Meta and Chatwoot redeliver late) never reach the agent: the conversation is handed to staff with
// the reason, the late-message template goes out if one is configured, and the turn is recorded as
// what happened (handLateMessages).
import { randomUUID } from "node:crypto";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Conversation, Customer, Message } from "../generated/prisma/client.ts";
import type { AgentChoice, AgentMessage, ConversationAgent } from "./agent-port.ts";
import { configuredTemplates } from "./config.ts";
import type { ChannelDeps } from "./deps.ts";
import { enqueueChatwootAction, enqueueOutbound, windowClosesAt } from "./outbox.ts";
import type { AttachmentRef } from "./payloads.ts";

/**
 * The approved template sent to a customer whose message arrived after the 24-hour window closed
 * (WHATSAPP_TEMPLATES="late_message:es,late_message:en"); it has no parameters. Without it the
 * customer is not written to (WhatsApp would refuse anything else) and staff see why.
 */
export const LATE_MESSAGE_TEMPLATE = "late_message";

/** agent_turn.mode of a turn channels closed without the agent (late messages). */
const LATE_TURN_MODE = "channels";

const LEASE_SECONDS = 120;
const HISTORY = 40;

/** Takes the lease if nobody holds a live one. Wall time (SQL now()), like the job queue. */
async function acquireLease(deps: ChannelDeps, conversationId: string, owner: string): Promise<boolean> {
  const n = await deps.db.$executeRaw`
    UPDATE conversation SET lease_owner = ${owner}, lease_expires_at = now() + make_interval(secs => ${deps.config.CITA_TAKEOVER_SECONDS ?? LEASE_SECONDS})
     WHERE id = ${conversationId}::uuid AND (lease_owner IS NULL OR lease_expires_at < now() OR lease_owner = ${owner})`;
  return n === 1;
}

async function releaseLease(deps: ChannelDeps, conversationId: string, owner: string): Promise<void> {
  await deps.db.$executeRaw`
    UPDATE conversation SET lease_owner = NULL, lease_expires_at = NULL
     WHERE id = ${conversationId}::uuid AND lease_owner = ${owner}`;
}

async function hasUnansweredMessages(deps: ChannelDeps, conversationId: string): Promise<boolean> {
  const rows = await deps.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM message m JOIN conversation c ON c.id = m.conversation_id
     WHERE m.conversation_id = ${conversationId}::uuid AND m.direction = 'inbound' AND m.turn_id IS NULL
       AND c.mode = 'bot'`;
  return (rows[0]?.n ?? 0) > 0;
}

function toAgentMessage(m: Message): AgentMessage {
  const selected = (m.choices as { selected?: { id?: string } } | null)?.selected?.id ?? null;
  return {
    id: m.id,
    direction: m.direction,
    author: m.author,
    kind: m.kind,
    body: m.body,
    selectedChoiceId: m.direction === "inbound" ? selected : null,
    attachments: ((m.attachments as AttachmentRef[] | null) ?? []).map((a) => ({
      type: a.type,
      mimeType: a.mimeType ?? null,
      storedPath: a.storedPath ?? null,
    })),
    at: m.sentAt,
  };
}

/**
 * Chatwoot hands a tapped button or list row over as its title only (no id): match it against the
 * choices of the latest bot message that offered any, so the agent sees the tap as a tap.
 */
function withTappedChoice(m: AgentMessage, offered: AgentChoice[] | null): AgentMessage {
  if (m.selectedChoiceId || !offered?.length || !m.body) return m;
  const said = m.body.trim().toLowerCase();
  // Chatwoot and WhatsApp cut titles at 24 characters (channels/clients.ts).
  const hit = offered.find((c) => [c.title, c.title.slice(0, 24)].some((t) => t.trim().toLowerCase() === said));
  return hit ? { ...m, selectedChoiceId: hit.id } : m;
}

/**
 * The turn job. Loops while there are unanswered messages; after releasing the lease it looks once
 * more, so a message whose job lost the lease race to this turn is never left behind.
 */
export async function runTurns(deps: ChannelDeps, agent: ConversationAgent, conversationId: string): Promise<void> {
  const owner = `turn-${randomUUID()}`;
  for (let round = 0; round < 20; round++) {
    if (!(await acquireLease(deps, conversationId, owner))) return; // the lease holder will see our messages
    try {
      while (await runOneTurn(deps, agent, conversationId, owner)) {
        // next turn: messages arrived while the agent was thinking
      }
    } finally {
      await releaseLease(deps, conversationId, owner);
    }
    if (!(await hasUnansweredMessages(deps, conversationId))) return;
  }
}

/** A burst never waits longer than this for the customer to pause. */
const MAX_BURST_WAIT_MS = 4_000;

/**
 * Waits until the customer has been quiet for TURN_QUIET_MS (the newest unanswered message is that
 * old, by the database's clock, which stamped it), so a burst of messages is read as one request.
 * A lone message waits the window once; a customer who keeps typing is answered after at most
 * MAX_BURST_WAIT_MS. Messages arriving during the turn go into the next one.
 */
async function awaitQuiet(deps: ChannelDeps, conversationId: string): Promise<void> {
  const quiet = deps.config.TURN_QUIET_MS;
  if (!quiet) return;
  const deadline = Date.now() + MAX_BURST_WAIT_MS;
  for (;;) {
    const rows = await deps.db.$queryRaw<{ age: number | null }[]>`
      SELECT (extract(epoch FROM now() - max(created_at)) * 1000)::float8 AS age FROM message
       WHERE conversation_id = ${conversationId}::uuid AND direction = 'inbound' AND turn_id IS NULL`;
    const age = rows[0]?.age;
    if (age === null || age === undefined) return;
    const wait = Math.min(quiet - age, deadline - Date.now());
    if (wait <= 0) return;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Returns true when a turn ran (there may be more to do). */
async function runOneTurn(
  deps: ChannelDeps,
  agent: ConversationAgent,
  conversationId: string,
  owner: string,
): Promise<boolean> {
  await awaitQuiet(deps, conversationId);
  const prepared = await deps.db.$transaction(async (tx) => {
    const conversation = await tx.conversation.findUniqueOrThrow({
      where: { id: conversationId },
      include: { customer: true },
    });
    if (conversation.mode !== "bot") return null;
    const fresh = await tx.message.findMany({
      where: { conversationId, direction: "inbound", turnId: null },
      orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }],
    });
    if (!fresh.length) return null;
    const history = await tx.message.findMany({
      where: { conversationId, kind: { not: "note" }, id: { notIn: fresh.map((m) => m.id) } },
      orderBy: [{ sentAt: "desc" }, { createdAt: "desc" }],
      take: HISTORY,
    });
    return { conversation, fresh, history: history.reverse() };
  });
  if (!prepared) return false;
  const { conversation, fresh, history } = prepared;
  // Too late to answer freely: the agent's reply could not be sent (checkSendable) — staff take it.
  const closes = windowClosesAt(conversation.lastCustomerMessageAt);
  if (conversation.channel !== "sandbox" && (!closes || closes.getTime() <= deps.clock().getTime())) {
    await handLateMessages(deps, conversation, fresh, owner);
    return true;
  }
  const c = conversation.customer;
  const lastOffer = history.findLast((m) => m.direction === "outbound" && Array.isArray(m.choices));
  const offered = (lastOffer?.choices as AgentChoice[] | null | undefined) ?? null;
  let result: Awaited<ReturnType<ConversationAgent["handleTurn"]>>;
  try {
    result = await agent.handleTurn({
      conversation: {
        id: conversation.id,
        channel: conversation.channel,
        mode: conversation.mode,
        lastCustomerMessageAt: conversation.lastCustomerMessageAt,
        locationId: conversation.locationId,
        channelAccount: conversation.channelAccount,
      },
      customer: {
        id: c.id,
        name: c.nameCipher ? deps.fc.decrypt(c.nameCipher) : null,
        phone: c.phoneCipher ? deps.fc.decrypt(c.phoneCipher) : null,
        language: c.language,
      },
      newMessages: fresh.map((m) => withTappedChoice(toAgentMessage(m), offered)),
      history: history.map(toAgentMessage),
      handBackNote: conversation.handBackNote,
    });
  } catch (e) {
    // Nothing was stamped: the job's retry (or the next message) answers these messages again.
    deps.log.warn({ err: e, conversationId, agent: agent.name }, "agent turn failed");
    throw e;
  }
  await deps.db.$transaction(async (tx) => {
    // Still ours? A lease that expired during a slow turn may have passed to another worker.
    const held = await tx.$queryRaw<{ mode: string }[]>`
      SELECT mode::text FROM conversation WHERE id = ${conversationId}::uuid AND lease_owner = ${owner} FOR UPDATE`;
    if (!held[0]) throw new Error("lost the conversation lease during the turn");
    const now = await tx.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    const messageIds: string[] = [];
    // Taken over while the agent was thinking: while human, the bot sends nothing.
    const suppressed = now.mode !== "bot" ? result.replies.length : 0;
    if (now.mode === "bot") {
      for (const reply of result.replies) {
        const { messageId } = await enqueueOutbound(tx, deps, { conversation: now, author: "bot", reply });
        messageIds.push(messageId);
      }
    }
    const escalate = now.mode === "bot" ? result.escalate : undefined;
    const updated = await tx.conversation.update({
      where: { id: conversationId },
      data: {
        // The hand-back note is shown to the agent once.
        ...(conversation.handBackNote ? { handBackNote: null } : {}),
        ...(escalate
          ? {
              mode: "human",
              assignedStaffId: null,
              escalatedAt: deps.clock(),
              escalationReason: escalate.reason.slice(0, 500),
              escalationSummary: escalate.summary.slice(0, 4000),
            }
          : {}),
        version: { increment: 1 },
      },
    });
    const turnId =
      result.turnId ??
      (
        await tx.agentTurn.create({
          data: {
            conversationId,
            mode: agent.name,
            status: "completed",
            finishedAt: new Date(),
            transcript: (result.transcript ?? []) as never,
          },
        })
      ).id;
    // The bot's replies point at the turn that wrote them, so staff can see why it said so.
    if (messageIds.length)
      await tx.message.updateMany({ where: { id: { in: messageIds }, turnId: null }, data: { turnId } });
    await tx.message.updateMany({
      where: { id: { in: fresh.map((m) => m.id) }, turnId: null },
      data: { turnId },
    });
    if (escalate) {
      await enqueueChatwootAction(tx, deps, now, { type: "chatwoot_status", status: "open" });
    }
    await appendAudit(
      tx,
      { type: "agent", id: agent.name },
      {
        action: escalate ? "conversation.escalated" : "conversation.agent_replied",
        entityType: "conversation",
        entityId: conversationId,
        data: {
          turnId,
          answered: fresh.length,
          replies: messageIds,
          ...(suppressed ? { suppressed, reason: "conversation taken over during the turn" } : {}),
          ...(escalate ? { reason: escalate.reason } : {}),
        },
      },
    );
    await appendChange(tx, {
      entityType: "conversation",
      entityId: conversationId,
      op: "upsert",
      data: {
        event: escalate ? "escalated" : "agent_replied",
        version: updated.version,
        mode: updated.mode,
        messageIds,
      },
    });
  });
  return true;
}

/** Whole hours between two instants, rounded down. */
const hoursBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / 3600_000);

/**
 * Hands messages that arrived after the 24-hour window closed to staff, in one transaction: the
 * conversation escalated with a reason staff can read (Spanish, like the console), the late-message
 * template queued if configured, the messages stamped with a turn recorded as not answered
 * (`handed_off`, error = the reason; the agent never ran), Chatwoot's conversation opened, audit and change.
 */
async function handLateMessages(
  deps: ChannelDeps,
  conversation: Conversation & { customer: Customer },
  fresh: Message[],
  owner: string,
): Promise<void> {
  const at = deps.clock();
  const written = conversation.lastCustomerMessageAt ?? fresh.at(-1)?.sentAt ?? at;
  const delay = hoursBetween(written, at);
  const lang = conversation.customer.language === "en" ? "en" : "es";
  const templates = configuredTemplates(deps.config).filter((t) => t.name === LATE_MESSAGE_TEMPLATE);
  const template = templates.find((t) => t.language === lang) ?? templates[0] ?? null;
  const reason = `Mensaje recibido con más de 24 h de retraso: llegó ${delay} h después de que el cliente lo escribiera, con la ventana de 24 h de WhatsApp ya cerrada, así que el asistente no puede contestarle. ${
    template
      ? `Se le ha enviado la plantilla «${template.name}»; contestadle con una plantilla aprobada o cuando vuelva a escribir.`
      : `Solo se le puede escribir con una plantilla aprobada (no hay plantilla «${LATE_MESSAGE_TEMPLATE}» en WHATSAPP_TEMPLATES).`
  }`;
  const said = fresh.map((m) => (m.body ? `"${m.body}"` : `[${m.kind}]`)).join(" / ");
  const summary = `El cliente escribió: ${said}`;
  await deps.db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ mode: string }[]>`
      SELECT mode::text FROM conversation WHERE id = ${conversation.id}::uuid AND lease_owner = ${owner} FOR UPDATE`;
    if (!held[0]) throw new Error("lost the conversation lease while handing late messages to staff");
    const now = await tx.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
    const escalate = now.mode === "bot";
    const messageIds: string[] = [];
    if (escalate && template) {
      const { messageId } = await enqueueOutbound(tx, deps, {
        conversation: now,
        author: "bot",
        reply: { kind: "template", name: template.name, language: template.language, params: [] },
      });
      messageIds.push(messageId);
    }
    const updated = await tx.conversation.update({
      where: { id: conversation.id },
      data: {
        ...(escalate
          ? {
              mode: "human",
              assignedStaffId: null,
              escalatedAt: at,
              escalationReason: reason.slice(0, 500),
              escalationSummary: summary.slice(0, 4000),
            }
          : {}),
        version: { increment: 1 },
      },
    });
    // Recorded as what happened: handed to staff, nobody answered.
    const turn = await tx.agentTurn.create({
      data: {
        conversationId: conversation.id,
        mode: LATE_TURN_MODE,
        status: "handed_off",
        error: reason.slice(0, 500),
        finishedAt: new Date(),
        transcript: [
          {
            type: "late_handoff",
            messageIds: fresh.map((m) => m.id),
            delayHours: delay,
            template: template?.name ?? null,
          },
        ] as never,
      },
    });
    await tx.message.updateMany({
      where: { id: { in: fresh.map((m) => m.id) }, turnId: null },
      data: { turnId: turn.id },
    });
    if (escalate) await enqueueChatwootAction(tx, deps, now, { type: "chatwoot_status", status: "open" });
    await appendAudit(
      tx,
      { type: "system", id: "channels" },
      {
        // Taken over meanwhile: a person already has it; the late messages are recorded, nothing more.
        action: escalate ? "conversation.escalated" : "conversation.late_message",
        entityType: "conversation",
        entityId: conversation.id,
        data: {
          turnId: turn.id,
          answered: 0,
          late: fresh.length,
          delayHours: delay,
          template: escalate ? (template?.name ?? null) : null,
          reason: "late_message",
        },
      },
    );
    await appendChange(tx, {
      entityType: "conversation",
      entityId: conversation.id,
      op: "upsert",
      data: {
        event: escalate ? "escalated" : "late_message",
        version: updated.version,
        mode: updated.mode,
        messageIds,
      },
    });
  });
  deps.log.warn(
    { conversationId: conversation.id, delayHours: delay, template: template?.name ?? null },
    "customer message arrived after the 24-hour window: handed to staff",
  );
}
