// A week of time ranges as local HH:MM per ISO weekday (the server stores minutes from midnight in
// the salon's zone): the salon's opening hours, or a stylist's work blocks with breaks inside them.
import type { Errors } from "./form.tsx";
import { Field, hhmmToMinutes, minutesToHhmm } from "./form.tsx";
import { useStrings, WEEKDAYS } from "./strings.ts";

export type RangeKind = "work" | "break" | "open";

export interface RangeRow {
  key: string;
  weekday: number;
  kind: RangeKind;
  start: string;
  end: string;
}

let seq = 0;
export const newKey = () => `r${++seq}`;

export function rowsFrom(
  ranges: readonly { weekday: number; startMinute: number; endMinute: number; kind?: "work" | "break" }[],
): RangeRow[] {
  return ranges.map((r) => ({
    key: newKey(),
    weekday: r.weekday,
    kind: r.kind ?? "open",
    start: minutesToHhmm(r.startMinute),
    end: minutesToHhmm(r.endMinute),
  }));
}

/** Rows → minute ranges, in row order; text that is not a time is an error on its row. */
export function parseRows(rows: readonly RangeRow[], notTime: string) {
  const local: Errors = {};
  const ranges: { weekday: number; kind: RangeKind; startMinute: number; endMinute: number }[] = [];
  for (const r of rows) {
    const start = hhmmToMinutes(r.start);
    const end = hhmmToMinutes(r.end);
    if (start === null) local[`${r.key}.startMinute`] = notTime;
    if (end === null) local[`${r.key}.endMinute`] = notTime;
    // A time that did not parse stands in as 0; its own error stops the save before anything is sent.
    ranges.push({ weekday: r.weekday, kind: r.kind, startMinute: start ?? 0, endMinute: end ?? 0 });
  }
  return { ranges, local, keys: rows.map((r) => r.key) };
}

export function WeekEditor(props: {
  rows: RangeRow[];
  setRows(rows: RangeRow[]): void;
  /** Kinds that can be added: ["open"] for the salon, ["work", "break"] for a stylist. */
  kinds: readonly RangeKind[];
  errors: Errors;
  emptyLabel: string;
  testid: string;
}) {
  const { s, lang } = useStrings();
  const { rows, setRows } = props;
  const label = (k: RangeKind) => (k === "work" ? s.work : k === "break" ? s.break : "");
  const addLabel = (k: RangeKind) => (k === "work" ? s.addWork : k === "break" ? s.addBreak : s.addRange);
  const update = (key: string, patch: Partial<RangeRow>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <div className="week-editor" data-testid={props.testid}>
      {[1, 2, 3, 4, 5, 6, 7].map((wd) => {
        const day = rows.filter((r) => r.weekday === wd);
        return (
          <div key={wd} className="week-day" data-testid="week-day" data-weekday={wd}>
            <strong className="week-day-name">{WEEKDAYS[lang][wd]}</strong>
            <div className="week-ranges">
              {day.length ? null : <span className="muted small">{props.emptyLabel}</span>}
              {day.map((r) => (
                <div key={r.key} className={`week-range ${r.kind}`} data-testid="week-range" data-kind={r.kind}>
                  {r.kind !== "open" ? <span className="small muted">{label(r.kind)}</span> : null}
                  <Field label={s.from} name={`${r.key}.startMinute`} errors={props.errors}>
                    <input
                      className="hhmm"
                      placeholder="HH:MM"
                      data-testid="range-start"
                      value={r.start}
                      onChange={(e) => update(r.key, { start: e.target.value })}
                    />
                  </Field>
                  <Field label={s.to} name={`${r.key}.endMinute`} errors={props.errors}>
                    <input
                      className="hhmm"
                      placeholder="HH:MM"
                      data-testid="range-end"
                      value={r.end}
                      onChange={(e) => update(r.key, { end: e.target.value })}
                    />
                  </Field>
                  <button
                    type="button"
                    className="link"
                    aria-label={s.remove}
                    onClick={() => setRows(rows.filter((x) => x.key !== r.key))}
                  >
                    ✕
                  </button>
                </div>
              ))}
            </div>
            <div className="week-add">
              {props.kinds.map((k) => (
                <button
                  key={k}
                  type="button"
                  className="small"
                  data-testid={`add-${k}`}
                  onClick={() =>
                    setRows([
                      ...rows,
                      {
                        key: newKey(),
                        weekday: wd,
                        kind: k,
                        start: k === "break" ? "14:00" : "10:00",
                        end: k === "break" ? "15:00" : "19:00",
                      },
                    ])
                  }
                >
                  {addLabel(k)}
                </button>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
