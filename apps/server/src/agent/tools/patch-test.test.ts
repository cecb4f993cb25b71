// The patch-test refusal's sentence (issue #21), every reason in both languages: what the customer
// reads in either mode (guided says it, Claude is told to).
import { describe, expect, it } from "vitest";
import { dayName, type PatchTestErrorView, patchTestSentence } from "./patch-test.ts";

const offer = {
  service_id: "p",
  service_name: "Prueba de alergia",
  last_day: "2026-12-12",
  book_before: "domingo 13/12",
  check_availability: { service_ids: ["p"], date: "2026-12-07", to_date: "2026-12-12" },
};
const base: Omit<PatchTestErrorView, "say"> = {
  reason: "none",
  services: ["Tinte de raíz"],
  min_hours: 48,
  max_months: 6,
  last_test_months_ago: null,
  offer,
};

describe("patchTestSentence", () => {
  it("Spanish: none, too old, too recent (no time left), reacted", () => {
    expect(patchTestSentence(base, "es")).toBe(
      "Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes y no tenemos ninguna registrada. ¿Te reservo la prueba antes del domingo 13/12?",
    );
    expect(patchTestSentence({ ...base, reason: "too_old", last_test_months_ago: 7 }, "es")).toBe(
      "Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes en los últimos 6 meses (la última es de hace 7 meses). ¿Te reservo la prueba antes del domingo 13/12?",
    );
    expect(patchTestSentence({ ...base, reason: "too_recent", offer: null }, "es")).toBe(
      "Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes (la última es demasiado reciente para esta cita). Ya no da tiempo a hacerla antes de esta cita: elige un día más adelante.",
    );
    expect(patchTestSentence({ ...base, reason: "reacted", offer: null }, "es")).toBe(
      "Tu última prueba de alergia dio reacción, así que no podemos reservarte Tinte de raíz. El equipo del salón lo hablará contigo.",
    );
  });

  it("English, with two services needing it", () => {
    const two = { ...base, services: ["Root colour", "Highlights"], offer: { ...offer, book_before: "Sunday 13 Dec" } };
    expect(patchTestSentence(two, "en")).toBe(
      "Root colour and Highlights need an allergy patch test taken at least 48 h before and we have none on record. Shall I book the test for you before Sunday 13 Dec?",
    );
    expect(patchTestSentence({ ...two, reason: "reacted", offer: null }, "en")).toBe(
      "Your last allergy test reacted, so we can't book Root colour and Highlights for you. The salon team will talk it through with you.",
    );
  });

  it("names a day as the replies write it", () => {
    expect(dayName("2026-12-13", 7, "es")).toBe("domingo 13/12");
    expect(dayName("2026-12-13", 7, "en")).toBe("Sunday 13 Dec");
  });
});
