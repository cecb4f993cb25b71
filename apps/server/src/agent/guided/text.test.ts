// Normalising what people type keeps every real word of a request: each weekday, said on each day of
// a week, in either language (with or without a capital or a typo), reads as that weekday.
import { describe, expect, it } from "vitest";
import { addDays, weekdayOf } from "../../time/zoned.ts";
import { readDay } from "./dates.ts";
import { normalise } from "./text.ts";

const NAMES: Record<number, { es: string; en: string; typo: string }> = {
  1: { es: "lunes", en: "Monday", typo: "mondy" },
  2: { es: "martes", en: "Tuesday", typo: "tuesdy" },
  3: { es: "miércoles", en: "Wednesday", typo: "wensday" },
  4: { es: "jueves", en: "Thursday", typo: "thrusday" },
  5: { es: "viernes", en: "Friday", typo: "fridya" },
  6: { es: "sábado", en: "Saturday", typo: "saturdy" },
  7: { es: "domingo", en: "Sunday", typo: "sundya" },
};

describe("normalise keeps the words of a request", () => {
  it("every weekday, said on every day of a week, in both languages and misspelt, is that weekday", () => {
    for (let i = 0; i < 7; i++) {
      const today = addDays("2027-03-22", i);
      for (const [wd, n] of Object.entries(NAMES)) {
        for (const said of [`el ${n.es}`, `on ${n.en}`, `on ${n.en.toLowerCase()}`, `on ${n.typo}`]) {
          const r = readDay(normalise(said), today);
          const date = r && "date" in r ? r.date : null;
          expect(date && weekdayOf(date), `"${said}" on ${today}`).toBe(Number(wd));
        }
      }
    }
  });

  it("leaves vocabulary words as they are and an ambiguous typo alone", () => {
    const words =
      "lunes martes miercoles jueves viernes sabado domingo manana tarde monday tuesday wednesday thursday friday saturday sunday tomorrow morning afternoon";
    expect(normalise(words)).toBe(words);
    expect(normalise("vienes el viernes")).toBe("vienes el viernes");
    // "tursday" is one typo from both Tuesday and Thursday: not guessed (the agent asks which day).
    expect(normalise("on tursday")).toBe("on tursday");
  });

  it("shortens the chat words people stretch by one letter, and no real double letter", () => {
    expect(normalise("holaa")).toBe("hola");
    expect(normalise("Holaa buenass")).toBe("hola buenas");
    expect(normalise("graciass!! vale")).toBe("gracias vale");
    expect(normalise("okk")).toBe("ok");
    expect(normalise("hii")).toBe("hi");
    expect(normalise("thankss")).toBe("thanks");
    expect(normalise("llamar al perro para leer y creer")).toBe("llamar al perro para leer y creer");
    expect(normalise("see you at 10")).toBe("see you at 10");
  });
});
