// Understanding (guided mode): a customer's message(s) → what they want and every detail they gave:
// intent, services, stylist, day or days, time or part of day, whom the visit is for, whose booking
// they mean. Pure over the salon's catalog and "today"; no database, no state. The dialogue
// (guided.ts) merges the result into the conversation's state and asks only for what is missing.
import { beyondYesNo, isRefusal, type Lang } from "../lang.ts";
import { CONFIDENT, classify } from "./classifier.ts";
import { type DayReading, readDay, readTime, type TimeReading } from "./dates.ts";
import type { Intent } from "./intents.ts";
import { closeTo, normalise, readsAsYes } from "./text.ts";

export interface CatalogService {
  id: string;
  nameEs: string;
  nameEn: string;
}
export interface CatalogStaff {
  id: string;
  displayName: string;
}
export interface Catalog {
  services: CatalogService[];
  staff: CatalogStaff[];
}

export interface ServiceAsk {
  /** The customer's word ("corte", "tinte"). */
  word: string;
  /** The services it can mean, best first. */
  ids: string[];
}

export interface Understanding {
  intent: Intent | null;
  greeting: boolean;
  /** Says they are running late (a message for the desk: guided.ts hands it over with its own words). */
  late: boolean;
  yes: boolean;
  no: boolean;
  /** Services named without doubt, in the order said. */
  serviceIds: string[];
  /** Words that name a kind of service with several candidates ("corte": women's, men's or kids'). */
  serviceAsks: ServiceAsk[];
  /** A stylist named (id), anyone (null), or not said (undefined). */
  staffId?: string | null;
  /** "con la misma peluquera", "same stylist as last time". */
  sameStylist: boolean;
  /** "lo de siempre", "same as last time". */
  sameAsLast: boolean;
  day: DayReading | null;
  time: TimeReading | null;
  earliest: boolean;
  /** The visit is for someone else: their name when given, and who they are to the customer. */
  guest: { name: string | null; relation: string | null } | null;
  /** The customer speaks of another person's booking ("la cita de mi hermana"). */
  othersBooking: { name: string | null; relation: string | null } | null;
  /** Which of the customer's bookings they mean ("la del viernes"). */
  bookingDay: DayReading | null;
  /** Anything booking-related was said (a service, day, time or stylist). */
  hasDetails: boolean;
}

const RELATIONS =
  "hija|hijo|madre|mama|padre|papa|amiga|amigo|pareja|novia|novio|marido|mujer|esposa|esposo|hermana|hermano|prima|primo|tia|tio|abuela|abuelo|suegra|sobrina|sobrino|daughter|son|mother|mum|mom|father|dad|friend|wife|husband|partner|girlfriend|boyfriend|sister|brother|cousin|aunt|grandma|niece|nephew";

/** Kinds of service as customers name them; `stems` are looked up in the salon's service names. */
const FAMILIES: { words: string[]; stems: string[] }[] = [
  {
    words: ["corte", "cortar", "cortarme", "cortarle", "cortarse", "pelarme", "pelar", "haircut", "cut", "recortar"],
    stems: ["corte", "haircut"],
  },
  {
    words: [
      "tinte",
      "tenir",
      "tenirme",
      "tenirse",
      "color",
      "colour",
      "coloracion",
      "dye",
      "raiz",
      "raices",
      "roots",
      "canas",
    ],
    stems: ["tinte", "colour", "color"],
  },
  { words: ["mechas", "highlights", "reflejos"], stems: ["mechas", "highlights"] },
  { words: ["balayage", "balayash", "balayag"], stems: ["balayage"] },
  { words: ["keratina", "alisado", "keratin", "straightening"], stems: ["keratina", "keratin"] },
  {
    words: ["manicura", "unas", "manos", "manicure", "nails", "semipermanente", "gel", "shellac"],
    stems: ["manicura", "manicure"],
  },
  { words: ["pedicura", "pies", "pedicure", "feet"], stems: ["pedicura", "pedicure"] },
  { words: ["barba", "beard", "afeitado", "shave"], stems: ["barba", "beard"] },
  { words: ["cejas", "ceja", "brows", "brow", "eyebrows"], stems: ["cejas", "brow"] },
  { words: ["pestanas", "lifting", "lashes", "lash"], stems: ["pestanas", "lash"] },
  {
    words: ["peinado", "lavado", "secado", "brushing", "blowdry", "blow", "peinar", "lavar"],
    stems: ["peinado", "lavado", "blow"],
  },
];

/** An age in years: "de 8 años" (folded "anos"), "8 years old", "he's 6". */
const CHILD_AGE = / (?:de )?(\d{1,2}) (?:anos|anitos|years? old|yo) | (?:he s|she s|is) (\d{1,2})(?: |$)/;

/** Everyday words one letter from a word for a service ("tenía" is not "teñir"): never read as one. */
const NOT_SERVICE_WORDS = new Set([
  "tener",
  "tenia",
  "tenias",
  "tenian",
  "teniamos",
  "tenido",
  "cajas",
  "colar",
  "calor",
]);

/** A word said for a kind of service: that word, or a typo of it that is not an everyday word. */
const saysServiceWord = (w: string, k: string) => w === k || (!NOT_SERVICE_WORDS.has(w) && closeTo(w, k));

/** Words in a request that narrow a kind of service down to one (→ a word of the service's name). */
export const MODIFIERS: Record<string, string[]> = {
  mujer: ["mujer", "chica", "senora", "women", "woman", "womens", "ladies", "lady", "femenino"],
  hombre: ["hombre", "chico", "caballero", "men", "man", "mens", "masculino", "barber"],
  infantil: ["infantil", "nino", "nina", "ninos", "crio", "peque", "kid", "kids", "child", "children", "boy", "girl"],
  raiz: ["raiz", "raices", "roots", "root", "canas", "retoque"],
  completo: ["completo", "entero", "todo", "full", "whole"],
  semipermanente: ["semipermanente", "semi", "gel", "shellac", "permanente"],
  diseno: ["diseno", "depilar", "depilacion", "shaping", "shape", "arreglar", "arreglo"],
};

const STAFF_WORDS =
  /(^| )(?:con|with) (?:la |el )?(?:misma|mismo|same) (?:peluquera|peluquero|chica|chico|estilista|persona|stylist|one|person)/;
const SAME_AS_LAST =
  /(lo (mismo|de siempre)|como (la|el) (ultima|ultimo|otra) vez|lo de la (ultima|otra) vez|lo que me hice|the usual|same as (last time|before|usual))/;
const ANY_STAFF =
  /(cualquier|cualquiera|me da igual|quien sea|sin preferencia|no importa quien|any ?one|any stylist|no preference|whoever|doesn t matter)/;
const EARLIEST =
  /(lo antes posible|cuanto antes|primer hueco|lo primero que (haya|tengas|tengais|tengan)|lo que (haya|tengas|tengais|tengan) (antes|primero)|lo primero (libre|disponible)|lo mas pronto|earliest|as soon as possible|asap|first available|next available|soonest)/;
const GREETING =
  /^(hola|buenas|buenos dias|buenas tardes|buenas noches|hey|hi|hello|good (morning|afternoon|evening)|que tal)( |$)/;

/** "Llego 10 minutos tarde", "I'm running late": the desk must know (guided.ts hands it over). */
const RUNNING_LATE = new RegExp(
  [
    // "llego 10 minutos tarde", not "llego por la tarde"
    "(^| )(llego|llegare|llegaremos|llegamos|voy a llegar|vamos a llegar) (\\w+ ){0,3}(?<!la )(tarde|con retraso)( |$)",
    "(^| )(voy|vamos|estoy|ire|iremos) (\\w+ ){0,2}(con retraso|retrasad[ao]s?)( |$)",
    // "I'll be 10 minutes late", not "could it be late afternoon"
    "(^| )(i ll|i will|i m|i am|we ll|we re|we are|gonna|going to) (be )?(\\w+ ){0,3}late(?! (afternoon|morning|evening|in the))( |$)",
    "(^| )(running late|running behind|stuck in traffic)( |$)",
  ].join("|"),
);

/** Courtesy words (normalise spells out "porfa", "xfa"): no request in them. */
const COURTESY = /(^| )(por favor|please|pls|plz)(?= |$)/g;

const HUMAN_RULE =
  /(hablar con (una persona|alguien|un humano|el encargad|la encargad|una chica)|pasame con|pasadme con|persona real|un humano|queja|reclamacion|vergonzoso|vergüenza|verguenza|fatal el servicio|real person|speak to (someone|a person|a human|the manager)|talk to (someone|a person|a human|the manager)|human please|complain)/;
const CANCEL_RULE =
  /(^| )(cancel\w*|anul\w*|borr(a|ar|ame) (mi|la)|quit(a|ar) (mi|la) cita|ya no (voy|puedo ir|vendre)|dar de baja|(quita|borra)(me|dme)?la|(quitar|borrar)(me)?la|me la (puedes |podeis |podrias |puede |podria )?(quitar|borrar))( |$)/;
/** Words of moving a visit, for "I can't come… can you change it?". */
const MOVE_WORDS =
  /(^| )(cambi\w*|pasa(la|mela|rla)?|mover\w*|muev\w*|otro dia|otra hora|otro hueco|move|reschedul\w*|change|another (day|time))( |$)/;
/** "I can't come": a cancellation, unless the same words ask to move it ("no puedo ir, ¿me la cambias?"). */
const CANT_COME =
  /(^| )(no (voy a poder|podre|puedo|podemos|vamos a poder) (ir|venir|acudir|asistir)|(can t|cannot|won t be able to|will not be able to|couldn t) (make it|come|attend))( |$)/;
const RESCHEDULE_RULE =
  /(^| )(cambi\w* (mi|la|el|de) (cita|reserva|turno|hora|dia)|cambiarla|cambiala|cambiamela|moverla|muevela|mover (mi|la)|pasar(la)? (la cita )?(a|al|para)|pasamela|aplaz\w*|retras\w*|adelant\w*|reprogram\w*|correr (la cita|el turno)|reschedul\w*|move (my|it|the)|change (my|the) (appointment|booking|time|day|date)|change (it|that)( |$)|switch (it|my)|push (it|my)|bring (it|my))/;
/** Prices, and how long a service takes (the answer gives both). */
const PRICES_RULE =
  /(cuanto (cuesta|vale|sale|cobrais|cobran|es|tarda\w*|dura\w*|tiempo)|que (precio|vale|cuesta)|precios?|tarifas?|how much|prices?|costs?|how long (does|do|is|will|would|did)|how much time)( |$)/;
/** "¿hacéis mechas?", "do you do nails?": a question about the services, not a booking. */
const DO_YOU_DO = /(^| )(haceis|hacen|haces|do you (do|offer)|ofreceis|ofrecen)( |$)/;
const HOURS_RULE =
  /((a que hora|cuando) (abris|abren|abre|cerrais|cierran|cierra)|abris|abren los|horarios?|hasta que hora|donde (estais|esta|queda)|direccion|opening hours|when do you (open|close)|are you open|what time do you (open|close)|where are you|address)( |$)/;
const MINE_RULE =
  /((cuando|que dia) (tengo|tenia|tendre|es|era|sera) (la |mi )?(cita|reserva|turno)|a que hora (es|era|sera|tengo|tenia|tendre) (la |mi )?(cita|reserva|turno)|mis (citas|reservas)|tengo (alguna )?cita|when is my|what time is my|my (bookings?|appointments?)|do i have (an|a) (appointment|booking))/;

/** Reads one or more messages (a burst, in order: later details override earlier ones). */
export async function understand(
  messages: string[],
  catalog: Catalog,
  today: string,
  lang: Lang,
): Promise<Understanding> {
  const u: Understanding = {
    intent: null,
    greeting: false,
    late: false,
    yes: false,
    no: false,
    serviceIds: [],
    serviceAsks: [],
    sameStylist: false,
    sameAsLast: false,
    day: null,
    time: null,
    earliest: false,
    guest: null,
    othersBooking: null,
    bookingDay: null,
    hasDetails: false,
  };
  const lines = messages.map((m) => m.trim()).filter(Boolean);
  const intents: Intent[] = [];
  for (const [i, raw] of lines.entries()) {
    const f = normalise(raw);
    if (!f) continue;
    if (i === 0 && GREETING.test(f)) u.greeting = true;
    const rest = f.replace(GREETING, "").trim();
    const before = JSON.stringify(u);
    readDetails(u, raw, rest, catalog, today);
    const gaveDetails = JSON.stringify(u) !== before;
    const rule = ruleIntent(rest);
    // Read on the normalised text too: an emoji ("👍", "❌") answers as the word it stands for.
    if (RUNNING_LATE.test(rest)) u.late = true;
    const yes = readsAsYes(raw);
    const no = isRefusal(raw) || isRefusal(f) || /^(no|nope|nah)( |$)/.test(f);
    // Courtesy asks for nothing ("sí porfa" is a yes, not a call for a person), and a line that
    // only answers yes or no is an answer: the classifier reads neither.
    const request = rest.replace(COURTESY, " ").replace(/\s+/g, " ").trim();
    if (rule) intents.push(rule);
    else if (request && !((yes || no) && !beyondYesNo(request))) {
      // A line of details ("con Laura", "mañana") only says what it says: there the classifier's
      // guess counts only as a wish to book (questions and the rest have their rules above).
      const c = await classify(request, lang);
      if (c && c.score >= CONFIDENT && (!gaveDetails || c.intent === "book")) intents.push(c.intent);
    }
    if (yes) u.yes = true;
    if (no) u.no = true;
  }
  u.hasDetails =
    u.serviceIds.length > 0 ||
    u.serviceAsks.length > 0 ||
    u.day !== null ||
    u.time !== null ||
    u.staffId !== undefined ||
    u.earliest ||
    u.sameAsLast ||
    u.sameStylist;
  // The last thing asked for wins; a greeting, thanks or "later" only when nothing else was asked.
  const strong = intents.filter((x) => !["greeting", "thanks", "later"].includes(x));
  u.intent = strong.at(-1) ?? null;
  if (!u.intent && u.hasDetails && !u.bookingDay) u.intent = "book";
  if (!u.intent) u.intent = intents.at(-1) ?? (u.greeting ? "greeting" : null);
  // A kind of service said with a price word is a price question, not a booking.
  if (
    u.intent === "book" &&
    !u.day &&
    !u.time &&
    lines.some((l) => /(cuanto|precio|how much|how long|price|cost)/.test(normalise(l)))
  )
    u.intent = "prices";
  return u;
}

/** Unmistakable phrasings checked before the classifier: a person, cancel, move, my bookings. */
export function ruleIntent(f: string): Intent | null {
  if (HUMAN_RULE.test(f) || RUNNING_LATE.test(f)) return "human";
  if (CANCEL_RULE.test(f)) return "cancel";
  if (RESCHEDULE_RULE.test(f)) return "reschedule";
  if (CANT_COME.test(f)) return MOVE_WORDS.test(f) ? "reschedule" : "cancel";
  if (MINE_RULE.test(f)) return "mine";
  if (PRICES_RULE.test(f) || DO_YOU_DO.test(f)) return "prices";
  if (HOURS_RULE.test(f)) return "hours";
  return null;
}

function readDetails(u: Understanding, raw: string, f: string, catalog: Catalog, today: string): void {
  let text = ` ${f} `;
  // Read before the guest's words are taken out ("for my son, he's 6").
  const age = CHILD_AGE.exec(text);
  const isChild = age !== null && Number(age[1] ?? age[2]) <= 12;
  // Someone else's booking: "la cita de mi hermana", "my sister's appointment".
  const others =
    new RegExp(
      ` (?:la |su )?(?:cita|reserva|turno|hora) (?:de|para) (?:mi |la |el )?(${RELATIONS}|[a-z]+)(?: ([a-z]+))? `,
    ).exec(text) ?? new RegExp(` (?:my )?(${RELATIONS})(?: ([a-z]+))?s (?:appointment|booking) `).exec(text);
  if (
    others &&
    !/^(manana|hoy|las|el|la|un|una|corte|tinte|mechas|viernes|lunes|martes|miercoles|jueves|sabado|domingo|tomorrow|today)$/.test(
      others[1]!,
    )
  ) {
    const rel = new RegExp(`^(${RELATIONS})$`).test(others[1]!) ? others[1]! : null;
    const name = rel
      ? others[2] && !/^(que|para|el|la|a|en|de|del|y|con|por)$/.test(others[2])
        ? others[2]
        : null
      : others[1]!;
    u.othersBooking = { relation: rel, name: name ?? null };
  }
  // The visit is for someone else: "para mi hija Lucía", "for my son".
  const guestRaw = new RegExp(
    `\\b(?:para|for)\\s+(?:mi|my)\\s+(${RELATIONS})\\b\\s*,?\\s*([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?`,
    "iu",
  ).exec(raw.normalize("NFC"));
  const namedGuest = /\b(?:para|for)\s+([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)\b/u.exec(raw);
  if (guestRaw && !u.othersBooking) {
    u.guest = { relation: normalise(guestRaw[1]!), name: guestRaw[2] ?? null };
  } else if (namedGuest && !u.othersBooking) {
    const n = normalise(namedGuest[1]!);
    const isStaff = catalog.staff.some((s) => normalise(s.displayName).split(" ")[0] === n);
    if (!isStaff && !/^(el|la|las|los|the|manana|hoy|tomorrow|today|mi|my|un|una|a|ver)$/.test(n) && !readDay(n, today))
      u.guest = { relation: null, name: namedGuest[1]! };
  }
  if (u.guest) text = text.replace(new RegExp(` (?:para|for) (?:mi |my )?(?:${RELATIONS})? ?[a-z]* `), " ");

  // Which of the customer's bookings: "la del viernes", "my Friday appointment".
  const ref =
    / (?:la|mi cita|la cita|mi reserva|la reserva|my (?:appointment|booking)) (?:del|de el|de la|on|for) ([a-z0-9/ ]{3,30}?)(?: (?:a|al|para|to|por|porque|que|y|,)|$| $)/.exec(
      text,
    );
  if (ref) {
    const d = readDay(ref[1]!, today);
    if (d) u.bookingDay = d;
  }
  let dayText = text;
  if (ref && u.bookingDay) dayText = text.replace(ref[0].trimEnd(), " ");
  const day = readDay(dayText.trim(), today);
  if (day) u.day = day;
  const time = readTime(dayText.trim());
  if (time) u.time = { ...(u.time ?? {}), ...time };
  if (EARLIEST.test(text)) u.earliest = true;
  if (SAME_AS_LAST.test(text)) u.sameAsLast = true;
  if (STAFF_WORDS.test(text)) u.sameStylist = true;

  // A stylist by first name (a typo allowed), or anyone.
  const words = text.trim().split(" ");
  for (const s of catalog.staff) {
    const first = normalise(s.displayName).split(" ")[0]!;
    if (words.some((w) => closeTo(w, first)) && !(u.guest?.name && normalise(u.guest.name) === first)) u.staffId = s.id;
  }
  if (ANY_STAFF.test(text)) u.staffId = null;

  readServices(u, text, catalog, isChild);
}

/** Services: full names first, then kinds of service narrowed by what else was said. */
function readServices(u: Understanding, text: string, catalog: Catalog, isChild = false): void {
  let rest = text;
  const named: { id: string; at: number }[] = [];
  for (const s of catalog.services) {
    for (const name of [s.nameEs, s.nameEn]) {
      const n = normalise(name);
      const at = rest.indexOf(` ${n} `);
      if (at >= 0 && n.split(" ").length > 1) {
        named.push({ id: s.id, at });
        rest = `${rest.slice(0, at)} ${"_".repeat(n.length)} ${rest.slice(at + n.length + 2)}`;
      }
    }
  }
  const words = rest.trim().split(" ").filter(Boolean);
  const used = new Set<number>();
  for (const fam of FAMILIES) {
    const hit = words.findIndex((w, i) => !used.has(i) && fam.words.some((k) => saysServiceWord(w, k)));
    if (hit < 0) continue;
    used.add(hit);
    let candidates = catalog.services.filter((s) =>
      fam.stems.some((st) => normalise(s.nameEs).includes(st) || normalise(s.nameEn).includes(st)),
    );
    // A service of another kind that was not mentioned ("tinte de cejas" for "tinte") is not meant.
    const others = FAMILIES.filter((o) => o !== fam && !words.some((w) => o.words.some((k) => saysServiceWord(w, k))));
    const plain = candidates.filter(
      (s) => !others.some((o) => o.stems.some((st) => normalise(s.nameEs).includes(st) && !fam.stems.includes(st))),
    );
    if (plain.length) candidates = plain;
    // Narrowed by a modifier said anywhere in the message ("corte de hombre", "tinte de raíz").
    // A child's age counts as a word for a child ("mi hija de 8 años", "my son, he's 6").
    const said = (k: string[]) =>
      words.some((w) => k.some((x) => closeTo(w, x))) || (k === MODIFIERS.infantil && isChild);
    const narrowed = candidates.filter((s) =>
      Object.entries(MODIFIERS).some(([nameWord, k]) => normalise(s.nameEs).split(" ").includes(nameWord) && said(k)),
    );
    if (narrowed.length) candidates = narrowed;
    // The word itself may name one service exactly ("mechas", "balayage", "manicura").
    const exact = candidates.filter((s) => [s.nameEs, s.nameEn].some((n) => normalise(n) === words[hit]));
    if (exact.length === 1 && !narrowed.length) candidates = exact;
    if (!candidates.length) continue;
    const at = text.indexOf(` ${words[hit]} `);
    if (candidates.length === 1) named.push({ id: candidates[0]!.id, at });
    else u.serviceAsks.push({ word: words[hit]!, ids: candidates.map((c) => c.id) });
  }
  for (const n of named.sort((a, b) => a.at - b.at)) if (!u.serviceIds.includes(n.id)) u.serviceIds.push(n.id);
  // A later message naming the service exactly settles an earlier ask.
  u.serviceAsks = u.serviceAsks.filter((a) => !a.ids.some((id) => u.serviceIds.includes(id)));
}

/** Words that say nothing about which choice ("la de", "el de", "for the"). */
const CHOICE_FILLER = new Set([
  "el",
  "la",
  "los",
  "las",
  "de",
  "del",
  "un",
  "una",
  "para",
  "the",
  "a",
  "an",
  "for",
  "one",
  "pues",
  "mejor",
  "vale",
  "ok",
]);

/**
 * The service a short typed answer names among the services just offered, when it names exactly one
 * ("mujer" for "Corte mujer", "la de raíz", "semi"): a word of its title, or a word customers use
 * for one (MODIFIERS: "caballero" → "hombre"). Null when it names none or several, or says more.
 */
export function typedServiceChoice(text: string, choices: { id: string; title: string }[]): string | null {
  const offered = choices.filter((c) => c.id.startsWith("service:"));
  if (offered.length < 2) return null;
  const words = normalise(text)
    .split(" ")
    .filter((w) => w && !CHOICE_FILLER.has(w));
  if (!words.length || words.length > 3) return null;
  // The word, and every word of a group it belongs to ("roots" → "raiz", "root", …).
  const named = (w: string) => [
    w,
    ...Object.entries(MODIFIERS)
      .filter(([, said]) => said.some((k) => k === w || closeTo(w, k)))
      .flatMap(([nameWord, said]) => [nameWord, ...said]),
  ];
  const hits = offered.filter((c) => {
    const title = normalise(c.title).split(" ");
    return words.every((w) => named(w).some((n) => title.some((t) => t === n || closeTo(n, t))));
  });
  return hits.length === 1 ? hits[0]!.id : null;
}
