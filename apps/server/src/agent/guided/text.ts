// How people write on WhatsApp, made plain before anything reads it: accents and case folded,
// emojis that stand for a word turned into that word, texting abbreviations and common typos
// spelled out, letters held for effect ("holaaa") shortened. Pure; the classifier, the date
// grammar and the service matcher all read the result.
import { fold, isConfirmation } from "../lang.ts";

/** Emojis that customers use for a word (checked before folding removes them). */
const EMOJI_WORDS: [RegExp, string][] = [
  [/💇‍♀️|💇‍♂️|💇|✂️|✂/gu, " corte "],
  [/💅/gu, " manicura "],
  [/🧔|🪒/gu, " barba "],
  [/👁️|👀/gu, " cejas "],
  [/🎨/gu, " tinte "],
  [/👍|👌|✅|🙆/gu, " vale "],
  [/❌|🙅/gu, " no "],
  [/🙏/gu, " gracias "],
  [/☀️|🌞|🌅/gu, " por la manana "],
  [/🌙/gu, " por la noche "],
];

/** Texting forms and frequent misspellings (folded, whole words) → the word meant. */
const SPELLED: Record<string, string> = {
  q: "que",
  k: "que",
  ke: "que",
  qe: "que",
  xq: "porque",
  pq: "porque",
  porq: "porque",
  tb: "tambien",
  tmb: "tambien",
  tbn: "tambien",
  xfa: "por favor",
  xfavor: "por favor",
  porfa: "por favor",
  porfi: "por favor",
  pls: "please",
  plz: "please",
  d: "de",
  x: "por",
  mñn: "manana",
  mnn: "manana",
  mñna: "manana",
  manan: "manana",
  mañna: "manana",
  mana: "manana",
  manyana: "manana",
  hoi: "hoy",
  kiero: "quiero",
  qiero: "quiero",
  qero: "quiero",
  quero: "quiero",
  kisiera: "quisiera",
  kieres: "quieres",
  tneis: "teneis",
  tenes: "tienes",
  ai: "hay",
  ay: "hay",
  cta: "cita",
  cit: "cita",
  sita: "cita",
  corta: "corte",
  cortr: "corte",
  crte: "corte",
  corete: "corte",
  pelu: "peluqueria",
  peluqeria: "peluqueria",
  ola: "hola",
  holi: "hola",
  wenas: "buenas",
  buenass: "buenas",
  gracis: "gracias",
  grax: "gracias",
  grcs: "gracias",
  thx: "thanks",
  ty: "thanks",
  tmrw: "tomorrow",
  tmr: "tomorrow",
  tomorow: "tomorrow",
  tommorow: "tomorrow",
  tommorrow: "tomorrow",
  appt: "appointment",
  apt: "appointment",
  appointmnt: "appointment",
  ur: "your",
  finde: "fin de semana",
  sab: "sabado",
  vier: "viernes",
  juev: "jueves",
  miérc: "miercoles",
  mierc: "miercoles",
  lun: "lunes",
  mart: "martes",
  tinta: "tinte",
  mecha: "mechas",
  manicure: "manicura",
  manicur: "manicura",
  pedicure: "pedicura",
  barva: "barba",
  sobrancejas: "cejas",
  vle: "vale",
  oki: "ok",
  okis: "ok",
  okk: "ok",
  sii: "si",
  sip: "si",
  sep: "si",
  nop: "no",
  nope: "no",
  weno: "bueno",
  bno: "bueno",
  tmpc: "tampoco",
  hr: "hora",
  hrs: "horas",
};

/**
 * The short words of a chat people stretch by a single letter ("holaa", "graciass", "okk"). Only
 * these lose a doubled last letter: Spanish keeps real doubles ("llamar", "perro", "leer", "creer").
 */
const STRETCHED = new Set([
  "hola",
  "buenas",
  "buenos",
  "si",
  "no",
  "vale",
  "ok",
  "gracias",
  "genial",
  "perfecto",
  "bien",
  "porfa",
  "adios",
  "chao",
  "hi",
  "hey",
  "hello",
  "yes",
  "thanks",
  "bye",
]);

function unstretched(w: string): string {
  return /([a-z])\1$/.test(w) && STRETCHED.has(w.slice(0, -1)) ? w.slice(0, -1) : w;
}

/** Folded text with emojis, abbreviations and stretched letters made plain. */
export function normalise(text: string): string {
  let t = text;
  for (const [re, word] of EMOJI_WORDS) t = t.replace(re, word);
  // Keep clock times through folding (it drops ":" and "."): "17:30" → "17h30", read by parseTime.
  t = t.replace(/(^|[^\d])(\d{1,2})[:.](\d{2})(?!\d)/g, "$1$2h$3");
  const folded = fold(t)
    .replace(/\p{Extended_Pictographic}/gu, " ")
    .replace(/([a-z])\1{2,}/g, "$1") // holaaa → hola, siii → si
    .replace(/\s+/g, " ")
    .trim();
  return folded
    .split(" ")
    .map((w) => SPELLED[w] ?? corrected(unstretched(w)))
    .join(" ");
}

/** Words whose misspellings are worth fixing (days, times, the words of a request). */
const VOCABULARY = [
  "lunes",
  "martes",
  "miercoles",
  "jueves",
  "viernes",
  "sabado",
  "domingo",
  "manana",
  "tarde",
  "semana",
  "quiero",
  "quisiera",
  "reservar",
  "cancelar",
  "cambiar",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
  "tomorrow",
  "afternoon",
  "morning",
  "appointment",
];
const KNOWN = new Set(VOCABULARY);
/** Real words one letter away from a vocabulary word, left alone ("vienes" is not "viernes"). */
const REAL = new Set(["vienes", "mantas", "tardes", "semanas", "quieto", "cambia", "cambio", "martas"]);

/**
 * A misspelt vocabulary word, corrected to the nearest one: a word that is itself in the vocabulary
 * stays ("tuesday" is two edits from "thursday"), and a typo as near to two words is left alone.
 */
function corrected(w: string): string {
  // A plural of a vocabulary word is that word, not a typo of it ("appointments", "mornings").
  if (w.length < 5 || REAL.has(w) || KNOWN.has(w) || KNOWN.has(w.replace(/e?s$/, "")) || /\d/.test(w)) return w;
  const near = VOCABULARY.filter((v) => closeTo(w, v))
    .map((v) => ({ v, d: distance(w, v) }))
    .sort((a, b) => a.d - b.d);
  if (!near.length || (near.length > 1 && near[1]!.d === near[0]!.d)) return w;
  return near[0]!.v;
}

/** Edit distance between two short words (Levenshtein), capped: stops counting past `max`. */
export function distance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // Two letters swapped ("tinet") is one typo (Damerau).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * A word is close enough to a known one: exact, or one typo in five letters or more (two in eight),
 * the first letter right (people rarely miss the first letter; "have" is not "shave").
 */
export function closeTo(word: string, known: string): boolean {
  if (word === known) return true;
  if (known.length < 5 || word.length < 5 || word[0] !== known[0]) return false;
  return distance(word, known) <= (known.length >= 8 ? 2 : 1);
}

/** A yes as written, or as guided mode reads it ("sip", "okis", "sii", an emoji): for both modes. */
export function readsAsYes(text: string | null | undefined, selectedChoiceId?: string | null): boolean {
  return isConfirmation(text, selectedChoiceId) || isConfirmation(normalise(text ?? ""));
}
