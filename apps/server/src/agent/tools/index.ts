// The tool registry and the executor. Every call goes through `runTool`: the tool_call ledger is
// consulted first (a recorded result is replayed, never re-executed), errors become is_error
// results the model can act on (AppError code + message + alternatives, which are remembered as
// offered slots), and effects on the conversation state are applied from the recorded result.

import type { SlotView } from "../../availability/find.ts";
import type { Tx } from "../../db/client.ts";
import { AppError, isAppError } from "../../errors/app-error.ts";
import { metricsOf } from "../../metrics/metrics.ts";
import type { AgentState } from "../state.ts";
import { checkAvailabilityTool } from "./availability.ts";
import {
  cancelBookingTool,
  holdSlotTool,
  listMyBookingsTool,
  requestDepositLinkTool,
  rescheduleBookingTool,
} from "./bookings.ts";
import { salonInfoTool, searchServicesTool } from "./catalog.ts";
import { offeredView, toOffered, turnNameMaps } from "./common.ts";
import { PATCH_TEST_INSTRUCTION, patchTestErrorView } from "./patch-test.ts";
import type { ToolContext, ToolDefinition, ToolEffects, ToolOutcome } from "./types.ts";
import { VISIT_TOOLS } from "./visits.ts";
import { WAITLIST_TOOLS } from "./waitlist.ts";

export const handoverTool: ToolDefinition = {
  name: "handover_to_human",
  description:
    "Hand the conversation to a person at the salon: when the customer asks for one, complains, is abusive, or you cannot help after trying. Give a short reason and a summary for staff (who, what they want, what was done). You stay silent afterwards.",
  input_schema: {
    type: "object",
    properties: {
      reason: {
        type: "string",
        enum: ["customer_request", "complaint", "not_understood", "tool_failure", "abuse", "other"],
      },
      summary: { type: "string", description: "For staff, in Spanish" },
    },
    required: ["reason", "summary"],
  },
  async run(_ctx, input) {
    const reason = String(input.reason ?? "other").slice(0, 40);
    const summary = String(input.summary ?? "").slice(0, 1000);
    return { content: { status: "handed_over" }, effects: { escalate: { reason, summary } } };
  },
};

export const presentChoicesTool: ToolDefinition = {
  name: "present_choices",
  description:
    "Send the customer a message with tappable choices (WhatsApp buttons for up to 3, a list for up to 10), e.g. slots or yes/no. Use ids like the slot_ref, or 'confirm' / 'reject' for a confirmation. Your final text is sent after it, so keep that empty or very short.",
  input_schema: {
    type: "object",
    properties: {
      text: { type: "string" },
      choices: {
        type: "array",
        maxItems: 10,
        items: {
          type: "object",
          properties: { id: { type: "string" }, title: { type: "string" }, description: { type: "string" } },
          required: ["id", "title"],
        },
      },
    },
    required: ["text", "choices"],
  },
  async run(_ctx, input) {
    const choices = (Array.isArray(input.choices) ? input.choices : []).slice(0, 10).map((c) => {
      const o = (c ?? {}) as Record<string, unknown>;
      return {
        id: String(o.id ?? "").slice(0, 200),
        title: String(o.title ?? "").slice(0, 24),
        ...(o.description ? { description: String(o.description).slice(0, 72) } : {}),
      };
    });
    return { content: { status: "sent" }, effects: { reply: { text: String(input.text ?? ""), choices } } };
  },
};

export const TOOLS: ToolDefinition[] = [
  searchServicesTool,
  salonInfoTool,
  checkAvailabilityTool,
  holdSlotTool,
  requestDepositLinkTool,
  listMyBookingsTool,
  rescheduleBookingTool,
  cancelBookingTool,
  ...WAITLIST_TOOLS,
  ...VISIT_TOOLS,
  handoverTool,
  presentChoicesTool,
];

export const TOOL_BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

/** Applies a tool's effects to the conversation state (after executing it, or when replaying it). */
export function applyEffects(state: AgentState, effects: ToolEffects | undefined): void {
  if (!effects) return;
  for (const o of effects.offer ?? []) {
    state.offered = state.offered.filter((x) => x.ref !== o.ref);
    state.offered.push(o);
    state.nextRef = Math.max(state.nextRef, Number(o.ref.slice(1)) + 1);
  }
  if (state.offered.length > 40) state.offered.splice(0, state.offered.length - 40);
  if (effects.propose) {
    const p = effects.propose;
    state.proposals = [...state.proposals.filter((x) => !(x.action === p.action && x.key === p.key)), p].slice(-6);
  }
  if (effects.consume) {
    const c = effects.consume;
    state.proposals = state.proposals.filter((x) => !(x.action === c.action && x.key === c.key));
  }
}

async function errorOutcome(ctx: ToolContext, e: AppError): Promise<ToolOutcome> {
  const alternatives = Array.isArray(e.details?.alternatives) ? (e.details.alternatives as SlotView[]) : [];
  const effects: ToolEffects = {};
  let alts: unknown[] | undefined;
  if (alternatives.length) {
    const maps = await turnNameMaps(ctx);
    effects.offer = alternatives.map((a, i) => ({
      ...toOffered(
        {
          id: a.id,
          start: new Date(a.start),
          end: new Date(a.end),
          localDate: a.localDate,
          localTime: a.localTime,
          weekday: a.weekday,
          priceCents: a.priceCents,
          items: a.items.map((it) => ({
            ...it,
            start: Date.parse(it.start),
            end: Date.parse(it.end),
            timing: null as never,
          })),
        },
        maps,
        ctx.lang,
      ),
      ref: `S${ctx.state.nextRef + i}`,
    }));
    alts = effects.offer.map((o) => offeredView(o, ctx.lang));
  }
  // Issue #21: the reason a patch test is needed and the offer to book it first.
  const patch = await patchTestErrorView(ctx, e);
  return {
    isError: true,
    content: {
      error: {
        code: e.code,
        message: e.message,
        ...(alts ? { alternatives: alts } : {}),
        ...(patch ? { patch_test: patch, instruction: PATCH_TEST_INSTRUCTION } : {}),
      },
    },
    effects,
  };
}

export interface ToolLedger {
  /** The recorded outcome of this tool_use_id, if it finished before. */
  lookup(toolUseId: string): Promise<ToolOutcome | null>;
  start(toolUseId: string, name: string, input: unknown): Promise<void>;
  finish(
    toolUseId: string,
    outcome: ToolOutcome,
    call: { name: string; input: unknown; startedAt: Date; sideEffects: boolean },
  ): Promise<void>;
}

/** Tools with effects outside the conversation (bookings, payments): recorded before they run, and at once after. */
export function hasSideEffects(name: string): boolean {
  return Boolean(TOOL_BY_NAME.get(name)?.write) || name === requestDepositLinkTool.name;
}

/** A finished read-only call waiting to be written with the turn's end (completeTurn). */
export interface DeferredToolCall {
  tool_use_id: string;
  name: string;
  input: unknown;
  result: { content: unknown; effects: ToolEffects | null };
  is_error: boolean;
  created_at: string;
  finished_at: string;
}

export interface DbLedger extends ToolLedger {
  /** Read-only calls not written yet; taken (and cleared) by whoever writes them. */
  takeDeferred(): DeferredToolCall[];
}

/**
 * The tool_call ledger in the database. Calls with side effects are written when they start and
 * when they finish, each in one statement, so a killed turn replays them instead of repeating
 * them. Read-only calls (search, availability, …) are kept in memory and written with the turn's
 * end: if the turn is killed first they simply run again. `fresh`: the turn was opened just now
 * (not resumed), so none of its tool_use ids can have a row yet and the lookup is skipped; `ready`:
 * settles when the turn's row exists.
 */
export function dbLedger(db: Tx, turnId: string, opts: { fresh?: boolean; ready?: Promise<void> } = {}): DbLedger {
  let deferred: DeferredToolCall[] = [];
  return {
    async lookup(toolUseId) {
      if (opts.fresh) return null;
      const row = await db.toolCall.findUnique({ where: { toolUseId } });
      if (!row?.finishedAt || row.result === null) return null;
      const r = row.result as unknown as { content: unknown; effects?: ToolEffects };
      return { content: r.content, isError: row.isError, ...(r.effects ? { effects: r.effects } : {}) };
    },
    async start(toolUseId, name, input) {
      await opts.ready; // the turn's row (tool_call references it)
      // INSERT … ON CONFLICT DO NOTHING: a resumed call keeps its first row.
      await db.toolCall.createMany({
        data: [{ toolUseId, turnId, name, input: (input ?? {}) as never }],
        skipDuplicates: true,
      });
    },
    async finish(toolUseId, outcome, call) {
      const result = { content: outcome.content, effects: outcome.effects ?? null };
      const finishedAt = new Date();
      if (!call.sideEffects) {
        deferred.push({
          tool_use_id: toolUseId,
          name: call.name,
          input: call.input ?? {},
          result,
          is_error: outcome.isError,
          created_at: call.startedAt.toISOString(),
          finished_at: finishedAt.toISOString(),
        });
        return;
      }
      await db.toolCall.update({
        where: { toolUseId },
        data: { result: result as never, isError: outcome.isError, finishedAt },
      });
    },
    takeDeferred() {
      const out = deferred;
      deferred = [];
      return out;
    },
  };
}

/**
 * Runs one tool call through the ledger. A recorded result is replayed (its effects re-applied);
 * a call that started but never finished runs again, which is safe because every write carries
 * the idempotency key `agent:<tool_use_id>`.
 */
export async function runTool(
  ctx: ToolContext,
  ledger: ToolLedger,
  name: string,
  input: Record<string, unknown>,
): Promise<ToolOutcome & { replayed: boolean }> {
  const prior = await ledger.lookup(ctx.toolUseId);
  if (prior) {
    applyEffects(ctx.state, prior.effects);
    return { ...prior, replayed: true };
  }
  // Writes leave a trace before they run; a read-only call is recorded once, with its result.
  const sideEffects = hasSideEffects(name);
  const startedAt = new Date();
  if (sideEffects) await ledger.start(ctx.toolUseId, name, input);
  const tool = TOOL_BY_NAME.get(name);
  let outcome: ToolOutcome;
  try {
    if (!tool) throw new AppError("BAD_INPUT", `Unknown tool ${name}`);
    const r = await tool.run(ctx, input ?? {});
    outcome = { content: r.content, isError: false, ...(r.effects ? { effects: r.effects } : {}) };
  } catch (e) {
    if (isAppError(e) && e.code === "SLOT_TAKEN") metricsOf(ctx.deps)?.bookingConflict("agent");
    if (isAppError(e)) outcome = await errorOutcome(ctx, e);
    else {
      ctx.deps.log?.error({ err: e, tool: name }, "agent tool failed");
      outcome = {
        isError: true,
        content: { error: { code: "INTERNAL", message: "The tool failed unexpectedly; try once more or hand over" } },
      };
    }
  }
  await ledger.finish(ctx.toolUseId, outcome, { name, input, startedAt, sideEffects });
  applyEffects(ctx.state, outcome.effects);
  return { ...outcome, replayed: false };
}
