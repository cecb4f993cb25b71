// The channels' agent port (apps/server/src/channels/agent-port.ts), re-exported so agent code has
// one import site if the port moves.
export type {
  AgentChoice,
  AgentConversation,
  AgentCustomer,
  AgentMessage,
  AgentTurnInput,
  AgentTurnResult,
  ConversationAgent,
  OutboundReply,
} from "../channels/agent-port.ts";
