// Guided mode's reading of waitlist / group messages (guided/visits.ts): pure, es and en.
import { describe, expect, it } from "vitest";
import { readVisits, wishDayParts } from "./visits.ts";

describe("readVisits", () => {
  it.each([
    "cancela esta y las siguientes",
    "quiero anular la cita fija",
    "cancelad todas mis citas, ya no vengo más",
    "Cancelar las próximas también",
    "cancel this and the following ones",
    "please cancel all my future visits",
    "cancel my standing booking",
  ])("cancel a standing booking: %s", (text) => {
    expect(readVisits(text).cancelFollowing).toBe(true);
  });

  it.each([
    "quiero cancelar mi cita del jueves",
    "cancel my appointment on Friday",
    "¿cuál es la siguiente cita libre?",
    "what are the following days you have free?",
    "si cancelo, ¿me devolvéis el depósito?",
  ])("not a standing cancellation: %s", (text) => {
    expect(readVisits(text).cancelFollowing).toBe(false);
  });

  it.each([
    "avísame si se libera algo el jueves por la tarde con Laura",
    "Avisadme si queda libre un hueco",
    "¿me apuntas en la lista de espera?",
    "let me know if anything opens up on Thursday afternoon",
    "can you put me on the waitlist",
    "notify me if a slot frees up",
  ])("waitlist: %s", (text) => {
    expect(readVisits(text).waitlist).toBe(true);
  });

  it.each([
    "quiero corte el jueves por la tarde",
    "tenéis hueco el sábado?",
    "I'd like a haircut on Friday",
    "sí",
    "si se cancela mi cita, ¿me devolvéis el depósito?",
    "let me know if you have time on Friday",
    "can you tell me if you do highlights?",
  ])("not a waitlist wish: %s", (text) => {
    expect(readVisits(text).waitlist).toBe(false);
  });

  it.each([
    ["somos 3 para mechas y corte el sábado", 3],
    ["Somos tres para manicura", 3],
    ["vamos a ser 4 el viernes", 4],
    ["para 2 personas, corte de hombre", 2],
    ["there are 3 of us for highlights on Saturday", 3],
    ["We're two for a manicure", 2],
    ["a group of 5 for a bridal party", 5],
  ])("people: %s → %i", (text, n) => {
    expect(readVisits(text).people).toBe(n);
  });

  it.each(["quiero 3 mechas", "somos 12", "a las 3 de la tarde", "at 3 pm"])("no group: %s", (text) => {
    expect(readVisits(text).people).toBeNull();
  });

  it("a waitlist button names its offer and answer", () => {
    const id = "0b6f1c9e-8a2d-4b8e-9c1f-2d3e4f5a6b7c";
    expect(readVisits("Sí, lo quiero", `waitlist.accept:${id}`).offerAnswer).toEqual({ answer: "accept", offerId: id });
    expect(readVisits("No, gracias", `waitlist.decline:${id}`).offerAnswer).toEqual({ answer: "decline", offerId: id });
    expect(readVisits("sí", "confirm:S1").offerAnswer).toBeNull();
  });

  it("wish parts of the day: the one said, else all", () => {
    expect(wishDayParts("afternoon")).toEqual(["afternoon"]);
    expect(wishDayParts(null)).toEqual(["morning", "afternoon", "evening"]);
  });
});
