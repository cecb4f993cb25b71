import { locationUpdateInput } from "@cita/shared";
import { describe, expect, it } from "vitest";
import { check } from "./form.tsx";
import { hoursListToMinutes, hoursToMinutes, minutesListToHours, minutesToHours } from "./reminder-hours.ts";

describe("reminder times in hours", () => {
  it("hours, hour:minutes and decimal hours to minutes; lists split on commas, semicolons, spaces", () => {
    expect(hoursToMinutes("24")).toBe(1440);
    expect(hoursToMinutes(" 1:30 ")).toBe(90);
    expect(hoursToMinutes("1.5")).toBe(90);
    expect(hoursToMinutes("0.25")).toBe(15);
    expect(hoursToMinutes("")).toBeUndefined();
    expect(hoursToMinutes("1:75")).toBeNull();
    expect(hoursToMinutes("dos")).toBeNull();
    expect(hoursListToMinutes("24, 2")).toEqual([1440, 120]);
    expect(hoursListToMinutes("48;1:30 0.5")).toEqual([2880, 90, 30]);
    expect(hoursListToMinutes(" ")).toEqual([]);
    expect(hoursListToMinutes("24, mañana")).toBeNull();
    // A decimal comma separates: "1,5" is two reminders (the schema then judges them).
    expect(hoursListToMinutes("1,5")).toEqual([60, 300]);
  });

  it("minutes back to hours", () => {
    expect(minutesListToHours([1440, 120])).toBe("24, 2");
    expect(minutesListToHours([])).toBe("");
    expect(minutesToHours(90)).toBe("1:30");
    expect(minutesToHours(20)).toBe("0:20");
    for (const m of [15, 20, 90, 1440, 10_080]) expect(hoursToMinutes(minutesToHours(m))).toBe(m);
  });

  it("the shared schema's reminder rules, in English and Spanish", () => {
    const bad = { version: 1, reminderOffsetsMinutes: [1440, 10], followUpMinutes: 5 };
    expect(check(locationUpdateInput, bad, "en")).toEqual({
      ok: false,
      errors: {
        "reminderOffsetsMinutes.1": "A reminder must be at least 15 minutes before the visit",
        followUpMinutes: "The follow-up must be at least 15 minutes after the visit",
      },
    });
    expect(check(locationUpdateInput, bad, "es")).toEqual({
      ok: false,
      errors: {
        "reminderOffsetsMinutes.1": "Cada recordatorio debe ser al menos 15 minutos antes de la cita",
        followUpMinutes: "El seguimiento debe ser al menos 15 minutos después de la cita",
      },
    });
    const es = (input: Record<string, unknown>) => {
      const r = check(locationUpdateInput, { version: 1, ...input }, "es");
      return r.ok ? {} : r.errors;
    };
    expect(es({ reminderOffsetsMinutes: [2880, 1440, 120, 60] })).toEqual({
      reminderOffsetsMinutes: "Como máximo 3 recordatorios antes de la cita",
    });
    expect(es({ reminderOffsetsMinutes: [120, 120] })).toEqual({
      reminderOffsetsMinutes: "Cada recordatorio debe ser a una hora distinta",
    });
    expect(es({ reminderOffsetsMinutes: [8 * 1440] })).toEqual({
      "reminderOffsetsMinutes.0": "Un recordatorio puede ser como mucho 7 días (168 horas) antes de la cita",
    });
    expect(check(locationUpdateInput, { version: 1, reminderOffsetsMinutes: [], followUpMinutes: null }, "es")).toEqual(
      { ok: true, data: { version: 1, reminderOffsetsMinutes: [], followUpMinutes: null } },
    );
  });
});
