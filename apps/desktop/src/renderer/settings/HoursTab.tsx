// The salon's weekly opening hours (several ranges a day make split hours) and its holidays and
// closures (a closed date offers no time at all).
import { locationAddClosureInput, locationSetHoursInput } from "@cita/shared";
import { useCallback, useState } from "react";
import type { Location } from "../api.ts";
import { today } from "../time.ts";
import { useConsole } from "../ui/context.tsx";
import {
  check,
  type Errors,
  Field,
  hasErrors,
  reportInvalid,
  reportSaveError,
  rowErrors,
  useLoad,
  withLocal,
} from "./form.tsx";
import { useStrings } from "./strings.ts";
import { parseRows, type RangeRow, rowsFrom, WeekEditor } from "./WeekEditor.tsx";

export function HoursTab() {
  const { api, toast, tr } = useConsole();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.locations.get.query(), [api]);
  const [loc, reload] = useLoad(load, onError);
  if (!loc) return null;
  return (
    <div className="settings-detail" data-testid="settings-hours">
      <OpeningHours key={`h${loc.version}`} loc={loc} onSaved={reload} />
      <Closures key={`c${loc.version}`} loc={loc} onSaved={reload} />
    </div>
  );
}

function OpeningHours({ loc, onSaved }: { loc: Location; onSaved(): void }) {
  const { api, toast, tr, store, fmt } = useConsole();
  const { s } = useStrings();
  const [rows, setRows] = useState<RangeRow[]>(() => rowsFrom(loc.hours));
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const save = async () => {
    const { ranges, local, keys } = parseRows(rows, s.notTime);
    const input = {
      version: loc.version,
      hours: ranges.map(({ weekday, startMinute, endMinute }) => ({ weekday, startMinute, endMinute })),
    };
    const all = rowErrors(withLocal(check(locationSetHoursInput, input, tr.lang), local), "hours", keys);
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    setBusy(true);
    try {
      await api.locations.setHours.mutate(input);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
    } catch (e) {
      reportSaveError(e, tr.lang, toast);
    } finally {
      setBusy(false);
      onSaved();
    }
  };

  return (
    <form
      className="settings-form"
      data-testid="opening-hours"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>
        {s.openingHours}{" "}
        <span className="muted small">
          · {s.localTimeNote}: {fmt.zoneName()}
        </span>
      </h3>
      <WeekEditor
        rows={rows}
        setRows={setRows}
        kinds={["open"]}
        errors={errors}
        emptyLabel={s.closed}
        testid="opening-week"
      />
      <button type="submit" className="primary" disabled={busy} data-testid="hours-save">
        {s.saveHours}
      </button>
    </form>
  );
}

function Closures({ loc, onSaved }: { loc: Location; onSaved(): void }) {
  const { api, toast, tr, store, fmt } = useConsole();
  const { s } = useStrings();
  const [date, setDate] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const from = today(loc.timeZone);
  const upcoming = loc.closures.filter((c) => c.date >= from);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
    } catch (e) {
      reportSaveError(e, tr.lang, toast);
    } finally {
      setBusy(false);
      onSaved();
    }
  };

  const add = () => {
    const input = { date, reason, version: loc.version };
    const r = check(locationAddClosureInput, input, tr.lang);
    const all = withLocal(r, {});
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    void run(() => api.locations.addClosure.mutate(input));
  };

  return (
    <section className="settings-form" data-testid="closures">
      <h3>{s.closures}</h3>
      {upcoming.length ? null : <p className="muted">{s.noClosures}</p>}
      <ul className="plain settings-rows">
        {upcoming.map((c) => (
          <li key={c.id} className="settings-row" data-testid="closure" data-date={c.date}>
            <span>{fmt.longDay(c.date)}</span>
            <span className="muted">{c.reason}</span>
            <button
              type="button"
              className="link"
              disabled={busy}
              onClick={() =>
                void run(() => api.locations.removeClosure.mutate({ closureId: c.id, version: loc.version }))
              }
            >
              {s.remove}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="row settings-inline"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <Field label={s.date} name="date" errors={errors}>
          <input type="date" data-testid="closure-date" value={date} onChange={(e) => setDate(e.target.value)} />
        </Field>
        <Field label={s.reason} name="reason" errors={errors}>
          <input data-testid="closure-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <button type="submit" disabled={busy} data-testid="closure-add">
          {s.addClosure}
        </button>
      </form>
    </section>
  );
}
