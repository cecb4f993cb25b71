// The two layouts the settings tabs repeat: a list to pick from beside the editor of the picked entry
// (services, staff), and a list of dated entries above the small form that adds one (closures, days
// with other hours, time off).
import { type ReactNode, useState } from "react";
import { Check, SettingsForm } from "./form.tsx";
import { useSettingsLoad } from "./save.ts";
import { useStrings } from "./strings.ts";

/** Extra `data-*` attributes of a row (what tests and styles find it by). */
export type DataAttrs = Record<`data-${string}`, string>;

/**
 * Entries to pick from (archived/inactive ones on request) and a button for a new one, beside
 * `detail`: the picked entry's editors, or a new entry's (null). An editor calls `saved(id)` after a
 * write: the list is read again and `id` (the new entry's, when given) picked.
 */
export function EditList<T extends { id: string; active: boolean }>(props: {
  testids: { list: string; new: string; item: string };
  load(): Promise<T[]>;
  newLabel: string;
  showLabel: string;
  itemAttrs(x: T): DataAttrs;
  item(x: T): ReactNode;
  detail(x: T | null, saved: (id?: string) => void): ReactNode;
}) {
  const [items, reload] = useSettingsLoad(props.load);
  const [selected, setSelected] = useState<string | "new" | null>(null);
  const [showAll, setShowAll] = useState(false);
  const current = items?.find((x) => x.id === selected) ?? null;
  const saved = (id?: string) => {
    if (id !== undefined) setSelected(id);
    reload();
  };

  return (
    <div className="settings-split" data-testid={props.testids.list}>
      <nav className="settings-list">
        <button type="button" className="primary" data-testid={props.testids.new} onClick={() => setSelected("new")}>
          {props.newLabel}
        </button>
        <Check className="check small" label={props.showLabel} checked={showAll} onChange={setShowAll} />
        <ul className="plain hits-list">
          {(items ?? [])
            .filter((x) => showAll || x.active)
            .map((x) => (
              <li key={x.id}>
                <button
                  type="button"
                  className={x.id === selected ? "hit active" : "hit"}
                  data-testid={props.testids.item}
                  {...props.itemAttrs(x)}
                  onClick={() => setSelected(x.id)}
                >
                  {props.item(x)}
                </button>
              </li>
            ))}
        </ul>
      </nav>
      {selected === "new" ? props.detail(null, saved) : current ? props.detail(current, saved) : null}
    </div>
  );
}

/** Dated entries, each with a remove button, above the inline form (`children`: its fields) that adds one. */
export function DatedList<T extends { id: string }>(props: {
  testids: { list: string; item: string; add?: string };
  title: string;
  empty: string;
  items: readonly T[];
  itemAttrs(x: T): DataAttrs;
  item(x: T): ReactNode;
  remove(x: T): void;
  add(): void;
  addLabel: string;
  busy: boolean;
  children: ReactNode;
}) {
  const { s } = useStrings();
  return (
    <section className="settings-form" data-testid={props.testids.list}>
      <h3>{props.title}</h3>
      {props.items.length ? null : <p className="muted">{props.empty}</p>}
      <ul className="plain settings-rows">
        {props.items.map((x) => (
          <li key={x.id} className="settings-row" data-testid={props.testids.item} {...props.itemAttrs(x)}>
            {props.item(x)}
            <button type="button" className="link" disabled={props.busy} onClick={() => props.remove(x)}>
              {s.remove}
            </button>
          </li>
        ))}
      </ul>
      <SettingsForm className="row settings-inline" onSubmit={props.add}>
        {props.children}
        <button type="submit" disabled={props.busy} data-testid={props.testids.add}>
          {props.addLabel}
        </button>
      </SettingsForm>
    </section>
  );
}
