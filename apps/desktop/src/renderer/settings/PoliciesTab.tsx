// The salon's details and policies: booking rules (slot step, notice, horizon, unpaid hold) and money
// (free cancellation window, whether late cancellations and no-shows keep the deposit).
import { locationUpdateInput } from "@cita/shared";
import { useCallback, useMemo, useState } from "react";
import type { Location } from "../api.ts";
import { useConsole } from "../ui/context.tsx";
import {
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

type Form = Record<(typeof TEXT)[number] | (typeof NUMBERS)[number], string> & Record<(typeof FLAGS)[number], boolean>;

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
  };
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
  const text = (k: (typeof TEXT)[number] | (typeof NUMBERS)[number]) => ({
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
    const all = withLocal(check(locationUpdateInput, input, tr.lang), local);
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
        </div>
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
      <button type="submit" className="primary" disabled={busy} data-testid="policies-save">
        {s.save}
      </button>
    </form>
  );
}
