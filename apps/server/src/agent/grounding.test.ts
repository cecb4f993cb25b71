// The grounding guard on its own: claims found in Spanish and English replies, checked against the
// facts a conversation's tools returned. Each case is a sentence and the claims it must leave
// ungrounded ([] = everything it states is backed, or it states nothing checkable).
import { describe, expect, it } from "vitest";
import { extractClaims, type GroundingFacts, ungroundedClaims } from "./grounding.ts";

const TODAY = "2026-03-10"; // a Tuesday
const TZ = "Europe/Madrid";
const STAFF = ["Laura", "Marta", "Carlos", "Sofía", "Rosa"];

// What the tools of a conversation returned (shapes as the tools give them) and the salon facts.
const facts: GroundingFacts = {
  timeZone: TZ,
  today: TODAY,
  staffNames: STAFF,
  otherNames: ["Ana"],
  customerTexts: ["Hola, ¿tenéis algo el viernes 13 o el sábado?", "quiero un corte con Carlos"],
  sources: [
    JSON.stringify({
      slots: [
        {
          slot_ref: "S1",
          date: "2026-03-12",
          weekday: "jueves",
          time: "17:00",
          when: "jueves 12/03 a las 17:00",
          stylist: "Laura",
          services: ["Corte mujer"],
          price: "18 €",
        },
        {
          slot_ref: "S2",
          date: "2026-03-12",
          weekday: "jueves",
          time: "17:30",
          when: "jueves 12/03 a las 17:30",
          stylist: "Marta",
          services: ["Corte mujer"],
          price: "18 €",
        },
      ],
    }),
    {
      matches: [{ name: "Tinte completo", price: "€25.50", price_cents: 2550, deposit: "€10", deposit_cents: 1000 }],
    },
    { booking: { when: "Thursday 12 Mar at 17:00", starts_at: "2026-03-12T16:00:00.000Z", total_price_cents: 1800 } },
    {
      name: "Salón Cita Centro",
      address: "Calle de Fuencarral 45, 28004 Madrid",
      phone: "+34 910 000 000",
      opening_hours: { lunes: "10:00–20:00", sábado: "10:00–14:00", domingo: "cerrado" },
    },
  ],
};

const check = (text: string, lang: "es" | "en" = "es") =>
  ungroundedClaims({ texts: [text], lang, facts }).map((c) => `${c.kind}:${c.text}`);

describe("grounded replies are let through (no false positives)", () => {
  const ok: [string, "es" | "en"][] = [
    [
      "El jueves por la tarde tengo jueves 12/03 a las 17:00 con Laura (18 €) o jueves 12/03 a las 17:30 con Marta.",
      "es",
    ],
    ["I have Thursday 12 Mar at 17:00 with Laura (€18).", "en"],
    ["Thursday 12 March at 5 pm with Laura, €18.00 in total.", "en"],
    ["Thursday, March 12th at 5:00 PM works.", "en"],
    ["El tinte completo cuesta 25,50 € (depósito de 10 €).", "es"],
    ["The full colour is 25.50 euros, deposit €10.", "en"],
    ["Te espero el 12 de marzo a las 5 con Laura.", "es"],
    ["¿Te va bien a las 17h30 o a las 5 y media?", "es"],
    ["Abrimos de lunes a viernes de 10:00 a 20:00 y el sábado hasta las 14:00.", "es"],
    ["We open at 10 and close at 20:00 on weekdays.", "en"],
    ["Estamos en Calle de Fuencarral 45, 28004 Madrid. Llámanos al +34 910 000 000.", "es"],
    ["Puedes cancelar gratis hasta 24 horas antes; el servicio dura 45 min.", "es"],
    ["Tienes 2 servicios reservados y las 2 citas están confirmadas.", "es"],
    ["You have 3 bookings; the colour takes 90 minutes plus 1.5 hours of processing.", "en"],
    ["Paga el depósito aquí: https://pay.example.com/c/12:30?amount=99€&ref=S1", "es"],
    ["Tu reserva es 3f2c9a1e-1b2c-4d5e-8f90-123456789abc.", "es"],
    ["El viernes 13 no tengo nada, lo siento; el jueves 12/03 a las 17:00 sí.", "es"],
    ["¿Quieres que mire mañana por la mañana?", "es"],
    ["Shall I check tomorrow for you?", "en"],
    ["¡Hola Ana! ¿Qué servicio quieres hoy?", "es"],
    ["Con Carlos no tengo hueco ese día.", "es"],
    ["¿Prefieres la opción 1 o la 2? Responde con el número.", "es"],
    ["Te lo guardo 15 minutos. ¿Lo confirmo?", "es"],
    ["El tinte rosa queda genial 😊", "es"],
    ["Son las 17:00 del jueves 12/03: ¡te esperamos!", "es"],
    ["Hoy a las 17:00? No, the slot is on Thursday 12 Mar at 17:00.", "en"],
    ["Your deposit of €10 confirms Thursday 12 Mar, 17:00–17:30.", "en"],
  ];
  for (const [text, lang] of ok) {
    it(text, () => {
      expect(check(text, lang)).toEqual([]);
    });
  }
});

describe("invented facts are caught", () => {
  const bad: [string, string[]][] = [
    ["Tengo hueco el jueves a las 21:45 con Laura.", ["time:21:45"]],
    ["El corte cuesta 13,37 €.", ["price:13,37 €"]],
    ["The colour is €22.", ["price:€22"]],
    ["El tinte son 25 euros.", ["price:25 euros"]],
    ["I can do Friday 13 Mar at 11:15.", ["time:11:15"]],
    ["I can do 20 March at 17:00.", ["date:20 March"]],
    ["Te cojo el 20/03 a las 17:00.", ["date:20/03"]],
    ["Mañana a las 17:00 con Laura.", ["date:Mañana"]],
    ["Tomorrow at 5 pm with Laura.", ["date:Tomorrow"]],
    ["Con Sofía a las 17:00 el jueves 12/03.", ["stylist:Sofía"]],
    ["¿Te va bien a las 6 y media?", ["time:a las 6 y media"]],
    ["Tengo a las 19h con Marta.", ["time:a las 19h"]],
    ["How about 5:45 pm?", ["time:5:45 pm"]],
    ["I have 8 am on Thursday 12 Mar.", ["time:8 am"]],
    ["El sábado 14 a las 11:00 hay hueco, 30 €.", ["date:sábado 14", "time:11:00", "price:30 €"]],
    ["Te reservo a las 9.30 con Rosa.", ["time:9.30", "stylist:Rosa"]],
  ];
  for (const [text, expected] of bad) {
    it(text, () => {
      expect(check(text)).toEqual(expected);
    });
  }

  it("checks choice titles and descriptions like reply text", () => {
    const r = ungroundedClaims({
      texts: ["Elige una hora:", "jue 12/03 17:00", "jue 12/03 18:15", "Con Laura · 18 €", "Con Marta · 21 €"],
      lang: "es",
      facts,
    });
    expect(r).toEqual([
      { kind: "time", text: "18:15" },
      { kind: "price", text: "21 €" },
    ]);
  });

  it("reads instants in the salon's time zone: 16:00 UTC is 17:00 in Madrid, not 16:00", () => {
    const only = { ...facts, sources: [{ starts_at: "2026-03-12T16:00:00.000Z" }] };
    expect(ungroundedClaims({ texts: ["El jueves 12/03 a las 17:00."], lang: "es", facts: only })).toEqual([]);
    expect(ungroundedClaims({ texts: ["El jueves 12/03 a las 16:00."], lang: "es", facts: only })).toEqual([
      { kind: "time", text: "16:00" },
    ]);
  });

  it("compares prices in cents whatever the formatting", () => {
    const only = { ...facts, sources: [{ amount_cents: 1250 }] };
    for (const t of ["12,50 €", "€12.50", "12.5 euros", "12,50€", "EUR 12.50 o 12,50 EUR"]) {
      expect(ungroundedClaims({ texts: [t], lang: "es", facts: only }), t).toEqual([]);
    }
    expect(ungroundedClaims({ texts: ["12 €"], lang: "es", facts: only })).toEqual([{ kind: "price", text: "12 €" }]);
  });
});

describe("extractClaims", () => {
  it("finds times, dates and prices in both languages", () => {
    const es = extractClaims("El viernes 11/12 a las 18h, 25,50 €, o el 11 de diciembre a las 6", { today: TODAY });
    expect(es.map((c) => c.kind).sort()).toEqual(["date", "date", "price", "time", "time"]);
    const en = extractClaims("Friday 11 Dec at 5:30 pm for €25", { today: TODAY });
    expect(en.map((c) => `${c.kind}:${c.text}`)).toEqual(["date:11 Dec", "time:5:30 pm", "price:€25"]);
  });

  it("sees no claim in ordinary text", () => {
    for (const t of [
      "Abrimos las 24 horas en la web; tienes 2 citas y 3 servicios.",
      "Llámanos al 910 000 000 o al +34 600 123 456.",
      "El color dura unos 45 min y el lavado 10 minutos.",
      "Gracias, ¡hasta pronto!",
      "Cancellation is free up to 24h before; 48 hours notice for groups.",
    ]) {
      expect(extractClaims(t, { today: TODAY }), t).toEqual([]);
    }
  });
});
