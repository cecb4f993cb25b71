// Guided mode's understanding, message(s) → intent and details, on the demo salon's catalog.
import { describe, expect, it } from "vitest";
import { type Catalog, typedServiceChoice, understand } from "./understand.ts";

const S = (id: string, nameEs: string, nameEn: string) => ({ id, nameEs, nameEn });
const catalog: Catalog = {
  services: [
    S("corte-mujer", "Corte mujer", "Women's haircut"),
    S("corte-hombre", "Corte hombre", "Men's haircut"),
    S("corte-infantil", "Corte infantil", "Kids' haircut"),
    S("lavado-peinado", "Lavado y peinado", "Wash and blow-dry"),
    S("arreglo-barba", "Arreglo de barba", "Beard trim"),
    S("tinte-raiz", "Tinte raíz", "Root colour"),
    S("tinte-completo", "Tinte completo", "Full colour"),
    S("mechas", "Mechas", "Highlights"),
    S("balayage", "Balayage", "Balayage"),
    S("keratina", "Tratamiento de keratina", "Keratin treatment"),
    S("manicura", "Manicura", "Manicure"),
    S("manicura-semipermanente", "Manicura semipermanente", "Gel manicure"),
    S("pedicura", "Pedicura", "Pedicure"),
    S("diseno-cejas", "Diseño de cejas", "Brow shaping"),
    S("tinte-cejas", "Tinte de cejas", "Brow tint"),
    S("lifting-pestanas", "Lifting de pestañas", "Lash lift"),
  ],
  staff: [
    { id: "laura", displayName: "Laura Martín" },
    { id: "carlos", displayName: "Carlos Ruiz" },
    { id: "marta", displayName: "Marta López" },
    { id: "elena", displayName: "Elena García" },
  ],
};
const MONDAY = "2026-12-07";
const THURSDAY = "2026-12-10";
const read = (m: string | string[], today = MONDAY, lang: "es" | "en" = "es") =>
  understand(Array.isArray(m) ? m : [m], catalog, today, lang);

describe("understand", () => {
  it("an availability question with a day and a service, after a greeting, is a booking request", async () => {
    const u = await read("Hola! ¿Tenéis hueco el viernes que viene para un corte?");
    expect(u.intent).toBe("book");
    expect(u.greeting).toBe(true);
    expect(u.serviceAsks[0]?.ids).toEqual(["corte-mujer", "corte-hombre", "corte-infantil"]);
    // Said on a Monday: this Friday or the next? Both, to ask.
    expect(u.day?.options).toEqual(["2026-12-11", "2026-12-18"]);
  });

  it("a burst of five messages is one request", async () => {
    const u = await read(["hola", "quiero corte", "mañana", "a las 6", "con Laura"]);
    expect(u.intent).toBe("book");
    expect(u.serviceAsks.map((a) => a.word)).toEqual(["corte"]);
    expect(u.day?.date).toBe("2026-12-08");
    expect(u.time?.minute).toBe(18 * 60);
    expect(u.staffId).toBe("laura");
  });

  it("no verb, typos, no accents, emojis, texting", async () => {
    expect((await read("corte hombre mñn x la tarde")).serviceIds).toEqual(["corte-hombre"]);
    const typo = await read("kiero un tinet completo el juebes");
    expect(typo.serviceIds).toEqual(["tinte-completo"]);
    expect(typo.intent).toBe("book");
    const emoji = await read("💅 el sabado porfa");
    expect(emoji.serviceIds).toEqual(["manicura"]); // the word names one service exactly
    expect((await read("uñas el sabado")).serviceAsks[0]?.ids).toEqual(["manicura", "manicura-semipermanente"]);
    expect(emoji.day?.date).toBe("2026-12-12");
    expect((await read("me cogeis para mechas el jueves a las 5 y media?")).time?.minute).toBe(17 * 60 + 30);
  });

  it("English questions", async () => {
    const u = await read("Do you have anything for a men's haircut next Friday afternoon?", THURSDAY, "en");
    expect(u.intent).toBe("book");
    expect(u.serviceIds).toEqual(["corte-hombre"]);
    expect(u.day?.options).toEqual(["2026-12-11", "2026-12-18"]);
    expect(u.time?.dayPart).toBe("afternoon");
    expect((await read("can I get a haircut tomorrow at 5pm with Carlos", MONDAY, "en")).staffId).toBe("carlos");
  });

  it("someone else's booking is not the customer's", async () => {
    const u = await read("Quiero cancelar la cita de mi hermana");
    expect(u.intent).toBe("cancel");
    expect(u.othersBooking).toEqual({ relation: "hermana", name: null });
    const own = await read("quiero cancelar mi cita del viernes");
    expect(own.othersBooking).toBeNull();
    expect(own.bookingDay?.date).toBe("2026-12-11");
  });

  it("a visit for someone else, and stylists' names are not guests", async () => {
    const u = await read("Quiero un corte infantil para mi hija Lucía el sábado a las 12:00");
    expect(u.guest).toEqual({ relation: "hija", name: "Lucía" });
    expect(u.serviceIds).toEqual(["corte-infantil"]);
    expect(u.time?.minute).toBe(12 * 60);
    expect((await read("corte para Laura")).guest).toBeNull();
  });

  it("ordinary words are not services; prices and hours are questions", async () => {
    const u = await read("quiero pedir cita para hacerme algo");
    expect(u.serviceIds).toEqual([]);
    expect(u.serviceAsks).toEqual([]);
    expect(u.intent).toBe("book");
    expect((await read("¿Cuánto cuesta el balayage?")).intent).toBe("prices");
    expect((await read("¿a qué hora abrís el sábado?")).intent).toBe("hours");
    expect((await read("pásame con alguien por favor")).intent).toBe("human");
    expect((await read("gracias!!")).intent).toBe("thanks");
  });

  it("an answer is an answer: courtesy and yes-words ask for no person, price or booking", async () => {
    for (const [said, lang] of [
      ["sí porfa", "es"],
      ["si xfa", "es"],
      ["Sí, por favor", "es"],
      ["vale porfa", "es"],
      ["de acuerdo", "es"],
      ["me parece bien", "es"],
      ["venga, dale", "es"],
      ["claro", "es"],
      ["yes please", "en"],
      ["ok please", "en"],
      ["sure, sounds good", "en"],
    ] as const) {
      const u = await read(said, MONDAY, lang);
      expect(u.yes, said).toBe(true);
      expect(u.intent, said).toBeNull();
    }
    for (const said of ["no gracias", "mejor no, por favor"]) {
      const u = await read(said);
      expect(u.no, said).toBe(true);
      expect(["thanks", null], said).toContain(u.intent);
    }
    // A yes that asks for more is still read for what more it asks.
    expect((await read("sí, y pásame con alguien por favor")).intent).toBe("human");
    const more = await read("sí porfa, y otra para mi hija el viernes");
    expect(more.yes).toBe(true);
    expect(more.day?.date).toBe("2026-12-11");
    // Politeness alone still reaches the rules it belongs to.
    expect((await read("por favor quiero hablar con una persona")).intent).toBe("human");
  });

  it("reads 'I can't come' as a cancellation, unless it asks to move the visit", async () => {
    for (const said of [
      "al final no voy a poder ir el viernes, me la puedes quitar?",
      "no podré ir mañana",
      "quítamela porfa",
      "me la podrías borrar?",
      "sorry, I won't be able to come on Friday",
      "I can't make it",
    ])
      expect((await read(said)).intent, said).toBe("cancel");
    expect((await read("no puedo ir el viernes, ¿me la cambias al lunes?")).intent).toBe("reschedule");
  });

  it("asks about her booking in the past tense; everyday words are not services", async () => {
    const u = await read("cuando tenía la cita?");
    expect(u.intent).toBe("mine");
    expect(u.serviceAsks).toEqual([]);
    expect((await read("¿qué día era mi cita?")).intent).toBe("mine");
    expect((await read("puedo tener cita mañana?")).serviceAsks).toEqual([]);
    // A typo of a real service word still is one.
    expect((await read("quiero teñirme mañana")).serviceAsks.map((a) => a.word)).toEqual(["tenirme"]);
  });

  it("a thumbs-up or a cross answers yes or no", async () => {
    expect((await read("👍")).yes).toBe(true);
    expect((await read("👌🏼")).yes).toBe(true);
    expect((await read("❌")).no).toBe(true);
    expect((await read("sip")).yes).toBe(true);
  });

  it("how long a service takes is asked like its price (the answer gives both)", async () => {
    for (const [said, lang] of [
      ["how long does a balayage take?", "en"],
      ["how long is a gel manicure", "en"],
      ["¿cuánto dura el tinte completo?", "es"],
      ["Cuánto tardáis en hacer unas mechas?", "es"],
      ["cuánto tiempo lleva la keratina?", "es"],
    ] as const)
      expect((await read(said, MONDAY, lang)).intent, said).toBe("prices");
  });

  it("parts of the day as said in Spain and Latin America, and 'whatever you have first'", async () => {
    const tomorrowAfternoon = await read("buen día! tienen lugar mañana a la tarde para uñas?");
    expect(tomorrowAfternoon.day?.date).toBe("2026-12-08");
    expect(tomorrowAfternoon.time?.dayPart).toBe("afternoon");
    const late = await read("tenéis algo a última hora hoy?");
    expect(late.day?.date).toBe(MONDAY);
    expect(late.time?.dayPart).toBe("evening");
    const mx = await read("quiero cita el viernes en la mañana");
    expect(mx.day?.date).toBe("2026-12-11");
    expect(mx.time?.dayPart).toBe("morning");
    expect((await read("mechas y corte, lo que tengas antes")).earliest).toBe(true);
    expect((await read("a cut, next available please", MONDAY, "en")).earliest).toBe(true);
  });

  it("running late goes to the desk; an afternoon is not lateness", async () => {
    for (const [said, lang] of [
      ["Hola, llego 10 minutos tarde", "es"],
      ["voy a llegar un poco tarde, perdón", "es"],
      ["estoy retrasada, llego en 15", "es"],
      ["sorry I'm running late", "en"],
      ["I'll be 10 minutes late", "en"],
    ] as const)
      expect((await read(said, MONDAY, lang)).intent, said).toBe("human");
    for (const [said, lang] of [
      ["llego por la tarde, ¿tenéis hueco?", "es"],
      ["estoy libre el jueves por la tarde para un corte", "es"],
      ["voy por la tarde a cortarme", "es"],
      ["could it be late afternoon on Friday for a cut?", "en"],
    ] as const)
      expect((await read(said, MONDAY, lang)).intent, said).not.toBe("human");
  });

  it("asks for her bookings and to move one in the words people use", async () => {
    expect((await read("what are my appointments?", MONDAY, "en")).intent).toBe("mine");
    expect((await read("when is my appointment", MONDAY, "en")).intent).toBe("mine");
    expect((await read("can I change it to 5pm instead?", MONDAY, "en")).intent).toBe("reschedule");
    expect((await read("could you move it to Friday?", MONDAY, "en")).intent).toBe("reschedule");
  });

  it("a service typed instead of tapped, when it names one of those offered", () => {
    const cuts = [
      { id: "service:corte-hombre", title: "Corte hombre" },
      { id: "service:corte-infantil", title: "Corte infantil" },
      { id: "service:corte-mujer", title: "Corte mujer" },
    ];
    expect(typedServiceChoice("mujer", cuts)).toBe("service:corte-mujer");
    expect(typedServiceChoice("la de caballero", cuts)).toBe("service:corte-hombre");
    expect(typedServiceChoice("para el niño", cuts)).toBe("service:corte-infantil");
    expect(typedServiceChoice("corte", cuts)).toBeNull(); // all three
    expect(typedServiceChoice("el jueves por la tarde", cuts)).toBeNull();
    const en = [
      { id: "service:tinte-completo", title: "Full colour" },
      { id: "service:tinte-raiz", title: "Root colour" },
    ];
    expect(typedServiceChoice("roots", en)).toBe("service:tinte-raiz");
    expect(typedServiceChoice("the full one", en)).toBe("service:tinte-completo");
    // Only services: a typed "sí" is not a tap on "Sí, confirmo".
    expect(
      typedServiceChoice("sí", [
        { id: "confirm", title: "Sí, confirmo" },
        { id: "reject", title: "No" },
      ]),
    ).toBeNull();
  });

  it("a child's age makes a cut the kids' one; 'a primera hora' is the morning", async () => {
    expect((await read("Quisiera una cita para mi hija de 8 años para cortar las puntas")).serviceIds).toEqual([
      "corte-infantil",
    ]);
    expect((await read("a haircut for my son, he's 6", MONDAY, "en")).serviceIds).toEqual(["corte-infantil"]);
    // An adult daughter is not a child: which cut is still asked.
    expect((await read("cita para mi hija de 25 años, corte")).serviceAsks[0]?.ids.length).toBe(3);
    const early = await read("el sábado a primera hora");
    expect(early.day?.date).toBe("2026-12-12");
    expect(early.time?.dayPart).toBe("morning");
  });

  it("a correction keeps the new wish", async () => {
    const u = await read("no, mejor el jueves a las 6");
    expect(u.no).toBe(true);
    expect(u.day?.date).toBe(THURSDAY);
    expect(u.time?.minute).toBe(18 * 60);
  });
});
