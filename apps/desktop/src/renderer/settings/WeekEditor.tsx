// A week of time ranges as local HH:MM per ISO weekday (the server stores minutes from midnight in
// the salon's zone): the salon's opening hours, or a stylist's work blocks with breaks inside them.
import { useState } from "react";
import { useConsole } from "../ui/context.tsx";
import {
  check,
  type Errors,
  hhmmToMinutes,
  minutesToHhmm,
  rowErrors,
  type Schema,
  SettingsForm,
  TimeField,
  withLocal,
} from "./form.tsx";
import { type Outcome, useSave } from "./save.ts";
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

export interface Range {
  weekday: number;
  kind: RangeKind;
  startMinute: number;
  endMinute: number;
}

/** Rows → minute ranges, in row order; text that is not a time is an error on its row. */
export function parseRows(rows: readonly RangeRow[], notTime: string) {
  const local: Errors = {};
  const ranges: Range[] = [];
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
                  <TimeRange
                    prefix={`${r.key}.`}
                    start={r.start}
                    end={r.end}
                    onChange={(p) => update(r.key, p)}
                    errors={props.errors}
                    testids
                  />
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

/** From–to HH:MM fields; their errors are `<prefix>startMinute` and `<prefix>endMinute`. */
export function TimeRange(props: {
  prefix?: string;
  start: string;
  end: string;
  onChange(patch: { start?: string; end?: string }): void;
  errors: Errors;
  /** Mark the inputs `range-start` / `range-end`. */
  testids?: boolean;
}) {
  const { s } = useStrings();
  return (
    <>
      {(["start", "end"] as const).map((k) => (
        <TimeField
          key={k}
          label={k === "start" ? s.from : s.to}
          name={`${props.prefix ?? ""}${k}Minute`}
          errors={props.errors}
          data-testid={props.testids ? `range-${k}` : undefined}
          value={props[k]}
          onChange={(e) => props.onChange({ [k]: e.target.value })}
        />
      ))}
    </>
  );
}

/**
 * A week of ranges as a form of its own (the salon's opening hours, a stylist's weekly hours):
 * `input` turns the ranges into what `write` sends, checked first against `schema`, whose errors on
 * `<list>.<n>.<field>` show on the row they came from; `then` reloads after the write.
 */
export function WeekForm<I>(props: {
  title: string;
  ranges: Parameters<typeof rowsFrom>[0];
  kinds: readonly RangeKind[];
  emptyLabel: string;
  saveLabel: string;
  testids: { form: string; week: string; save: string };
  list: string;
  schema: Schema<unknown>;
  input(ranges: Range[]): I;
  write(input: I): Promise<unknown>;
  then(outcome: Outcome<unknown>): void;
}) {
  const { tr, fmt } = useConsole();
  const { s } = useStrings();
  const [rows, setRows] = useState<RangeRow[]>(() => rowsFrom(props.ranges));
  const { errors, valid, busy, save } = useSave();

  const submit = () => {
    const { ranges, local, keys } = parseRows(rows, s.notTime);
    const input = props.input(ranges);
    if (!valid(rowErrors(withLocal(check(props.schema, input, tr.lang), local), props.list, keys))) return;
    void save(() => props.write(input), props.then);
  };

  return (
    <SettingsForm data-testid={props.testids.form} onSubmit={submit}>
      <h3>
        {props.title}{" "}
        <span className="muted small">
          · {s.localTimeNote}: {fmt.zoneName()}
        </span>
      </h3>
      <WeekEditor
        rows={rows}
        setRows={setRows}
        kinds={props.kinds}
        errors={errors}
        emptyLabel={props.emptyLabel}
        testid={props.testids.week}
      />
      <button type="submit" className="primary" disabled={busy} data-testid={props.testids.save}>
        {props.saveLabel}
      </button>
    </SettingsForm>
  );
}
