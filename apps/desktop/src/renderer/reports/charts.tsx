// Charts as plain inline SVG (no chart library): horizontal bars, stacked bars, and utilisation
// bars against a 100 % track. Each chart is an <svg role="img"> named by its <title> and described
// by a <desc> that reads out every value; the values are drawn as text too, so nobody has to judge
// a bar's length to get the number.
import { useId } from "react";

export interface ChartSegment {
  key: string;
  value: number;
  color: string;
  /** Shown on hover (an SVG <title> on the segment). */
  label?: string;
}

interface ChartRow {
  key: string;
  label: string;
  segments: ChartSegment[];
  /** The value as text, at the end of the bar. */
  display: string;
}

const WIDTH = 640;
const LABEL_W = 190;
const VALUE_W = 120;
const ROW_H = 30;
const BAR_MAX = WIDTH - LABEL_W - VALUE_W - 12;

const clip = (s: string, n = 26) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function HBars(props: {
  title: string;
  rows: ChartRow[];
  /** The value a full-length bar stands for (default: the largest row). */
  max?: number;
  /** Draw a light track behind each bar (for bars against a fixed maximum). */
  track?: boolean;
  testId: string;
}) {
  const id = useId();
  const totals = props.rows.map((r) => r.segments.reduce((n, s) => n + Math.max(0, s.value), 0));
  const max = props.max ?? Math.max(0, ...totals);
  const height = props.rows.length * ROW_H + 8;
  const scale = (v: number) => (max > 0 ? (Math.min(v, max) / max) * BAR_MAX : 0);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      data-testid={props.testId}
    >
      <title id={`${id}-title`}>{props.title}</title>
      <desc id={`${id}-desc`}>{props.rows.map((r) => `${r.label}: ${r.display}`).join("; ")}</desc>
      {props.rows.map((row, i) => {
        const y = 4 + i * ROW_H;
        let x = LABEL_W;
        const bars = row.segments.map((seg) => {
          const w = scale(Math.max(0, seg.value));
          const rect = (
            <rect key={seg.key} x={x} y={y + 6} width={w} height={ROW_H - 12} fill={seg.color} data-key={seg.key}>
              {seg.label ? <title>{seg.label}</title> : null}
            </rect>
          );
          x += w;
          return rect;
        });
        return (
          <g key={row.key} data-row={row.key}>
            <text x={LABEL_W - 8} y={y + ROW_H / 2} textAnchor="end" dominantBaseline="middle" className="chart-label">
              {clip(row.label)}
            </text>
            {props.track ? (
              <rect x={LABEL_W} y={y + 6} width={BAR_MAX} height={ROW_H - 12} className="chart-track" />
            ) : null}
            {bars}
            <text
              x={(props.track ? LABEL_W + BAR_MAX : x) + 6}
              y={y + ROW_H / 2}
              dominantBaseline="middle"
              className="chart-value"
            >
              {row.display}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function BarChart(props: {
  title: string;
  rows: { key: string; label: string; value: number; display: string }[];
  color?: string;
  testId: string;
}) {
  const color = props.color ?? "#4f46e5";
  return (
    <HBars
      title={props.title}
      testId={props.testId}
      rows={props.rows.map((r) => ({ ...r, segments: [{ key: r.key, value: r.value, color }] }))}
    />
  );
}

export function StackedBarChart(props: {
  title: string;
  rows: { key: string; label: string; segments: ChartSegment[]; display: string }[];
  legend: { key: string; label: string; color: string }[];
  testId: string;
}) {
  return (
    <figure className="chart-figure">
      <HBars title={props.title} rows={props.rows} testId={props.testId} />
      <figcaption>
        <ul className="legend">
          {props.legend.map((l) => (
            <li key={l.key}>
              <span className="swatch" style={{ background: l.color }} aria-hidden="true" /> {l.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/** Bars from 0 to 100 % (an over-full stylist's bar stops at the end of the track; the text says how much). */
export function UtilisationChart(props: {
  title: string;
  rows: { key: string; label: string; rate: number | null; display: string }[];
  testId: string;
}) {
  return (
    <HBars
      title={props.title}
      testId={props.testId}
      max={1}
      track
      rows={props.rows.map((r) => ({
        key: r.key,
        label: r.label,
        display: r.display,
        segments: [
          {
            key: r.key,
            value: r.rate ?? 0,
            color: (r.rate ?? 0) > 1 ? "#dc2626" : (r.rate ?? 0) >= 0.85 ? "#d97706" : "#16a34a",
          },
        ],
      }))}
    />
  );
}

/** One colour per booking status, shared by the chart and its legend. */
export const STATUS_COLORS: Record<string, string> = {
  held: "#a5b4fc",
  pending_deposit: "#fbbf24",
  confirmed: "#6366f1",
  checked_in: "#0ea5e9",
  completed: "#16a34a",
  no_show: "#dc2626",
  cancelled: "#94a3b8",
  expired: "#e2e8f0",
};
