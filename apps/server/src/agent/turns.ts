// Durable turns. agent_turn.transcript is an append-only list of entries: the input (which inbound
// messages the turn answers), the state the turn started from, every model message (incl.
// tool_use / tool_result blocks) as soon as it exists, and finally the result and the state after.
// A turn re-run for the same inbound messages resumes a running turn, or replays a completed one.
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import type { Lang } from "./lang.ts";
import type { AgentTurnResult } from "./port.ts";
import { type AgentState, initialState } from "./state.ts";
import type { DeferredToolCall } from "./tools/index.ts";

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
  /**
   * Settles when the turn's row exists. A new turn's INSERT runs while the turn starts working
   * (the model's first call needs no row); every write that names the turn awaits this first.
   */
  ready: Promise<void>;
}

const sameIds = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

const RECENT_TURNS = 5;

/** The newest state by turn sequence among these turns (robust to equal timestamps). */
function newestState(turns: { transcript: unknown }[]): AgentState | null {
  let best: AgentState | null = null;
  for (const t of turns) {
    const entries = (t.transcript ?? []) as TranscriptEntry[];
    const s = [...entries].reverse().find((e) => e.type === "state");
    if (s && s.type === "state" && (!best || s.state.turnSeq > best.turnSeq)) best = s.state;
  }
  return best;
}

export async function latestState(db: Db, conversationId: string, lang: Lang): Promise<AgentState> {
  const turns = await db.agentTurn.findMany({
    where: { conversationId },
    orderBy: { startedAt: "desc" },
    take: RECENT_TURNS,
    select: { transcript: true },
  });
  const best = newestState(turns);
  return best ? structuredClone(best) : initialState(lang);
}

export type BeginResult = { kind: "done"; result: AgentTurnResult } | { kind: "open"; turn: OpenTurn };

/** Finds the turn that answers these messages (resume / replay) or opens a new one. */
export async function beginTurn(
  db: Db,
  p: { conversationId: string; messageIds: string[]; mode: string; lang: Lang; newTurnId?: string },
): Promise<BeginResult> {
  // One read serves both: the turn answering these messages (resume / replay) and, for a new
  // turn, the state to start from (the same recent turns latestState reads).
  const recent = await db.agentTurn.findMany({
    where: { conversationId: p.conversationId },
    orderBy: { startedAt: "desc" },
    take: RECENT_TURNS,
    select: { id: true, status: true, transcript: true },
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
        turn: { id: t.id, entries, state: structuredClone(start.state), resumed: true, ready: Promise.resolve() },
      };
    }
  }
  const best = newestState(recent);
  // Rows just read belong to nobody else: no copy needed (the start entry below is a copy).
  const prev = best ?? initialState(p.lang);
  const state: AgentState = { ...prev, turnSeq: prev.turnSeq + 1 };
  const entries: TranscriptEntry[] = [
    { type: "input", messageIds: p.messageIds },
    { type: "state", at: "start", state: structuredClone(state) },
  ];
  // message.turn_id is the channels' to stamp, together with the replies' outbox rows (channels/turns.ts).
  const id = p.newTurnId ?? randomUUID();
  const ready = db.agentTurn
    .create({
      // A copy: the turn appends to `entries` while this is being written.
      data: { id, conversationId: p.conversationId, mode: p.mode, transcript: [...entries] as never },
      select: { id: true },
    })
    .then(() => {});
  ready.catch(() => {}); // observed by whoever writes next (saveTranscript, completeTurn, the ledger)
  return { kind: "open", turn: { id, entries, state, resumed: false, ready } };
}

export async function saveTranscript(db: Db, turn: OpenTurn, mode?: string): Promise<void> {
  await turn.ready;
  await db.agentTurn.update({
    where: { id: turn.id },
    data: { transcript: turn.entries as never, ...(mode ? { mode } : {}) },
  });
}

export async function completeTurn(
  db: Db,
  turn: OpenTurn,
  p: { mode: string; result: AgentTurnResult; conversationId: string; toolCalls?: DeferredToolCall[] },
): Promise<void> {
  // The result names its turn (also when replayed), so the channels stamp this row on the messages.
  p.result.turnId = turn.id;
  turn.entries.push({ type: "result", mode: p.mode, result: p.result });
  turn.entries.push({ type: "state", at: "end", state: turn.state });
  await turn.ready;
  // One statement (atomic on its own): the turn's row, its read-only tool calls (the ledger defers
  // them), and the conversation's agent mode only when it changes.
  await db.$executeRaw`
    WITH t AS (
      UPDATE agent_turn
         SET transcript = ${JSON.stringify(turn.entries)}::jsonb, status = 'completed', mode = ${p.mode},
             finished_at = now()
       WHERE id = ${turn.id}::uuid
       RETURNING id),
    calls AS (
      INSERT INTO tool_call (tool_use_id, turn_id, name, input, result, is_error, created_at, finished_at)
      SELECT r.tool_use_id, t.id, r.name, r.input, r.result, r.is_error, r.created_at, r.finished_at
        FROM t, jsonb_to_recordset(${JSON.stringify(p.toolCalls ?? [])}::jsonb)
             AS r(tool_use_id text, name text, input jsonb, result jsonb, is_error boolean,
                  created_at timestamptz, finished_at timestamptz)
      ON CONFLICT (tool_use_id) DO UPDATE
         SET result = EXCLUDED.result, is_error = EXCLUDED.is_error, finished_at = EXCLUDED.finished_at)
    UPDATE conversation SET agent_mode = ${p.mode}, updated_at = now()
     WHERE id = ${p.conversationId}::uuid AND agent_mode IS DISTINCT FROM ${p.mode}`;
}

export async function failTurn(
  db: Db,
  turn: OpenTurn,
  error: string,
  toolCalls: DeferredToolCall[] = [],
): Promise<void> {
  await db.agentTurn.update({
    where: { id: turn.id },
    data: { transcript: turn.entries as never, status: "failed", error: error.slice(0, 500) },
  });
  // What the failed turn looked up, for support (best effort: a rerun does it again anyway).
  if (toolCalls.length) {
    await db.toolCall
      .createMany({
        data: toolCalls.map((c) => ({
          toolUseId: c.tool_use_id,
          turnId: turn.id,
          name: c.name,
          input: c.input as never,
          result: c.result as never,
          isError: c.is_error,
          createdAt: new Date(c.created_at),
          finishedAt: new Date(c.finished_at),
        })),
        skipDuplicates: true,
      })
      .catch(() => {});
  }
}
