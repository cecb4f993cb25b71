// What the waitlist says to a customer on WhatsApp, in their language (es/en): a freed slot offered,
// and "someone was quicker" with the nearest alternatives. Pure: facts in, text out. The notifier
// (channels/notifier.ts) sends these inside the 24-hour window, else through the configured template.
import { describeWhen, hhmm, type Lang } from "../agent/lang.ts";
import { toLocal } from "../time/zoned.ts";

/** Facts a waitlist notification carries (JSON: written into the outbox with the message). */
export interface WaitlistOfferFacts {
  offerId: string;
  startsAt: string;
  timeZone: string;
  services: { es: string; en: string };
  stylist: string;
  location: string;
}

export interface WaitlistLostFacts extends WaitlistOfferFacts {
  /** Nearest bookable times (instants), at most a few. */
  alternatives: string[];
}

/** Button ids the agent recognises for an offer's answer. */
export const acceptChoiceId = (offerId: string) => `waitlist.accept:${offerId}`;
export const declineChoiceId = (offerId: string) => `waitlist.decline:${offerId}`;

/** The offer an answer refers to, from a button id; null when it is not a waitlist answer. */
export function parseWaitlistChoice(
  id: string | null | undefined,
): { answer: "accept" | "decline"; offerId: string } | null {
  const m = /^waitlist\.(accept|decline):([0-9a-f-]{36})$/.exec(id ?? "");
  return m ? { answer: m[1] as "accept" | "decline", offerId: m[2]! } : null;
}

export function whenText(startsAt: string, timeZone: string, lang: Lang): string {
  const l = toLocal(new Date(startsAt), timeZone);
  return describeWhen(l.date, hhmm(l.minute), l.weekday, lang);
}

export interface WaitlistRendered {
  reply: { kind: "text"; text: string } | { kind: "choices"; text: string; choices: { id: string; title: string }[] };
  params: string[];
}

export function renderWaitlistOffer(f: WaitlistOfferFacts, lang: Lang): WaitlistRendered {
  const when = whenText(f.startsAt, f.timeZone, lang);
  const services = lang === "en" ? f.services.en : f.services.es;
  const text =
    lang === "en"
      ? `Good news! A slot has opened up at ${f.location}: ${services} with ${f.stylist} on ${when}. Would you like it? It isn't held for you: the first to confirm gets it.`
      : `¡Buenas noticias! Se ha liberado un hueco en ${f.location}: ${services} con ${f.stylist} el ${when}. ¿Lo quieres? No te lo podemos guardar: se lo queda quien confirme primero.`;
  return {
    reply: {
      kind: "choices",
      text,
      choices: [
        { id: acceptChoiceId(f.offerId), title: lang === "en" ? "Yes, book it" : "Sí, lo quiero" },
        { id: declineChoiceId(f.offerId), title: lang === "en" ? "No, thanks" : "No, gracias" },
      ],
    },
    params: [when, services, f.stylist],
  };
}

export function renderWaitlistLost(f: WaitlistLostFacts, lang: Lang): WaitlistRendered {
  const when = whenText(f.startsAt, f.timeZone, lang);
  const alts = f.alternatives.map((a) => whenText(a, f.timeZone, lang));
  const list = alts.length
    ? lang === "en"
      ? ` The nearest free times: ${alts.join("; ")}. Tell me if one suits you.`
      : ` Las horas libres más cercanas: ${alts.join("; ")}. Dime si te va bien alguna.`
    : lang === "en"
      ? " You stay on the waiting list and I'll write again if something opens up."
      : " Sigues en la lista de espera y te escribo si se libera algo.";
  const text =
    lang === "en"
      ? `Sorry — someone confirmed ${when} just before you, so it's gone.${list}`
      : `Lo siento, otra persona ha confirmado el hueco del ${when} justo antes que tú.${list}`;
  return { reply: { kind: "text", text }, params: [when] };
}
