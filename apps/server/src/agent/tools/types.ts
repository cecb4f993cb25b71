// The agent's tools: JSON-schema definitions (what the model sees) and executors that call the same
// domain modules the console uses. Guardrails live here, in code: the customer comes from the
// verified webhook, bookings are confined to that customer, writes need a later explicit yes.
import type { Logger } from "pino";
import type { FieldCrypto } from "../../crypto/field-crypto.ts";
import type { Db } from "../../db/client.ts";
import type { Lang } from "../lang.ts";
import type { AgentChoice } from "../port.ts";
import type { AgentState, OfferedSlot, Proposal, ProposalAction } from "../state.ts";

/** Checkout links for deposits (payments/ builds the Stripe one). Must be idempotent per booking. */
export interface DepositLinks {
  requestLink(bookingId: string): Promise<{ url: string; amountCents: number; expiresAt?: Date | string | null }>;
  /** One Checkout Session for a whole group's deposit (payments/group-deposit.ts); absent = not offered. */
  requestGroupLink?(groupId: string): Promise<{ url: string; amountCents: number; expiresAt?: Date | string | null }>;
}

/** Refunds the paid deposit when a cancellation's policy decision says so (payments/). */
export interface DepositRefunds {
  refundDeposit(
    bookingId: string,
    amountCents: number,
    reason: string,
  ): Promise<{ refundId?: string | null; status: string }>;
}

export interface AgentDeps {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  /** The location this channel account books for. */
  locationId: string;
  deposits?: DepositLinks | null;
  refunds?: DepositRefunds | null;
  log?: Logger;
  /** After a booking the agent asks "¿Quieres dejarla fijada cada 4 semanas?" (repeating visits, #20). */
  offerSeries?: boolean;
  /** Weeks between the visits offered (the location's setting; default 4). */
  seriesOfferWeeks?: number | null;
}

/**
 * The turn's deps with the salon's repeat offer as set now (location.series_offer_weeks; null = not
 * offered). An `offerSeries` given by the caller (tests, tools) wins.
 */
export function withSeriesOffer(deps: AgentDeps, weeks: number | null): AgentDeps {
  if (deps.offerSeries !== undefined) return deps;
  return { ...deps, offerSeries: weeks !== null, seriesOfferWeeks: weeks };
}

/** Side effects of a tool on the conversation's state, recorded with its result so a replay re-applies them. */
export interface ToolEffects {
  offer?: OfferedSlot[];
  propose?: Proposal;
  consume?: { action: ProposalAction; key: string };
  escalate?: { reason: string; summary: string };
  reply?: { text: string; choices: AgentChoice[] };
}

export interface ToolOutcome {
  content: unknown;
  isError: boolean;
  effects?: ToolEffects;
}

export interface ToolContext {
  deps: AgentDeps;
  /** From the verified webhook, never from model text. */
  customerId: string;
  conversationId: string;
  lang: Lang;
  state: AgentState;
  /** The customer's latest message in this turn, for the confirmation guard. */
  confirmedThisTurn: boolean;
  toolUseId: string;
  /** Rebuilds a fresh read of names etc.; tools keep no cache across turns. */
  today: string;
  timeZone: string;
  /** The location's booking horizon, read once per turn with its time zone. */
  horizonDays?: number;
  /** Reads that cannot change within one turn, shared by its tool calls (never across turns). */
  memo?: { nameMaps?: Promise<NameMaps> };
}

export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: "object"; properties: Record<string, unknown>; required?: string[] };
  /** Books, moves or cancels: needs the customer's explicit yes in a later message. */
  write?: boolean;
  run(ctx: ToolContext, input: Record<string, unknown>): Promise<{ content: unknown; effects?: ToolEffects }>;
}

/** Names by id for a turn's tool calls (tools/common.ts nameMaps). */
export interface NameMaps {
  service: Map<string, { id: string; nameEs: string; nameEn: string }>;
  staff: Map<string, { id: string; displayName: string; active: boolean }>;
}
