// A booking refused for want of a valid patch test (issue #21, PATCH_TEST_REQUIRED) as the agent's
// tools return it, in both modes: why (no test / too recent / too old / the last one reacted), for
// which services, and the offer to book the patch test first — the service, the last day it can
// be booked, and the check_availability arguments that find it — plus the sentence to say, in the
// customer's language. Every date in the sentence is in the result, so grounding.ts backs it.
import { monthsBefore } from "../../bookings/patch-test.ts";
import type { AppError } from "../../errors/app-error.ts";
import { addDays, toLocal } from "../../time/zoned.ts";
import { type Lang, WEEKDAY_NAMES } from "../lang.ts";
import type { ToolContext } from "./types.ts";

interface Refusal {
  reason: "none" | "too_recent" | "too_old" | "reacted";
  serviceIds: string[];
  minHours: number;
  maxMonths: number;
  latestAt: string;
  lastTakenAt: string | null;
  offer: { serviceId: string; byWhen: string } | null;
}

export interface PatchTestOfferView {
  service_id: string;
  service_name: string;
  /** The last local day the test can be booked on (the day before "book_before"). */
  last_day: string;
  /** "domingo 13/12" / "Sunday 13 Dec": the test must be taken before this day. */
  book_before: string;
  check_availability: { service_ids: string[]; date: string; to_date: string };
}

export interface PatchTestErrorView {
  reason: Refusal["reason"];
  services: string[];
  min_hours: number;
  max_months: number;
  /** Whole months since the last test, when there is one. */
  last_test_months_ago: number | null;
  offer: PatchTestOfferView | null;
  /** Say this to the customer (their language). */
  say: string;
}

/** Whole calendar months from `then` to `now` in the zone (7 for a test 7 months and a day ago). */
function monthsSince(then: Date, now: Date, timeZone: string): number {
  let m = 0;
  while (m < 1200 && monthsBefore(now, m + 1, timeZone).getTime() >= then.getTime()) m++;
  return m;
}
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "domingo 13/12" / "Sunday 13 Dec". */
export function dayName(localDate: string, weekday: number, lang: Lang): string {
  const [, m, d] = localDate.split("-");
  if (lang === "es") return `${WEEKDAY_NAMES.es[weekday]} ${d}/${m}`;
  return `${WEEKDAY_NAMES.en[weekday]} ${Number(d)} ${MONTHS_EN[Number(m) - 1]}`;
}

const list = (names: string[], lang: Lang) =>
  names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} ${lang === "es" ? "y" : "and"} ${names.at(-1)}`;

/** The sentence for the customer, es/en. */
export function patchTestSentence(v: Omit<PatchTestErrorView, "say">, lang: Lang): string {
  const what = list(v.services, lang);
  if (lang === "es") {
    if (v.reason === "reacted") {
      return `Tu última prueba de alergia dio reacción, así que no podemos reservarte ${what}. El equipo del salón lo hablará contigo.`;
    }
    const why =
      v.reason === "none"
        ? "y no tenemos ninguna registrada"
        : v.reason === "too_recent"
          ? "(la última es demasiado reciente para esta cita)"
          : `en los últimos ${v.max_months} meses (la última es de hace ${v.last_test_months_ago ?? v.max_months} meses)`;
    const need = `Para ${what} necesitas una prueba de alergia hecha al menos ${v.min_hours} h antes ${why}.`;
    return v.offer
      ? `${need} ¿Te reservo la prueba antes del ${v.offer.book_before}?`
      : `${need} Ya no da tiempo a hacerla antes de esta cita: elige un día más adelante.`;
  }
  if (v.reason === "reacted") {
    return `Your last allergy test reacted, so we can't book ${what} for you. The salon team will talk it through with you.`;
  }
  const why =
    v.reason === "none"
      ? "and we have none on record"
      : v.reason === "too_recent"
        ? "(your last one is too recent for this appointment)"
        : `within the last ${v.max_months} months (your last one was ${v.last_test_months_ago ?? v.max_months} months ago)`;
  const need = `${what} ${v.services.length > 1 ? "need" : "needs"} an allergy patch test taken at least ${v.min_hours} h before ${why}.`;
  return v.offer
    ? `${need} Shall I book the test for you before ${v.offer.book_before}?`
    : `${need} There is no time left to take it before this appointment: please pick a later day.`;
}

/** The refusal as a tool returns it; null when the error is not a patch-test refusal. */
export async function patchTestErrorView(ctx: ToolContext, e: AppError): Promise<PatchTestErrorView | null> {
  if (e.code !== "PATCH_TEST_REQUIRED") return null;
  const r = e.details?.patchTest as Refusal | undefined;
  if (!r) return null;
  const lang = ctx.lang;
  const ids = [...r.serviceIds, ...(r.offer ? [r.offer.serviceId] : [])];
  const services = await ctx.deps.db.service.findMany({
    where: { id: { in: ids } },
    select: { id: true, nameEs: true, nameEn: true },
  });
  const name = (id: string) => {
    const s = services.find((x) => x.id === id);
    return s ? (lang === "en" ? s.nameEn : s.nameEs) : "";
  };
  const now = ctx.deps.clock();
  let offer: PatchTestOfferView | null = null;
  if (r.offer) {
    const latest = toLocal(new Date(r.offer.byWhen), ctx.timeZone);
    // Booked on a day before the one it must be taken by: any time that day is early enough.
    const lastDay = addDays(latest.date, -1);
    if (lastDay >= ctx.today) {
      offer = {
        service_id: r.offer.serviceId,
        service_name: name(r.offer.serviceId),
        last_day: lastDay,
        book_before: dayName(latest.date, latest.weekday, lang),
        check_availability: { service_ids: [r.offer.serviceId], date: ctx.today, to_date: lastDay },
      };
    }
  }
  const view: Omit<PatchTestErrorView, "say"> = {
    reason: r.reason,
    services: r.serviceIds.map(name).filter(Boolean),
    min_hours: r.minHours,
    max_months: r.maxMonths,
    last_test_months_ago: r.lastTakenAt ? monthsSince(new Date(r.lastTakenAt), now, ctx.timeZone) : null,
    offer,
  };
  return { ...view, say: patchTestSentence(view, lang) };
}

export const PATCH_TEST_INSTRUCTION =
  "Nothing was booked. Tell the customer the reason in their language (patch_test.say says it). If patch_test.offer is set, offer to book the patch test first; when they accept, call check_availability with patch_test.offer.check_availability, then hold_slot as usual (propose, wait for their yes). Never book the refused service without a valid test.";
