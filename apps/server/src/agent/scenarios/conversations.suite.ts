// Everyday WhatsApp conversations, written the way people in Spain, Latin America and English
// speakers actually write (typos, no accents, emojis, bursts, corrections, ambiguous days, questions
// in the middle, someone else's booking), beyond the 18 scenarios. Each is judged on what the
// customer was told and on the database afterwards. Days are asked of the salon at the world's
// instant (testing/calendar.ts), so the suite holds on any date. conversations.test.ts runs them
// in guided mode, prints the pass rate and compares the failures with conversations.failures.md.
import type { Booking, BookingItem } from "../../generated/prisma/client.ts";
import { addDays, localToUtc, weekdayOf } from "../../time/zoned.ts";
import {
  COMING_WEEK,
  closedWeekday,
  dayPhrase,
  FEW_DAYS_AHEAD,
  localOf,
  minuteOf,
  salonDay,
  salonOf,
  salonToday,
  TOMORROW_FIRST,
} from "../testing/calendar.ts";
import type { AgentWorld, Chat } from "../testing/world.ts";

export interface Conversation {
  id: string;
  /** What the customer does, in a line. */
  title: string;
  run(x: ConvWorld): Promise<void>;
}

type BookingRow = Booking & { items: BookingItem[] };

export class ConvWorld {
  private phone: number;
  constructor(
    readonly w: AgentWorld,
    firstPhone: number,
  ) {
    this.phone = firstPhone;
  }
  chat(lang: "es" | "en" = "es", name = "Cliente Prueba") {
    return this.w.chat(`+${this.phone++}`, { name, language: lang });
  }
  today() {
    return salonToday(this.w);
  }
  async svc(slug: string) {
    return this.w.db.service.findFirstOrThrow({ where: { locationId: this.w.locationId, slug } });
  }
  async staff(first: string) {
    return this.w.db.staffMember.findFirstOrThrow({
      where: { locationId: this.w.locationId, displayName: { startsWith: first } },
    });
  }
  /** A day (by offsets) with free slots for the service (and stylist) in the window. */
  async day(
    slug: string,
    o: { staff?: string; window?: [number, number]; offsets?: number[]; minSlots?: number } = {},
  ) {
    const s = await this.svc(slug);
    const st = o.staff ? await this.staff(o.staff) : null;
    return salonDay(this.w, {
      items: [{ serviceId: s.id, staffId: st?.id ?? null }],
      ...(o.window ? { window: o.window } : {}),
      offsets: o.offsets ?? COMING_WEEK,
      ...(o.minSlots ? { minSlots: o.minSlots } : {}),
    });
  }
  /** Offsets of the `n` days after `date` (days the salon may be asked about after a booking). */
  async daysAfter(date: string, n = 6): Promise<number[]> {
    const today = await this.today();
    const from = Math.round((Date.parse(`${date}T12:00:00Z`) - Date.parse(`${today}T12:00:00Z`)) / 86_400_000);
    return Array.from({ length: n }, (_, i) => from + 1 + i);
  }
  phrase(date: string, today: string, lang: "es" | "en" = "es") {
    return dayPhrase(date, today, lang);
  }
  async active(chat: Chat): Promise<BookingRow[]> {
    return (await chat.bookings()).filter((b) =>
      ["held", "pending_deposit", "confirmed"].includes(b.status),
    ) as BookingRow[];
  }
  /** 11:00 local on the latest day 6–20 days ago that the stylist worked and the salon was open. */
  async pastVisitStart(staffId: string): Promise<Date> {
    const today = await this.today();
    const { closures, timeZone } = await salonOf(this.w);
    const days = new Set(
      (await this.w.db.staffScheduleBlock.findMany({ where: { staffId, kind: "work" } })).map((b) => b.weekday),
    );
    const day = Array.from({ length: 15 }, (_, i) => addDays(today, -(i + 6))).find(
      (d) => days.has(weekdayOf(d)) && !closures.has(d),
    )!;
    return localToUtc(day, 11 * 60, timeZone);
  }
  /** Books a visit directly (a booking the customer already has). */
  async existing(chat: Chat, slug: string, o: { staff?: string; offsets?: number[]; guest?: string } = {}) {
    const { createBooking } = await import("../../bookings/create.ts");
    const s = await this.svc(slug);
    const st = o.staff ? await this.staff(o.staff) : null;
    // The days asked for first; any of the next weeks if the salon is closed on all of them (New Year…).
    const offsets = [...(o.offsets ?? []), ...FEW_DAYS_AHEAD.filter((d) => !o.offsets?.includes(d))];
    const { slots } = await this.day(slug, {
      ...(o.staff ? { staff: o.staff } : {}),
      offsets,
    });
    const slot = slots[0]!;
    const b = await createBooking(
      { db: this.w.db, fc: this.w.fc, clock: this.w.clock },
      {
        locationId: this.w.locationId,
        customerId: chat.customerId,
        startsAt: slot.start,
        items: [{ serviceId: s.id, staffId: st?.id ?? slot.items[0]!.staffId }],
        source: "console",
        mode: "book",
        ...(o.guest ? { guestName: o.guest } : {}),
      },
      { type: "staff" },
    );
    const staffId = st?.id ?? slot.items[0]!.staffId;
    const stylist = await this.w.db.staffMember.findUniqueOrThrow({ where: { id: staffId } });
    // Moving a booking keeps its stylist: days to move it to are asked with her.
    return {
      id: (b as { id: string }).id,
      date: slot.localDate,
      time: slot.localTime,
      staff: stylist.displayName.split(" ")[0]!,
    };
  }
}

export class Check extends Error {}
export function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Check(what);
}

const YES = /(¿Lo confirmo\?|Shall I confirm\?|¿Confirmas la cancelación\?|Confirm the cancellation\?)/;

/** The text of the replies of the latest turn. */
function lastTold(chat: Chat): string {
  return (chat.last?.replies ?? [])
    .map((r) =>
      r.kind === "choices" ? `${r.text}\n${r.choices.map((c) => c.title).join("\n")}` : r.kind === "text" ? r.text : "",
    )
    .join("\n");
}

/**
 * Plays the customer until a booking exists: taps the wanted service or date when offered, the
 * wanted time (or the first free one), and says yes to the proposal. Fails when the agent asks for
 * something the customer already said (`said`), or takes more than `maxSteps` answers.
 */
async function finish(
  chat: Chat,
  want: { serviceId?: string; date?: string; time?: string; lang?: "es" | "en"; said?: ("service" | "day")[] },
  maxSteps = 4,
) {
  for (let step = 0; step <= maxSteps; step++) {
    const told = lastTold(chat);
    if (want.said?.includes("day")) check(!/¿Qué día|Which day/.test(told), `asked for the day again: ${told}`);
    if (want.said?.includes("service"))
      check(!/¿Qué servicio quieres|Which service would you like/.test(told), `asked for the service again: ${told}`);
    const ids = chat.choices.map((c) => c.id);
    if (YES.test(told)) {
      await chat.say(want.lang === "en" ? "yes" : "sí");
      return;
    }
    if (step === maxSteps) break;
    if (want.serviceId && ids.includes(`service:${want.serviceId}`)) await chat.tap(`service:${want.serviceId}`);
    else if (want.date && ids.includes(`date:${want.date}`)) await chat.tap(`date:${want.date}`);
    else if (ids.some((i) => /^S\d+$/.test(i))) {
      const slot =
        (want.time && chat.choices.find((c) => /^S\d+$/.test(c.id) && c.title.endsWith(want.time!))) ||
        chat.choices.find((c) => /^S\d+$/.test(c.id))!;
      await chat.tap(slot.id);
    } else throw new Check(`stuck: ${told}`);
  }
  throw new Check(`no proposal after ${maxSteps} answers: ${lastTold(chat)}`);
}

async function expectBooked(
  x: ConvWorld,
  chat: Chat,
  want: { slug: string; staff?: string; date?: string; time?: string; guest?: string; count?: number },
) {
  const active = await x.active(chat);
  check(active.length === (want.count ?? 1), `expected ${want.count ?? 1} active booking(s), found ${active.length}`);
  const b = active.at(-1)!;
  const s = await x.svc(want.slug);
  check(
    b.items.some((i) => i.serviceId === s.id),
    `booked ${b.items.map((i) => i.serviceId)} not ${want.slug}`,
  );
  if (want.staff) {
    const st = await x.staff(want.staff);
    check(
      b.items.every((i) => i.staffId === st.id),
      `not with ${want.staff}`,
    );
  }
  const local = await localOf(x.w, b.startsAt);
  if (want.date) check(local.date === want.date, `booked on ${local.date}, wanted ${want.date}`);
  if (want.time) check(local.time === want.time, `booked at ${local.time}, wanted ${want.time}`);
  if (want.guest) {
    const guest = b.guestNameCipher ? x.w.fc.decrypt(b.guestNameCipher) : null;
    check(guest?.includes(want.guest), `guest ${guest}, wanted ${want.guest}`);
  }
}

const AFTERNOON: [number, number] = [14 * 60, 24 * 60];
const MORNING: [number, number] = [0, 14 * 60];
const after = (hhmm: string): [number, number] => [minuteOf(hhmm), 24 * 60];

/** A booking request in one message, completed by following the agent. */
function booking(
  id: string,
  title: string,
  o: {
    slug: string;
    staff?: string;
    lang?: "es" | "en";
    window?: [number, number];
    offsets?: number[];
    /** The customer's message(s), given the day's phrase and a free time that day. */
    say: (day: string, time: string) => string | string[];
    /** Book the time said (otherwise any offered time that day). */
    exactTime?: boolean;
    said?: ("service" | "day")[];
    maxSteps?: number;
    guest?: string;
  },
): Conversation {
  return {
    id,
    title,
    async run(x) {
      const lang = o.lang ?? "es";
      const chat = await x.chat(lang);
      const today = await x.today();
      const { date, slots } = await x.day(o.slug, {
        ...(o.staff ? { staff: o.staff } : {}),
        ...(o.window ? { window: o.window } : {}),
        ...(o.offsets ? { offsets: o.offsets } : {}),
      });
      const time = slots[0]!.localTime;
      const msgs = o.say(x.phrase(date, today, lang), time);
      if (Array.isArray(msgs)) {
        for (const m of msgs) await chat.store(m);
        await chat.turn();
      } else await chat.say(msgs);
      const s = await x.svc(o.slug);
      await finish(
        chat,
        { serviceId: s.id, date, ...(o.exactTime ? { time } : {}), lang, said: o.said ?? ["day"] },
        o.maxSteps ?? 4,
      );
      await expectBooked(x, chat, {
        slug: o.slug,
        ...(o.staff ? { staff: o.staff } : {}),
        date,
        ...(o.exactTime ? { time } : {}),
        ...(o.guest ? { guest: o.guest } : {}),
      });
    },
  };
}

const h = (t: string) => Number(t.slice(0, 2));
/** "a las 5" / "a las 17:30" as people say it: afternoon hours as 1–8 when on the hour. */
const spoken = (t: string) => (t.endsWith(":00") && h(t) >= 13 && h(t) <= 20 ? `${h(t) - 12}` : t);

export const CONVERSATIONS: Conversation[] = [
  // ── Requests with no menu verbs, greetings first, typos, emojis ──
  booking("greeting-then-request", "a greeting and the request in one message", {
    slug: "corte-hombre",
    say: (d) => `Hola buenas! Quería pedir hora para un corte de hombre ${d}`,
    said: ["day", "service"],
  }),
  booking("tenéis-hueco", "an availability question ('¿tenéis hueco…?') with day and service", {
    slug: "mechas",
    say: (d) => `¿Tenéis hueco ${d} para mechas?`,
    said: ["day", "service"],
  }),
  booking("no-verb", "a service and a day, no verb", {
    slug: "manicura",
    say: (d) => `manicura ${d}`,
    said: ["day", "service"],
  }),
  booking("no-accents-typos", "no accents, typos, texting", {
    slug: "tinte-completo",
    say: (d) => `hola kiero un tinte completo ${d.replace("á", "a").replace("é", "e")} x la tarde porfa`,
    window: AFTERNOON,
    said: ["day", "service"],
  }),
  booking("emoji", "an emoji for the service", {
    slug: "corte-mujer",
    say: (d) => `💇‍♀️ ${d}? mujer`,
    said: ["day"],
  }),
  booking("me-cogeis", "Spain's 'me cogéis' with a time", {
    slug: "corte-hombre",
    window: after("16:00"),
    say: (d, t) => `me cogéis ${d} a las ${spoken(t)} para cortarme el pelo? soy chico`,
    exactTime: true,
    said: ["day"],
  }),
  booking("latam-agendar", "Latin American phrasing ('agendar un turno')", {
    slug: "pedicura",
    say: (d) => `Buenas tardes, quisiera agendar un turno para pedicura ${d}`,
    said: ["day", "service"],
  }),
  booking("latam-lugar", "'¿tienen lugar…?' with a stylist", {
    slug: "corte-mujer",
    staff: "Laura",
    say: (d) => `Hola! tienen lugar ${d} con Laura para corte de dama?`,
    said: ["day"],
  }),
  booking("en-anything", "English: 'do you have anything…' with a part of day", {
    slug: "corte-hombre",
    lang: "en",
    window: MORNING,
    say: (d) => `Hi! Do you have anything for a men's haircut ${d} in the morning?`,
    said: ["day", "service"],
  }),
  booking("en-can-i-get", "English: 'can I get…' with a stylist and a time", {
    slug: "corte-hombre",
    staff: "Carlos",
    lang: "en",
    window: after("10:00"),
    say: (d, t) => `can i get a haircut with Carlos ${d} at ${t}? it's for me, a man`,
    exactTime: true,
    said: ["day"],
  }),
  booking("en-typos", "English with typos", {
    slug: "manicura-semipermanente",
    lang: "en",
    say: (d) => `hey, need a gel manicure ${d} pls`,
    said: ["day", "service"],
  }),
  booking("earliest", "the earliest, any stylist", {
    slug: "arreglo-barba",
    offsets: [0, ...TOMORROW_FIRST],
    say: () => "lo antes posible para arreglarme la barba, me da igual quién",
    said: ["service"],
  }),
  booking("time-bound", "'después de las 5' as a bound", {
    slug: "corte-hombre",
    window: after("17:00"),
    say: (d) => `corte de hombre ${d} después de las 5`,
    said: ["day", "service"],
  }),
  booking("guest-named", "a visit for a daughter, named", {
    slug: "corte-infantil",
    say: (d) => `Quiero un corte infantil para mi hija Lucía ${d}`,
    guest: "Lucía",
    said: ["day", "service"],
  }),
  booking("two-lines", "two messages: service then day", {
    slug: "balayage",
    say: (d) => ["Hola", `quería hacerme un balayage`, d],
    said: ["day", "service"],
  }),

  // ── Bursts ──
  {
    id: "burst-five",
    title: "five messages in two seconds: one answer, the whole request kept",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date, slots } = await x.day("corte-mujer", {
        staff: "Laura",
        offsets: TOMORROW_FIRST,
        window: after("15:00"),
      });
      const t = slots[0]!.localTime;
      for (const m of ["hola", "quiero corte", x.phrase(date, today), `a las ${spoken(t)}`, "con Laura"])
        await chat.store(m);
      const r = await chat.turn();
      check(r.replies.length <= 2, `answered with ${r.replies.length} messages`);
      check(!/¿Qué día|¿Qué servicio quieres/.test(lastTold(chat)), `asked again: ${lastTold(chat)}`);
      check((await x.active(chat)).length === 0, "held before the customer agreed");
      const s = await x.svc("corte-mujer");
      await finish(chat, { serviceId: s.id, date, time: t, said: ["day"] }, 3);
      await expectBooked(x, chat, { slug: "corte-mujer", staff: "Laura", date, time: t });
    },
  },
  {
    id: "burst-correction",
    title: "a burst that corrects itself ('el jueves… no, mejor el viernes')",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const first = await x.day("corte-hombre", { offsets: [2, 3, 4, 5, 6] });
      const second = await x.day("corte-hombre", {
        offsets: [2, 3, 4, 5, 6].filter((o) => addDays(today, o) !== first.date),
      });
      for (const m of [
        `corte de hombre ${x.phrase(first.date, today)}`,
        `no espera, mejor ${x.phrase(second.date, today)}`,
      ])
        await chat.store(m);
      await chat.turn();
      const s = await x.svc("corte-hombre");
      await finish(chat, { serviceId: s.id, date: second.date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "corte-hombre", date: second.date });
    },
  },

  // ── Ambiguous days ──
  {
    id: "viernes-que-viene",
    title: "'el viernes que viene' said before Friday: asked which, both as buttons",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const wd = weekdayOf(today);
      const coming = addDays(today, (5 - wd + 7) % 7 || 7);
      await chat.say("¿Tenéis hueco el viernes que viene para un corte de hombre?");
      const ids = chat.choices.map((c) => c.id);
      if (wd >= 1 && wd <= 4) {
        check(
          ids.includes(`date:${coming}`) && ids.includes(`date:${addDays(coming, 7)}`),
          `not asked which Friday: ${lastTold(chat)}`,
        );
        await chat.tap(`date:${addDays(coming, 7)}`);
      }
      const told = lastTold(chat);
      const want = wd >= 1 && wd <= 4 ? addDays(coming, 7) : coming;
      // The salon may be closed or full that Friday: then the reason and the nearest times.
      const s = await x.svc("corte-hombre");
      const offered = chat.choices.filter((c) => /^S\d+$/.test(c.id));
      check(offered.length > 0, `no times offered: ${told}`);
      await finish(chat, { serviceId: s.id, said: ["day", "service"] });
      const [b] = await x.active(chat);
      check(b, "not booked");
      const local = await localOf(x.w, b.startsAt);
      check(local.date >= want || /cerr|closed|no queda/i.test(told), `booked ${local.date} before ${want}`);
    },
  },
  {
    id: "next-friday-en",
    title: "'next Friday' in English, asked on a weekday: which one",
    async run(x) {
      const chat = await x.chat("en");
      const today = await x.today();
      const wd = weekdayOf(today);
      await chat.say("Is there a free slot next Friday for a beard trim?");
      if (wd >= 1 && wd <= 4) {
        check(chat.choices.length === 2 && chat.choices.every((c) => c.id.startsWith("date:")), lastTold(chat));
        check(
          chat.choices.every((c) => c.title.length <= 20 && /Friday/.test(c.title)),
          "date buttons",
        );
      } else check(chat.choices.some((c) => /^S\d+$/.test(c.id)) || /closed/.test(lastTold(chat)), lastTold(chat));
    },
  },

  // ── Corrections of a proposal ──
  {
    id: "correct-time",
    title: "a proposal corrected ('no, mejor a las …'): the new time proposed, not a plain no",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date, slots } = await x.day("corte-hombre", { minSlots: 3 });
      await chat.say(`corte de hombre ${x.phrase(date, today)}`);
      await chat.tap(chat.choices.find((c) => /^S\d+$/.test(c.id))!.id);
      check(YES.test(lastTold(chat)), `no proposal: ${lastTold(chat)}`);
      const other = slots.at(-1)!.localTime;
      await chat.say(`no, mejor a las ${other}`);
      check(!/no cambio nada/.test(lastTold(chat)), `read as a plain no: ${lastTold(chat)}`);
      const s = await x.svc("corte-hombre");
      await finish(chat, { serviceId: s.id, date, time: other, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "corte-hombre", date, time: other });
    },
  },
  {
    id: "correct-day",
    title: "a proposal corrected to another day",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const a = await x.day("manicura", { offsets: [1, 2, 3, 4, 5, 6] });
      const b = await x.day("manicura", { offsets: [1, 2, 3, 4, 5, 6].filter((o) => addDays(today, o) !== a.date) });
      await chat.say(`manicura ${x.phrase(a.date, today)}`);
      await chat.tap(chat.choices.find((c) => /^S\d+$/.test(c.id))!.id);
      await chat.say(`uy no, ese día no puedo. ${x.phrase(b.date, today)} mejor`);
      const s = await x.svc("manicura");
      await finish(chat, { serviceId: s.id, date: b.date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "manicura", date: b.date });
    },
  },
  {
    id: "correct-stylist",
    title: "a proposal corrected to another stylist",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("corte-mujer", { staff: "Marta" });
      await chat.say(`corte mujer ${x.phrase(date, today)}`);
      await chat.tap(chat.choices.find((c) => /^S\d+$/.test(c.id))!.id);
      await chat.say("mejor con Marta");
      const s = await x.svc("corte-mujer");
      await finish(chat, { serviceId: s.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "corte-mujer", staff: "Marta", date });
    },
  },
  ...(
    [
      ["courteous-yes-es", "es", "sí porfa"],
      ["agreeing-yes-es", "es", "de acuerdo, me parece bien"],
      ["courteous-yes-en", "en", "yes please"],
    ] as const
  ).map(
    ([id, lang, yes]): Conversation => ({
      id,
      title: `a yes in other words at the proposal ('${yes}'): booked, not handed over or asked again`,
      async run(x) {
        const chat = await x.chat(lang);
        const today = await x.today();
        const { date } = await x.day("manicura");
        await chat.say(`${lang === "es" ? "manicura" : "manicure"} ${x.phrase(date, today, lang)}`);
        await chat.tap(chat.choices.find((c) => /^S\d+$/.test(c.id))!.id);
        check(YES.test(lastTold(chat)), lastTold(chat));
        await chat.say(yes);
        await expectBooked(x, chat, { slug: "manicura", date });
        check(!/persona del salón|person from the salon/.test(chat.told), chat.told);
      },
    }),
  ),
  {
    id: "plain-no",
    title: "a plain no: nothing written, asked for another day or time",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("pedicura");
      await chat.say(`pedicura ${x.phrase(date, today)}`);
      await chat.tap(chat.choices.find((c) => /^S\d+$/.test(c.id))!.id);
      await chat.say("no");
      check((await x.active(chat)).length === 0, "booked after a no");
      check(/otro día|otra hora/.test(lastTold(chat)), lastTold(chat));
    },
  },

  // ── A pending question not answered directly ──
  {
    id: "pending-service",
    title: "asked which service, the customer gives the day first: the day is kept",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("tinte-raiz", { window: AFTERNOON });
      await chat.say("quiero pedir cita");
      check(/servicio/.test(lastTold(chat)), lastTold(chat));
      await chat.say(`${x.phrase(date, today)} por la tarde`);
      await chat.say("tinte de raíz");
      const s = await x.svc("tinte-raiz");
      await finish(chat, { serviceId: s.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "tinte-raiz", date });
    },
  },
  {
    id: "question-mid-booking",
    title: "a price question in the middle of a booking: answered, and the booking goes on",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("mechas");
      await chat.say("quiero cita para mechas");
      await chat.say("¿cuánto cuestan?");
      check(/€/.test(lastTold(chat)), `no price: ${lastTold(chat)}`);
      await chat.say(x.phrase(date, today));
      const s = await x.svc("mechas");
      await finish(chat, { serviceId: s.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "mechas", date });
    },
  },

  // ── The customer's own bookings ──
  {
    id: "sister",
    title: "cancel her sister's booking: refused kindly, and her own booking is not proposed",
    async run(x) {
      const chat = await x.chat();
      await x.existing(chat, "corte-mujer");
      await chat.say("Hola, quiero cancelar la cita de mi hermana");
      const told = lastTold(chat);
      check(/hermana/.test(told), `no refusal naming her sister: ${told}`);
      check(!YES.test(told) && !/Vas a cancelar/.test(told), `proposed a cancellation: ${told}`);
      await chat.say("sí");
      check((await x.active(chat)).length === 1, "her own booking was cancelled");
    },
  },
  {
    id: "sister-booked-by-her",
    title: "cancel the booking she made for her sister: that one, not her own",
    async run(x) {
      const chat = await x.chat();
      await x.existing(chat, "corte-mujer", { offsets: FEW_DAYS_AHEAD });
      const guest = await x.existing(chat, "manicura", { offsets: FEW_DAYS_AHEAD, guest: "Hermana (Marina)" });
      await chat.say("quiero cancelar la cita de mi hermana");
      check(/Vas a cancelar Manicura/.test(lastTold(chat)), lastTold(chat));
      await chat.say("sí");
      const left = await x.active(chat);
      check(left.length === 1 && left[0]!.id !== guest.id, "the wrong booking was cancelled");
    },
  },
  {
    id: "cancel-by-day",
    title: "cancel 'la del …' with two bookings: the one on that day",
    async run(x) {
      const chat = await x.chat();
      const a = await x.existing(chat, "corte-hombre", { offsets: [3, 4] });
      const b = await x.existing(chat, "arreglo-barba", { offsets: await x.daysAfter(a.date) });
      const today = await x.today();
      await chat.say(`cancela mi cita ${x.phrase(b.date, today).replace(/^el /, "del ")}`);
      check(/Vas a cancelar Arreglo de barba/.test(lastTold(chat)), lastTold(chat));
      await chat.say("sí, cancélala");
      const left = await x.active(chat);
      check(left.length === 1 && left[0]!.id === a.id, "cancelled the wrong one");
    },
  },
  {
    id: "cancel-wrong-day",
    title: "cancel 'la del …' on a day with no booking: no proposal, her bookings listed",
    async run(x) {
      const chat = await x.chat();
      const a = await x.existing(chat, "corte-hombre", { offsets: [3] });
      const today = await x.today();
      const other = addDays(a.date, 1);
      await chat.say(`quiero cancelar la cita ${x.phrase(other, today).replace(/^el /, "del ")}`);
      check(!YES.test(lastTold(chat)), `proposed anyway: ${lastTold(chat)}`);
      check(
        chat.choices.some((c) => c.id === `booking:${a.id}`),
        lastTold(chat),
      );
    },
  },
  {
    id: "move-to-day",
    title: "move 'my appointment' to another day in one message",
    async run(x) {
      const chat = await x.chat("en");
      const a = await x.existing(chat, "corte-hombre", { offsets: [3] });
      const today = await x.today();
      const { date } = await x.day("corte-hombre", { staff: a.staff, offsets: await x.daysAfter(a.date, 6) });
      await chat.say(`Can I move my appointment to ${x.phrase(date, today, "en").replace(/^on /, "")}?`);
      await finish(chat, { date, lang: "en", said: ["day"] });
      // A move is a new booking replacing the old one (bookings/reschedule.ts): one active, on the day asked.
      const active = await x.active(chat);
      check(active.length === 1, `expected one active booking, found ${active.length}`);
      check(!active.some((b) => b.id === a.id), "the old booking is still active");
      check((await localOf(x.w, active[0]!.startsAt)).date === date, "not moved to the day asked");
    },
  },
  {
    id: "cambiamela",
    title: "'no puedo ir, ¿me la cambias al …?'",
    async run(x) {
      const chat = await x.chat();
      const a = await x.existing(chat, "manicura", { offsets: [3] });
      const today = await x.today();
      const { date } = await x.day("manicura", { staff: a.staff, offsets: (await x.daysAfter(a.date, 7)).slice(1) });
      await chat.say(`no voy a poder ir, me la puedes pasar a ${x.phrase(date, today)}?`);
      await finish(chat, { date, said: ["day"] });
      const [b] = await x.active(chat);
      check(b && (await localOf(x.w, b.startsAt)).date === date, "not moved");
    },
  },
  {
    id: "move-to-time",
    title: "'can I change it to 5pm instead?': another time the same day, with the same stylist",
    async run(x) {
      const chat = await x.chat("en");
      // A day Carlos has several free times (the first is booked, another one asked for).
      const { date } = await x.day("corte-hombre", { staff: "Carlos", offsets: [3, ...FEW_DAYS_AHEAD], minSlots: 6 });
      const [onItsDay] = await x.daysAfter(date, 1);
      const a = await x.existing(chat, "corte-hombre", { staff: "Carlos", offsets: [onItsDay! - 1] });
      const { slots } = await x.day("corte-hombre", { staff: "Carlos", offsets: [onItsDay! - 1] });
      const later = slots.find((s) => s.localDate === a.date && minuteOf(s.localTime) >= minuteOf(a.time) + 60);
      const earlier = slots.find((s) => s.localDate === a.date && minuteOf(s.localTime) <= minuteOf(a.time) - 60);
      const to = later ?? earlier;
      check(to, `no other time on ${a.date} to move to`);
      const m = minuteOf(to.localTime);
      const said = `${((Math.floor(m / 60) + 11) % 12) + 1}${m % 60 ? `:${String(m % 60).padStart(2, "0")}` : ""}${m >= 720 ? "pm" : "am"}`;
      await chat.say(`Can I change it to ${said} instead?`);
      check(
        chat.choices.some((c) => c.title.includes(to.localTime)),
        `${to.localTime} not offered: ${lastTold(chat)}`,
      );
      await finish(chat, { date: a.date, time: to.localTime, lang: "en", said: ["day"] });
      const active = await x.active(chat);
      check(active.length === 1 && active[0]!.id !== a.id, "not moved");
      const local = await localOf(x.w, active[0]!.startsAt);
      check(local.date === a.date && local.time === to.localTime, `moved to ${local.date} ${local.time}`);
    },
  },
  {
    id: "typed-service-choice",
    title: "asked which cut, types 'mujer' instead of tapping: that one, then the day",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("corte-mujer", { window: AFTERNOON });
      await chat.say("hola quiero cita");
      await chat.say("corte de pelo");
      check(
        chat.choices.some((c) => c.id.startsWith("service:")),
        lastTold(chat),
      );
      await chat.say("mujer");
      check(!chat.choices.some((c) => c.id.startsWith("service:")), `asked the service again: ${lastTold(chat)}`);
      await chat.say(`${x.phrase(date, today)} por la tarde`);
      const s = await x.svc("corte-mujer");
      await finish(chat, { serviceId: s.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "corte-mujer", date });
    },
  },
  {
    id: "price-and-times",
    title: "'¿cuánto cuesta X y tenéis hueco el …?': the price, then that day's times",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("manicura-semipermanente");
      await chat.say(`Buenas, cuánto cuesta la manicura semipermanente y tenéis hueco ${x.phrase(date, today)}?`);
      check(/28 €/.test(chat.told), `no price: ${chat.told}`);
      const s = await x.svc("manicura-semipermanente");
      await finish(chat, { serviceId: s.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "manicura-semipermanente", date });
    },
  },
  {
    id: "when-is-mine",
    title: "'¿a qué hora era mi cita?': her bookings, nothing written",
    async run(x) {
      const chat = await x.chat();
      const a = await x.existing(chat, "corte-mujer", { offsets: [2, 3] });
      await chat.say("perdona a que hora era mi cita??");
      check(lastTold(chat).includes(a.time), `time not told: ${lastTold(chat)}`);
    },
  },
  {
    id: "no-bookings",
    title: "cancel with no bookings: told, nothing proposed",
    async run(x) {
      const chat = await x.chat();
      await chat.say("quiero anular mi reserva");
      check(/No tienes citas/.test(lastTold(chat)), lastTold(chat));
    },
  },

  // ── Questions ──
  {
    id: "price",
    title: "the price of one service",
    async run(x) {
      const chat = await x.chat();
      await chat.say("¿Cuánto cuesta el balayage?");
      const s = await x.svc("balayage");
      check(lastTold(chat).includes(String(s.priceCents / 100)), lastTold(chat));
      check(!/Corte|Manicura/.test(lastTold(chat)), `unrelated services: ${lastTold(chat)}`);
    },
  },
  {
    id: "price-latam",
    title: "'¿cuánto sale…?' (Latin America)",
    async run(x) {
      const chat = await x.chat();
      await chat.say("hola cuanto sale la keratina?");
      const s = await x.svc("keratina");
      check(lastTold(chat).includes(String(s.priceCents / 100)), lastTold(chat));
    },
  },
  {
    id: "hours",
    title: "opening hours",
    async run(x) {
      const chat = await x.chat();
      await chat.say("a que hora abris el sabado?");
      check(/Horario|sábado/.test(lastTold(chat)), lastTold(chat));
    },
  },
  {
    id: "hours-en",
    title: "opening hours and address in English",
    async run(x) {
      const chat = await x.chat("en");
      await chat.say("what are your opening hours and where are you?");
      check(/Opening hours/.test(lastTold(chat)) && /Address/.test(lastTold(chat)), lastTold(chat));
    },
  },
  {
    id: "do-you-do",
    title: "'¿hacéis uñas de gel?'",
    async run(x) {
      const chat = await x.chat();
      await chat.say("hacéis uñas de gel?");
      check(/semipermanente/i.test(lastTold(chat)), lastTold(chat));
    },
  },

  // ── Days the salon cannot do ──
  {
    id: "closed-day",
    title: "a day the salon is closed: the reason, and real times nearby",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const closed = await closedWeekday(x.w);
      await chat.say(`corte de hombre ${x.phrase(closed, today)}`);
      check(/cerrad|cerramos/.test(lastTold(chat)), lastTold(chat));
      check(
        chat.choices.some((c) => /^S\d+$/.test(c.id)),
        "no alternatives",
      );
      check((await x.active(chat)).length === 0, "held");
    },
  },
  {
    id: "stylist-off",
    title: "a stylist with no time that day: alternatives, never her booked time",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const closed = await closedWeekday(x.w);
      await chat.say(`quiero corte mujer con Laura ${x.phrase(closed, today)} a las 11`);
      check(
        chat.choices.some((c) => /^S\d+$/.test(c.id)),
        lastTold(chat),
      );
      check((await x.active(chat)).length === 0, "held");
    },
  },

  // ── The rest of a conversation ──
  {
    id: "human",
    title: "asks for a person: handed over with a summary for staff",
    async run(x) {
      const chat = await x.chat();
      const r = await chat.say("prefiero hablar con una persona, gracias");
      check(r.escalate, "not handed over");
      check(/^Pide hablar con una persona/.test(r.escalate!.summary), r.escalate!.summary);
    },
  },
  {
    id: "running-late",
    title: "'llego 10 minutos tarde': thanked, and the desk told (not a request to chat)",
    async run(x) {
      const chat = await x.chat();
      const r = await chat.say("Hola! llego 10 minutos tarde, perdona");
      check(r.escalate, "the desk was not told");
      check(/^Avisa de que llega tarde/.test(r.escalate!.summary), r.escalate!.summary);
      check(/Gracias por avisar/.test(lastTold(chat)), lastTold(chat));
    },
  },
  {
    id: "thanks",
    title: "'gracias' after booking: a kind word, no menu again",
    async run(x) {
      const chat = await x.chat();
      const today = await x.today();
      const { date } = await x.day("arreglo-barba");
      await chat.say(`arreglo de barba ${x.phrase(date, today)}`);
      const s = await x.svc("arreglo-barba");
      await finish(chat, { serviceId: s.id, date });
      await chat.say("genial, muchas gracias!!");
      check(!/No te he entendido|no te he entendido/.test(lastTold(chat)), lastTold(chat));
    },
  },
  {
    id: "same-stylist",
    title: "'con la misma peluquera que la última vez'",
    async run(x) {
      const chat = await x.chat();
      const marta = await x.staff("Marta");
      const cut = await x.svc("corte-mujer");
      const past = await x.pastVisitStart(marta.id);
      await x.w.db.booking.create({
        data: {
          locationId: x.w.locationId,
          customerId: chat.customerId,
          status: "completed",
          source: "whatsapp",
          currency: "EUR",
          startsAt: past,
          endsAt: new Date(past.getTime() + 45 * 60_000),
          totalPriceCents: cut.priceCents,
          items: {
            create: {
              serviceId: cut.id,
              staffId: marta.id,
              position: 0,
              startsAt: past,
              endsAt: new Date(past.getTime() + 45 * 60_000),
              durationMinutes: 45,
              processingMinutes: 0,
              finishingMinutes: 0,
              priceCents: cut.priceCents,
            },
          },
        },
      });
      const today = await x.today();
      const { date } = await x.day("corte-mujer", { staff: "Marta" });
      await chat.say(`quiero corte mujer ${x.phrase(date, today)} con la misma peluquera que la última vez`);
      await finish(chat, { serviceId: cut.id, date, said: ["day", "service"] });
      await expectBooked(x, chat, { slug: "corte-mujer", staff: "Marta", date });
    },
  },
  {
    id: "ordinary-words",
    title: "ordinary words are not taken for services",
    async run(x) {
      const chat = await x.chat();
      await chat.say("quiero hacerme algo bonito para una boda");
      check(!/No tenemos ningún servicio/.test(lastTold(chat)), lastTold(chat));
      check(/servicio/.test(lastTold(chat)), `not asked which service: ${lastTold(chat)}`);
    },
  },
  {
    id: "limits",
    title: "every choice within WhatsApp's limits in English",
    async run(x) {
      const chat = await x.chat("en");
      await chat.say("hello");
      await chat.say("I want to book");
      for (const r of chat.replies)
        if (r.kind === "choices") {
          const buttons = r.choices.length <= 3 && !r.buttonLabel;
          for (const c of r.choices) check(c.title.length <= (buttons ? 20 : 24), `too long: ${c.title}`);
          if (r.buttonLabel) check(r.buttonLabel === "See options", `list button ${r.buttonLabel}`);
        }
    },
  },
];
