// Rendering (guided mode): every sentence, button and list row the guided agent can send, in Spanish
// and English, written to fit WhatsApp (button titles ≤ 20 characters and ≤ 3 buttons; list rows
// ≤ 24 title / 72 description, ≤ 10 rows; list button ≤ 20). replies.test.ts walks them all.
import type { Lang } from "../lang.ts";
import type { AgentChoice } from "../port.ts";
import type { BookingSummary } from "../tools/common.ts";

export { choicesReply, fit, LIMITS } from "../whatsapp.ts";

type Dict = Record<string, unknown>;
const list = (xs: string[], lang: Lang) =>
  new Intl.ListFormat(lang === "es" ? "es-ES" : "en-GB", { style: "long", type: "conjunction" }).format(xs);

export const TEXTS = {
  es: {
    hello: "¡Hola! Soy el asistente del salón.",
    menu: "¿Qué quieres hacer?",
    menuItems: [
      "Reservar cita",
      "Mis citas",
      "Cambiar una cita",
      "Cancelar una cita",
      "Precios y horario",
      "Hablar con persona",
    ],
    notUnderstood: "Perdona, no te he entendido. Elige una opción o escríbemelo de otra forma:",
    whichService: "¿Qué servicio quieres?",
    whichOf: (w: string) => `¿Cuál de estos servicios de «${w}»?`,
    whichDay: "¿Qué día te viene bien? (por ejemplo «mañana», «el viernes» o «12/03»)",
    whichDate: (said: string) => `¿Qué ${said} quieres decir?`,
    slotsFor: (d: { staff?: string; price?: string }) =>
      `Estos son los huecos libres${d.staff ? ` con ${d.staff}` : ""}${d.price ? ` (${d.price})` : ""}:`,
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
    staffOff: (s: string) => `${s} no tiene huecos ese día.`,
    nearest: "Estos son los huecos más cercanos:",
    none: "No he encontrado huecos libres. Te paso con una persona del salón.",
    proposeHold: (o: Dict) =>
      `Te reservo ${list(o.services as string[], "es")} con ${o.stylist} el ${o.when}${o.for_person ? ` para ${o.for_person}` : ""}. Precio: ${o.price}.${o.deposit ? ` Para confirmarla se paga un depósito de ${o.deposit}.` : ""} ¿Lo confirmo?`,
    yes: "Sí, confirmo",
    no: "No",
    otherTimes: "Otra hora",
    patchYes: "Sí, la prueba antes",
    patchNo: "No, gracias",
    patchLater: "De acuerdo. Cuando quieras reservar la prueba de alergia, dímelo.",
    patchSlots: "Estos son los huecos para la prueba de alergia:",
    patchNone: "No quedan huecos para la prueba antes de esa fecha. Elige un día más adelante para la cita.",
    confirmed: (b: BookingSummary) =>
      `¡Hecho! Tu cita de ${list(b.services, "es")} con ${b.stylist} el ${b.when} está confirmada${b.for_person ? ` (para ${b.for_person})` : ""}. Precio: ${b.total_price}.`,
    held: (b: BookingSummary, url: string, amount: string) =>
      `Te guardo el hueco de ${list(b.services, "es")} con ${b.stylist} el ${b.when}${b.for_person ? ` (para ${b.for_person})` : ""} hasta las ${b.hold_expires_at}. Precio: ${b.total_price}. Para confirmarla paga el depósito de ${amount} aquí: ${url}`,
    heldNoLink: (b: BookingSummary) =>
      `Te guardo el hueco de ${list(b.services, "es")} el ${b.when} hasta las ${b.hold_expires_at}, pero ahora no puedo generar el enlace de pago del depósito (${b.deposit}). Te escribirá alguien del salón.`,
    another: "Otra persona",
    done: "Nada más, gracias",
    guestName: "¿Cómo se llama la otra persona?",
    noBookings: "No tienes citas próximas.",
    yourBookings: "Tus próximas citas:",
    whichBooking: "¿Qué cita?",
    noBookingThatDay: (when: string) => `No tienes ninguna cita ${when}. Estas son tus próximas citas:`,
    othersBooking: (who: string) =>
      `Solo puedo ver y cambiar las citas reservadas desde este número, y no encuentro ninguna para ${who}. ${who.charAt(0).toUpperCase()}${who.slice(1)} puede escribirnos desde su teléfono, o si quieres te paso con una persona del salón.`,
    proposeCancel: (s: Dict) => {
      const b = s.booking as BookingSummary;
      return `Vas a cancelar ${list(b.services, "es")} del ${b.when}${b.for_person ? ` (de ${b.for_person})` : ""}. ${s.explanation}${Number(s.refund_cents) > 0 ? ` Se te devolverán ${s.refund}.` : Number(s.kept_cents) > 0 ? ` El salón se queda el depósito de ${s.deposit_kept}.` : ""} ¿Confirmas la cancelación?`;
    },
    cancelled: (explanation: string, refund: string | null) =>
      `Cita cancelada. ${explanation}${refund ? ` Te devolvemos ${refund}.` : ""}`,
    rescheduleDay: (b: BookingSummary) => `Tu cita es el ${b.when}. ¿A qué día quieres cambiarla?`,
    proposeMove: (s: Dict) => {
      const to = s.to as Dict;
      return `Cambio tu cita del ${s.from} al ${to.when} con ${to.stylist}.${s.deposit_carries_over ? ` Tu depósito de ${s.deposit_carries_over} se mantiene.` : ""} ¿Lo confirmo?`;
    },
    moved: (from: string, b: BookingSummary) =>
      `Listo: tu cita ya no es el ${from}; ahora es el ${b.when} con ${b.stylist}.`,
    keep: "De acuerdo, no cambio nada.",
    keepAsk: "De acuerdo. ¿Prefieres otro día u otra hora? Dímelo y te busco huecos.",
    handover: "Te paso con una persona del salón; te responderá aquí en cuanto pueda.",
    lateNotice: "Gracias por avisar. Se lo digo ahora mismo al salón; si hace falta, te escribirán aquí.",
    hours: "Horario",
    address: "Dirección",
    doWe: (n: string, p: string, d: number) => `Sí, hacemos ${n}: ${p}, unos ${d} minutos.`,
    priceLine: (n: string, p: string, d: number) => `• ${n}: ${p} (${d} min)`,
    failed: "Ha habido un problema con esa acción. Te paso con una persona del salón.",
    welcomeBack: "Gracias por esperar. Seguimos con tu conversación.",
    thanks: "¡A ti! Si necesitas algo más, escríbeme por aquí.",
    later: "Sin prisa, aquí estoy cuando quieras.",
    bye: "¡Gracias! Hasta pronto.",
    stillPending: "Y sobre tu cita:",
  },
  en: {
    hello: "Hi! I'm the salon's assistant.",
    menu: "What would you like to do?",
    menuItems: ["Book", "My bookings", "Reschedule", "Cancel a booking", "Prices and hours", "Talk to a person"],
    notUnderstood: "Sorry, I didn't understand. Pick an option or write it another way:",
    whichService: "Which service would you like?",
    whichOf: (w: string) => `Which of these "${w}" services?`,
    whichDay: "Which day suits you? (e.g. “tomorrow”, “Friday” or “12/03”)",
    whichDate: (said: string) => `Which ${said} do you mean?`,
    slotsFor: (d: { staff?: string; price?: string }) =>
      `These are the free times${d.staff ? ` with ${d.staff}` : ""}${d.price ? ` (${d.price})` : ""}:`,
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
    staffOff: (s: string) => `${s} has no free time that day.`,
    nearest: "These are the nearest free times:",
    none: "I couldn't find a free time. I'll pass you to a person at the salon.",
    proposeHold: (o: Dict) =>
      `I'll book ${list(o.services as string[], "en")} with ${o.stylist} on ${o.when}${o.for_person ? ` for ${o.for_person}` : ""}. Price: ${o.price}.${o.deposit ? ` A deposit of ${o.deposit} confirms it.` : ""} Shall I confirm?`,
    yes: "Yes, confirm",
    no: "No",
    otherTimes: "Another time",
    patchYes: "Yes, the test first",
    patchNo: "No, thanks",
    patchLater: "OK. Whenever you want to book the allergy test, just tell me.",
    patchSlots: "These are the free times for the allergy test:",
    patchNone: "There are no free times for the test before then. Please pick a later day for the appointment.",
    confirmed: (b: BookingSummary) =>
      `Done! Your ${list(b.services, "en")} with ${b.stylist} on ${b.when} is confirmed${b.for_person ? ` (for ${b.for_person})` : ""}. Price: ${b.total_price}.`,
    held: (b: BookingSummary, url: string, amount: string) =>
      `I'm holding ${list(b.services, "en")} with ${b.stylist} on ${b.when}${b.for_person ? ` (for ${b.for_person})` : ""} until ${b.hold_expires_at}. Price: ${b.total_price}. Pay the ${amount} deposit here to confirm it: ${url}`,
    heldNoLink: (b: BookingSummary) =>
      `I'm holding ${list(b.services, "en")} on ${b.when} until ${b.hold_expires_at}, but I can't create the deposit link (${b.deposit}) right now. Someone from the salon will write to you.`,
    another: "Another person",
    done: "That's all, thanks",
    guestName: "What is the other person's name?",
    noBookings: "You have no upcoming bookings.",
    yourBookings: "Your upcoming bookings:",
    whichBooking: "Which booking?",
    noBookingThatDay: (when: string) => `You have no booking ${when}. These are your upcoming bookings:`,
    othersBooking: (who: string) =>
      `I can only see and change bookings made from this number, and I can't find one for ${who}. They can write to us from their own phone, or I can pass you to a person at the salon.`,
    proposeCancel: (s: Dict) => {
      const b = s.booking as BookingSummary;
      return `You are cancelling ${list(b.services, "en")} on ${b.when}${b.for_person ? ` (for ${b.for_person})` : ""}. ${s.explanation}${Number(s.refund_cents) > 0 ? ` ${s.refund} will be refunded.` : Number(s.kept_cents) > 0 ? ` The salon keeps the ${s.deposit_kept} deposit.` : ""} Confirm the cancellation?`;
    },
    cancelled: (explanation: string, refund: string | null) =>
      `Booking cancelled. ${explanation}${refund ? ` ${refund} will be refunded.` : ""}`,
    rescheduleDay: (b: BookingSummary) => `Your booking is on ${b.when}. Which day would you like instead?`,
    proposeMove: (s: Dict) => {
      const to = s.to as Dict;
      return `I'll move your booking from ${s.from} to ${to.when} with ${to.stylist}.${s.deposit_carries_over ? ` Your ${s.deposit_carries_over} deposit carries over.` : ""} Shall I confirm?`;
    },
    moved: (from: string, b: BookingSummary) =>
      `Done: your booking is no longer on ${from}; it is now on ${b.when} with ${b.stylist}.`,
    keep: "OK, I won't change anything.",
    keepAsk: "OK. Would another day or time suit you? Tell me and I'll look.",
    handover: "I'm passing you to a person at the salon; they'll answer here as soon as they can.",
    lateNotice: "Thanks for letting us know. I'm telling the salon now; they'll write here if anything changes.",
    hours: "Opening hours",
    address: "Address",
    doWe: (n: string, p: string, d: number) => `Yes, we do ${n}: ${p}, about ${d} minutes.`,
    priceLine: (n: string, p: string, d: number) => `• ${n}: ${p} (${d} min)`,
    failed: "Something went wrong with that. I'll pass you to a person at the salon.",
    welcomeBack: "Thanks for waiting. Let's carry on.",
    thanks: "You're welcome! Write here if you need anything else.",
    later: "No rush, I'm here whenever you're ready.",
    bye: "Thank you! See you soon.",
    stillPending: "And about your booking:",
  },
};
export type Texts = (typeof TEXTS)["es"];

const MENU_IDS = ["menu:book", "menu:mine", "menu:reschedule", "menu:cancel", "menu:info", "menu:human"] as const;
export type MenuId = (typeof MENU_IDS)[number];

/** Menu rows by id, in the customer's language. */
export function menuChoices(lang: Lang, ids: readonly string[] = MENU_IDS): AgentChoice[] {
  const t = TEXTS[lang];
  return ids.map((id) => {
    const i = MENU_IDS.indexOf(id as MenuId);
    if (i >= 0) return { id, title: t.menuItems[i]! };
    if (id === "menu:another") return { id, title: t.another };
    if (id === "menu:done") return { id, title: t.done };
    return { id, title: id };
  });
}

/** A slot as a list row: day and time, with stylist and price underneath. */
export function slotChoice(s: Dict): AgentChoice {
  return {
    id: String(s.slot_ref),
    title: String(s.when).replace(/ a las | at /, " "),
    description: `${s.stylist} · ${s.price}`,
  };
}

/** One of the customer's bookings as a list row. */
export function bookingChoice(b: BookingSummary): AgentChoice {
  return {
    id: `booking:${b.booking_id}`,
    title: b.when.replace(/ a las | at /, " "),
    description: `${b.services.join(" + ")} · ${b.stylist}${b.for_person ? ` · ${b.for_person}` : ""}`,
  };
}

/** A service as a list row: its name, price and length. */
export function serviceChoice(m: {
  service_id: string;
  name: string;
  price: string;
  duration_minutes?: number;
}): AgentChoice {
  return {
    id: `service:${m.service_id}`,
    title: m.name,
    description: m.duration_minutes ? `${m.price} · ${m.duration_minutes} min` : m.price,
  };
}

/** A date as a button: "viernes, 11 dic" / "Friday 11 Dec" (≤ 20 characters). */
export function dateChoice(date: string, lang: Lang): AgentChoice {
  const d = new Date(`${date}T12:00:00Z`);
  const title = new Intl.DateTimeFormat(lang === "es" ? "es-ES" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  }).format(d);
  return { id: `date:${date}`, title };
}

/** For staff, in the salon's language: why the chat needs a person, and what the customer said. */
export function escalationSummary(
  lang: Lang,
  why: "asked" | "complaint" | "late" | "failed" | "none_free" | "abuse" | "not_understood",
  last: string,
): string {
  const said = last.trim().replace(/\s+/g, " ").slice(0, 300);
  const es = {
    asked: "Pide hablar con una persona.",
    complaint: "Quiere poner una queja.",
    late: "Avisa de que llega tarde a su cita.",
    failed: "El asistente no pudo completar lo que pedía.",
    none_free: "No hay huecos libres para lo que pide.",
    abuse: "Mensajes ofensivos o intentos de saltarse las normas, repetidos.",
    not_understood: "El asistente no ha entendido lo que pide (dos veces seguidas).",
  }[why];
  const en = {
    asked: "Asks to talk to a person.",
    complaint: "Wants to make a complaint.",
    late: "Says they are running late for their appointment.",
    failed: "The assistant could not complete the request.",
    none_free: "No free times for what the customer asks.",
    abuse: "Repeated abusive messages or attempts to get round the rules.",
    not_understood: "The assistant did not understand the customer (twice in a row).",
  }[why];
  return lang === "es" ? `${es} Último mensaje: «${said}»` : `${en} Last message: "${said}"`;
}
