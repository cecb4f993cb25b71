import { describe, expect, it } from "vitest";
import { periodProblem, presetPeriod } from "./period.ts";

describe("report periods", () => {
  it("this week runs Monday to Sunday", () => {
    expect(presetPeriod("week", "2026-03-04")).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    expect(presetPeriod("week", "2026-03-08")).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    expect(presetPeriod("custom", "2026-03-02")).toEqual({ from: "2026-03-02", to: "2026-03-08" });
  });

  it("this month and last month, across years and February", () => {
    expect(presetPeriod("month", "2026-03-31")).toEqual({ from: "2026-03-01", to: "2026-03-31" });
    expect(presetPeriod("month", "2028-02-10")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(presetPeriod("lastMonth", "2026-03-31")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(presetPeriod("lastMonth", "2026-01-15")).toEqual({ from: "2025-12-01", to: "2025-12-31" });
  });

  it("checks a custom period", () => {
    expect(periodProblem({ from: "2026-03-01", to: "2026-03-01" })).toBeNull();
    expect(periodProblem({ from: "2026-03-02", to: "2026-03-01" })).toBe("order");
    expect(periodProblem({ from: "", to: "2026-03-01" })).toBe("dates");
    expect(periodProblem({ from: "2024-01-01", to: "2024-12-31" })).toBeNull();
    expect(periodProblem({ from: "2024-01-01", to: "2025-01-01" })).toBe("length");
  });
});
