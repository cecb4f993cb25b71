import { locationUpdateInput, serviceCreateInput, serviceUpdateInput, staffCreateInput } from "@cita/shared";
import { describe, expect, it } from "vitest";
import { centsToEuros, check, eurosToCents, hhmmToMinutes, minutesToHhmm, parseWhole, rowErrors } from "./form.tsx";

const id = "00000000-0000-4000-8000-000000000001";

describe("settings forms: the server's schemas, messages in the user's language", () => {
  it("a negative price is an error on priceCents, in English as the schema says it and in Spanish", () => {
    const input = { serviceId: id, version: 3, priceCents: -500 };
    expect(check(serviceUpdateInput, input, "en")).toEqual({
      ok: false,
      errors: { priceCents: "Price cannot be negative" },
    });
    expect(check(serviceUpdateInput, input, "es")).toEqual({
      ok: false,
      errors: { priceCents: "No puede ser negativo" },
    });
  });

  it("a valid input passes with the schema's output (defaults applied)", () => {
    const r = check(
      serviceCreateInput,
      { nameEs: "Corte", nameEn: "Cut", category: "cuts", durationMinutes: 30, priceCents: 2000 },
      "es",
    );
    expect(r).toMatchObject({ ok: true, data: { processingMinutes: 0, depositRule: "none", depositValue: 0 } });
  });

  it("one message per field: empty names, a bad email, a refinement, a bound", () => {
    const r = check(
      serviceCreateInput,
      { nameEs: " ", nameEn: "", category: "x", durationMinutes: 0, priceCents: 1 },
      "es",
    );
    expect(r.ok ? {} : r.errors).toEqual({
      nameEs: "No puede estar vacío",
      nameEn: "No puede estar vacío",
      durationMinutes: "La duración debe ser de más de 0 minutos",
    });
    const staff = check(staffCreateInput, { displayName: "Ana", email: "ana@", role: "stylist" }, "es");
    expect(staff.ok ? {} : staff.errors).toEqual({ email: "Escribe un correo electrónico válido" });
    const loc = check(locationUpdateInput, { version: 1, slotStepMinutes: 7, horizonDays: 1000 }, "es");
    expect(loc.ok ? {} : loc.errors).toEqual({
      slotStepMinutes: "Debe dividir el día en partes iguales (p. ej. 5, 10, 15, 20, 30, 60)",
      horizonDays: "Debe ser como máximo 730",
    });
  });

  it("list errors move from positions to row ids", () => {
    expect(rowErrors({ "hours.1.endMinute": "x", version: "y" }, "hours", ["a", "b"])).toEqual({
      "b.endMinute": "x",
      version: "y",
    });
  });
});

describe("settings forms: euros, minutes, HH:MM", () => {
  it("euros to cents and back", () => {
    expect(eurosToCents("35")).toBe(3500);
    expect(eurosToCents("35,5")).toBe(3550);
    expect(eurosToCents(" 42.50 ")).toBe(4250);
    expect(eurosToCents("-5")).toBe(-500);
    expect(eurosToCents("0.1")).toBe(10);
    expect(eurosToCents("12,345")).toBeNull();
    expect(eurosToCents("abc")).toBeNull();
    expect(eurosToCents("")).toBeUndefined();
    expect(centsToEuros(4250)).toBe("42.50");
    expect(centsToEuros(3500)).toBe("35");
    expect(centsToEuros(null)).toBe("");
  });

  it("whole minutes and local times", () => {
    expect(parseWhole("45")).toBe(45);
    expect(parseWhole("4.5")).toBeNull();
    expect(parseWhole("")).toBeUndefined();
    expect(hhmmToMinutes("09:30")).toBe(570);
    expect(hhmmToMinutes("24:00")).toBe(1440);
    expect(hhmmToMinutes("24:30")).toBeNull();
    expect(hhmmToMinutes("10:75")).toBeNull();
    expect(hhmmToMinutes("10")).toBeNull();
    expect(minutesToHhmm(570)).toBe("09:30");
    expect(minutesToHhmm(1440)).toBe("24:00");
  });
});
