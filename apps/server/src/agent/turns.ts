// Durable turns. agent_turn.transcript is an append-only list of entries: the input (which inbound
// messages the turn answers), the state the turn started from, every model message (incl.
// tool_use / tool_result blocks) as soon as it exists, and finally the result and the state after.
// A turn re-run for the same inbound messages resumes a running turn, or replays a completed one.
import type { Db } from "../db/client.ts";
import type { Lang } from "./lang.ts";
import type { AgentTurnResult } from "./port.ts";
import { type AgentState, initialState } from "./state.ts";

export type TranscriptEntry =
  | { type: "input"; messageIds: string[] }
  | { type: "state"; at: "start" | "end"; state: AgentState }
  | { type: "message"; message: { role: "user" | "assistant"; content: unknown } }
  | { type: "guided"; note: string }
  | { type: "fallback"; reason: string }
  | { type: "result"; mode: string; result: AgentTurnResult };

export interface OpenTurn {
  id: string;
  entries: TranscriptEntry[];
  /** The state the turn starts from (a copy; mutated by the turn). */
  state: AgentState;
  resumed: boolean;
}

const sameIds = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export async function latestState(db: Db, conversationId: string, lang: Lang): Promise<AgentState> {
  const turns = await db.agentTurn.findMany({
    where: { conversationId },
    orderBy: { startedAt: "desc" },
    take: 5,
    select: { transcript: true },
  });
  // The newest state by turn sequence (robust to equal timestamps).
  let best: AgentState | null = null;
  for (const t of turns) {
    const entries = (t.transcript ?? []) as TranscriptEntry[];
    const s = [...entries].reverse().find((e) => e.type === "state");
    if (s && s.type === "state" && (!best || s.state.turnSeq > best.turnSeq)) best = s.state;
  }
  return best ? structuredClone(best) : initialState(lang);
}

export type BeginResult = { kind: "done"; result: AgentTurnResult } | { kind: "open"; turn: OpenTurn };

/** Finds the turn that answers these messages (resume / replay) or opens a new one. */
export async function beginTurn(
  db: Db,
  p: { conversationId: string; messageIds: string[]; mode: string; lang: Lang },
): Promise<BeginResult> {
  const recent = await db.agentTurn.findMany({
    where: { conversationId: p.conversationId },
    orderBy: { startedAt: "desc" },
    take: 5,
  });
  for (const t of recent) {
    const entries = (t.transcript ?? []) as TranscriptEntry[];
    const input = entries.find((e) => e.type === "input");
    if (input?.type !== "input" || !sameIds(input.messageIds, p.messageIds)) continue;
    if (t.status === "completed") {
      const r = entries.find((e) => e.type === "result");
      if (r && r.type === "result") return { kind: "done", result: r.result };
    }
    const start = entries.find((e) => e.type === "state" && e.at === "start");
    if (start && start.type === "state") {
      await db.agentTurn.update({ where: { id: t.id }, data: { status: "running", error: null } });
      return {
        kind: "open",
        turn: { id: t.id, entries, state: structuredClone(start.state), resumed: true },
      };
    }
  }
  const prev = await latestState(db, p.conversationId, p.lang);
  const state: AgentState = { ...prev, turnSeq: prev.turnSeq + 1 };
  const entries: TranscriptEntry[] = [
    { type: "input", messageIds: p.messageIds },
    { type: "state", at: "start", state: structuredClone(state) },
  ];
  // message.turn_id is the channels' to stamp, together with the replies' outbox rows (channels/turns.ts).
  const row = await db.agentTurn.create({
    data: { conversationId: p.conversationId, mode: p.mode, transcript: entries as never },
  });
  return { kind: "open", turn: { id: row.id, entries, state, resumed: false } };
}

export async function saveTranscript(db: Db, turn: OpenTurn, mode?: string): Promise<void> {
  await db.agentTurn.update({
    where: { id: turn.id },
    data: { transcript: turn.entries as never, ...(mode ? { mode } : {}) },
  });
}

export async function completeTurn(
  db: Db,
  turn: OpenTurn,
  p: { mode: string; result: AgentTurnResult; conversationId: string },
): Promise<void> {
  // The result names its turn (also when replayed), so the channels stamp this row on the messages.
  p.result.turnId = turn.id;
  turn.entries.push({ type: "result", mode: p.mode, result: p.result });
  turn.entries.push({ type: "state", at: "end", state: turn.state });
  await db.$transaction([
    db.agentTurn.update({
      where: { id: turn.id },
      data: { transcript: turn.entries as never, status: "completed", mode: p.mode, finishedAt: new Date() },
    }),
    db.conversation.update({ where: { id: p.conversationId }, data: { agentMode: p.mode } }),
  ]);
}

export async function failTurn(db: Db, turn: OpenTurn, error: string): Promise<void> {
  await db.agentTurn.update({
    where: { id: turn.id },
    data: { transcript: turn.entries as never, status: "failed", error: error.slice(0, 500) },
  });
}
