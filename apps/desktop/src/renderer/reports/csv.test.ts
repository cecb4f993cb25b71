import { describe, expect, it } from "vitest";
import { csvCell, safeFilename, toCsv } from "./csv.ts";

describe("toCsv", () => {
  it("writes a BOM, CRLF records and RFC 4180 quoting", () => {
    const csv = toCsv(
      ["Servicio", "Importe (EUR)"],
      [
        ["Corte, lavado", 20.5],
        ['Tinte "raíz"', 50],
        ["Dos\nlíneas", null],
      ],
    );
    expect(csv).toBe(
      '\uFEFFServicio,Importe (EUR)\r\n"Corte, lavado",20.5\r\n"Tinte ""raíz""",50\r\n"Dos\nlíneas",\r\n',
    );
  });

  it("neutralises cells that a spreadsheet would run as a formula", () => {
    expect(["=1+1", "+34 600", "-x", "@SUM(A1)", "\tTab", "\rCR"].map(csvCell)).toEqual([
      "'=1+1",
      "'+34 600",
      "'-x",
      "'@SUM(A1)",
      "'\tTab",
      '"\'\rCR"',
    ]);
    // Quoting still applies after the apostrophe; numbers are numbers.
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell(-500)).toBe("-500");
    expect(csvCell("a=b")).toBe("a=b");
  });

  it("writes empty cells for null, undefined and non-finite numbers; keeps accents", () => {
    expect(toCsv(["a", "b", "c"], [[null, undefined, Number.NaN]])).toBe("\uFEFFa,b,c\r\n,,\r\n");
    expect(toCsv(["Peluquería"], [["Lucía Núñez"]])).toBe("\uFEFFPeluquería\r\nLucía Núñez\r\n");
  });

  it("safeFilename replaces characters file systems refuse", () => {
    expect(safeFilename('a/b:c*?"<>|.csv')).toBe("a-b-c-.csv");
    expect(safeFilename("bookings\u0000\n2026.csv")).toBe("bookings-2026.csv");
    expect(safeFilename("informe-señales-2026-03-01.csv")).toBe("informe-señales-2026-03-01.csv");
  });
});
