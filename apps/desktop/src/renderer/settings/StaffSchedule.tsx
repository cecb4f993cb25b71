// A stylist's time: the weekly working hours with breaks, days with other hours (or off), and time
// off. Times are entered as local wall time in the salon's zone; time off is stored as instants.
import { staffAddDateOverrideInput, staffAddTimeOffInput, staffSetWeeklyScheduleInput } from "@cita/shared";
import { Fragment, useCallback } from "react";
import type { RouterOutputs, StaffMember } from "../api.ts";
import { addDays, localToUtc, today } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import {
  Check,
  check,
  type Errors,
  Field,
  hasErrors,
  hhmmToMinutes,
  minutesToHhmm,
  TimeField,
  withLocal,
} from "./form.tsx";
import { DatedList } from "./parts.tsx";
import { type Outcome, useFields, useSave, useSettingsLoad } from "./save.ts";
import { useStrings } from "./strings.ts";
import { TimeRange, WeekForm } from "./WeekEditor.tsx";

type Schedule = RouterOutputs["staff"]["getSchedule"];

interface PartProps {
  staffId: string;
  schedule: Schedule;
  /** After a write: reloads when it went through or another edit won (a failure may mean the data moved on). */
  onSaved(outcome: Outcome<unknown>): void;
}

export function StaffSchedule(props: { member: StaffMember; onSaved(): void }) {
  const { api } = useConsole();
  const { s } = useStrings();
  const tz = useSnapshot().location!.timeZone;
  const load = useCallback(
    () => api.staff.getSchedule.query({ staffId: props.member.id, from: today(tz) }),
    [api, props.member.id, tz],
  );
  const [schedule, reload] = useSettingsLoad(load);
  const saved = useCallback(
    (o: Outcome<unknown>) => {
      if (!o.ok && !o.stale) return;
      reload();
      props.onSaved();
    },
    [reload, props.onSaved],
  );
  if (!schedule) return null;
  const part = { staffId: props.member.id, schedule, onSaved: saved };
  return (
    <>
      <WeekForm
        key={`w${schedule.version}`}
        title={s.weekly}
        ranges={schedule.weekly}
        kinds={["work", "break"]}
        emptyLabel={s.dayOff}
        saveLabel={s.saveWeek}
        testids={{ form: "staff-weekly", week: "staff-week", save: "weekly-save" }}
        list="blocks"
        schema={staffSetWeeklyScheduleInput}
        input={(ranges) => ({
          staffId: props.member.id,
          version: schedule.version,
          blocks: ranges.map((r) => ({ ...r, kind: r.kind === "break" ? ("break" as const) : ("work" as const) })),
        })}
        write={(input) => api.staff.setWeeklySchedule.mutate(input)}
        then={saved}
      />
      <DateOverrides key={`o${schedule.version}`} {...part} />
      <TimeOff key={`t${schedule.version}`} {...part} tz={tz} />
    </>
  );
}

function DateOverrides(props: PartProps) {
  const { api, tr, fmt } = useConsole();
  const { s } = useStrings();
  const { form, patch, bind } = useFields({
    date: "",
    kind: "off" as "off" | "custom_hours",
    start: "10:00",
    end: "14:00",
  });
  const { errors, valid, busy, save } = useSave();

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
    if (!valid(withLocal(check(staffAddDateOverrideInput, input, tr.lang), local))) return;
    const send = input as Parameters<typeof api.staff.addDateOverride.mutate>[0];
    void save(() => api.staff.addDateOverride.mutate(send), props.onSaved);
  };

  return (
    <DatedList
      testids={{ list: "staff-overrides", item: "override" }}
      title={s.overrides}
      empty={s.noOverrides}
      items={props.schedule.dateOverrides}
      itemAttrs={(o) => ({ "data-date": o.date })}
      item={(o) => (
        <>
          <span>{fmt.longDay(o.date)}</span>
          <span>
            {o.kind === "off" ? s.dayOff : `${minutesToHhmm(o.startMinute ?? 0)}–${minutesToHhmm(o.endMinute ?? 0)}`}
          </span>
        </>
      )}
      remove={(o) =>
        void save(
          () => api.staff.removeDateOverride.mutate({ staffId: props.staffId, overrideId: o.id }),
          props.onSaved,
        )
      }
      add={add}
      addLabel={s.add}
      busy={busy}
    >
      <Field label={s.date} name="date" errors={errors}>
        <input type="date" {...bind("date")} />
      </Field>
      <Field label={s.state} name="kind" errors={errors}>
        <select {...bind("kind")}>
          <option value="off">{s.dayOff}</option>
          <option value="custom_hours">{s.customHours}</option>
        </select>
      </Field>
      {form.kind === "custom_hours" ? (
        <TimeRange start={form.start} end={form.end} onChange={patch} errors={errors} />
      ) : null}
    </DatedList>
  );
}

function TimeOff(props: PartProps & { tz: string }) {
  const { api, tr, fmt } = useConsole();
  const { s } = useStrings();
  const { form, patch, bind } = useFields({
    startDate: "",
    startTime: "10:00",
    endDate: "",
    endTime: "14:00",
    allDay: false,
    reason: "",
  });
  const { errors, valid, busy, save } = useSave();

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
    if (!valid(withLocal(check(staffAddTimeOffInput, input, tr.lang), local))) return;
    void save(() => api.staff.addTimeOff.mutate(input), props.onSaved);
  };

  return (
    <DatedList
      testids={{ list: "staff-time-off", item: "time-off", add: "time-off-add" }}
      title={s.timeOff}
      empty={s.noTimeOff}
      items={props.schedule.timeOff}
      itemAttrs={(t) => ({ "data-starts-at": t.startsAt })}
      item={(t) => (
        <>
          <span>
            {fmt.dateTime(t.startsAt)} – {fmt.dateTime(t.endsAt)}
          </span>
          <span className="muted">{t.reason ?? ""}</span>
        </>
      )}
      remove={(t) =>
        void save(() => api.staff.removeTimeOff.mutate({ staffId: props.staffId, timeOffId: t.id }), props.onSaved)
      }
      add={add}
      addLabel={s.addTimeOff}
      busy={busy}
    >
      {(["start", "end"] as const).map((k) => (
        <Fragment key={k}>
          <Field label={s[`${k}Date`]} name={`${k}sAt`} errors={errors}>
            <input type="date" data-testid={`time-off-${k}-date`} {...bind(`${k}Date`)} />
          </Field>
          {form.allDay ? null : (
            <TimeField
              label={s[`${k}Time`]}
              name={`${k}Time`}
              errors={errors}
              data-testid={`time-off-${k}-time`}
              {...bind(`${k}Time`)}
            />
          )}
        </Fragment>
      ))}
      <Check label={s.allDay} checked={form.allDay} onChange={(allDay) => patch({ allDay })} />
      <Field label={s.reason} name="reason" errors={errors}>
        <input data-testid="time-off-reason" {...bind("reason")} />
      </Field>
    </DatedList>
  );
}
