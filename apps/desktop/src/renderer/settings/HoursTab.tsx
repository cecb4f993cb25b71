// The salon's weekly opening hours (several ranges a day make split hours) and its holidays and
// closures (a closed date offers no time at all).
import { locationAddClosureInput, locationSetHoursInput } from "@cita/shared";
import { useCallback } from "react";
import type { Location } from "../api.ts";
import { today } from "../time.ts";
import { useConsole } from "../ui/context.tsx";
import { check, Field, withLocal } from "./form.tsx";
import { DatedList } from "./parts.tsx";
import { useFields, useSave, useSettingsLoad } from "./save.ts";
import { useStrings } from "./strings.ts";
import { WeekForm } from "./WeekEditor.tsx";

export function HoursTab() {
  const { api } = useConsole();
  const { s } = useStrings();
  const load = useCallback(() => api.locations.get.query(), [api]);
  const [loc, reload] = useSettingsLoad(load);
  if (!loc) return null;
  return (
    <div className="settings-detail" data-testid="settings-hours">
      <WeekForm
        key={`h${loc.version}`}
        title={s.openingHours}
        ranges={loc.hours}
        kinds={["open"]}
        emptyLabel={s.closed}
        saveLabel={s.saveHours}
        testids={{ form: "opening-hours", week: "opening-week", save: "hours-save" }}
        list="hours"
        schema={locationSetHoursInput}
        input={(ranges) => ({
          version: loc.version,
          hours: ranges.map(({ weekday, startMinute, endMinute }) => ({ weekday, startMinute, endMinute })),
        })}
        write={(input) => api.locations.setHours.mutate(input)}
        then={reload}
      />
      <Closures key={`c${loc.version}`} loc={loc} onSaved={reload} />
    </div>
  );
}

function Closures({ loc, onSaved }: { loc: Location; onSaved(): void }) {
  const { api, tr, fmt } = useConsole();
  const { s } = useStrings();
  const { form, bind } = useFields({ date: "", reason: "" });
  const { errors, valid, busy, save } = useSave();
  const from = today(loc.timeZone);

  const add = () => {
    const input = { ...form, version: loc.version };
    if (!valid(withLocal(check(locationAddClosureInput, input, tr.lang), {}))) return;
    void save(() => api.locations.addClosure.mutate(input), onSaved);
  };

  return (
    <DatedList
      testids={{ list: "closures", item: "closure", add: "closure-add" }}
      title={s.closures}
      empty={s.noClosures}
      items={loc.closures.filter((c) => c.date >= from)}
      itemAttrs={(c) => ({ "data-date": c.date })}
      item={(c) => (
        <>
          <span>{fmt.longDay(c.date)}</span>
          <span className="muted">{c.reason}</span>
        </>
      )}
      remove={(c) =>
        void save(() => api.locations.removeClosure.mutate({ closureId: c.id, version: loc.version }), onSaved)
      }
      add={add}
      addLabel={s.addClosure}
      busy={busy}
    >
      <Field label={s.date} name="date" errors={errors}>
        <input type="date" data-testid="closure-date" {...bind("date")} />
      </Field>
      <Field label={s.reason} name="reason" errors={errors}>
        <input data-testid="closure-reason" {...bind("reason")} />
      </Field>
    </DatedList>
  );
}
