// Guided mode's sentences for the waitlist, repeating visits and groups (issue #20), es/en. Pure:
// tool results in, text out (WhatsApp's limits are applied by whatsapp.ts on every reply). Never an
// internal id: people, days, times, stylists and prices only.
import type { Lang } from "../lang.ts";

type Dict = Record<string, unknown>;
const list = (xs: string[], lang: Lang) =>
  new Intl.ListFormat(lang === "es" ? "es-ES" : "en-GB", { style: "long", type: "conjunction" }).format(xs);

const PARTS: Record<Lang, Record<string, string>> = {
  es: { morning: "por la mañana", afternoon: "por la tarde", evening: "a última hora" },
  en: { morning: "in the morning", afternoon: "in the afternoon", evening: "in the evening" },
};

function days(from: string, to: string, lang: Lang): string {
  const d = (x: string) => {
    const [y, m, dd] = x.split("-").map(Number);
    return new Intl.DateTimeFormat(lang === "es" ? "es-ES" : "en-GB", {
      weekday: "long",
      day: "numeric",
      month: "short",
      timeZone: "UTC",
    }).format(new Date(Date.UTC(y!, m! - 1, dd!)));
  };
  if (from === to) return lang === "es" ? `el ${d(from)}` : `on ${d(from)}`;
  return lang === "es" ? `del ${d(from)} al ${d(to)}` : `from ${d(from)} to ${d(to)}`;
}

export const VISITS_TEXTS = {
  es: {
    whichServiceWait: "¿Para qué servicio quieres que te avise?",
    whichServiceGroup: (word: string) => `¿Qué ${word} queréis?`,
    whichDayGroup: (n: number) => `¡Genial, sois ${n}! ¿Qué día queréis venir?`,
    offerNone: "No tienes ninguna oferta de hueco pendiente ahora mismo.",
    declined: "De acuerdo, lo dejamos pasar. Sigues en la lista de espera y te escribo si se libera otro hueco.",
    seriesNo: "De acuerdo, la dejamos como una cita suelta.",
    groupNo: "De acuerdo, no reservo nada. Dime otro día u hora si quieres.",
    yesSeries: "Sí, fijarla",
    yesCancelSeries: "Sí, cancelarlas",
    keepSeries: "De acuerdo, no cancelo nada: tu cita fija sigue igual.",
    yesGroup: "Sí, reservar",
    no: "No, gracias",
    noGroupTime: (n: number) =>
      `Ese día no hay una hora en la que podáis empezar los ${n} a la vez, cada una con su estilista. ¿Probamos otro día?`,
  },
  en: {
    whichServiceWait: "Which service should I let you know about?",
    whichServiceGroup: (word: string) => `Which ${word} would you like?`,
    whichDayGroup: (n: number) => `Great, ${n} of you! Which day would you like to come?`,
    offerNone: "You have no open slot offer right now.",
    declined: "No problem, we'll let it go. You stay on the waiting list and I'll write if something else opens up.",
    seriesNo: "Alright, we'll keep it as a one-off booking.",
    groupNo: "Alright, nothing is booked. Tell me another day or time if you like.",
    yesSeries: "Yes, repeat it",
    yesCancelSeries: "Yes, cancel them",
    keepSeries: "All right, I'm not cancelling anything: your standing booking stays as it is.",
    yesGroup: "Yes, book it",
    no: "No, thanks",
    noGroupTime: (n: number) =>
      `There's no time that day when all ${n} of you can start together, each with your own stylist. Shall we try another day?`,
  },
};

export function onWaitlistText(wish: Dict, lang: Lang): string {
  const services = list((wish.services as string[]) ?? [], lang);
  const parts = ((wish.day_parts as string[]) ?? []).length === 3 ? [] : (wish.day_parts as string[]);
  const when = `${days(String(wish.date_from), String(wish.date_to), lang)}${
    parts.length
      ? ` ${list(
          parts.map((p) => PARTS[lang][p] ?? p),
          lang === "es" ? "es" : "en",
        )
          .replace(" y ", " o ")
          .replace(" and ", " or ")}`
      : ""
  }`;
  const who = wish.stylist ? (lang === "es" ? ` con ${wish.stylist}` : ` with ${wish.stylist}`) : "";
  return lang === "es"
    ? `¡Hecho! Te he apuntado en la lista de espera: ${services}${who}, ${when}. No te guardamos nada: si se libera un hueco te escribo por aquí y se lo queda quien confirme primero.`
    : `Done! You're on the waiting list: ${services}${who}, ${when}. Nothing is held: if a slot opens up I'll message you here, and the first to confirm gets it.`;
}

export function offerBookedText(b: Dict, lang: Lang, link: { url: string; amount: string } | null): string {
  const base =
    lang === "es"
      ? `¡Es tuyo! ${(b.services as string[]).join(" + ")} con ${b.stylist} el ${b.when}, ${b.total_price}.`
      : `It's yours! ${(b.services as string[]).join(" + ")} with ${b.stylist} on ${b.when}, ${b.total_price}.`;
  if (!link) return base;
  return lang === "es"
    ? `${base} Para confirmarla paga la señal de ${link.amount} aquí: ${link.url}`
    : `${base} To confirm it, pay the ${link.amount} deposit here: ${link.url}`;
}

export function seriesQuestionText(question: string, proposal: Dict, lang: Lang): string {
  const following = (proposal.following as string[]) ?? [];
  return lang === "es"
    ? `${question} Serían también: ${following.join("; ")}.`
    : `${question} That would also be: ${following.join("; ")}.`;
}

export function seriesDoneText(r: Dict, lang: Lang): string {
  const booked = (r.booked as string[]) ?? [];
  const missed = (r.not_booked as { when: string; nearest_free: string[] }[]) ?? [];
  const head =
    lang === "es"
      ? `¡Listo! Queda fijada ${r.rule}. Reservadas: ${booked.join("; ")}.`
      : `Done! It's now a standing booking ${r.rule}. Booked: ${booked.join("; ")}.`;
  if (!missed.length) return head;
  const lines = missed.map((m) =>
    m.nearest_free.length
      ? lang === "es"
        ? `• ${m.when} está ocupado; lo más cercano libre: ${m.nearest_free.join("; ")}`
        : `• ${m.when} is taken; the nearest free: ${m.nearest_free.join("; ")}`
      : lang === "es"
        ? `• ${m.when} no se ha podido reservar`
        : `• ${m.when} could not be booked`,
  );
  const tail =
    lang === "es"
      ? "Dime si quieres alguna de esas horas para las que no han cabido."
      : "Tell me if you'd like one of those times for the ones that didn't fit.";
  return `${head}\n${lang === "es" ? "No han cabido:" : "Not booked:"}\n${lines.join("\n")}\n${tail}`;
}

/** "Cancel these visits of your standing booking?" with each visit's refund or kept deposit. */
export function seriesCancelQuestion(p: Dict, lang: Lang): string {
  const visits = (p.visits as { when: string; explanation: string }[]) ?? [];
  const lines = visits.map((v) => `• ${v.when}: ${v.explanation}`);
  return lang === "es"
    ? `Cancelo tu cita fija desde la próxima visita (${visits.length}):\n${lines.join("\n")}\n¿Confirmas?`
    : `I'll cancel your standing booking from the next visit on (${visits.length}):\n${lines.join("\n")}\nShall I go ahead?`;
}

export function seriesCancelledText(r: Dict, lang: Lang): string {
  const done = (r.cancelled as { when: string }[]) ?? [];
  return lang === "es"
    ? `Hecho: he cancelado ${done.length === 1 ? "1 visita" : `${done.length} visitas`} (${done.map((d) => d.when).join("; ")}).`
    : `Done: I've cancelled ${done.length === 1 ? "1 visit" : `${done.length} visits`} (${done.map((d) => d.when).join("; ")}).`;
}

export function groupProposalText(p: Dict, lang: Lang): string {
  const people = (p.people as { person: string; services: string[]; stylist: string; price: string }[]) ?? [];
  const lines = people.map(
    (x) => `• ${x.person}: ${x.services.join(" + ")} ${lang === "es" ? "con" : "with"} ${x.stylist} (${x.price})`,
  );
  const dep = p.deposit
    ? lang === "es"
      ? ` Señal para todo el grupo: ${p.deposit}, un solo pago.`
      : ` One deposit for the whole group: ${p.deposit}, a single payment.`
    : "";
  return lang === "es"
    ? `Os puedo reservar el ${p.when}, empezando a la vez:\n${lines.join("\n")}\nTotal ${p.total_price}.${dep} ¿Lo confirmo?`
    : `I can book you all on ${p.when}, starting together:\n${lines.join("\n")}\nTotal ${p.total_price}.${dep} Shall I confirm?`;
}

export function groupHeldText(r: Dict, lang: Lang): string {
  const n = ((r.people as unknown[]) ?? []).length;
  const link = r.deposit_link as { url: string; amount: string } | null;
  if (!link && r.status !== "confirmed") {
    return lang === "es"
      ? `Os guardo las ${n} citas del ${r.when} hasta las ${r.hold_expires_at}. Ahora mismo no puedo generar el enlace de la señal: una persona del salón os lo enviará.`
      : `I'm holding all ${n} bookings on ${r.when} until ${r.hold_expires_at}. I can't create the deposit link right now: a person at the salon will send it to you.`;
  }
  if (!link) {
    return lang === "es"
      ? `¡Reservado! Os esperamos a los ${n} el ${r.when}.`
      : `Booked! We'll see all ${n} of you on ${r.when}.`;
  }
  return lang === "es"
    ? `¡Hecho! Os guardo las ${n} citas del ${r.when} hasta las ${r.hold_expires_at}. Paga la señal de todo el grupo (${link.amount}) con este enlace y quedan confirmadas: ${link.url}`
    : `Done! I'm holding all ${n} bookings on ${r.when} until ${r.hold_expires_at}. Pay the group's deposit (${link.amount}) with this link to confirm them: ${link.url}`;
}
