// Issue #21: how the customer's answer to "which salon?" is read (pure), and the question's shape.
import { describe, expect, it } from "vitest";
import { askWhichSalon, LOCATION_CHOICE_PREFIX, pickedSalon } from "./location-choice.ts";

const centro = { id: "11111111-1111-4111-8111-111111111111", name: "Salón Centro", city: "Madrid" };
const norte = { id: "22222222-2222-4222-8222-222222222222", name: "Salón Norte", city: "Sevilla" };
const options = [centro, norte];

describe("pickedSalon", () => {
  it("takes a tapped button, its number in the list, or the name or city written", () => {
    expect(pickedSalon(options, `${LOCATION_CHOICE_PREFIX}${norte.id}`, "Salón Norte")).toBe(norte);
    expect(pickedSalon(options, null, "2")).toBe(norte);
    expect(pickedSalon(options, null, " 1 ")).toBe(centro);
    expect(pickedSalon(options, null, "el de salon NORTE por favor")).toBe(norte);
    expect(pickedSalon(options, null, "centro")).toBe(centro);
    expect(pickedSalon(options, null, "el de Sevilla")).toBe(norte);
  });

  it("picks nothing when the answer names no salon, or several, or a choice of another question", () => {
    expect(pickedSalon(options, null, "no sé")).toBeNull();
    expect(pickedSalon(options, null, "salón")).toBeNull(); // both names contain it
    expect(pickedSalon(options, null, "3")).toBeNull();
    expect(pickedSalon(options, null, "")).toBeNull();
    expect(pickedSalon(options, "slot_1", "Vie 10:00")).toBeNull();
    expect(pickedSalon(options, `${LOCATION_CHOICE_PREFIX}33333333-3333-4333-8333-333333333333`, "x")).toBeNull();
  });
});

describe("askWhichSalon", () => {
  it("lists the salons as choices (name, city as description) in the customer's language", () => {
    const [es] = askWhichSalon("es", options, false);
    expect(es).toMatchObject({ kind: "choices", buttonLabel: "Salones" });
    expect(es?.kind === "choices" && es.choices).toEqual([
      { id: `${LOCATION_CHOICE_PREFIX}${centro.id}`, title: "Salón Centro", description: "Madrid" },
      { id: `${LOCATION_CHOICE_PREFIX}${norte.id}`, title: "Salón Norte", description: "Sevilla" },
    ]);
    const [en] = askWhichSalon("en", options, true);
    expect(en?.kind === "choices" && en.text).toMatch(/didn't catch which salon/);
  });
});
