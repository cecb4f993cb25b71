// Guided mode: a deterministic, menu-driven conversation used when no model is configured or
// Claude is unavailable. Same tools, same ledger, same guardrails as Claude mode. Buttons/lists
// where the channel has them (the channel renders numbered text otherwise, and a bare number
// picks the numbered choice); simple free text is understood too: numbers, "mañana", "el
// viernes", "a las 5", "17:30", service names through the fuzzy search, stylists' first names.
import {
  fold,
  isConfirmation,
  isRefusal,
  type Lang,
  parseDate,
  parseDayPart,
  parseNumberChoice,
  parseTime,
} from "./lang.ts";
import type { AgentChoice, OutboundReply } from "./port.ts";
import type { AgentState, GuidedState } from "./state.ts";
import { findOffered } from "./state.ts";
import type { BookingSummary } from "./tools/common.ts";
import { runTool, type ToolLedger } from "./tools/index.ts";
import type { ToolContext } from "./tools/types.ts";

const T = {
  es: {
    menu: "¿Qué quieres hacer?",
    menuItems: [
      "Reservar cita",
      "Mis citas",
      "Cambiar una cita",
      "Cancelar una cita",
      "Precios y horario",
      "Hablar con una persona",
    ],
    notUnderstood: "Perdona, no te he entendido. Elige una opción o escríbemelo de otra forma:",
    whichService: "¿Qué servicio quieres?",
    whichOf: (w: string) => `¿Cuál de estos servicios de «${w}»?`,
    noService: (w: string) => `No tenemos ningún servicio que se parezca a «${w}».`,
    whichDay: "¿Qué día te viene bien? (por ejemplo «mañana», «el viernes» o «12/03»)",
    slotsFor: "Estos son los huecos libres:",
    takenAt: (t: string) => `A las ${t} no hay hueco libre. Te propongo las horas más cercanas:`,
    reason: (r: string) =>
      r.startsWith("holiday_closed:")
        ? `Ese día cerramos (${r.slice(15)}).`
        : r === "salon_closed_that_weekday"
          ? "Ese día de la semana el salón está cerrado."
          : r.startsWith("beyond_booking_horizon")
            ? `Solo reservamos con ${r.match(/\d+/)?.[0]} días de antelación como máximo.`
            : r === "past_date"
              ? "Esa fecha ya ha pasado."
              : "No queda ningún hueco libre en esas fechas.",
    nearest: "Estos son los huecos más cercanos:",
    none: "No he encontrado huecos libres. Te paso con una persona del salón.",
    proposeHold: (o: Record<string, unknown>) =>
      `Te reservo ${(o.services as string[]).join(" + ")} con ${o.stylist} el ${o.when}${o.for_person ? ` para ${o.for_person}` : ""}. Precio: ${o.price}.${o.deposit ? ` Para confirmarla se paga un depósito de ${o.deposit}.` : ""} ¿Lo confirmo?`,
    yes: "Sí, confirmo",
    no: "No",
    confirmed: (b: BookingSummary) =>
      `¡Hecho! Tu cita de ${b.services.join(" + ")} con ${b.stylist} el ${b.when} está confirmada${b.for_person ? ` (para ${b.for_person})` : ""}. Precio: ${b.total_price}.`,
    held: (b: BookingSummary, url: string, amount: string) =>
      `Te guardo el hueco de ${b.services.join(" + ")} con ${b.stylist} el ${b.when}${b.for_person ? ` (para ${b.for_person})` : ""} hasta las ${b.hold_expires_at}. Precio: ${b.total_price}. Para confirmarla paga el depósito de ${amount} aquí: ${url}`,
    heldNoLink: (b: BookingSummary) =>
      `Te guardo el hueco de ${b.services.join(" + ")} el ${b.when} hasta las ${b.hold_expires_at}, pero ahora no puedo generar el enlace de pago del depósito (${b.deposit}). Te escribirá alguien del salón.`,
    another: "Reservar para otra persona",
    done: "Nada más, gracias",
    guestName: "¿Cómo se llama la otra persona?",
    noBookings: "No tienes citas próximas.",
    yourBookings: "Tus próximas citas:",
    whichBooking: "¿Qué cita?",
    proposeCancel: (s: Record<string, unknown>) => {
      const b = s.booking as BookingSummary;
      return `Vas a cancelar ${b.services.join(" + ")} del ${b.when}. ${s.explanation}${Number(s.refund_cents) > 0 ? ` Se te devolverán ${s.refund}.` : Number(s.kept_cents) > 0 ? ` El salón se queda el depósito de ${s.deposit_kept}.` : ""} ¿Confirmas la cancelación?`;
    },
    rescheduleDay: (b: BookingSummary) => `Tu cita es el ${b.when}. ¿A qué día quieres cambiarla?`,
    proposeMove: (s: Record<string, unknown>) => {
      const to = s.to as Record<string, unknown>;
      return `Cambio tu cita del ${s.from} al ${to.when} con ${to.stylist}.${s.deposit_carries_over ? ` Tu depósito de ${s.deposit_carries_over} se mantiene.` : ""} ¿Lo confirmo?`;
    },
    moved: (from: string, b: BookingSummary) =>
      `Listo: tu cita ya no es el ${from}; ahora es el ${b.when} con ${b.stylist}.`,
    keep: "De acuerdo, no cambio nada.",
    handover: "Te paso con una persona del salón; te responderá aquí en cuanto pueda.",
    info: "Precios y horario",
    hours: "Horario",
    address: "Dirección",
    doWe: (n: string, p: string, d: number) => `Sí, hacemos ${n}: ${p}, unos ${d} minutos.`,
    failed: "Ha habido un problema con esa acción. Te paso con una persona del salón.",
    welcomeBack: "Gracias por esperar. Seguimos con tu conversación.",
  },
  en: {
    menu: "What would you like to do?",
    menuItems: ["Book", "My bookings", "Reschedule", "Cancel a booking", "Prices and hours", "Talk to a person"],
    notUnderstood: "Sorry, I didn't understand. Pick an option or write it another way:",
    whichService: "Which service would you like?",
    whichOf: (w: string) => `Which of these "${w}" services?`,
    noService: (w: string) => `We don't offer anything like "${w}".`,
    whichDay: "Which day suits you? (e.g. “tomorrow”, “Friday” or “12/03”)",
    slotsFor: "These are the free times:",
    takenAt: (t: string) => `${t} is not available. The nearest free times are:`,
    reason: (r: string) =>
      r.startsWith("holiday_closed:")
        ? `We are closed that day (${r.slice(15)}).`
        : r === "salon_closed_that_weekday"
          ? "The salon is closed on that weekday."
          : r.startsWith("beyond_booking_horizon")
            ? `We take bookings up to ${r.match(/\d+/)?.[0]} days ahead.`
            : r === "past_date"
              ? "That date has passed."
              : "There is nothing free on those dates.",
    nearest: "These are the nearest free times:",
    none: "I couldn't find a free time. I'll pass you to a person at the salon.",
    proposeHold: (o: Record<string, unknown>) =>
      `I'll book ${(o.services as string[]).join(" + ")} with ${o.stylist} on ${o.when}${o.for_person ? ` for ${o.for_person}` : ""}. Price: ${o.price}.${o.deposit ? ` A deposit of ${o.deposit} confirms it.` : ""} Shall I confirm?`,
    yes: "Yes, confirm",
    no: "No",
    confirmed: (b: BookingSummary) =>
      `Done! Your ${b.services.join(" + ")} with ${b.stylist} on ${b.when} is confirmed${b.for_person ? ` (for ${b.for_person})` : ""}. Price: ${b.total_price}.`,
    held: (b: BookingSummary, url: string, amount: string) =>
      `I'm holding ${b.services.join(" + ")} with ${b.stylist} on ${b.when}${b.for_person ? ` (for ${b.for_person})` : ""} until ${b.hold_expires_at}. Price: ${b.total_price}. Pay the ${amount} deposit here to confirm it: ${url}`,
    heldNoLink: (b: BookingSummary) =>
      `I'm holding ${b.services.join(" + ")} on ${b.when} until ${b.hold_expires_at}, but I can't create the deposit link (${b.deposit}) right now. Someone from the salon will write to you.`,
    another: "Book another person",
    done: "That's all, thanks",
    guestName: "What is the other person's name?",
    noBookings: "You have no upcoming bookings.",
    yourBookings: "Your upcoming bookings:",
    whichBooking: "Which booking?",
    proposeCancel: (s: Record<string, unknown>) => {
      const b = s.booking as BookingSummary;
      return `You are cancelling ${b.services.join(" + ")} on ${b.when}. ${s.explanation}${Number(s.refund_cents) > 0 ? ` ${s.refund} will be refunded.` : Number(s.kept_cents) > 0 ? ` The salon keeps the ${s.deposit_kept} deposit.` : ""} Confirm the cancellation?`;
    },
    rescheduleDay: (b: BookingSummary) => `Your booking is on ${b.when}. Which day would you like instead?`,
    proposeMove: (s: Record<string, unknown>) => {
      const to = s.to as Record<string, unknown>;
      return `I'll move your booking from ${s.from} to ${to.when} with ${to.stylist}.${s.deposit_carries_over ? ` Your ${s.deposit_carries_over} deposit carries over.` : ""} Shall I confirm?`;
    },
    moved: (from: string, b: BookingSummary) =>
      `Done: your booking is no longer on ${from}; it is now on ${b.when} with ${b.stylist}.`,
    keep: "OK, I won't change anything.",
    handover: "I'm passing you to a person at the salon; they'll answer here as soon as they can.",
    info: "Prices and hours",
    hours: "Opening hours",
    address: "Address",
    doWe: (n: string, p: string, d: number) => `Yes, we do ${n}: ${p}, about ${d} minutes.`,
    failed: "Something went wrong with that. I'll pass you to a person at the salon.",
    welcomeBack: "Thanks for waiting. Let's carry on.",
  },
};

const MENU_IDS = ["menu:book", "menu:mine", "menu:reschedule", "menu:cancel", "menu:info", "menu:human"];

const HUMAN =
  /(persona|humano|alguien del salon|hablar con alguien|encargad|queja|reclamacion|fatal|vergonzoso|human|real person|someone|speak to|talk to (a|an|someone)|complain|manager please|agent)/;
const CANCEL = /(cancel|anular)/;
const RESCHEDULE =
  /(cambia|cambiar|mover|mueve|reprogram|aplazar|otro dia|otra hora|no puedo|reschedul|change (my|the)|move (my|it|the)|can ?t make it)/;
const MINE = /(mis citas|mis reservas|mi cita|tengo cita|my booking|my appointment|bookings)/;
const INFO =
  /(precio|cuanto cuesta|cuanto vale|cuanto es|horario|a que hora abr|abris|abrís|direccion|donde esta|donde estais|haceis|teneis|hacen|price|how much|cost|opening|hours|open|address|where are|do you do|do you have)/;
const BOOK =
  /(reserv|cita|hueco|pedir|quiero|quisiera|i want|i need|i would like|i d like|book|appointment|slot|available|disponib|earliest|lo antes posible|cuanto antes|same as last|lo mismo|como la ultima)/;
const ANY_STAFF = /(cualquier|me da igual|quien sea|any stylist|anyone|no preference|whoever)/;
const SAME_AS_LAST =
  /(lo mismo que la ultima|como la ultima vez|lo de siempre|same as last time|the usual|same as before)/;
const EARLIEST = /(lo antes posible|cuanto antes|primer hueco|earliest|as soon as possible|asap|first available)/;

const SYNONYMS: [RegExp, string][] = [
  [/\b(cortar(me)?|corte|pelo cort|haircut|cut)\b/, "corte"],
  [/\b(tinte|tenir(me)?|color|colour|dye|raiz|raices|roots?)\b/, "tinte"],
  [/\b(mechas|highlights)\b/, "mechas"],
  [/\bbalayage\b/, "balayage"],
  [/\b(keratina|keratin)\b/, "keratina"],
  [/\b(unas|manicura|manicure|nails)\b/, "manicura"],
  [/\b(pedicura|pedicure)\b/, "pedicura"],
  [/\b(barba|beard)\b/, "barba"],
  [/\b(cejas|brows?|eyebrows?)\b/, "cejas"],
  [/\b(pestanas|lash(es)?)\b/, "pestanas"],
  [/\b(peinado|lavado|blow ?dry)\b/, "peinado"],
];
const GUEST =
  /\b(?:para|for)\s+(?:mi|my)?\s*(?:hija|hijo|madre|madre|padre|amiga|amigo|pareja|marido|mujer|hermana|hermano|daughter|son|mother|mum|mom|father|dad|friend|wife|husband|partner|sister|brother)?\s*,?\s*([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)/;

export interface GuidedInput {
  text: string;
  choiceId: string | null;
  handBackNote: string | null;
}

export interface GuidedOutcome {
  replies: OutboundReply[];
  escalate?: { reason: string; summary: string };
  understood: boolean;
  toolErrors: { name: string; code: string }[];
}

export async function runGuidedTurn(
  ctxBase: Omit<ToolContext, "toolUseId">,
  ledger: ToolLedger,
  turnId: string,
  input: GuidedInput,
): Promise<GuidedOutcome> {
  const lang: Lang = ctxBase.lang;
  const t = T[lang];
  const state: AgentState = ctxBase.state;
  const g: GuidedState = state.guided;
  const replies: OutboundReply[] = [];
  const toolErrors: { name: string; code: string }[] = [];
  let n = 0;
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await runTool({ ...ctxBase, toolUseId: `g_${turnId}_${n++}` }, ledger, name, args);
    if (r.isError) toolErrors.push({ name, code: (r.content as { error: { code: string } }).error.code });
    return r;
  };
  const say = (text: string) => replies.push({ kind: "text", text });
  const ask = (text: string, choices: AgentChoice[]) => {
    g.choices = choices.map((c) => ({ id: c.id, title: c.title }));
    replies.push({ kind: "choices", text, choices });
  };
  const menu = (prefix?: string) => {
    Object.assign(state.guided, {
      step: "menu",
      intent: null,
      serviceIds: [],
      pending: [],
      staffId: null,
      date: null,
      time: null,
      dayPart: null,
      bookingId: null,
    });
    ask(
      prefix ? `${prefix}\n${t.menu}` : t.menu,
      t.menuItems.map((title, i) => ({ id: MENU_IDS[i]!, title })),
    );
  };
  const out = (understood = true, escalate?: { reason: string; summary: string }): GuidedOutcome => ({
    replies,
    understood,
    toolErrors,
    ...(escalate ? { escalate } : {}),
  });

  let staffCache: { id: string; displayName: string }[] | null = null;
  const staffList = async () =>
    (staffCache ??= await ctxBase.deps.db.staffMember.findMany({
      where: { locationId: ctxBase.deps.locationId, bookable: true, active: true },
      select: { id: true, displayName: true },
    }));

  // A tap, a bare number for the last numbered choices, or the text itself.
  let pick = input.choiceId;
  const num = parseNumberChoice(input.text);
  if (!pick && num !== null && g.choices?.[num - 1]) pick = g.choices[num - 1]!.id;
  const f = fold(input.text);

  if (input.handBackNote) say(t.welcomeBack);

  // ── Global intents, whatever the step ──
  if (pick === "menu:human" || (!pick && HUMAN.test(f))) {
    say(t.handover);
    return out(true, {
      reason: /(queja|reclam|fatal|vergonz|complain)/.test(f) ? "complaint" : "customer_request",
      summary: `Guided mode. The customer asked for a person. Last message: "${input.text.slice(0, 300)}". Step: ${g.step}.`,
    });
  }

  // ── Pending confirmations ──
  if (g.step === "confirm_hold" || g.step === "confirm_cancel" || g.step === "confirm_reschedule") {
    const yes = ctxBase.confirmedThisTurn;
    const no = isRefusal(input.text, pick);
    if (yes) return out(true, await confirmStep());
    if (no) {
      menu(t.keep);
      return out();
    }
  }

  async function confirmStep(): Promise<{ reason: string; summary: string } | undefined> {
    if (g.step === "confirm_hold") {
      const r = await call("hold_slot", { slot_ref: g.slotRef, ...(g.guestName ? { guest_name: g.guestName } : {}) });
      if (r.isError) return failed(r.content);
      const c = r.content as { status: string; booking: BookingSummary };
      const o = findOffered(state, g.slotRef ?? "");
      g.lastHold = o
        ? {
            start: o.start,
            serviceIds: o.items.map((i) => i.serviceId),
            localDate: o.localDate,
            localTime: o.localTime,
          }
        : null;
      if (c.status === "confirmed") say(t.confirmed(c.booking));
      else {
        const link = await call("request_deposit_link", { booking_id: c.booking.booking_id });
        if (link.isError) say(t.heldNoLink(c.booking));
        else {
          const l = link.content as { url: string; amount: string };
          say(t.held(c.booking, l.url, l.amount));
        }
      }
      Object.assign(g, { step: "menu", guestName: null, slotRef: null });
      ask(t.menu, [
        { id: "menu:another", title: t.another },
        { id: "menu:done", title: t.done },
        { id: "menu:mine", title: t.menuItems[1]! },
      ]);
      return undefined;
    }
    if (g.step === "confirm_cancel") {
      const r = await call("cancel_booking", { booking_id: g.bookingId });
      if (r.isError) return failed(r.content);
      const c = r.content as Record<string, unknown>;
      say(
        lang === "es"
          ? `Cita cancelada. ${c.explanation}${Number(c.refund_cents) > 0 ? ` Te devolvemos ${(c.booking as BookingSummary) ? euro(Number(c.refund_cents)) : ""}.` : ""}`
          : `Booking cancelled. ${c.explanation}${Number(c.refund_cents) > 0 ? ` ${euro(Number(c.refund_cents))} will be refunded.` : ""}`,
      );
      menu();
      return undefined;
    }
    const r = await call("reschedule_booking", { booking_id: g.bookingId, slot_ref: g.slotRef });
    if (r.isError) return failed(r.content);
    const c = r.content as { from: string; booking: BookingSummary };
    say(t.moved(c.from, c.booking));
    menu();
    return undefined;
  }

  function euro(cents: number) {
    const v = (cents / 100).toFixed(cents % 100 ? 2 : 0);
    return lang === "es" ? `${v.replace(".", ",")} €` : `€${v}`;
  }

  function failed(content: unknown): { reason: string; summary: string } | undefined {
    const e = (content as { error?: { code?: string; message?: string; alternatives?: Record<string, unknown>[] } })
      .error;
    if (e?.alternatives?.length) {
      say(`${e.message ?? ""}`.trim());
      showSlots(t.nearest, e.alternatives);
      g.step = g.intent === "reschedule" ? "reschedule_slot" : "slot";
      return undefined;
    }
    say(t.failed);
    return {
      reason: "tool_failure",
      summary: `Guided mode: ${e?.code ?? "ERROR"} ${e?.message ?? ""} at step ${g.step}.`,
    };
  }

  function showSlots(text: string, slots: Record<string, unknown>[]) {
    ask(
      text,
      slots.slice(0, 10).map((s) => ({
        id: String(s.slot_ref),
        title: `${String(s.when).replace(/ a las | at /, " ")}`.slice(0, 24),
        description: `${s.stylist} · ${s.price}`.slice(0, 72),
      })),
    );
  }

  // ── Menu picks ──
  if (pick === "menu:done") {
    say(lang === "es" ? "¡Gracias! Hasta pronto." : "Thank you! See you soon.");
    g.step = "menu";
    g.choices = [];
    return out();
  }
  if (pick === "menu:another" && g.lastHold) {
    g.intent = "book";
    g.step = "guest_name";
    say(t.guestName);
    return out();
  }
  if (g.step === "guest_name" && !pick && input.text.trim() && g.lastHold) {
    g.guestName = input.text
      .trim()
      .replace(/^(se llama|es|she is|he is|her name is|his name is)\s+/i, "")
      .split(/\s+/)
      .slice(0, 3)
      .join(" ");
    g.serviceIds = g.lastHold.serviceIds;
    const minute = Number(g.lastHold.localTime.slice(0, 2)) * 60 + Number(g.lastHold.localTime.slice(3));
    return out(true, await offerSlots({ date: g.lastHold.localDate, time: minute }));
  }

  // ── Slot picks ──
  if (pick && /^S\d+$/.test(pick) && (g.step === "slot" || g.step === "reschedule_slot")) {
    const o = findOffered(state, pick);
    if (o) {
      g.slotRef = o.ref;
      if (o.forBookingId) {
        const r = await call("reschedule_booking", { booking_id: o.forBookingId, slot_ref: o.ref });
        if (r.isError) return out(true, failed(r.content));
        const c = r.content as { status: string; proposal: Record<string, unknown> };
        g.step = "confirm_reschedule";
        g.bookingId = o.forBookingId;
        ask(t.proposeMove(c.proposal), [
          { id: `confirm:${o.ref}`, title: t.yes },
          { id: "reject", title: t.no },
        ]);
        return out();
      }
      const r = await call("hold_slot", { slot_ref: o.ref, ...(g.guestName ? { guest_name: g.guestName } : {}) });
      if (r.isError) return out(true, failed(r.content));
      const c = r.content as { status: string; proposal: Record<string, unknown> };
      g.step = "confirm_hold";
      ask(t.proposeHold(c.proposal), [
        { id: `confirm:${o.ref}`, title: t.yes },
        { id: "reject", title: t.no },
      ]);
      return out();
    }
  }

  // ── Booking picks (cancel / reschedule / list) ──
  if (pick?.startsWith("booking:")) {
    g.bookingId = pick.slice(8);
    return out(true, await afterBookingChosen());
  }

  async function afterBookingChosen(): Promise<{ reason: string; summary: string } | undefined> {
    if (g.intent === "cancel") {
      const r = await call("cancel_booking", { booking_id: g.bookingId });
      if (r.isError) return failed(r.content);
      const c = r.content as { proposal: Record<string, unknown> };
      g.step = "confirm_cancel";
      ask(t.proposeCancel(c.proposal), [
        { id: "confirm:cancel", title: t.yes },
        { id: "reject", title: t.no },
      ]);
      return undefined;
    }
    // Reschedule: use a day/time given in the same message, or ask for one.
    const date = parseDate(input.text, ctxBase.today);
    if (date) return offerSlots({ date, time: parseTime(input.text), bookingId: g.bookingId });
    const list = await call("list_my_bookings", {});
    const b = (list.content as { upcoming: BookingSummary[] }).upcoming.find((x) => x.booking_id === g.bookingId);
    g.step = "reschedule_day";
    say(b ? t.rescheduleDay(b) : t.whichDay);
    return undefined;
  }

  async function offerSlots(p: {
    date?: string | null;
    time?: number | null;
    dayPart?: string | null;
    bookingId?: string | null;
  }): Promise<{ reason: string; summary: string } | undefined> {
    const args: Record<string, unknown> = p.bookingId
      ? { booking_id: p.bookingId }
      : { service_ids: g.serviceIds, ...(g.staffId ? { staff_id: g.staffId } : {}) };
    if (p.date) args.date = p.date;
    if (p.time != null)
      args.time = `${String(Math.floor(p.time / 60)).padStart(2, "0")}:${String(p.time % 60).padStart(2, "0")}`;
    if (p.dayPart) args.day_part = p.dayPart;
    args.limit = 8;
    const r = await call("check_availability", args);
    if (r.isError) return failed(r.content);
    const c = r.content as {
      slots: Record<string, unknown>[];
      requested_time?: string;
      requested_time_available?: boolean;
      reason?: string;
    };
    g.step = p.bookingId ? "reschedule_slot" : "slot";
    if (!c.slots.length) {
      say(t.none);
      return { reason: "tool_failure", summary: "Guided mode: no free slots found for the request." };
    }
    let text = t.slotsFor;
    if (c.reason) text = `${t.reason(c.reason)} ${t.nearest}`;
    else if (c.requested_time_available === false) text = t.takenAt(String(c.requested_time).slice(11));
    showSlots(text, c.slots);
    return undefined;
  }

  // ── A day (and maybe a time) for a reschedule ──
  if ((g.step === "reschedule_day" || g.step === "reschedule_slot") && g.bookingId) {
    const date = parseDate(input.text, ctxBase.today);
    if (date) {
      return out(
        true,
        await offerSlots({
          date,
          time: parseTime(input.text),
          dayPart: parseDayPart(input.text),
          bookingId: g.bookingId,
        }),
      );
    }
  }

  // ── Intents from menu taps or free text ──
  const intent =
    pick === "menu:book"
      ? "book"
      : pick === "menu:mine"
        ? "mine"
        : pick === "menu:reschedule"
          ? "reschedule"
          : pick === "menu:cancel"
            ? "cancel"
            : pick === "menu:info"
              ? "info"
              : pick
                ? null
                : CANCEL.test(f)
                  ? "cancel"
                  : RESCHEDULE.test(f)
                    ? "reschedule"
                    : MINE.test(f)
                      ? "mine"
                      : INFO.test(f) && !/(quiero|quisiera|reserv|book|want|cita para)/.test(f)
                        ? "info"
                        : null;

  if (intent === "info") {
    await answerInfo();
    return out();
  }
  if (intent === "mine" || intent === "cancel" || intent === "reschedule") {
    const list = await call("list_my_bookings", {});
    const upcoming = (list.content as { upcoming: BookingSummary[] }).upcoming;
    if (!upcoming.length) {
      menu(t.noBookings);
      return out();
    }
    if (intent === "mine") {
      say(
        `${t.yourBookings}\n${upcoming.map((b) => `• ${b.when}: ${b.services.join(" + ")} (${b.stylist}), ${b.total_price}${b.for_person ? ` – ${b.for_person}` : ""}`).join("\n")}`,
      );
      ask(t.menu, [
        { id: "menu:reschedule", title: t.menuItems[2]! },
        { id: "menu:cancel", title: t.menuItems[3]! },
        { id: "menu:book", title: t.menuItems[0]! },
      ]);
      return out();
    }
    g.intent = intent;
    if (upcoming.length === 1) {
      g.bookingId = upcoming[0]!.booking_id;
      return out(true, await afterBookingChosen());
    }
    g.step = "pick_booking";
    ask(
      t.whichBooking,
      upcoming.map((b) => ({
        id: `booking:${b.booking_id}`,
        title: b.when.slice(0, 24),
        description: `${b.services.join(" + ")} · ${b.stylist}`.slice(0, 72),
      })),
    );
    return out();
  }

  // ── Booking: service, then day/time ──
  const serviceIdPick = pick?.startsWith("service:") ? pick.slice(8) : null;
  const wantsBook = intent === "book" || pick === "menu:book" || serviceIdPick !== null || BOOK.test(f);
  const inBooking = ["service", "day", "slot"].includes(g.step) && g.intent === "book";
  if (wantsBook || inBooking) {
    if (g.intent !== "book" || pick === "menu:book") {
      Object.assign(g, {
        intent: "book",
        serviceIds: [],
        pending: [],
        staffId: null,
        date: null,
        time: null,
        dayPart: null,
        guestName: null,
      });
    }
    g.serviceIds ??= [];
    if (serviceIdPick) {
      if (!g.serviceIds.includes(serviceIdPick)) g.serviceIds.push(serviceIdPick);
      g.pending?.shift();
    }
    // What the text says: services, stylist, day, time, someone else.
    const guest = GUEST.exec(input.text);
    if (guest && !/^(el|la|las|los|the|manana|hoy|tomorrow|today)$/i.test(fold(guest[1]!))) g.guestName = guest[1]!;
    if (SAME_AS_LAST.test(f)) {
      const hist = await call("list_my_bookings", { include_past: true });
      const past = (hist.content as { past?: BookingSummary[] }).past ?? [];
      if (past[0]) {
        g.serviceIds = past[0].service_ids;
        g.staffId = past[0].staff_ids[0] ?? null;
      }
    }
    const staffWord = await staffFromText(f);
    if (staffWord !== undefined) g.staffId = staffWord;
    if (ANY_STAFF.test(f)) g.staffId = null;
    const date = parseDate(input.text, ctxBase.today);
    if (date) g.date = date;
    const time = parseTime(input.text);
    if (time !== null) g.time = time;
    const part = parseDayPart(input.text);
    if (part) g.dayPart = part;
    if (!serviceIdPick && !g.serviceIds.length && !SAME_AS_LAST.test(f)) {
      const named = await servicesNamedIn(f);
      if (named.length) g.serviceIds = named;
      else g.pending = keywords(f, await staffNames());
    }
    // Resolve pending service words one by one.
    while (g.pending?.length) {
      const word = g.pending[0]!;
      const r = await call("search_services", { query: word });
      const matches = (r.content as { matches: { service_id: string; name: string; price: string }[] }).matches;
      if (!matches.length) {
        g.pending.shift();
        say(t.noService(word));
        continue;
      }
      const exact = matches.filter((m) => fold(m.name) === word || fold(m.name).split(" ").length === 1);
      if (matches.length === 1 || exact.length === 1) {
        g.serviceIds.push((exact[0] ?? matches[0]!).service_id);
        g.pending.shift();
        continue;
      }
      g.step = "service";
      ask(
        t.whichOf(word),
        matches
          .slice(0, 10)
          .map((m) => ({ id: `service:${m.service_id}`, title: m.name.slice(0, 24), description: m.price })),
      );
      return out();
    }
    if (!g.serviceIds.length) {
      const r = await call("search_services", { query: "" });
      const all = (r.content as { matches: { service_id: string; name: string; price: string }[] }).matches;
      g.step = "service";
      ask(
        t.whichService,
        all
          .slice(0, 10)
          .map((m) => ({ id: `service:${m.service_id}`, title: m.name.slice(0, 24), description: m.price })),
      );
      return out();
    }
    if (
      !g.date &&
      !EARLIEST.test(f) &&
      g.time == null &&
      !g.dayPart &&
      g.step !== "day" &&
      !staffWord &&
      !ANY_STAFF.test(f) &&
      !SAME_AS_LAST.test(f)
    ) {
      g.step = "day";
      say(t.whichDay);
      return out();
    }
    return out(true, await offerSlots({ date: g.date ?? null, time: g.time ?? null, dayPart: g.dayPart ?? null }));
  }

  /** Services whose full Spanish or English name appears in the text, in order of appearance. */
  async function servicesNamedIn(folded: string): Promise<string[]> {
    const all = await ctxBase.deps.db.service.findMany({
      where: { locationId: ctxBase.deps.locationId, active: true },
      select: { id: true, nameEs: true, nameEn: true },
    });
    const hits: { id: string; at: number; len: number }[] = [];
    for (const s of all) {
      for (const name of [s.nameEs, s.nameEn]) {
        const n = fold(name);
        const at = ` ${folded} `.indexOf(` ${n} `);
        if (at >= 0) hits.push({ id: s.id, at, len: n.length });
      }
    }
    hits.sort((a, b) => b.len - a.len);
    const taken: { at: number; len: number }[] = [];
    const out: { id: string; at: number }[] = [];
    for (const h of hits) {
      if (taken.some((t) => h.at < t.at + t.len && t.at < h.at + h.len)) continue;
      if (out.some((o) => o.id === h.id)) continue;
      taken.push(h);
      out.push(h);
    }
    return out.sort((a, b) => a.at - b.at).map((h) => h.id);
  }

  async function staffNames(): Promise<string[]> {
    return (await staffList()).map((s) => fold(s.displayName).split(" ")[0]!);
  }

  async function staffFromText(folded: string): Promise<string | null | undefined> {
    const staff = await staffList();
    for (const s of staff) {
      const first = fold(s.displayName).split(" ")[0]!;
      if (new RegExp(`(^| )(con |with )?${first}( |$)`).test(folded)) return s.id;
    }
    return undefined;
  }

  async function answerInfo() {
    const words = keywords(f, await staffNames());
    const lines: string[] = [];
    for (const w of words) {
      const r = await call("search_services", { query: w });
      const m = (
        r.content as { matches: { name: string; price: string; duration_minutes: number; deposit: string | null }[] }
      ).matches;
      if (!m.length) lines.push(t.noService(w));
      else if (m.length <= 2 || /(haceis|teneis|do you)/.test(f))
        lines.push(...m.slice(0, 3).map((x) => t.doWe(x.name, x.price, x.duration_minutes)));
      else lines.push(...m.slice(0, 5).map((x) => `• ${x.name}: ${x.price} (${x.duration_minutes} min)`));
    }
    if (!words.length || /(horario|abr|hours|open|direcc|donde|address|where)/.test(f)) {
      const r = await call("salon_info", {});
      const s = r.content as { address: string; opening_hours: Record<string, string>; phone: string | null };
      lines.push(`${t.address}: ${s.address}`);
      lines.push(
        `${t.hours}:\n${Object.entries(s.opening_hours)
          .map(([d, h]) => `${d}: ${h}`)
          .join("\n")}`,
      );
      if (!words.length && !/(horario|abr|hours|open|direcc|donde|address|where)/.test(f)) {
        const all = await call("search_services", { query: "" });
        lines.push(
          (all.content as { matches: { name: string; price: string; duration_minutes: number }[] }).matches
            .map((x) => `• ${x.name}: ${x.price} (${x.duration_minutes} min)`)
            .join("\n"),
        );
      }
    }
    say(lines.join("\n"));
    ask(t.menu, [
      { id: "menu:book", title: t.menuItems[0]! },
      { id: "menu:info", title: t.menuItems[4]! },
      { id: "menu:human", title: t.menuItems[5]! },
    ]);
    g.step = "menu";
  }

  // ── Greeting or not understood ──
  if (
    !f ||
    /^(hola|buenas|buenos dias|buenas tardes|hi|hello|hey|menu|inicio|start|good (morning|afternoon|evening))( .*)?$/.test(
      f,
    )
  ) {
    menu(lang === "es" ? "¡Hola! Soy el asistente del salón." : "Hi! I'm the salon's assistant.");
    return out();
  }
  if (isConfirmation(input.text, pick) && g.step === "menu") {
    menu();
    return out();
  }
  menu(t.notUnderstood);
  return out(false);
}

const STOP = new Set(
  "quiero quisiera cita reservar reserva para el la los las un una de del por favor me mi hola buenas a las y o con que hay haceis teneis cuanto cuesta vale precio precios es do you have how much is the a an for my i want to book appointment please with at on and or price prices cost hacen".split(
    " ",
  ),
);

/** Service words in a message: known synonyms first, otherwise the content words left. */
export function keywords(folded: string, names: string[] = []): string[] {
  const found: string[] = [];
  for (const part of folded.split(/ (?:y|and|mas|plus|\+) |,/)) {
    const hit = SYNONYMS.find(([re]) => re.test(part));
    if (hit) {
      if (!found.includes(hit[1])) found.push(hit[1]);
      continue;
    }
    const words = part
      .split(" ")
      .filter(
        (w) =>
          w.length >= 4 &&
          !STOP.has(w) &&
          !names.includes(w) &&
          !/\d/.test(w) &&
          parseDate(w, "2000-01-01") === null &&
          !/^(tarde|manana|noche|morning|afternoon|evening|proximo|next|semana|week|hora|time|earliest|posible|antes|cualquiera|igual|ultima|last)$/.test(
            w,
          ),
      );
    if (words.length) {
      const w = words.join(" ");
      if (!found.includes(w)) found.push(w);
    }
  }
  return found;
}
