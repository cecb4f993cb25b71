// What the agent remembers about a conversation between turns: the slots it offered (the only ones
// it may hold), proposals awaiting the customer's yes, guided mode's step, failure counters.
// Stored as the last "state" entry of the latest agent_turn.transcript (no schema change), so a
// switch between Claude and guided mode keeps the context.
import type { VisitsPending } from "./guided/visits-dialogue.ts";
import type { Lang } from "./lang.ts";

export interface OfferedSlot {
  /** Short id shown to the model / customer ("S3"). */
  ref: string;
  slotId: string;
  start: string;
  localDate: string;
  localTime: string;
  weekday: number;
  priceCents: number;
  items: { serviceId: string; staffId: string; serviceName: string; staffName: string }[];
  /** Offered for moving this booking (reschedule), not for a new one. */
  forBookingId?: string | null;
}

export type ProposalAction = "hold_slot" | "reschedule_booking" | "cancel_booking";

export interface Proposal {
  action: ProposalAction;
  /** What must match on the confirmed call: the slot ref and/or the booking id. */
  key: string;
  /** The turn in which the customer was asked; the yes must come in a later turn. */
  turnSeq: number;
  summary: Record<string, unknown>;
}

export interface GuidedState {
  step:
    | "menu"
    | "service"
    | "staff"
    | "day"
    | "slot"
    | "confirm_hold"
    | "pick_booking"
    | "confirm_cancel"
    | "reschedule_day"
    | "reschedule_slot"
    | "confirm_reschedule"
    | "guest_name"
    | "pick_date";
  intent?: "book" | "reschedule" | "cancel" | null;
  serviceIds?: string[];
  staffId?: string | null;
  date?: string | null;
  dayPart?: string | null;
  time?: number | null;
  bookingId?: string | null;
  slotRef?: string | null;
  guestName?: string | null;
  /** Service words still to resolve ("corte y tinte": tinte after corte). */
  pending?: string[];
  /** Kinds of service said with several candidates, asked one at a time ("corte": which one?). */
  asks?: { word: string; ids: string[] }[];
  /** Two days a phrase can mean ("el viernes que viene"), asked before anything is offered. */
  dateOptions?: [string, string] | null;
  /** A range of days ("la semana que viene"). */
  range?: [string, string] | null;
  /** Bounds on the time of day, in minutes ("después de las 5"). */
  after?: number | null;
  before?: number | null;
  earliest?: boolean;
  /** The last hold, to book another person next to it. */
  lastHold?: { start: string; serviceIds: string[]; localDate: string; localTime: string } | null;
  /** Choices shown last, so a bare number picks one of them. */
  choices?: { id: string; title: string }[];
  /** A waitlist / repeating-visit / group question awaiting the customer (guided/visits-dialogue.ts). */
  visits?: VisitsPending | null;
  /** Issue #21: the offer to book the patch test first (its service, the last day), awaiting a yes. */
  patchOffer?: { serviceId: string; lastDay: string } | null;
}

export interface AgentState {
  version: 1;
  turnSeq: number;
  lang: Lang;
  nextRef: number;
  offered: OfferedSlot[];
  proposals: Proposal[];
  guided: GuidedState;
  misunderstood: number;
  toolFailures: Record<string, number>;
  abuse: number;
  /** Staff hand-back notes already shown to the model. */
  notes: string[];
}

export function initialState(lang: Lang): AgentState {
  return {
    version: 1,
    turnSeq: 0,
    lang,
    nextRef: 1,
    offered: [],
    proposals: [],
    guided: { step: "menu" },
    misunderstood: 0,
    toolFailures: {},
    abuse: 0,
    notes: [],
  };
}

const MAX_OFFERED = 40;

export function rememberSlot(state: AgentState, slot: Omit<OfferedSlot, "ref">): OfferedSlot {
  const existing = state.offered.find(
    (o) => o.slotId === slot.slotId && (o.forBookingId ?? null) === (slot.forBookingId ?? null),
  );
  if (existing) return existing;
  const o = { ...slot, ref: `S${state.nextRef++}` };
  state.offered.push(o);
  if (state.offered.length > MAX_OFFERED) state.offered.splice(0, state.offered.length - MAX_OFFERED);
  return o;
}

export function findOffered(state: AgentState, ref: string): OfferedSlot | undefined {
  const r = ref.trim().toUpperCase();
  return state.offered.find((o) => o.ref === r || o.slotId === ref);
}
