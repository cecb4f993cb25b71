// The booking agent as staff see it: which mode answered a conversation or a message.
import { z } from "zod";

/** "claude": the model with tools; "guided": the deterministic menu mode (no model, or the model failed). */
export const agentModeSchema = z.enum(["claude", "guided"]);
export type AgentMode = z.infer<typeof agentModeSchema>;

/** Stored on conversation.agent_mode and on each agent_turn.mode. */
export const agentTurnInfoSchema = z.object({
  turnId: z.string().uuid(),
  mode: agentModeSchema,
  /** Why guided mode answered when Claude is configured (429, 529, timeout…), if it did. */
  fallbackReason: z.string().nullable(),
  toolCalls: z.number().int().min(0),
  escalated: z.boolean(),
});
export type AgentTurnInfo = z.infer<typeof agentTurnInfoSchema>;
