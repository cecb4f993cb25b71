import { describe, expect, it } from "vitest";
import { formatLang, formatMoney, formatNumber, formatPercent } from "./format.ts";

describe("shared number formatting", () => {
  it("groups thousands in Spanish even with four digits", () => {
    expect(formatMoney(168_900, "EUR", "es")).toBe("1.689,00\u00a0€");
    expect(formatMoney(168_900, "eur", "en")).toBe("€1,689.00");
    expect(formatMoney(4_500, "EUR", "es")).toBe("45,00\u00a0€");
    expect(formatNumber(1234, "es")).toBe("1.234");
    expect(formatNumber(1234.5, "en", 1)).toBe("1,234.5");
    expect(formatPercent(0.42, "es")).toBe("42\u00a0%");
  });

  it("picks Spanish unless the language is English", () => {
    expect(formatLang("en-GB")).toBe("en");
    expect(formatLang("es")).toBe("es");
    expect(formatLang("fr")).toBe("es");
    expect(formatLang(null)).toBe("es");
  });
});
