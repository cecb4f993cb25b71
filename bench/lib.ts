// A tiny benchmark harness: each *.bench.ts exports `benchmarks`; every figure is printed next to
// a baseline measured in the same run, so ratios stay meaningful across machines.

export interface Figure {
  /** What was measured, e.g. "tRPC no-op query p99". */
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline, measured in this run. */
  baseline?: { name: string; value: number };
  /** Optional target: the figure passes when value <= max (or >= min). */
  target?: { max?: number; min?: number };
  note?: string;
}

export interface Benchmark {
  name: string;
  run(): Promise<Figure[]>;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function summarize(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    min: s[0]!,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.at(-1)!,
    n: s.length,
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function formatTable(rows: { bench: string; f: Figure }[]): string {
  const header = ["benchmark", "figure", "value", "baseline", "baseline value", "ratio", "target", ""];
  const body = rows.map(({ bench, f }) => {
    const ratio = f.baseline?.value ? f.value / f.baseline.value : undefined;
    const target = f.target
      ? [
          f.target.max !== undefined ? `≤ ${fmt(f.target.max)}` : "",
          f.target.min !== undefined ? `≥ ${fmt(f.target.min)}` : "",
        ]
          .join(" ")
          .trim()
      : "";
    const ok = f.target
      ? (f.target.max === undefined || f.value <= f.target.max) &&
        (f.target.min === undefined || f.value >= f.target.min)
      : undefined;
    return [
      bench,
      f.name,
      `${fmt(f.value)} ${f.unit}`,
      f.baseline?.name ?? "",
      f.baseline ? `${fmt(f.baseline.value)} ${f.unit}` : "",
      ratio !== undefined ? `${ratio.toFixed(2)}×` : "",
      target,
      ok === undefined ? "" : ok ? "ok" : "MISSED",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
