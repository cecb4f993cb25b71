// Guided mode's understanding for the waitlist, repeating visits and groups (issue #20). PURE:
// message text → what the customer asks, in Spanish or English. Services, days, times and the
// stylist come from understand.ts as for any booking; this adds what only these features say:
//   "avísame si se libera algo el jueves por la tarde con Laura" / "let me know if anything opens up"
//   "somos 3 para mechas y corte el sábado" / "there are 3 of us" / "para 3 personas"
// and the answer to an offer or a question (yes/no) is understand.ts's yes/no.
import { parseWaitlistChoice } from "../../waitlist/messages.ts";
import { fold } from "../lang.ts";

export interface VisitsReading {
  /** The customer wants to be told when time frees up. */
  waitlist: boolean;
  /** How many people come together ("somos 3"), the customer included; null when not said. */
  people: number | null;
  /** A tap on a waitlist offer's button. */
  offerAnswer: { answer: "accept" | "decline"; offerId: string } | null;
  /** Cancel a standing booking from the next visit on ("cancela esta y las siguientes"). */
  cancelFollowing: boolean;
}

const CANCEL_FOLLOWING = [
  /\b(cancel|anul|quit)\w*\b.*\b(y |todas )?(las|los) (siguientes|proximas|demas|que quedan)\b/,
  /\b(cancel|anul|quit)\w*\b.*\btodas\b.*\b(citas|visitas|fijas|reservas)\b/,
  /\b(cancel|anul)\w*\b.*\b(cita|visita|reserva) fija\b/,
  /\bcancel\w*\b.*\b(and )?(the |all the )?(following|rest|remaining)( ones| visits| appointments| bookings)?\b/,
  /\bcancel\w*\b.*\ball\b.*\b(future|upcoming|next|remaining|repeat\w*|standing)\b/,
  /\bcancel\w*\b.*\b(standing|repeating|recurring) (booking|appointment|visit)s?\b/,
];

const WAITLIST = [
  /\bavis(a|e)me\b/,
  /\bavisadme\b/,
  /\bme avis(as|ais|ara|areis)\b/,
  /\blista de espera\b/,
  /\bsi se (libera|queda libre)\b/,
  /\bcuando (se )?(libere|quede libre)\b/,
  /\bapuntame\b.*\b(espera|hueco)/,
  /\bwait(ing)? ?list\b/,
  /\b(let me know|tell me|notify me|message me|text me) (if|when) (a |any )?(anything|something|slot|spot|time|space|opening|one)\b.*\b(opens|frees|comes up|becomes|free|available)/,
  /\bnotify me\b/,
  /\bif (a |any )?(slot|thing|something|anything|time|spot) (opens|frees|becomes|comes up)/,
];

const NUMBERS: Record<string, number> = {
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
};
const N = `(\\d|${Object.keys(NUMBERS).join("|")})`;
const PEOPLE = [
  new RegExp(`\\bsomos ${N}\\b`),
  new RegExp(`\\bvamos a ser ${N}\\b`),
  new RegExp(`\\bvenimos ${N}\\b`),
  new RegExp(`\\bpara ${N} (personas|chicas|amigas|de nosotras|de nosotros)\\b`),
  new RegExp(`\\b(there are|there will be|there ll be) ${N} of us\\b`),
  new RegExp(`\\b(we are|we re|were) ${N}\\b`),
  new RegExp(`\\bfor ${N} (people|of us|persons|girls|friends)\\b`),
  new RegExp(`\\bgroup of ${N}\\b`),
  new RegExp(`\\bgrupo de ${N}\\b`),
];

function countOf(word: string): number | null {
  const n = /^\d$/.test(word) ? Number(word) : (NUMBERS[word] ?? null);
  return n !== null && n >= 2 && n <= 8 ? n : null;
}

/** What these features read in a message (folded: accents and case do not matter). */
export function readVisits(text: string, choiceId: string | null = null): VisitsReading {
  const f = fold(text);
  let people: number | null = null;
  for (const re of PEOPLE) {
    const m = re.exec(f);
    const word = m?.slice(1).find((g) => g && countOf(g) !== null);
    if (word) {
      people = countOf(word);
      break;
    }
  }
  return {
    waitlist: WAITLIST.some((re) => re.test(f)),
    people,
    offerAnswer: parseWaitlistChoice(choiceId),
    cancelFollowing: CANCEL_FOLLOWING.some((re) => re.test(f)),
  };
}

/** The parts of the day a waitlist wish is for, from the time said ("por la tarde"); all when none. */
export function wishDayParts(dayPart: string | null | undefined): ("morning" | "afternoon" | "evening")[] {
  if (dayPart === "morning" || dayPart === "afternoon" || dayPart === "evening") return [dayPart];
  return ["morning", "afternoon", "evening"];
}
