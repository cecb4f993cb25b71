// The grounding guard of Claude mode (#16): before a reply leaves, every time, date, price and
// stylist it states must be one this conversation's tools returned (this turn or earlier), one of
// the salon's facts (hours, address, closures), or — for dates and names only — something the
// customer said. Pure: the caller gathers the facts; this module finds the claims in the reply
// (Spanish and English) and says which ones no fact backs.
//
// Precision first: only unmistakable forms are claims ("17:30", "5 pm", "a las 6", "las 18h",
// "12/03", "12 de marzo", "Thursday 12 Mar", "mañana", "25 €", "€25.50", "25 euros", a staff
// member's name). Durations ("45 min", "24 horas"), counts ("2 servicios"), phone numbers, links
// and ids are never claims.
import { addDays, toLocal } from "../time/zoned.ts";
import type { Lang } from "./lang.ts";

export type ClaimKind = "time" | "date" | "price" | "stylist";

export interface Claim {
  kind: ClaimKind;
  /** The words as written in the reply. */
  text: string;
}

interface ParsedClaim extends Claim {
  /** Where it starts in the text. */
  at?: number;
  /** "mañana", "tomorrow": a claim only next to a time (a slot), not in "¿miro mañana?". */
  relative?: boolean;
  /** time: minutes from local midnight (both readings of an hour without am/pm); date: "MM-DD" or "*-DD"; price: cents; stylist: folded name. */
  values: (number | string)[];
}

export interface GroundingFacts {
  /** The salon's time zone: ISO instants in the facts are read in it. */
  timeZone: string;
  /** The conversation's local date now (YYYY-MM-DD): "mañana" / "today" are read from it. */
  today: string;
  /**
   * What backs a claim: tool results (parsed JSON or text), the salon facts, the slots and
   * proposals in the conversation's ledger, earlier messages of the bot and of salon staff.
   */
  sources: unknown[];
  /** The customer's own words: a date or a name they said may be echoed back (never a time or a price). */
  customerTexts?: string[];
  /** First names of the salon's staff: these are the names checked as stylist claims. */
  staffNames?: string[];
  /** Other names the bot may say (the customer's own name). */
  otherNames?: string[];
}

/** Lower case without accents, punctuation kept (times and prices need it). */
function plain(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

const MONTHS: Record<string, number> = {
  enero: 1,
  ene: 1,
  january: 1,
  jan: 1,
  febrero: 2,
  feb: 2,
  february: 2,
  marzo: 3,
  mar: 3,
  march: 3,
  abril: 4,
  abr: 4,
  april: 4,
  apr: 4,
  mayo: 5,
  may: 5,
  junio: 6,
  jun: 6,
  june: 6,
  julio: 7,
  jul: 7,
  july: 7,
  agosto: 8,
  ago: 8,
  august: 8,
  aug: 8,
  septiembre: 9,
  setiembre: 9,
  sep: 9,
  sept: 9,
  september: 9,
  octubre: 10,
  oct: 10,
  october: 10,
  noviembre: 11,
  nov: 11,
  november: 11,
  diciembre: 12,
  dic: 12,
  december: 12,
  dec: 12,
};
const MONTH_RE = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join("|");
const WEEKDAY_RE =
  "lunes|martes|miercoles|jueves|viernes|sabado|domingo|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun";

const pad = (n: number) => String(n).padStart(2, "0");

/** Replaces a match by spaces of the same length, so later patterns do not see it again. */
function blank(s: string, start: number, length: number): string {
  return s.slice(0, start) + " ".repeat(length) + s.slice(start + length);
}

function parseAmount(num: string): number | null {
  // "1.200" / "1,200" are thousands; "25,50" / "25.50" / "25,5" decimals.
  const dec = /[.,](\d{1,2})$/.exec(num);
  const intPart = (dec ? num.slice(0, dec.index) : num).replace(/[.,]/g, "");
  if (!/^\d+$/.test(intPart)) return null;
  const cents = Number(intPart) * 100 + (dec ? Number(dec[1]!.padEnd(2, "0")) : 0);
  return Number.isFinite(cents) ? cents : null;
}

/** Both readings of an hour said without am/pm ("a las 6" is 06:00 or 18:00). */
function hourReadings(h: number, m: number, ampm: string | undefined): number[] {
  if (ampm) {
    const pm = ampm.startsWith("p");
    const hh = (h % 12) + (pm ? 12 : 0);
    return [hh * 60 + m];
  }
  if (h >= 1 && h <= 11) return [h * 60 + m, (h + 12) * 60 + m];
  return [h * 60 + m];
}

// Words that may follow a bare hour ("a las 6 con Marta", "at 5 on Friday"); any other word makes
// it a count ("las 2 citas"), never a time.
const AFTER_HOUR = new Set([
  "y",
  "o",
  "u",
  "con",
  "en",
  "para",
  "por",
  "el",
  "h",
  "hrs",
  "horas",
  "am",
  "pm",
  "with",
  "on",
  "or",
  "and",
  "in",
  "for",
  "to",
  "a",
  "hasta",
  "ok",
  "te",
  "si",
  "tengo",
  "hay",
  "tomorrow",
  "today",
  "manana",
  "hoy",
  "is",
  "works",
  "would",
  "se",
  "esta",
  "queda",
  "sharp",
]);

interface Extracted {
  claims: ParsedClaim[];
}

/**
 * The claims a text makes. `today` resolves relative days; `names` are the staff first names
 * whose mention is a stylist claim.
 */
export function extractClaims(text: string, opts: { today: string; names?: string[]; timeZone?: string }): Claim[] {
  return extract(text, opts).claims.map(({ kind, text }) => ({ kind, text }));
}

function extract(
  raw: string,
  opts: { today: string; names?: string[]; timeZone?: string; allRelative?: boolean },
): Extracted {
  const claims: ParsedClaim[] = [];
  let s = plain(raw);
  // Instants in ISO form (tool results): read in the salon's time zone.
  s = s.replace(/\b(\d{4}-\d{2}-\d{2})t(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?\b/g, (m) => {
    if (!opts.timeZone) return m;
    const d = new Date(m.toUpperCase());
    if (Number.isNaN(d.getTime())) return m;
    const l = toLocal(d, opts.timeZone);
    return `${l.date} ${pad(Math.floor(l.minute / 60))}:${pad(l.minute % 60)}`.padEnd(m.length, " ");
  });
  // Never claims: links, emails, ids, phone numbers.
  s = s.replace(
    /https?:\/\/\S+|www\.\S+|\S+@\S+\.\S+|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g,
    (m) => " ".repeat(m.length),
  );
  s = s.replace(/(\+\d{1,3}[\s-]?)?\b\d{3}[\s-]?\d{3}[\s-]?\d{3}\b/g, (m) => " ".repeat(m.length));

  const take = (re: RegExp, f: (m: RegExpExecArray) => ParsedClaim | null) => {
    for (const m of [...s.matchAll(re)]) {
      const c = f(m as RegExpExecArray);
      if (!c) continue;
      claims.push({ ...c, at: m.index! });
      s = blank(s, m.index!, m[0].length);
    }
  };
  const orig = (m: RegExpExecArray) => raw.slice(m.index!, m.index! + m[0].length).trim();

  // Money first ("€25.50" is not a time).
  const NUM = "\\d{1,3}(?:[.,]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?";
  take(new RegExp(`(?:€|\\beur\\b)\\s?(${NUM})(?![\\d.,]\\d)`, "g"), (m) => {
    const c = parseAmount(m[1]!);
    return c === null ? null : { kind: "price", text: orig(m), values: [c] };
  });
  take(new RegExp(`(?<![\\d.,])(${NUM})\\s?(?:€|euros?\\b|eur\\b)`, "g"), (m) => {
    const c = parseAmount(m[1]!);
    return c === null ? null : { kind: "price", text: orig(m), values: [c] };
  });

  // Dates.
  const dateOf = (month: number, day: number) =>
    month >= 1 && month <= 12 && day >= 1 && day <= 31 ? `${pad(month)}-${pad(day)}` : null;
  take(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (m) => {
    const d = dateOf(Number(m[2]), Number(m[3]));
    return d ? { kind: "date", text: orig(m), values: [d] } : null;
  });
  take(/(?<![\d/.:,])(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?(?![\d/])/g, (m) => {
    const d = dateOf(Number(m[2]), Number(m[1]));
    return d ? { kind: "date", text: orig(m), values: [d] } : null;
  });
  take(new RegExp(`(?<![\\d:.,])(\\d{1,2})(?:º|o|st|nd|rd|th)?\\s+(?:de\\s+)?(${MONTH_RE})\\b\\.?`, "g"), (m) => {
    const d = dateOf(MONTHS[m[2]!]!, Number(m[1]));
    return d ? { kind: "date", text: orig(m), values: [d] } : null;
  });
  take(new RegExp(`\\b(${MONTH_RE})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?![\\d:.,/]\\d|\\d)`, "g"), (m) => {
    // "may 5" only in English order with a real month word ("may" alone is also a verb: skip it).
    if (m[1] === "may" && !/^May/.test(orig(m))) return null;
    const d = dateOf(MONTHS[m[1]!]!, Number(m[2]));
    return d ? { kind: "date", text: orig(m), values: [d] } : null;
  });
  // "el jueves 12": a weekday with a day number and no month.
  take(new RegExp(`\\b(?:${WEEKDAY_RE})\\.?,?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?![\\d:.,/h])`, "g"), (m) => {
    const day = Number(m[1]);
    return day >= 1 && day <= 31 ? { kind: "date", text: orig(m), values: [`*-${pad(day)}`] } : null;
  });
  const rel = (re: RegExp, days: number) =>
    take(re, (m) => {
      const d = addDays(opts.today, days);
      return { kind: "date", text: orig(m), values: [d.slice(5)], relative: true };
    });
  rel(/\bpasado manana\b|\bday after tomorrow\b/g, 2);
  // "mañana" the day, not the morning ("por la mañana", "esta mañana", "mañanas").
  rel(/(?<!\b(?:la|esta|una|cada|toda|media)\s)\bmanana\b(?!s)|\btomorrow\b/g, 1);
  rel(/\bhoy\b|\btoday\b|\btonight\b|\besta (?:tarde|noche)\b|\bthis (?:afternoon|evening)\b/g, 0);

  // Times. "17:30", "5:30 pm", "17.30", "17h30".
  take(/(?<![\d.,:/€$])(\d{1,2})(?::|\.|h)(\d{2})(?![\d.,:/]\d|\d)\s*(a\.?\s?m\.?|p\.?\s?m\.?|h\b)?/g, (m) => {
    const h = Number(m[1]);
    const min = Number(m[2]);
    if (h > 23 || min > 59) return null;
    const ampm = m[3] && m[3] !== "h" ? m[3].replace(/[\s.]/g, "") : undefined;
    // "9.30" with a dot only at salon hours or with am/pm ("1.50" is a quantity).
    if (/^\d{1,2}\./.test(m[0]) && h < 7 && !ampm) return null;
    return { kind: "time", text: orig(m), values: hourReadings(h, min, ampm) };
  });
  // "5 pm", "5pm", "11 a.m."
  take(/(?<![\d.,:/])(\d{1,2})\s?(a\.\s?m\.?|p\.\s?m\.?|am|pm)\b/g, (m) => {
    const h = Number(m[1]);
    if (h < 1 || h > 12) return null;
    return { kind: "time", text: orig(m), values: hourReadings(h, 0, m[2]!.replace(/[\s.]/g, "")) };
  });
  // "a las 6", "las 18h", "a las 5 y media", "at 5", "around 6".
  take(
    /\b(a las|las|sobre las|hacia las|desde las|hasta las|de las|at|around|from|until|till)\s+(\d{1,2})(?:\s?h\b)?(\s+y\s+(?:media|cuarto)|\s+menos\s+cuarto)?(?![\d.,:/%])(\s+de la (?:manana|tarde|noche))?/g,
    (m) => {
      const h = Number(m[2]);
      if (h > 23) return null;
      const after = s.slice(m.index! + m[0].length);
      const next = /^\s*([a-z]+)/.exec(after)?.[1];
      const closeTo = /^[\s]*([.,;:!?)¿¡-]|$)/.test(after);
      if (!closeTo && next && !AFTER_HOUR.has(next) && !m[4]) return null;
      let min = 0;
      let hh = h;
      if (m[3]?.includes("media")) min = 30;
      else if (m[3]?.includes("menos")) {
        hh = h - 1;
        min = 45;
      } else if (m[3]?.includes("cuarto")) min = 15;
      if (hh < 0) return null;
      const part = m[4];
      const values =
        part && /tarde|noche/.test(part) && hh < 12
          ? [(hh + 12) * 60 + min]
          : part && /manana/.test(part)
            ? [hh * 60 + min]
            : hourReadings(hh, min, undefined);
      return { kind: "time", text: orig(m), values };
    },
  );

  // Stylists: a staff member's first name written as a name (capitalised).
  for (const name of opts.names ?? []) {
    const folded = plain(name);
    if (folded.length < 2) continue;
    const re = new RegExp(`(?<![\\p{L}\\d])${folded.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\d])`, "gu");
    for (const m of s.matchAll(re)) {
      const written = raw.slice(m.index!, m.index! + m[0].length);
      if (!/^\p{Lu}/u.test(written)) continue;
      claims.push({ kind: "stylist", text: written, values: [folded], at: m.index! });
    }
  }
  // A relative day is a claim only in a sentence that also states a time.
  const sentence = (at: number) => {
    const before = raw.slice(0, at);
    const start = Math.max(
      before.lastIndexOf("."),
      before.lastIndexOf("?"),
      before.lastIndexOf("!"),
      before.lastIndexOf("\n"),
    );
    const rest = raw.slice(at).search(/[.?!\n](\s|$)/);
    return [start + 1, rest < 0 ? raw.length : at + rest] as const;
  };
  const kept = claims.filter((c) => {
    if (!c.relative || opts.allRelative) return true;
    const [a, b] = sentence(c.at ?? 0);
    return claims.some((t) => t.kind === "time" && (t.at ?? -1) >= a && (t.at ?? -1) < b);
  });
  return { claims: kept.sort((a, b) => (a.at ?? 0) - (b.at ?? 0)) };
}

export interface FactIndex {
  times: Set<number>;
  dates: Set<string>;
  days: Set<string>;
  cents: Set<number>;
  /** Folded words of every fact and of the customer's words (names are looked up here). */
  words: Set<string>;
  customerDates: Set<string>;
  customerDays: Set<string>;
}

/** Every time, date, amount and word the facts hold. */
export function indexFacts(f: GroundingFacts): FactIndex {
  const ix: FactIndex = {
    times: new Set(),
    dates: new Set([f.today.slice(5)]),
    days: new Set([`*-${f.today.slice(8)}`]),
    cents: new Set(),
    words: new Set(),
    customerDates: new Set(),
    customerDays: new Set(),
  };
  const addWords = (t: string) => {
    for (const w of plain(t).split(/[^\p{L}]+/u)) if (w) ix.words.add(w);
  };
  const addText = (t: string) => {
    addWords(t);
    for (const c of extract(t, { today: f.today, timeZone: f.timeZone }).claims) {
      for (const v of c.values) {
        if (c.kind === "time" && typeof v === "number") ix.times.add(v);
        else if (c.kind === "price" && typeof v === "number") ix.cents.add(v);
        else if (c.kind === "date" && typeof v === "string") {
          if (v.startsWith("*-")) ix.days.add(v);
          else {
            ix.dates.add(v);
            ix.days.add(`*-${v.slice(3)}`);
          }
        }
      }
    }
    // Bare times in tool results ("time": "17:00", "hold_expires_at": "10:15") are read above;
    // a bare ISO date ("2026-03-12") too.
  };
  const walk = (v: unknown, key: string | null, depth: number) => {
    if (depth > 12 || v == null) return;
    if (typeof v === "string") {
      let parsed: unknown = null;
      if (/^\s*[[{]/.test(v)) {
        try {
          parsed = JSON.parse(v);
        } catch {}
      }
      if (parsed && typeof parsed === "object") walk(parsed, key, depth + 1);
      else addText(v);
      return;
    }
    if (typeof v === "number") {
      if (key && /cents$/i.test(key) && Number.isInteger(v)) ix.cents.add(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
      return;
    }
    if (typeof v === "object") {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        // Keys carry words too ("lunes": "10:00–20:00" in opening hours).
        addWords(k);
        walk(x, k, depth + 1);
      }
    }
  };
  for (const s of f.sources) walk(s, null, 0);
  for (const t of f.customerTexts ?? []) {
    addWords(t);
    for (const c of extract(t, { today: f.today, allRelative: true }).claims) {
      if (c.kind !== "date") continue;
      for (const v of c.values) {
        const d = String(v);
        if (d.startsWith("*-")) ix.customerDays.add(d);
        else {
          ix.customerDates.add(d);
          ix.customerDays.add(`*-${d.slice(3)}`);
        }
      }
    }
    // "el jueves" said by the customer names a day the bot may repeat with its number.
  }
  for (const n of f.otherNames ?? []) addWords(n);
  return ix;
}

function grounded(c: ParsedClaim, ix: FactIndex): boolean {
  switch (c.kind) {
    case "time":
      return c.values.some((v) => ix.times.has(v as number));
    case "price":
      return c.values.some((v) => ix.cents.has(v as number));
    case "date":
      return c.values.some((v) => {
        const d = String(v);
        return d.startsWith("*-")
          ? ix.days.has(d) || ix.customerDays.has(d)
          : ix.dates.has(d) || ix.customerDates.has(d) || ix.customerDays.has(`*-${d.slice(3)}`);
      });
    case "stylist":
      return c.values.some((v) => ix.words.has(String(v)));
  }
}

export interface GroundingInput {
  /** Everything the customer would read: reply texts, choice titles and descriptions. */
  texts: string[];
  lang: Lang;
  facts: GroundingFacts | FactIndexed;
}

/** Facts already indexed (one index serves several checks in a turn). */
export interface FactIndexed {
  index: FactIndex;
  today: string;
  timeZone: string;
  staffNames: string[];
}

export function prepareFacts(f: GroundingFacts): FactIndexed {
  return { index: indexFacts(f), today: f.today, timeZone: f.timeZone, staffNames: f.staffNames ?? [] };
}

/** The claims of the texts that no fact backs (each once). */
export function ungroundedClaims(input: GroundingInput): Claim[] {
  const f = "index" in input.facts ? input.facts : prepareFacts(input.facts);
  const out: Claim[] = [];
  const seen = new Set<string>();
  for (const t of input.texts) {
    if (!t) continue;
    for (const c of extract(t, { today: f.today, names: f.staffNames, timeZone: f.timeZone }).claims) {
      if (grounded(c, f.index)) continue;
      const key = `${c.kind}|${c.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ kind: c.kind, text: c.text });
    }
  }
  return out;
}
