// Why the agent said what it said, for managers and owners: one agent turn read back from
// `agent_turn` and `tool_call` and written in plain words in the staff member's language — which mode
// answered, each tool it used with what it asked and what it got, and the proposal it recorded
// (what a "yes" from the customer would do). No tool names, ids or codes reach the screen.
import type { Db } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Lang } from "./lang.ts";

export interface TurnStep {
  title: string;
  details: string[];
  failed: boolean;
}

export interface TurnExplanation {
  mode: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  steps: TurnStep[];
  proposal: string | null;
  problem: string | null;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

const W = {
  es: {
    mode: { claude: "Claude (modelo de IA)", guided: "Modo guiado (sin IA)", echo: "Respuesta automática" } as Dict,
    status: {
      running: "en curso",
      completed: "completado",
      failed: "falló",
      handed_off: "pasado al equipo",
    } as Dict,
    tools: {
      search_services: "Buscó servicios",
      salon_info: "Consultó los datos del salón",
      check_availability: "Buscó huecos libres",
      hold_slot: "Reservó un hueco",
      request_deposit_link: "Pidió el enlace del depósito",
      list_my_bookings: "Consultó las citas del cliente",
      reschedule_booking: "Cambió una cita",
      cancel_booking: "Canceló una cita",
      join_waitlist: "Apuntó al cliente en la lista de espera",
      answer_waitlist_offer: "Respondió a una oferta de la lista de espera",
      repeat_booking: "Fijó una cita repetida",
      hold_group: "Reservó para un grupo",
      handover_to_human: "Pasó la conversación al equipo",
      present_choices: "Ofreció opciones",
    } as Dict,
    other: "Usó otra herramienta",
    asked: "Preguntó por",
    day: "Día",
    until: "hasta",
    part: { morning: "por la mañana", afternoon: "por la tarde", evening: "a última hora" } as Dict,
    time: "Hora pedida",
    stylist: "Estilista",
    found: (n: number) => (n === 1 ? "Encontró 1 hueco" : `Encontró ${n} huecos`),
    noneFound: "No encontró huecos",
    services: "Servicios",
    bookings: (n: number) => (n === 1 ? "1 cita" : `${n} citas`),
    proposalNeeded: "Pidió confirmación al cliente (no escribió nada todavía)",
    choices: "Opciones",
    failed: "No se pudo",
    reasons: "Motivo",
    propose: { hold: "Reservar", cancel: "Cancelar", reschedule: "Cambiar", deposit: "Depósito" } as Dict,
    proposalLine: (what: string, detail: string) => `Si el cliente dice «sí»: ${what} — ${detail}`,
    problem: "El asistente tuvo un error en este turno; los detalles están en el registro del servidor.",
  },
  en: {
    mode: { claude: "Claude (AI model)", guided: "Guided mode (no AI)", echo: "Automatic reply" } as Dict,
    status: { running: "running", completed: "completed", failed: "failed", handed_off: "handed to staff" } as Dict,
    tools: {
      search_services: "Looked up services",
      salon_info: "Read the salon's details",
      check_availability: "Looked for free times",
      hold_slot: "Held a time",
      request_deposit_link: "Asked for the deposit link",
      list_my_bookings: "Read the customer's bookings",
      reschedule_booking: "Moved a booking",
      cancel_booking: "Cancelled a booking",
      join_waitlist: "Put the customer on the waiting list",
      answer_waitlist_offer: "Answered a waiting-list offer",
      repeat_booking: "Made a booking repeat",
      hold_group: "Booked for a group",
      handover_to_human: "Handed the chat to staff",
      present_choices: "Offered choices",
    } as Dict,
    other: "Used another tool",
    asked: "Asked for",
    day: "Day",
    until: "to",
    part: { morning: "in the morning", afternoon: "in the afternoon", evening: "in the evening" } as Dict,
    time: "Time asked",
    stylist: "Stylist",
    found: (n: number) => (n === 1 ? "Found 1 free time" : `Found ${n} free times`),
    noneFound: "Found no free times",
    services: "Services",
    bookings: (n: number) => (n === 1 ? "1 booking" : `${n} bookings`),
    proposalNeeded: "Asked the customer to confirm (nothing written yet)",
    choices: "Choices",
    failed: "Could not",
    reasons: "Reason",
    propose: { hold: "Book", cancel: "Cancel", reschedule: "Move", deposit: "Deposit" } as Dict,
    proposalLine: (what: string, detail: string) => `If the customer says "yes": ${what} — ${detail}`,
    problem: "The assistant hit an error in this turn; the details are in the server log.",
  },
};

/** A booking or slot as staff read it: "viernes 11/12 a las 10:00 · Corte mujer · Laura · 35,00 €". */
function visit(v: unknown): string {
  if (!isDict(v)) return "";
  const services = Array.isArray(v.services) ? (v.services as unknown[]).map(str).join(" + ") : "";
  return [str(v.when), services, str(v.stylist), str(v.price ?? v.total_price)].filter(Boolean).join(" · ");
}

/** What the tool was asked, in words (ids left out: the result names what they point at). */
function askedFor(lang: Lang, input: Dict): string[] {
  const w = W[lang];
  const out: string[] = [];
  if (str(input.query)) out.push(`${w.asked}: «${str(input.query)}»`);
  if (str(input.date))
    out.push(`${w.day}: ${str(input.date)}${str(input.to_date) ? ` ${w.until} ${str(input.to_date)}` : ""}`);
  if (str(input.day_part)) out.push(str(w.part[str(input.day_part)]) || str(input.day_part));
  if (str(input.time)) out.push(`${w.time}: ${str(input.time)}`);
  if (str(input.staff_name)) out.push(`${w.stylist}: ${str(input.staff_name)}`);
  return out;
}

/** What the tool answered, in words. */
function answered(lang: Lang, name: string, content: unknown, isError: boolean): string[] {
  const w = W[lang];
  if (!isDict(content)) return [];
  if (isError || isDict(content.error)) {
    const e = isDict(content.error) ? content.error : content;
    return [`${w.failed}: ${str(e.message) || str(e.code)}`];
  }
  if (content.status === "confirmation_required") return [w.proposalNeeded];
  const out: string[] = [];
  if (Array.isArray(content.slots)) {
    const slots = content.slots as unknown[];
    out.push(slots.length ? w.found(slots.length) : w.noneFound);
    for (const s of slots.slice(0, 3)) out.push(visit(s));
    if (!slots.length && Array.isArray(content.reasons))
      out.push(`${w.reasons}: ${(content.reasons as unknown[]).map(str).join(", ")}`);
  }
  for (const key of ["services", "matches"]) {
    const list = content[key];
    if (Array.isArray(list) && list.length && isDict(list[0]) && name === "search_services")
      out.push(`${w.services}: ${(list as Dict[]).map((s) => `${str(s.name)} (${str(s.price)})`).join(", ")}`);
  }
  if (Array.isArray(content.bookings)) {
    const list = content.bookings as unknown[];
    out.push(w.bookings(list.length), ...list.slice(0, 3).map(visit));
  }
  if (isDict(content.booking)) out.push(visit(content.booking));
  if (str(content.from) && isDict(content.booking)) out.unshift(`${str(content.from)} →`);
  return out.filter(Boolean);
}

function proposalText(lang: Lang, p: unknown): string | null {
  if (!isDict(p)) return null;
  const w = W[lang];
  const s = isDict(p.summary) ? p.summary : {};
  const detail = visit(isDict(s.to) ? s.to : isDict(s.booking) ? s.booking : s) || visit(s);
  return w.proposalLine(str(w.propose[str(p.action)]) || str(p.action), detail);
}

/** One turn, explained; `conversationId` scopes it (a turn of another chat is "not found"). */
export async function explainTurn(
  db: Db,
  q: { conversationId: string; turnId: string; lang: Lang },
): Promise<TurnExplanation> {
  const turn = await db.agentTurn.findFirst({
    where: { id: q.turnId, conversationId: q.conversationId },
    include: { toolCalls: { orderBy: { createdAt: "asc" } } },
  });
  if (!turn) throw new AppError("NOT_FOUND", "No such agent turn in this conversation");
  const w = W[q.lang];
  let proposal: string | null = null;
  const steps: TurnStep[] = turn.toolCalls.map((c) => {
    const result = isDict(c.result) ? c.result : {};
    const effects = isDict(result.effects) ? result.effects : {};
    if (effects.propose) proposal = proposalText(q.lang, effects.propose);
    const input = isDict(c.input) ? c.input : {};
    const details = [...askedFor(q.lang, input), ...answered(q.lang, c.name, result.content, c.isError)];
    if (c.name === "present_choices" && Array.isArray(input.choices))
      details.push(
        `${w.choices}: ${(input.choices as unknown[])
          .map((x) => (isDict(x) ? str(x.title) : ""))
          .filter(Boolean)
          .join(" / ")}`,
      );
    return { title: str(w.tools[c.name]) || w.other, details, failed: c.isError };
  });
  const mode = str(turn.mode).startsWith("claude") ? "claude" : str(turn.mode) === "echo" ? "echo" : "guided";
  return {
    mode: str(w.mode[mode]),
    status: str(w.status[turn.status]) || turn.status,
    startedAt: turn.startedAt.toISOString(),
    finishedAt: turn.finishedAt?.toISOString() ?? null,
    steps,
    proposal,
    problem: turn.error ? w.problem : null,
  };
}
