// The guided agent's reading of days and times in customer text, at the edges the scenario suites
// met when run at other instants than their frozen Tuesday.
import { describe, expect, it } from "vitest";
import { detectLanguage, parseDate, parseDayPart, parseTime } from "./lang.ts";

describe("parseTime", () => {
  it("keeps the minutes of HH:MM and HH.MM (folding turns the separator into a space)", () => {
    expect(parseTime("Quiero corte hombre con Carlos el jueves a las 12:30")).toBe(12 * 60 + 30);
    expect(parseTime("a las 11:15")).toBe(11 * 60 + 15);
    expect(parseTime("mañana a las 17.45")).toBe(17 * 60 + 45);
    expect(parseTime("at 9:45, please")).toBe(9 * 60 + 45);
    expect(parseTime("¿a las 10:30?")).toBe(10 * 60 + 30);
    expect(parseTime("10h30")).toBe(10 * 60 + 30);
    expect(parseTime("a las 17:00h")).toBe(17 * 60);
  });

  it("reads am/pm only as words: 'para mi hija' is not 'a.m.' (12:00 stayed midday)", () => {
    expect(parseTime("Quiero un corte infantil para mi hija Lucía el sábado a las 12:00")).toBe(12 * 60);
    expect(parseTime("para mi madre a las 5")).toBe(17 * 60);
    expect(parseTime("llámame a las 6")).toBe(18 * 60);
    expect(parseTime("at 12 am")).toBe(0);
    expect(parseTime("a las 5 p. m.")).toBe(17 * 60);
    expect(parseTime("a las 10 a. m.")).toBe(10 * 60);
    expect(parseTime("5pm")).toBe(17 * 60);
  });

  it("still reads the usual forms", () => {
    expect(parseTime("a las 5")).toBe(17 * 60);
    expect(parseTime("a las 10 y media")).toBe(10 * 60 + 30);
    expect(parseTime("a las 10 de la mañana")).toBe(10 * 60);
    expect(parseTime("el jueves por la tarde")).toBeNull();
  });
});

describe("parseDate", () => {
  it("'mañana por la mañana' is tomorrow (in the morning)", () => {
    expect(parseDate("Quiero corte mujer y tinte completo mañana por la mañana", "2026-12-09")).toBe("2026-12-10");
    expect(parseDayPart("mañana por la mañana")).toBe("morning");
    expect(parseDate("el jueves por la mañana", "2026-12-09")).toBe("2026-12-10");
    expect(parseDate("por la mañana", "2026-12-09")).toBeNull();
    expect(parseDate("mañana de la mañana", "2026-12-09")).toBe("2026-12-10");
  });

  it("tomorrow across a month, a year, a DST change and 29 February", () => {
    expect(parseDate("mañana", "2026-12-31")).toBe("2027-01-01");
    expect(parseDate("tomorrow", "2028-02-28")).toBe("2028-02-29");
    expect(parseDate("mañana", "2027-03-27")).toBe("2027-03-28");
    expect(parseDate("pasado mañana", "2027-10-30")).toBe("2027-11-01");
  });

  it("a weekday is the next one ahead; today's own weekday is a week ahead", () => {
    expect(parseDate("el jueves", "2026-12-09")).toBe("2026-12-10"); // Wednesday → tomorrow
    expect(parseDate("el jueves", "2026-12-10")).toBe("2026-12-17"); // Thursday → next week
    expect(parseDate("el domingo", "2026-12-13")).toBe("2026-12-20");
    expect(parseDate("el lunes", "2026-12-31")).toBe("2027-01-04");
  });

  it("a day of a month already gone this year is next year's", () => {
    expect(parseDate("el 2 de enero", "2026-12-31")).toBe("2027-01-02");
    expect(parseDate("el 7 de marzo a las 12:00", "2028-02-29")).toBe("2028-03-07");
    expect(parseDate("on March 2", "2028-02-29")).toBe("2028-03-02");
  });
});

describe("detectLanguage", () => {
  it("a bare 'no' (English and Spanish alike) keeps the conversation's language", () => {
    expect(detectLanguage("no", "en")).toBe("en");
    expect(detectLanguage("No.", "es")).toBe("es");
    expect(detectLanguage("no thanks", "es")).toBe("en");
    expect(detectLanguage("no puedo el jueves", "en")).toBe("es");
    expect(detectLanguage("no, gracias", "en")).toBe("es");
  });
});
