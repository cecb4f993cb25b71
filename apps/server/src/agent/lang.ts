// Small, deterministic understanding of customer text (es/en): language, yes/no, dates, times,
// parts of the day. Used by the guardrails (confirmation) and by guided mode; never by tools to
// decide who the customer is.
import { addDays, weekdayOf } from "../time/zoned.ts";

export type Lang = "es" | "en";

export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[¿¡!?.,;:()"'*_~]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

// "no" is as English as it is Spanish: it is in neither list, so a bare "no" keeps the language.
const ES_WORDS = new Set(
  "hola buenas buenos dias tardes noches quiero quisiera cita para el la los las una un por favor gracias manana hoy viernes sabado lunes martes miercoles jueves domingo corte pelo tinte hora puedo tienes teneis hay que cuando donde si con mi me es y mis reservas cancelar cambiar persona precio precios horario puedo cambiala vale".split(
    " ",
  ),
);
const EN_WORDS = new Set(
  "hi hello hey good morning afternoon evening want would like appointment for the a an please thanks thank you tomorrow today friday saturday monday tuesday wednesday thursday sunday haircut hair colour color time can do have is there what when where yes with my i and book bookings cancel change person price prices hours opening need".split(
    " ",
  ),
);

/** The language of a message, or `fallback` when it cannot tell (short words like "ok", "5"). */
export function detectLanguage(text: string | null | undefined, fallback: Lang): Lang {
  if (!text) return fallback;
  if (/[ñ¿¡áéíóú]/i.test(text)) return "es";
  let es = 0;
  let en = 0;
  for (const w of fold(text).split(" ")) {
    if (ES_WORDS.has(w)) es++;
    if (EN_WORDS.has(w)) en++;
  }
  if (en > es) return "en";
  if (es > en) return "es";
  return fallback;
}

const YES = [
  "si",
  "sí",
  "vale",
  "confirmo",
  "confirmar",
  "confirmado",
  "de acuerdo",
  "perfecto",
  "adelante",
  "dale",
  "correcto",
  "eso es",
  "ok",
  "okay",
  "okey",
  "yes",
  "yep",
  "yeah",
  "sure",
  "confirm",
  "confirmed",
  "go ahead",
  "please do",
  "do it",
  "sounds good",
  "perfect",
  "great",
  "book it",
  "reservalo",
  "hazlo",
  "that works",
  "me parece bien",
  "me viene bien",
  "venga",
  "claro",
  "por supuesto",
  "of course",
  "alright",
  "all right",
  "works for me",
];
const NO = ["no", "nope", "mejor no", "cancel that", "wait", "espera", "todavia no", "not yet", "don't", "dont", "nah"];

const ANSWER_WORDS = new RegExp(
  `(^| )(${[...YES, ...NO]
    .map(fold)
    .sort((a, b) => b.length - a.length)
    .join("|")})(?= |$)`,
  "g",
);

/** What a folded message says besides yes and no ("si vale" → "", "si pero el viernes" → "pero el viernes"). */
export function beyondYesNo(folded: string): string {
  return folded.replace(ANSWER_WORDS, " ").replace(/\s+/g, " ").trim();
}

/** A thumbs-up or a cross is an answer on WhatsApp: read as the word (folding drops emojis). */
function withAnswerEmojis(text: string): string {
  return text.replace(/👍|👌|✅|🆗|🙆/gu, " ok ").replace(/👎|❌|🙅/gu, " no ");
}

function hasPhrase(folded: string, phrase: string): boolean {
  return new RegExp(`(^| )${fold(phrase)}( |$)`).test(folded);
}

/**
 * An explicit yes to a proposal, in the customer's own words ("sí", "vale", "confirmo", "yes", "ok",
 * "go ahead") or a tap on a confirm button. A message that also says no, or asks something else
 * at length, is not a confirmation.
 */
export function isConfirmation(text: string | null | undefined, selectedChoiceId?: string | null): boolean {
  if (selectedChoiceId) return selectedChoiceId === "confirm" || selectedChoiceId.startsWith("confirm:");
  if (!text) return false;
  const f = fold(withAnswerEmojis(text));
  if (!f || f.split(" ").length > 12) return false;
  if (NO.some((n) => hasPhrase(f, n))) return false;
  return YES.some((y) => hasPhrase(f, y));
}

export function isRefusal(text: string | null | undefined, selectedChoiceId?: string | null): boolean {
  if (selectedChoiceId) return selectedChoiceId === "reject" || selectedChoiceId.startsWith("reject:");
  if (!text) return false;
  const f = fold(withAnswerEmojis(text));
  return f.split(" ").length <= 6 && NO.some((n) => hasPhrase(f, n));
}

const WEEKDAYS: [number, string[]][] = [
  [1, ["lunes", "monday", "mon"]],
  [2, ["martes", "tuesday", "tue"]],
  [3, ["miercoles", "wednesday", "wed"]],
  [4, ["jueves", "thursday", "thu"]],
  [5, ["viernes", "friday", "fri"]],
  [6, ["sabado", "saturday", "sat"]],
  [7, ["domingo", "sunday", "sun"]],
];
const MONTHS: Record<string, number> = {
  enero: 1,
  january: 1,
  febrero: 2,
  february: 2,
  marzo: 3,
  march: 3,
  abril: 4,
  april: 4,
  mayo: 5,
  may: 5,
  junio: 6,
  june: 6,
  julio: 7,
  july: 7,
  agosto: 8,
  august: 8,
  septiembre: 9,
  september: 9,
  octubre: 10,
  october: 10,
  noviembre: 11,
  november: 11,
  diciembre: 12,
  december: 12,
};

/** A local date named in the text, relative to `today` (YYYY-MM-DD): "mañana", "el viernes", "12/3", "March 12". */
export function parseDate(text: string, today: string): string | null {
  const f = fold(text);
  if (/(^| )pasado manana( |$)/.test(f)) return addDays(today, 2);
  // "mañana" the day, not "por la mañana" the morning ("mañana por la mañana" is both).
  if (/(^| )(manana|tomorrow)( |$)/.test(f.replace(/(^| )(por la|de la|en la|a la) manana( |$)/g, " ")))
    return addDays(today, 1);
  if (/(^| )(hoy|today)( |$)/.test(f)) return today;
  const iso = f.match(/(^| )(\d{4})-(\d{2})-(\d{2})( |$)/);
  if (iso) return `${iso[2]}-${iso[3]}-${iso[4]}`;
  const year = Number(today.slice(0, 4));
  const withYear = (m: number, d: number) => {
    if (m < 1 || m > 12 || d < 1 || d > 31) return null;
    const date = `${year}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    return date < today ? `${year + 1}${date.slice(4)}` : date;
  };
  const dm = f.match(/(^| )(\d{1,2})\/(\d{1,2})( |$)/);
  if (dm) return withYear(Number(dm[3]), Number(dm[2]));
  for (const [name, m] of Object.entries(MONTHS)) {
    const a = f.match(new RegExp(`(^| )(\\d{1,2}) (de )?${name}( |$)`));
    if (a) return withYear(m, Number(a[2]));
    const b = f.match(new RegExp(`(^| )${name} (\\d{1,2})(st|nd|rd|th)?( |$)`));
    if (b) return withYear(m, Number(b[2]));
  }
  for (const [wd, names] of WEEKDAYS) {
    if (names.some((n) => hasPhrase(f, n))) {
      const todayWd = weekdayOf(today);
      let delta = (wd - todayWd + 7) % 7;
      if (delta === 0) delta = 7;
      return addDays(today, delta);
    }
  }
  return null;
}

/** A time of day in minutes from midnight: "a las 5" (afternoon when ambiguous), "17:30", "5pm", "10 de la mañana". */
export function parseTime(text: string): number | null {
  const f = fold(text);
  // Hours and minutes before folding, which turns "17:30" and "17.30" into "17 30".
  const plain = text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const hm = plain.match(/(^|[\s(¿¡,;])(\d{1,2})[:h.](\d{2})(?=$|[\s)?!.,;]|h|[ap]\.?m\b)/);
  // Whole words only, or glued to a number ("12:30pm"): "para mi" is not "a m", "llamame" is not "am".
  const pm = /(^| )(pm|p m)( |$)|\dpm( |$)|de la tarde|por la tarde|afternoon|evening|de la noche/.test(f);
  const am = /(^| )(am|a m)( |$)|\dam( |$)|(de|por|en|a) la manana|morning/.test(f);
  const adjust = (h: number) => {
    if (pm && h < 12) return h + 12;
    if (am && h === 12) return 0;
    if (!am && !pm && h >= 1 && h <= 8) return h + 12; // "a las 5" in a salon means 17:00
    return h;
  };
  if (hm) {
    const h = Number(hm[2]);
    const m = Number(hm[3]);
    if (h < 24 && m < 60) return adjust(h) * 60 + m;
  }
  const ampm = f.match(/(^| )(\d{1,2}) ?(am|pm)( |$)/);
  if (ampm) {
    let h = Number(ampm[2]) % 12;
    if (ampm[3] === "pm") h += 12;
    return h * 60;
  }
  const las = f.match(/(a las|a la|sobre las|at|around|las) (\d{1,2})( y (media|cuarto))?( |$)/);
  if (las) {
    const h = Number(las[2]);
    if (h > 23) return null;
    const extra = las[4] === "media" ? 30 : las[4] === "cuarto" ? 15 : 0;
    return adjust(h) * 60 + extra;
  }
  return null;
}

export type DayPart = "morning" | "afternoon" | "evening";

export function parseDayPart(text: string): DayPart | null {
  const f = fold(text);
  // "por la", and as said in Latin America: "a la tarde" (Río de la Plata), "en la tarde" (Mexico).
  if (/(por la|de la|a la|en la) manana|temprano|a primera hora|morning|first thing/.test(f)) return "morning";
  if (
    /(por la|de la|a la|en la) noche|a ultima hora|ultima hora de la tarde|al final del dia|evening|tonight|late in the day|end of the day/.test(
      f,
    )
  )
    return "evening";
  if (/(por la|de la|a la|en la) tarde|afternoon/.test(f)) return "afternoon";
  return null;
}

export const DAYPART_MINUTES: Record<DayPart, [number, number]> = {
  morning: [0, 14 * 60],
  afternoon: [14 * 60, 24 * 60],
  evening: [18 * 60, 24 * 60],
};

/** A bare number choice ("2", "la 3", "option 1"). */
export function parseNumberChoice(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = fold(text).match(/^(la |el |opcion |option |numero |number |#)?(\d{1,2})$/);
  return m ? Number(m[2]) : null;
}

export const WEEKDAY_NAMES: Record<Lang, string[]> = {
  es: ["", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
  en: ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
};

export function euros(cents: number, lang: Lang): string {
  const v = (cents / 100).toFixed(cents % 100 === 0 ? 0 : 2);
  return lang === "es" ? `${v.replace(".", ",")} €` : `€${v}`;
}

export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/** "jueves 12/03 a las 17:00" / "Thursday 12 Mar at 17:00" */
export function describeWhen(localDate: string, localTime: string, weekday: number, lang: Lang): string {
  const [, m, d] = localDate.split("-");
  if (lang === "es") return `${WEEKDAY_NAMES.es[weekday]} ${d}/${m} a las ${localTime}`;
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1];
  return `${WEEKDAY_NAMES.en[weekday]} ${Number(d)} ${mon} at ${localTime}`;
}
