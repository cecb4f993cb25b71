// Walks every string the agent can send against WhatsApp's limits, in both languages: the guided
// mode's fixed labels and sentences (each template filled with the longest values it can get), every
// day's date button, slot and booking rows built from the seeded salon's longest names and prices, the
// menu in every combination, and random input through the shaping both modes share (agent.ts applies
// fitReply to every turn; testing/world.ts checks every reply of every scenario as well).
import { describe, expect, it } from "vitest";
import { DEMO_SERVICES, DEMO_STYLISTS } from "../db/seed.ts";
import { addDays, weekdayOf } from "../time/zoned.ts";
import { bookingChoice, dateChoice, menuChoices, serviceChoice, slotChoice, TEXTS } from "./guided/replies.ts";
import { describeWhen, euros, type Lang } from "./lang.ts";
import type { AgentChoice, OutboundReply } from "./port.ts";
import type { BookingSummary } from "./tools/common.ts";
import { chars, choicesReply, fit, fitReply, LIMITS, LIST_BUTTON, limitViolations } from "./whatsapp.ts";

const LANGS: Lang[] = ["es", "en"];
const LONG_NAME = "Mariángeles Fernández-Villaverde";
const serviceNames = (lang: Lang) => DEMO_SERVICES.map((s) => s[lang]);
const staffNames = DEMO_STYLISTS.map((s) => s.name);
const longest = (xs: string[]) => xs.reduce((a, b) => (chars(b) > chars(a) ? b : a), "");

/** The longest "when" the agent writes: the longest weekday name on a two-digit day and month. */
function longestWhen(lang: Lang): string {
  const days = Array.from({ length: 7 }, (_, i) => addDays("2026-12-21", i));
  return longest(days.map((d) => describeWhen(d, "23:45", weekdayOf(d), lang)));
}

function worstBooking(lang: Lang): BookingSummary {
  return {
    booking_id: "7f0c2a9e-1b5d-4c3e-9a8f-0d6b2e4c1a7f",
    status: "confirmed",
    services: serviceNames(lang)
      .sort((a, b) => chars(b) - chars(a))
      .slice(0, 3),
    stylist: longest(staffNames),
    when: longestWhen(lang),
    total_price: euros(123_456, lang),
    deposit: euros(12_345, lang),
    for_person: LONG_NAME,
    hold_expires_at: "23:45",
  } as unknown as BookingSummary;
}

/** Calls a text template with the longest arguments of the shape it reads. */
function fillTemplate(f: (...a: never[]) => string, lang: Lang): string[] {
  const b = worstBooking(lang);
  const proposal = {
    services: b.services,
    stylist: b.stylist,
    when: b.when,
    for_person: LONG_NAME,
    price: b.total_price,
    deposit: b.deposit,
  };
  const word = longest(serviceNames(lang));
  const attempts: unknown[][] = [
    [word, word, word],
    ["holiday_closed:Inmaculada Concepción y puente de diciembre"],
    ["beyond_booking_horizon:365"],
    [{ staff: b.stylist, price: b.total_price }],
    [proposal],
    [
      {
        booking: b,
        explanation: "Cancelas con más de 24 horas de antelación, así que no pierdes el depósito.",
        refund_cents: 12_345,
        refund: b.deposit,
        kept_cents: 0,
      },
    ],
    [b.when, b],
    [{ from: b.when, to: { when: b.when, stylist: b.stylist }, deposit_carries_over: b.deposit }],
    [b, `https://checkout.stripe.com/c/pay/cs_test_${"a".repeat(120)}`, b.deposit],
  ];
  const out: string[] = [];
  for (const args of attempts) {
    try {
      const s = (f as (...a: unknown[]) => unknown)(...args);
      if (typeof s === "string" && !/undefined|\[object/.test(s)) out.push(s);
    } catch {
      // not this shape
    }
  }
  return out;
}

describe("WhatsApp's limits: every string the agent sends", () => {
  for (const lang of LANGS) {
    it(`${lang}: fixed labels fit a button, sentences fit a message with buttons`, () => {
      const t = TEXTS[lang] as Record<string, unknown>;
      const labels = [...(t.menuItems as string[]), t.yes, t.no, t.otherTimes, t.another, t.done] as string[];
      for (const l of labels) expect(chars(l), l).toBeLessThanOrEqual(LIMITS.buttonTitle);
      expect(chars(LIST_BUTTON[lang])).toBeLessThanOrEqual(LIMITS.listButton);
      let templates = 0;
      for (const [key, v] of Object.entries(t)) {
        const texts = typeof v === "function" ? fillTemplate(v as never, lang) : typeof v === "string" ? [v] : [];
        if (typeof v === "function") {
          expect(texts.length, `template ${key} could not be filled`).toBeGreaterThan(0);
          templates++;
        }
        for (const s of texts) expect(chars(s), `${key}: ${s}`).toBeLessThanOrEqual(LIMITS.buttonsBody);
      }
      expect(templates).toBeGreaterThan(10);
    });

    it(`${lang}: a date button for every day of two years fits without cutting`, () => {
      for (let i = 0; i < 731; i++) {
        const c = dateChoice(addDays("2026-01-01", i), lang);
        expect(chars(c.title), c.title).toBeLessThanOrEqual(LIMITS.buttonTitle);
      }
      const r = choicesReply(lang, "¿?", [dateChoice("2026-09-30", lang), dateChoice("2026-12-16", lang)]);
      expect(r.buttonLabel).toBeUndefined();
      expect(limitViolations(r)).toEqual([]);
    });

    it(`${lang}: slot, booking and service rows show the whole day, time, stylist and price`, () => {
      const b = worstBooking(lang);
      const slot = slotChoice({ slot_ref: "S10", when: b.when, stylist: b.stylist, price: b.total_price });
      const rows: AgentChoice[] = [
        slot,
        bookingChoice(b),
        ...DEMO_SERVICES.slice(0, 8).map((s, i) =>
          serviceChoice({
            service_id: `id-${i}`,
            name: s[lang],
            price: euros(s.price * 10, lang),
            duration_minutes: s.duration + (s.processing ?? 0) + (s.finishing ?? 0),
          }),
        ),
      ];
      const r = choicesReply(lang, "…", rows);
      expect(limitViolations(r)).toEqual([]);
      expect(r.buttonLabel).toBe(LIST_BUTTON[lang]);
      // Nothing a customer needs is cut: slot and service rows come out whole.
      expect(r.choices[0]).toEqual(slot);
      for (const row of r.choices.slice(2)) expect(row.title.endsWith("…")).toBe(false);
      expect(slot.description).toContain(b.stylist);
      expect(slot.description).toContain(b.total_price);
    });

    it(`${lang}: the menu in every combination`, () => {
      const ids = [
        "menu:book",
        "menu:mine",
        "menu:reschedule",
        "menu:cancel",
        "menu:info",
        "menu:human",
        "menu:another",
        "menu:done",
      ];
      for (let mask = 1; mask < 1 << ids.length; mask++) {
        const pick = ids.filter((_, i) => mask & (1 << i));
        const r = choicesReply(lang, TEXTS[lang].menu, menuChoices(lang, pick));
        expect(limitViolations(r), pick.join(",")).toEqual([]);
        for (const c of r.choices) expect(c.title.endsWith("…"), c.title).toBe(false);
      }
    });
  }

  it("random choices of any length, in either mode, always come out within the limits", () => {
    let seedN = 7;
    const rnd = () => {
      seedN = (seedN * 1103515245 + 12345) % 2 ** 31;
      return seedN / 2 ** 31;
    };
    const pieces = ["corte", "señora", "Mariángeles", "💇‍♀️", "✨", "a las 17:30", "·", "—", "balayage", " ", "  "];
    const words = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(rnd() * pieces.length)]).join(" ");
    for (let i = 0; i < 2000; i++) {
      const lang: Lang = rnd() < 0.5 ? "es" : "en";
      const choices = Array.from({ length: Math.floor(rnd() * 14) + 1 }, (_, j) => ({
        id: `c${j}`,
        title: `x${words(Math.floor(rnd() * 12))}`,
        ...(rnd() < 0.5 ? { description: words(Math.floor(rnd() * 30)) } : {}),
      }));
      const reply: OutboundReply = { kind: "choices", text: words(Math.floor(rnd() * 900)), choices };
      const shaped = fitReply(lang, reply);
      expect(limitViolations(shaped), JSON.stringify(reply)).toEqual([]);
      expect(fitReply(lang, shaped)).toEqual(shaped);
    }
    expect(limitViolations(fitReply("es", { kind: "text", text: "a".repeat(5000) }))).toEqual([]);
  });

  it("cuts at a word, never mid-word, and counts an emoji as one character", () => {
    expect(fit("Reservar para otra persona", 20)).toBe("Reservar para otra");
    expect(fit("Supercalifragilisticoespialidoso", 20)).toBe("Supercalifragilisti…");
    expect(chars(fit("💇‍♀️ Corte y peinado de fiesta", 20))).toBeLessThanOrEqual(20);
    expect(chars("✨")).toBe(1);
    expect(limitViolations({ kind: "choices", text: "?", choices: [{ id: "a", title: "b".repeat(21) }] })).not.toEqual(
      [],
    );
  });
});
