// The factory the channels code (or app.ts) calls to get the conversation agent: Claude mode when
// ANTHROPIC_API_KEY is set (SDK pointed at ANTHROPIC_BASE_URL when given), guided mode otherwise;
// guided mode also answers any turn Claude cannot (429/529/timeouts after the SDK's retries). Voice
// notes are transcribed by the OpenAI-compatible server at TRANSCRIBE_URL when it is set.
import type { Logger } from "pino";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";
import { type AgentLimits, BookingAgent, type Transcriber } from "./agent.ts";
import { createClaudeClient } from "./claude.ts";
import type { ConversationAgent } from "./port.ts";
import type { DepositLinks, DepositRefunds } from "./tools/types.ts";
import { OpenAiTranscriber } from "./transcriber.ts";

export interface AgentWiring {
  config: Pick<AppConfig, "ANTHROPIC_API_KEY" | "ANTHROPIC_BASE_URL" | "ANTHROPIC_MODEL"> &
    Partial<
      Pick<
        AppConfig,
        "TRANSCRIBE_URL" | "TRANSCRIBE_API_KEY" | "TRANSCRIBE_MODEL" | "TRANSCRIBE_LANGUAGE" | "TRANSCRIBE_TIMEOUT_MS"
      >
    >;
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  log?: Logger;
  /** Defaults to the only (first) location. */
  locationId?: string;
  /** payments/: Stripe checkout links and refunds. Without them the agent says a person will follow up. */
  deposits?: DepositLinks | null;
  refunds?: DepositRefunds | null;
  /** Speech to text for voice notes; by default from TRANSCRIBE_URL (off when unset). */
  transcriber?: Transcriber | null;
  limits?: Partial<AgentLimits>;
  /** Ask "¿Quieres dejarla fijada cada 4 semanas?" after a booking (#20); off until the salon's setting exists. */
  offerSeries?: boolean;
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
    transcriber: w.transcriber !== undefined ? w.transcriber : transcriberFromConfig(w.config),
    ...(w.log ? { log: w.log } : {}),
    ...(w.limits ? { limits: w.limits } : {}),
    ...(w.offerSeries ? { offerSeries: true } : {}),
    claude: key
      ? {
          client: await createClaudeClient({
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

/** The speech-to-text service TRANSCRIBE_URL names, or null (the customer is asked to write). */
export function transcriberFromConfig(c: AgentWiring["config"]): Transcriber | null {
  if (!c.TRANSCRIBE_URL) return null;
  return new OpenAiTranscriber({
    baseUrl: c.TRANSCRIBE_URL,
    apiKey: c.TRANSCRIBE_API_KEY ?? null,
    model: c.TRANSCRIBE_MODEL ?? "whisper-1",
    language: c.TRANSCRIBE_LANGUAGE ?? null,
    timeoutMs: c.TRANSCRIBE_TIMEOUT_MS ?? 20_000,
  });
}
