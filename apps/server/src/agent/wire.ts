// The factory the channels code (or app.ts) calls to get the conversation agent: Claude mode when
// ANTHROPIC_API_KEY is set (SDK pointed at ANTHROPIC_BASE_URL when given), guided mode otherwise;
// guided mode also answers any turn Claude cannot (429/529/timeouts after the SDK's retries).
import type { Logger } from "pino";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";
import { type AgentLimits, BookingAgent, type Transcriber } from "./agent.ts";
import { createClaudeClient } from "./claude.ts";
import type { ConversationAgent } from "./port.ts";
import type { DepositLinks, DepositRefunds } from "./tools/types.ts";

export interface AgentWiring {
  config: Pick<AppConfig, "ANTHROPIC_API_KEY" | "ANTHROPIC_BASE_URL" | "ANTHROPIC_MODEL">;
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  log?: Logger;
  /** Defaults to the only (first) location. */
  locationId?: string;
  /** payments/: Stripe checkout links and refunds. Without them the agent says a person will follow up. */
  deposits?: DepositLinks | null;
  refunds?: DepositRefunds | null;
  transcriber?: Transcriber | null;
  limits?: Partial<AgentLimits>;
  /** SDK retries before guided mode takes over (default 2). */
  maxRetries?: number;
  requestTimeoutMs?: number;
}

export async function createConversationAgent(w: AgentWiring): Promise<ConversationAgent> {
  const locationId =
    w.locationId ?? (await w.db.location.findFirstOrThrow({ orderBy: { createdAt: "asc" }, select: { id: true } })).id;
  const key = w.config.ANTHROPIC_API_KEY;
  return new BookingAgent({
    db: w.db,
    fc: w.fc,
    clock: w.clock,
    locationId,
    deposits: w.deposits ?? null,
    refunds: w.refunds ?? null,
    transcriber: w.transcriber ?? null,
    ...(w.log ? { log: w.log } : {}),
    ...(w.limits ? { limits: w.limits } : {}),
    claude: key
      ? {
          client: createClaudeClient({
            apiKey: key,
            baseURL: w.config.ANTHROPIC_BASE_URL,
            model: w.config.ANTHROPIC_MODEL,
            maxRetries: w.maxRetries ?? 2,
            requestTimeoutMs: w.requestTimeoutMs ?? 30_000,
          }),
          model: w.config.ANTHROPIC_MODEL,
        }
      : null,
  });
}
