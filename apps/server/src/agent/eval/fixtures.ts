// Claude-mode scripts as fixture files (fixtures/claude/<scenario>.json): the customer's messages
// and, for each, the model's responses the fake Messages API plays back. Shorthand steps
// ({ tool, input, text } / { say } / { error }) expand to Messages API content blocks with fresh
// tool_use ids; "{{ctx.x}}" is filled from the scenario's setup before the run, "{{last…}}" and
// "{{tool:…}}" by the fake from the tool results in the request (see fakes/fake-anthropic.ts).
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScriptStep } from "../fakes/fake-anthropic.ts";
import type { AgentMessage, AgentTurnResult, ConversationAgent } from "../port.ts";
import type { Chat } from "../testing/world.ts";
import type { Ctx } from "./scenarios.ts";

export const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/claude/", import.meta.url));

export type FixtureStep =
  | { tool: string; input: Record<string, unknown>; text?: string; expectUserText?: string }
  | { say: string; expectUserText?: string }
  | { error: { status: number; type: string; message?: string } };

export type FixtureTurn =
  | {
      customer: string | null;
      tap?: string;
      attachments?: ("image" | "voice")[];
      /** The channel delivers this batch twice (the second must replay the first answer). */
      redeliver?: boolean;
      model: FixtureStep[];
    }
  | { staff: string }
  | { handBack: string };

export interface ClaudeFixture {
  scenario: string;
  description: string;
  /** How the agent is wired for this script. */
  world?: { deposits?: "failing"; transcriber?: string };
  turns: FixtureTurn[];
}

export function fixturePath(id: string): string {
  return join(FIXTURE_DIR, `${id}.json`);
}

export async function loadFixture(id: string): Promise<ClaudeFixture> {
  const path = fixturePath(id);
  if (!existsSync(path)) throw new Error(`missing Claude script for scenario ${id}: ${path}`);
  const f = JSON.parse(await readFile(path, "utf8")) as ClaudeFixture;
  if (f.scenario !== id) throw new Error(`${path}: scenario is ${f.scenario}, expected ${id}`);
  return f;
}

export function fillCtx<T>(value: T, ctx: Ctx): T {
  if (typeof value === "string") {
    return value.replace(/\{\{ctx\.([\w.]+)\}\}/g, (_, k: string) => {
      if (ctx[k] === undefined) throw new Error(`fixture: no ctx.${k} from the scenario's setup`);
      return String(ctx[k]);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => fillCtx(v, ctx)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillCtx(v, ctx)])) as T;
  }
  return value;
}

export function toScript(steps: FixtureStep[], ctx: Ctx): ScriptStep[] {
  return fillCtx(steps, ctx).map((s): ScriptStep => {
    if ("error" in s) return { error: s.error };
    const base = "expectUserText" in s && s.expectUserText ? { expectUserText: s.expectUserText } : {};
    if ("say" in s) return { ...base, content: [{ type: "text", text: s.say }] };
    return {
      ...base,
      content: [
        ...(s.text ? [{ type: "text", text: s.text }] : []),
        { type: "tool_use", id: `toolu_fx_${randomUUID().replaceAll("-", "")}`, name: s.tool, input: s.input },
      ],
    };
  });
}

export interface PlayHooks {
  /** The agent that answers (defaults to the world's). */
  agent?: ConversationAgent;
  /** Queue the model's responses for the next customer turn. */
  load(steps: ScriptStep[]): void;
  /** Files for attachments. */
  attachment(kind: "image" | "voice"): Promise<AgentMessage["attachments"][number]>;
  /** After each customer turn (e.g. the fake's failures and leftover steps). */
  afterTurn?(turn: number, result: AgentTurnResult | null): void | Promise<void>;
}

/** Plays a fixture's turns through the chat (direct: store → handleTurn → apply; real: webhooks). */
export async function playFixture(chat: Chat, f: ClaudeFixture, ctx: Ctx, hooks: PlayHooks): Promise<void> {
  let n = 0;
  for (const t of f.turns) {
    n++;
    if ("staff" in t) {
      await chat.staffSays(fillCtx(t.staff, ctx));
      continue;
    }
    if ("handBack" in t) {
      await chat.handBack(fillCtx(t.handBack, ctx));
      continue;
    }
    hooks.load(toScript(t.model, ctx));
    const attachments = await Promise.all((t.attachments ?? []).map((k) => hooks.attachment(k)));
    const kind = t.attachments?.includes("voice") ? "audio" : t.attachments?.includes("image") ? "image" : "text";
    // Through the chat: directly into handleTurn, or as a Chatwoot webhook on the real path.
    const result: AgentTurnResult = await chat.say(
      t.customer === null ? null : fillCtx(t.customer, ctx),
      { ...(t.tap ? { choiceId: t.tap } : {}), kind, attachments, ...(t.redeliver ? { redeliver: true } : {}) },
      hooks.agent ?? chat.world.agent,
    );
    await hooks.afterTurn?.(n, result);
  }
}
