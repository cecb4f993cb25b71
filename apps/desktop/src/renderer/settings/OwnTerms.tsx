// Which stylist does which service, from either side (a service's stylists, a stylist's services):
// a row each, ticked when they do it, with their own duration and price (empty = the service's own).
import { useState } from "react";
import { useConsole } from "../ui/context.tsx";
import {
  Check,
  centsToEuros,
  check,
  type Errors,
  eurosToCents,
  Field,
  parseWhole,
  rowErrors,
  type Schema,
  SettingsForm,
  withLocal,
} from "./form.tsx";
import { useSave } from "./save.ts";
import { useStrings } from "./strings.ts";

/** A row as stored: the other side's id, whether it is on, and its own terms (null = the service's). */
export interface OwnTermsRow {
  id: string;
  label: string;
  on: boolean;
  durationMinutes: number | null | undefined;
  priceCents: number | null | undefined;
  /** Shown in the empty fields (what applies without own terms). */
  placeholders: { duration: string; price: string };
}

/** A ticked row as sent. */
export interface OwnTerms {
  id: string;
  durationMinutes: number | null;
  priceCents: number | null;
}

interface Draft {
  on: boolean;
  durationMinutes: string;
  priceCents: string;
}

const FIELDS = [
  ["durationMinutes", "numeric", "ownDuration", "duration"],
  ["priceCents", "decimal", "ownPrice", "price"],
] as const;

/**
 * `input` turns the ticked rows into what `write` sends, checked first against `schema`; its errors
 * on `<list>.<n>.<field>` show on the row they came from. `onSaved` runs after the write, whatever
 * its outcome (a failure may mean the data moved on).
 */
export function OwnTermsForm<I>(props: {
  rows: readonly OwnTermsRow[];
  title: string;
  saveLabel: string;
  testids: { form: string; row: string; save: string; on?: string };
  /** The row's `data-*` attribute holding its id. */
  rowAttr: `data-${string}`;
  list: string;
  schema: Schema<unknown>;
  input(terms: OwnTerms[]): I;
  write(input: I): Promise<unknown>;
  onSaved(): void;
}) {
  const { tr } = useConsole();
  const { s } = useStrings();
  const { errors, valid, busy, save } = useSave();
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() =>
    Object.fromEntries(
      props.rows.map((r) => [
        r.id,
        {
          on: r.on,
          durationMinutes: r.durationMinutes != null ? String(r.durationMinutes) : "",
          priceCents: centsToEuros(r.priceCents),
        },
      ]),
    ),
  );

  const submit = () => {
    const local: Errors = {};
    const terms: OwnTerms[] = [];
    for (const { id } of props.rows) {
      const d = drafts[id];
      if (!d?.on) continue;
      const duration = parseWhole(d.durationMinutes);
      const price = eurosToCents(d.priceCents);
      if (duration === null) local[`${id}.durationMinutes`] = s.notMinutes;
      if (price === null) local[`${id}.priceCents`] = s.notEuros;
      terms.push({ id, durationMinutes: duration ?? null, priceCents: price ?? null });
    }
    const input = props.input(terms);
    const schemaErrors = rowErrors(
      withLocal(check(props.schema, input, tr.lang), {}),
      props.list,
      terms.map((t) => t.id),
    );
    if (!valid({ ...local, ...schemaErrors })) return;
    void save(
      () => props.write(input),
      () => props.onSaved(),
    );
  };

  return (
    <SettingsForm data-testid={props.testids.form} onSubmit={submit}>
      <h3>{props.title}</h3>
      <div className="settings-rows">
        {props.rows.map((r) => {
          const d = drafts[r.id] ?? { on: false, durationMinutes: "", priceCents: "" };
          const upd = (p: Partial<Draft>) => setDrafts({ ...drafts, [r.id]: { ...d, ...p } });
          return (
            <div key={r.id} className="settings-row" data-testid={props.testids.row} {...{ [props.rowAttr]: r.id }}>
              <Check label={r.label} testid={props.testids.on} checked={d.on} onChange={(on) => upd({ on })} />
              {FIELDS.map(([k, inputMode, label, placeholder]) => (
                <Field key={k} label={s[label]} name={`${r.id}.${k}`} errors={errors}>
                  <input
                    inputMode={inputMode}
                    placeholder={r.placeholders[placeholder]}
                    disabled={!d.on}
                    value={d[k]}
                    onChange={(e) => upd({ [k]: e.target.value })}
                  />
                </Field>
              ))}
            </div>
          );
        })}
      </div>
      <button type="submit" className="primary" disabled={busy} data-testid={props.testids.save}>
        {props.saveLabel}
      </button>
    </SettingsForm>
  );
}
