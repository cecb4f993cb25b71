// The seam between channels (transport, conversations, outbox) and the agent (another issue).
// Channels call `handleTurn` with everything the agent may need and turn its answer into outbox rows.

export interface AgentChoice {
  /** Returned by the channel when the customer taps it (button/list row id). */
  id: string;
  title: string;
  description?: string;
}

export type OutboundReply =
  | { kind: "text"; text: string }
  /** Buttons (≤3) or a list (≤10) where the channel supports them, numbered text otherwise. */
  | { kind: "choices"; text: string; choices: AgentChoice[]; buttonLabel?: string }
  /** A pre-approved WhatsApp template (the only thing allowed outside the 24 h window). */
  | { kind: "template"; name: string; language: string; params: string[] };

export interface AgentConversation {
  id: string;
  channel: string;
  mode: "bot" | "human";
  lastCustomerMessageAt: Date | null;
  /** Issue #21: the salon this chat is with (null: not known yet; the agent decides or asks). */
  locationId?: string | null;
  /** The channel account (Chatwoot inbox / Meta phone_number_id) it came in on. */
  channelAccount?: string;
}

export interface AgentCustomer {
  id: string;
  name: string | null;
  phone: string | null;
  language: string;
}

export interface AgentMessage {
  id: string;
  direction: "inbound" | "outbound";
  author: "customer" | "bot" | "staff" | "system";
  kind: string;
  body: string | null;
  /** For an interactive answer: the id of the choice the customer tapped. */
  selectedChoiceId?: string | null;
  attachments: { type: string; mimeType?: string | null; storedPath?: string | null }[];
  at: Date;
}

export interface AgentTurnInput {
  conversation: AgentConversation;
  customer: AgentCustomer;
  /** Inbound messages not yet answered (several when the customer double-texts), oldest first. */
  newMessages: AgentMessage[];
  /** Earlier messages (without internal notes), oldest first. */
  history: AgentMessage[];
  /** What staff wrote when handing the conversation back, shown once. */
  handBackNote: string | null;
}

export interface AgentTurnResult {
  replies: OutboundReply[];
  /** Hand the conversation to a person: no more bot replies until staff hand it back. */
  escalate?: { reason: string; summary: string };
  /** Anything worth keeping for support (stored on agent_turn.transcript when the agent keeps no turns). */
  transcript?: unknown[];
  /** The agent_turn row the agent recorded this turn in; channels stamp it on the answered messages. */
  turnId?: string;
}

export interface ConversationAgent {
  /** A short name stored on agent_turn.mode. */
  readonly name: string;
  handleTurn(input: AgentTurnInput): Promise<AgentTurnResult>;
}

/** The default until the real agent lands: answers every turn with one message echoing what it got. */
export class EchoAgent implements ConversationAgent {
  readonly name = "echo";
  async handleTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
    const said = input.newMessages
      .map((m) => m.body ?? (m.attachments[0] ? `[${m.attachments[0].type}]` : ""))
      .filter(Boolean)
      .join(" / ");
    const prefix = input.customer.language === "en" ? "You said" : "Has dicho";
    return { replies: [{ kind: "text", text: `${prefix}: ${said}` }] };
  }
}
