// The salon's details and policies: booking rules (slot step, notice, horizon, unpaid hold), money
// (free cancellation window, whether late cancellations and no-shows keep the deposit) and WhatsApp
// reminders (hours before the visit, the follow-up's hours after it or none), each checked with the
// server's schema.
import { locationUpdateInput } from "@cita/shared";
import { useCallback, useMemo, useState } from "react";
import type { Location } from "../api.ts";
import { useConsole } from "../ui/context.tsx";
import {
  Check,
  check,
  type Errors,
  Field,
  hasErrors,
  parseWhole,
  reportInvalid,
  reportSaveError,
  useLoad,
  withLocal,
} from "./form.tsx";
import { hoursListToMinutes, hoursToMinutes, minutesListToHours, minutesToHours } from "./reminder-hours.ts";
import { useStrings } from "./strings.ts";

const TEXT = ["name", "addressLine", "city", "postalCode", "phone", "timeZone"] as const;
const NUMBERS = [
  "slotStepMinutes",
  "minNoticeMinutes",
  "horizonDays",
  "holdMinutes",
  "cancellationWindowHours",
] as const;
const FLAGS = ["lateCancelKeepsDeposit", "noShowKeepsDeposit"] as const;

type Form = Record<(typeof TEXT)[number] | (typeof NUMBERS)[number], string> &
  Record<(typeof FLAGS)[number], boolean> & {
    /** Hours before the visit, "24, 2". */
    reminders: string;
    followUp: boolean;
    /** Hours after the visit. */
    followUpHours: string;
    /** The agent offers to repeat a booking (issue #20), every `seriesWeeks` weeks. */
    seriesOffer: boolean;
    seriesWeeks: string;
  };

/** The weeks shown when repeat offers are switched on from off ("cada 4 semanas"). */
const SERIES_DEFAULT_WEEKS = 4;

/** The follow-up's hours shown when it is switched on from off. */
const FOLLOW_UP_DEFAULT_MINUTES = 120;

function formOf(l: Location): Form {
  return {
    name: l.name,
    addressLine: l.addressLine,
    city: l.city,
    postalCode: l.postalCode,
    phone: l.phone ?? "",
    timeZone: l.timeZone,
    slotStepMinutes: String(l.slotStepMinutes),
    minNoticeMinutes: String(l.minNoticeMinutes),
    horizonDays: String(l.horizonDays),
    holdMinutes: String(l.holdMinutes),
    cancellationWindowHours: String(l.cancellationWindowHours),
    lateCancelKeepsDeposit: l.lateCancelKeepsDeposit,
    noShowKeepsDeposit: l.noShowKeepsDeposit,
    reminders: minutesListToHours(l.reminderOffsetsMinutes),
    followUp: l.followUpMinutes !== null,
    followUpHours: minutesToHours(l.followUpMinutes ?? FOLLOW_UP_DEFAULT_MINUTES),
    seriesOffer: l.seriesOfferWeeks !== null,
    seriesWeeks: String(l.seriesOfferWeeks ?? SERIES_DEFAULT_WEEKS),
  };
}

/** A list's issues ("reminderOffsetsMinutes.1") shown on its one field. */
function onField(errors: Errors, field: string): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(errors)) {
    const key = k.startsWith(`${field}.`) ? field : k;
    out[key] ??= v;
  }
  return out;
}

export function PoliciesTab() {
  const { api, toast, tr } = useConsole();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.locations.get.query(), [api]);
  const [loc, reload] = useLoad(load, onError);
  if (!loc) return null;
  return <PolicyForm key={loc.version} loc={loc} onSaved={reload} />;
}

function PolicyForm({ loc, onSaved }: { loc: Location; onSaved(): void }) {
  const { api, toast, tr, store } = useConsole();
  const { s } = useStrings();
  const original = useMemo(() => formOf(loc), [loc]);
  const [form, setForm] = useState<Form>(original);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const text = (
    k: (typeof TEXT)[number] | (typeof NUMBERS)[number] | "reminders" | "followUpHours" | "seriesWeeks",
  ) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
    "data-testid": `policy-${k}`,
  });

  const save = async () => {
    const local: Errors = {};
    const input: Record<string, unknown> = { version: loc.version };
    for (const k of TEXT) {
      if (form[k] === original[k]) continue;
      input[k] = k === "phone" && !form.phone.trim() ? null : form[k];
    }
    for (const k of NUMBERS) {
      if (form[k] === original[k]) continue;
      const n = parseWhole(form[k]);
      if (n === null || n === undefined) local[k] = s.notWhole;
      else input[k] = n;
    }
    for (const k of FLAGS) if (form[k] !== original[k]) input[k] = form[k];
    if (form.reminders !== original.reminders) {
      const offsets = hoursListToMinutes(form.reminders);
      if (offsets === null) local.reminderOffsetsMinutes = s.notHours;
      else input.reminderOffsetsMinutes = offsets;
    }
    if (!form.followUp) {
      if (original.followUp) input.followUpMinutes = null;
    } else if (!original.followUp || form.followUpHours !== original.followUpHours) {
      const minutes = hoursToMinutes(form.followUpHours);
      if (minutes === null || minutes === undefined) local.followUpMinutes = s.notHours;
      else input.followUpMinutes = minutes;
    }
    if (!form.seriesOffer) {
      if (original.seriesOffer) input.seriesOfferWeeks = null;
    } else if (!original.seriesOffer || form.seriesWeeks !== original.seriesWeeks) {
      const weeks = parseWhole(form.seriesWeeks);
      if (weeks === null || weeks === undefined) local.seriesOfferWeeks = s.notWhole;
      else input.seriesOfferWeeks = weeks;
    }
    const all = onField(withLocal(check(locationUpdateInput, input, tr.lang), local), "reminderOffsetsMinutes");
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    setBusy(true);
    try {
      await api.locations.update.mutate(input as Parameters<typeof api.locations.update.mutate>[0]);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
      onSaved();
    } catch (e) {
      if (reportSaveError(e, tr.lang, toast) === "stale") onSaved();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form settings-detail"
      data-testid="settings-policies"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset>
        <legend>{s.salon}</legend>
        <div className="settings-grid">
          <Field label={s.name} name="name" errors={errors}>
            <input {...text("name")} />
          </Field>
          <Field label={s.phone} name="phone" errors={errors}>
            <input {...text("phone")} />
          </Field>
          <Field label={s.address} name="addressLine" errors={errors}>
            <input {...text("addressLine")} />
          </Field>
          <Field label={s.city} name="city" errors={errors}>
            <input {...text("city")} />
          </Field>
          <Field label={s.postalCode} name="postalCode" errors={errors}>
            <input {...text("postalCode")} />
          </Field>
          <Field label={s.timeZone} name="timeZone" errors={errors}>
            <input {...text("timeZone")} placeholder="Europe/Madrid" />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>{s.booking}</legend>
        <div className="settings-grid">
          <Field label={s.slotStep} name="slotStepMinutes" errors={errors}>
            <input inputMode="numeric" {...text("slotStepMinutes")} />
          </Field>
          <Field label={s.minNotice} name="minNoticeMinutes" errors={errors}>
            <input inputMode="numeric" {...text("minNoticeMinutes")} />
          </Field>
          <Field label={s.horizon} name="horizonDays" errors={errors}>
            <input inputMode="numeric" {...text("horizonDays")} />
          </Field>
          <Field label={s.hold} name="holdMinutes" errors={errors}>
            <input inputMode="numeric" {...text("holdMinutes")} />
          </Field>
          <Field label={s.seriesWeeks} name="seriesOfferWeeks" errors={errors}>
            <input inputMode="numeric" disabled={!form.seriesOffer} {...text("seriesWeeks")} />
          </Field>
        </div>
        <Check
          label={s.seriesOffer}
          checked={form.seriesOffer}
          onChange={(seriesOffer) => setForm({ ...form, seriesOffer })}
          testid="policy-seriesOffer"
        />
      </fieldset>
      <fieldset>
        <legend>{s.money}</legend>
        <div className="settings-grid">
          <Field label={s.cancellationWindow} name="cancellationWindowHours" errors={errors}>
            <input inputMode="numeric" {...text("cancellationWindowHours")} />
          </Field>
        </div>
        {FLAGS.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              data-testid={`policy-${k}`}
              checked={form[k]}
              onChange={(e) => setForm({ ...form, [k]: e.target.checked })}
            />{" "}
            {k === "lateCancelKeepsDeposit" ? s.lateCancelKeeps : s.noShowKeeps}
          </label>
        ))}
        <p className="muted small">
          <a href="#/settings/services">{s.depositsPerService}</a>
        </p>
      </fieldset>
      <fieldset data-testid="policy-reminders-box">
        <legend>{s.reminders}</legend>
        <div className="settings-grid">
          <Field label={s.reminderHours} name="reminderOffsetsMinutes" errors={errors}>
            <input {...text("reminders")} placeholder="24, 2" />
          </Field>
          <Field label={s.followUpHours} name="followUpMinutes" errors={errors}>
            <input inputMode="decimal" disabled={!form.followUp} {...text("followUpHours")} />
          </Field>
        </div>
        <Check
          label={s.followUp}
          checked={form.followUp}
          onChange={(followUp) => setForm({ ...form, followUp })}
          testid="policy-followUp"
        />
        <p className="muted small">{s.reminderHint}</p>
      </fieldset>
      <button type="submit" className="primary" disabled={busy} data-testid="policies-save">
        {s.save}
      </button>
    </form>
  );
}
