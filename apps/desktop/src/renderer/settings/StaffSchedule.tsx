// A stylist's time: the weekly working hours with breaks, days with other hours (or off), and time
// off. Times are entered as local wall time in the salon's zone; time off is stored as instants.
import { staffAddDateOverrideInput, staffAddTimeOffInput, staffSetWeeklyScheduleInput } from "@cita/shared";
import { useCallback, useState } from "react";
import type { RouterOutputs, StaffMember } from "../api.ts";
import { addDays, localToUtc, today } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import {
  check,
  type Errors,
  Field,
  hasErrors,
  hhmmToMinutes,
  minutesToHhmm,
  reportInvalid,
  reportSaveError,
  rowErrors,
  useLoad,
  withLocal,
} from "./form.tsx";
import { useStrings } from "./strings.ts";
import { parseRows, type RangeRow, rowsFrom, WeekEditor } from "./WeekEditor.tsx";

type Schedule = RouterOutputs["staff"]["getSchedule"];

export function StaffSchedule(props: { member: StaffMember; onSaved(): void }) {
  const { api, toast, tr, store } = useConsole();
  const tz = useSnapshot().location!.timeZone;
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(
    () => api.staff.getSchedule.query({ staffId: props.member.id, from: today(tz) }),
    [api, props.member.id, tz],
  );
  const [schedule, reload] = useLoad(load, onError);
  const saved = useCallback(() => {
    reload();
    props.onSaved();
    void store.reloadCatalog().catch(() => {});
  }, [reload, props.onSaved, store]);
  if (!schedule) return null;
  return (
    <>
      <WeeklyHours key={`w${schedule.version}`} staffId={props.member.id} schedule={schedule} onSaved={saved} />
      <DateOverrides key={`o${schedule.version}`} staffId={props.member.id} schedule={schedule} onSaved={saved} />
      <TimeOff key={`t${schedule.version}`} staffId={props.member.id} schedule={schedule} tz={tz} onSaved={saved} />
    </>
  );
}

/** Runs a write; toasts the outcome; reloads either way (a failure may mean the data moved on). */
function useWrite(onSaved: () => void) {
  const { toast, tr } = useConsole();
  const { s } = useStrings();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      toast({ kind: "info", text: s.saved });
      onSaved();
    } catch (e) {
      if (reportSaveError(e, tr.lang, toast) === "stale") onSaved();
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

function WeeklyHours(props: { staffId: string; schedule: Schedule; onSaved(): void }) {
  const { api, toast, tr, fmt } = useConsole();
  const { s } = useStrings();
  const [rows, setRows] = useState<RangeRow[]>(() => rowsFrom(props.schedule.weekly));
  const [errors, setErrors] = useState<Errors>({});
  const { busy, run } = useWrite(props.onSaved);

  const save = () => {
    const { ranges, local, keys } = parseRows(rows, s.notTime);
    const input = {
      staffId: props.staffId,
      version: props.schedule.version,
      blocks: ranges.map((r) => ({ ...r, kind: r.kind === "break" ? ("break" as const) : ("work" as const) })),
    };
    const all = rowErrors(withLocal(check(staffSetWeeklyScheduleInput, input, tr.lang), local), "blocks", keys);
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    void run(() => api.staff.setWeeklySchedule.mutate(input));
  };

  return (
    <form
      className="settings-form"
      data-testid="staff-weekly"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <h3>
        {s.weekly}{" "}
        <span className="muted small">
          · {s.localTimeNote}: {fmt.zoneName()}
        </span>
      </h3>
      <WeekEditor
        rows={rows}
        setRows={setRows}
        kinds={["work", "break"]}
        errors={errors}
        emptyLabel={s.dayOff}
        testid="staff-week"
      />
      <button type="submit" className="primary" disabled={busy} data-testid="weekly-save">
        {s.saveWeek}
      </button>
    </form>
  );
}

function DateOverrides(props: { staffId: string; schedule: Schedule; onSaved(): void }) {
  const { api, toast, tr, fmt } = useConsole();
  const { s } = useStrings();
  const [form, setForm] = useState({ date: "", kind: "off" as "off" | "custom_hours", start: "10:00", end: "14:00" });
  const [errors, setErrors] = useState<Errors>({});
  const { busy, run } = useWrite(props.onSaved);

  const add = () => {
    const local: Errors = {};
    const input: Record<string, unknown> = { staffId: props.staffId, date: form.date, kind: form.kind };
    if (form.kind === "custom_hours") {
      const start = hhmmToMinutes(form.start);
      const end = hhmmToMinutes(form.end);
      if (start === null) local.startMinute = s.notTime;
      else input.startMinute = start;
      if (end === null) local.endMinute = s.notTime;
      else input.endMinute = end;
    }
    const all = withLocal(check(staffAddDateOverrideInput, input, tr.lang), local);
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    void run(() => api.staff.addDateOverride.mutate(input as Parameters<typeof api.staff.addDateOverride.mutate>[0]));
  };

  return (
    <section className="settings-form" data-testid="staff-overrides">
      <h3>{s.overrides}</h3>
      {props.schedule.dateOverrides.length ? null : <p className="muted">{s.noOverrides}</p>}
      <ul className="plain settings-rows">
        {props.schedule.dateOverrides.map((o) => (
          <li key={o.id} className="settings-row" data-testid="override" data-date={o.date}>
            <span>{fmt.longDay(o.date)}</span>
            <span>
              {o.kind === "off" ? s.dayOff : `${minutesToHhmm(o.startMinute ?? 0)}–${minutesToHhmm(o.endMinute ?? 0)}`}
            </span>
            <button
              type="button"
              className="link"
              disabled={busy}
              onClick={() =>
                void run(() => api.staff.removeDateOverride.mutate({ staffId: props.staffId, overrideId: o.id }))
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
          <input type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
        </Field>
        <Field label={s.state} name="kind" errors={errors}>
          <select
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.target.value as "off" | "custom_hours" })}
          >
            <option value="off">{s.dayOff}</option>
            <option value="custom_hours">{s.customHours}</option>
          </select>
        </Field>
        {form.kind === "custom_hours" ? (
          <>
            <Field label={s.from} name="startMinute" errors={errors}>
              <input
                className="hhmm"
                placeholder="HH:MM"
                value={form.start}
                onChange={(e) => setForm({ ...form, start: e.target.value })}
              />
            </Field>
            <Field label={s.to} name="endMinute" errors={errors}>
              <input
                className="hhmm"
                placeholder="HH:MM"
                value={form.end}
                onChange={(e) => setForm({ ...form, end: e.target.value })}
              />
            </Field>
          </>
        ) : null}
        <button type="submit" disabled={busy}>
          {s.add}
        </button>
      </form>
    </section>
  );
}

function TimeOff(props: { staffId: string; schedule: Schedule; tz: string; onSaved(): void }) {
  const { api, toast, tr, fmt } = useConsole();
  const { s } = useStrings();
  const [form, setForm] = useState({
    startDate: "",
    startTime: "10:00",
    endDate: "",
    endTime: "14:00",
    allDay: false,
    reason: "",
  });
  const [errors, setErrors] = useState<Errors>({});
  const { busy, run } = useWrite(props.onSaved);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const add = () => {
    const local: Errors = {};
    const isDate = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d);
    const endDate = form.endDate || form.startDate;
    const startMin = form.allDay ? 0 : hhmmToMinutes(form.startTime);
    const endMin = form.allDay ? 0 : hhmmToMinutes(form.endTime);
    if (!isDate(form.startDate)) local.startsAt = s.notDate;
    if (form.endDate && !isDate(form.endDate)) local.endsAt = s.notDate;
    if (startMin === null) local.startTime = s.notTime;
    if (endMin === null) local.endTime = s.notTime;
    // Local wall time in the salon's zone → instants (an all-day range ends at the next midnight).
    const instant = (date: string, min: number) => new Date(localToUtc(date, min, props.tz)).toISOString();
    const parsed = !hasErrors(local);
    const input = {
      staffId: props.staffId,
      startsAt: parsed ? instant(form.startDate, startMin ?? 0) : "",
      endsAt: parsed ? instant(form.allDay ? addDays(endDate, 1) : endDate, endMin ?? 0) : "",
      reason: form.reason.trim() ? form.reason : null,
    };
    if (parsed && input.endsAt <= input.startsAt) local.endsAt = s.endBeforeStart;
    const all = withLocal(check(staffAddTimeOffInput, input, tr.lang), local);
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    void run(() => api.staff.addTimeOff.mutate(input));
  };

  return (
    <section className="settings-form" data-testid="staff-time-off">
      <h3>{s.timeOff}</h3>
      {props.schedule.timeOff.length ? null : <p className="muted">{s.noTimeOff}</p>}
      <ul className="plain settings-rows">
        {props.schedule.timeOff.map((t) => (
          <li key={t.id} className="settings-row" data-testid="time-off" data-starts-at={t.startsAt}>
            <span>
              {fmt.dateTime(t.startsAt)} – {fmt.dateTime(t.endsAt)}
            </span>
            <span className="muted">{t.reason ?? ""}</span>
            <button
              type="button"
              className="link"
              disabled={busy}
              onClick={() =>
                void run(() => api.staff.removeTimeOff.mutate({ staffId: props.staffId, timeOffId: t.id }))
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
        <Field label={s.startDate} name="startsAt" errors={errors}>
          <input type="date" data-testid="time-off-start-date" value={form.startDate} onChange={set("startDate")} />
        </Field>
        {form.allDay ? null : (
          <Field label={s.startTime} name="startTime" errors={errors}>
            <input
              className="hhmm"
              placeholder="HH:MM"
              data-testid="time-off-start-time"
              value={form.startTime}
              onChange={set("startTime")}
            />
          </Field>
        )}
        <Field label={s.endDate} name="endsAt" errors={errors}>
          <input type="date" data-testid="time-off-end-date" value={form.endDate} onChange={set("endDate")} />
        </Field>
        {form.allDay ? null : (
          <Field label={s.endTime} name="endTime" errors={errors}>
            <input
              className="hhmm"
              placeholder="HH:MM"
              data-testid="time-off-end-time"
              value={form.endTime}
              onChange={set("endTime")}
            />
          </Field>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={form.allDay}
            onChange={(e) => setForm({ ...form, allDay: e.target.checked })}
          />{" "}
          {s.allDay}
        </label>
        <Field label={s.reason} name="reason" errors={errors}>
          <input data-testid="time-off-reason" value={form.reason} onChange={set("reason")} />
        </Field>
        <button type="submit" disabled={busy} data-testid="time-off-add">
          {s.addTimeOff}
        </button>
      </form>
    </section>
  );
}
