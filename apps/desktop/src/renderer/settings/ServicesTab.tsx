// Services: names in both languages, phases (application, processing gap, finishing), buffers, price
// and deposit; which stylists do each, with their own duration/price. Archive instead of delete.
import { serviceCreateInput, serviceSetStaffInput, serviceUpdateInput } from "@cita/shared";
import { useCallback, useMemo, useState } from "react";
import type { Service } from "../api.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import {
  centsToEuros,
  check,
  type Errors,
  eurosToCents,
  Field,
  hasErrors,
  parseWhole,
  reportInvalid,
  reportSaveError,
  rowErrors,
  useLoad,
  withLocal,
} from "./form.tsx";
import { useStrings } from "./strings.ts";

type DepositRule = "none" | "fixed" | "percent";

interface Form {
  nameEs: string;
  nameEn: string;
  descriptionEs: string;
  descriptionEn: string;
  category: string;
  durationMinutes: string;
  processingMinutes: string;
  finishingMinutes: string;
  bufferBeforeMinutes: string;
  bufferAfterMinutes: string;
  price: string;
  depositRule: DepositRule;
  deposit: string;
  sortOrder: string;
}

const EMPTY: Form = {
  nameEs: "",
  nameEn: "",
  descriptionEs: "",
  descriptionEn: "",
  category: "",
  durationMinutes: "30",
  processingMinutes: "0",
  finishingMinutes: "0",
  bufferBeforeMinutes: "0",
  bufferAfterMinutes: "0",
  price: "",
  depositRule: "none",
  deposit: "",
  sortOrder: "0",
};

function formOf(x: Service): Form {
  return {
    nameEs: x.nameEs,
    nameEn: x.nameEn,
    descriptionEs: x.descriptionEs ?? "",
    descriptionEn: x.descriptionEn ?? "",
    category: x.category,
    durationMinutes: String(x.durationMinutes),
    processingMinutes: String(x.processingMinutes),
    finishingMinutes: String(x.finishingMinutes),
    bufferBeforeMinutes: String(x.bufferBeforeMinutes),
    bufferAfterMinutes: String(x.bufferAfterMinutes),
    price: centsToEuros(x.priceCents),
    depositRule: x.depositRule,
    deposit:
      x.depositRule === "fixed"
        ? centsToEuros(x.depositValue)
        : x.depositRule === "percent"
          ? String(x.depositValue)
          : "",
    sortOrder: String(x.sortOrder),
  };
}

const MINUTE_FIELDS = [
  "durationMinutes",
  "processingMinutes",
  "finishingMinutes",
  "bufferBeforeMinutes",
  "bufferAfterMinutes",
  "sortOrder",
] as const;

/** The form as the schema's input (numbers parsed), plus errors for text that is not a number at all. */
function toFields(f: Form, s: ReturnType<typeof useStrings>["s"]) {
  const local: Errors = {};
  const fields: Record<string, unknown> = {
    nameEs: f.nameEs,
    nameEn: f.nameEn,
    descriptionEs: f.descriptionEs.trim() ? f.descriptionEs : null,
    descriptionEn: f.descriptionEn.trim() ? f.descriptionEn : null,
    category: f.category,
    depositRule: f.depositRule,
  };
  for (const k of MINUTE_FIELDS) {
    const n = parseWhole(f[k]);
    if (n === null || (n === undefined && k === "durationMinutes")) local[k] = s.notMinutes;
    else fields[k] = n ?? 0;
  }
  const price = eurosToCents(f.price);
  if (price === null || price === undefined) local.priceCents = s.notEuros;
  else fields.priceCents = price;
  if (f.depositRule === "none") fields.depositValue = 0;
  else {
    const v = f.depositRule === "fixed" ? eurosToCents(f.deposit) : parseWhole(f.deposit);
    if (v === null || v === undefined) local.depositValue = f.depositRule === "fixed" ? s.notEuros : s.notMinutes;
    else fields.depositValue = v;
  }
  return { fields, local };
}

export function ServicesTab() {
  const { api, toast, tr, fmt } = useConsole();
  const { s } = useStrings();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.services.list.query({ includeArchived: true }), [api]);
  const [services, reload] = useLoad(load, onError);
  const [selected, setSelected] = useState<string | "new" | null>(null);
  const [showArchived, setShowArchived] = useState(false);
  const current = services?.find((x) => x.id === selected) ?? null;
  const visible = (services ?? []).filter((x) => showArchived || x.active);

  return (
    <div className="settings-split" data-testid="settings-services">
      <nav className="settings-list">
        <button type="button" className="primary" data-testid="service-new" onClick={() => setSelected("new")}>
          {s.newService}
        </button>
        <label className="check small">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />{" "}
          {s.showArchived}
        </label>
        <ul className="plain hits-list">
          {visible.map((x) => (
            <li key={x.id}>
              <button
                type="button"
                className={x.id === selected ? "hit active" : "hit"}
                data-testid="service-item"
                data-slug={x.slug}
                onClick={() => setSelected(x.id)}
              >
                <strong>{tr.lang === "es" ? x.nameEs : x.nameEn}</strong>{" "}
                <span className="muted small">
                  {x.durationMinutes + x.processingMinutes + x.finishingMinutes} min ·{" "}
                  <span data-testid="service-item-price">{fmt.money(x.priceCents)}</span>
                  {x.active ? "" : ` · ${s.archived}`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {selected === "new" ? (
        <ServiceEditor
          key="new"
          service={null}
          onSaved={(id) => {
            setSelected(id);
            reload();
          }}
        />
      ) : current ? (
        <div className="settings-detail">
          <ServiceEditor key={`${current.id}:${current.version}`} service={current} onSaved={() => reload()} />
          <ServiceStaff key={`staff:${current.id}:${current.version}`} service={current} onSaved={() => reload()} />
        </div>
      ) : null}
    </div>
  );
}

function ServiceEditor(props: { service: Service | null; onSaved(id: string): void }) {
  const { api, toast, tr, store } = useConsole();
  const { s } = useStrings();
  const original = useMemo(() => (props.service ? formOf(props.service) : EMPTY), [props.service]);
  const [form, setForm] = useState<Form>(original);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const x = props.service;

  const save = async () => {
    const { fields, local } = toFields(form, s);
    let send: unknown;
    let result: ReturnType<typeof check>;
    if (x) {
      // Only what changed, so the audit says what this edit did.
      const before = toFields(original, s).fields;
      const changed = Object.fromEntries(
        Object.entries(fields).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])),
      );
      send = { serviceId: x.id, version: x.version, ...changed };
      result = check(serviceUpdateInput, send, tr.lang);
    } else {
      send = fields;
      result = check(serviceCreateInput, send, tr.lang);
    }
    const all = withLocal(result, local);
    setErrors(all);
    if (hasErrors(all)) {
      reportInvalid(all, tr.lang, toast);
      return;
    }
    setBusy(true);
    try {
      const saved = x
        ? await api.services.update.mutate(send as Parameters<typeof api.services.update.mutate>[0])
        : await api.services.create.mutate(send as Parameters<typeof api.services.create.mutate>[0]);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
      props.onSaved(saved.id);
    } catch (e) {
      if (reportSaveError(e, tr.lang, toast) === "stale") props.onSaved(x?.id ?? "");
    } finally {
      setBusy(false);
    }
  };

  const archive = async (archived: boolean) => {
    if (!x) return;
    setBusy(true);
    try {
      await api.services.archive.mutate({ serviceId: x.id, version: x.version, archived });
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
      props.onSaved(x.id);
    } catch (e) {
      reportSaveError(e, tr.lang, toast);
      props.onSaved(x.id);
    } finally {
      setBusy(false);
    }
  };

  const total = ["durationMinutes", "processingMinutes", "finishingMinutes"].reduce(
    (sum, k) => sum + (Number(form[k as keyof Form]) || 0),
    0,
  );

  return (
    <form
      className="settings-form"
      data-testid="service-form"
      data-service-id={x?.id ?? ""}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{x ? (tr.lang === "es" ? x.nameEs : x.nameEn) : s.newService}</h3>
      <div className="settings-grid">
        <Field label={s.nameEs} name="nameEs" errors={errors}>
          <input data-testid="service-nameEs" value={form.nameEs} onChange={set("nameEs")} />
        </Field>
        <Field label={s.nameEn} name="nameEn" errors={errors}>
          <input data-testid="service-nameEn" value={form.nameEn} onChange={set("nameEn")} />
        </Field>
        <Field label={s.category} name="category" errors={errors}>
          <input data-testid="service-category" value={form.category} onChange={set("category")} />
        </Field>
        <Field label={s.sortOrder} name="sortOrder" errors={errors}>
          <input inputMode="numeric" value={form.sortOrder} onChange={set("sortOrder")} />
        </Field>
        <Field label={s.descriptionEs} name="descriptionEs" errors={errors}>
          <textarea rows={2} value={form.descriptionEs} onChange={set("descriptionEs")} />
        </Field>
        <Field label={s.descriptionEn} name="descriptionEn" errors={errors}>
          <textarea rows={2} value={form.descriptionEn} onChange={set("descriptionEn")} />
        </Field>
      </div>
      <fieldset>
        <legend>
          {s.phases} · {s.totalTime}: {total} min
        </legend>
        <div className="settings-grid five">
          <Field label={s.duration} name="durationMinutes" errors={errors}>
            <input
              inputMode="numeric"
              data-testid="service-duration"
              value={form.durationMinutes}
              onChange={set("durationMinutes")}
            />
          </Field>
          <Field label={s.processing} name="processingMinutes" errors={errors}>
            <input inputMode="numeric" value={form.processingMinutes} onChange={set("processingMinutes")} />
          </Field>
          <Field label={s.finishing} name="finishingMinutes" errors={errors}>
            <input inputMode="numeric" value={form.finishingMinutes} onChange={set("finishingMinutes")} />
          </Field>
          <Field label={s.bufferBefore} name="bufferBeforeMinutes" errors={errors}>
            <input inputMode="numeric" value={form.bufferBeforeMinutes} onChange={set("bufferBeforeMinutes")} />
          </Field>
          <Field label={s.bufferAfter} name="bufferAfterMinutes" errors={errors}>
            <input inputMode="numeric" value={form.bufferAfterMinutes} onChange={set("bufferAfterMinutes")} />
          </Field>
        </div>
      </fieldset>
      <div className="settings-grid">
        <Field label={s.price} name="priceCents" errors={errors}>
          <input inputMode="decimal" data-testid="service-price" value={form.price} onChange={set("price")} />
        </Field>
        <Field label={s.depositRule} name="depositRule" errors={errors}>
          <select
            data-testid="service-deposit-rule"
            value={form.depositRule}
            onChange={(e) => setForm({ ...form, depositRule: e.target.value as DepositRule, deposit: "" })}
          >
            <option value="none">{s.depositNone}</option>
            <option value="fixed">{s.depositFixed}</option>
            <option value="percent">{s.depositPercent}</option>
          </select>
        </Field>
        {form.depositRule !== "none" ? (
          <Field
            label={form.depositRule === "fixed" ? s.depositAmount : s.depositPercentValue}
            name="depositValue"
            errors={errors}
          >
            <input inputMode="decimal" data-testid="service-deposit" value={form.deposit} onChange={set("deposit")} />
          </Field>
        ) : null}
      </div>
      <div className="actions">
        <button type="submit" className="primary" data-testid="service-save" disabled={busy}>
          {x ? s.save : s.create}
        </button>
        {x ? (
          <button
            type="button"
            className={x.active ? "danger" : ""}
            data-testid="service-archive"
            disabled={busy}
            onClick={() => void archive(x.active)}
          >
            {x.active ? s.archive : s.restore}
          </button>
        ) : null}
      </div>
    </form>
  );
}

interface Assignment {
  on: boolean;
  duration: string;
  price: string;
}

/** Who does the service, each with an optional own duration and price (services.setStaff). */
function ServiceStaff(props: { service: Service; onSaved(): void }) {
  const { api, toast, tr, store } = useConsole();
  const { s } = useStrings();
  const snap = useSnapshot();
  const stylists = snap.staff.filter((m) => m.bookable || props.service.staff.some((x) => x.staffId === m.id));
  const [rows, setRows] = useState<Record<string, Assignment>>(() =>
    Object.fromEntries(
      stylists.map((m) => {
        const a = props.service.staff.find((x) => x.staffId === m.id);
        return [
          m.id,
          {
            on: !!a,
            duration: a?.durationMinutes != null ? String(a.durationMinutes) : "",
            price: centsToEuros(a?.priceCents),
          },
        ];
      }),
    ),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const save = async () => {
    const local: Errors = {};
    const staff: Record<string, unknown>[] = [];
    for (const m of stylists) {
      const r = rows[m.id];
      if (!r?.on) continue;
      const i = staff.length;
      const duration = parseWhole(r.duration);
      const price = eurosToCents(r.price);
      if (duration === null) local[`staff.${i}.durationMinutes`] = s.notMinutes;
      if (price === null) local[`staff.${i}.priceCents`] = s.notEuros;
      staff.push({
        staffId: m.id,
        durationMinutes: duration ?? null,
        priceCents: price ?? null,
      });
    }
    const input = { serviceId: props.service.id, version: props.service.version, staff };
    const result = check(serviceSetStaffInput, input, tr.lang);
    // Errors are keyed by position in the sent list; show them on the stylist's row.
    const all = rowErrors(
      withLocal(result, local),
      "staff",
      staff.map((x) => x.staffId as string),
    );
    setErrors(all);
    if (hasErrors(all)) {
      reportInvalid(all, tr.lang, toast);
      return;
    }
    setBusy(true);
    try {
      await api.services.setStaff.mutate(input as Parameters<typeof api.services.setStaff.mutate>[0]);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
      props.onSaved();
    } catch (e) {
      reportSaveError(e, tr.lang, toast);
      props.onSaved();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      data-testid="service-staff"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{s.whoDoesIt}</h3>
      <div className="settings-rows">
        {stylists.map((m) => {
          const r = rows[m.id] ?? { on: false, duration: "", price: "" };
          const upd = (p: Partial<Assignment>) => setRows({ ...rows, [m.id]: { ...r, ...p } });
          return (
            <div key={m.id} className="settings-row" data-testid="service-staff-row" data-staff-id={m.id}>
              <label className="check">
                <input type="checkbox" checked={r.on} onChange={(e) => upd({ on: e.target.checked })} /> {m.displayName}
              </label>
              <Field label={s.ownDuration} name={`${m.id}.durationMinutes`} errors={errors}>
                <input
                  inputMode="numeric"
                  placeholder={s.sameAsService}
                  disabled={!r.on}
                  value={r.duration}
                  onChange={(e) => upd({ duration: e.target.value })}
                />
              </Field>
              <Field label={s.ownPrice} name={`${m.id}.priceCents`} errors={errors}>
                <input
                  inputMode="decimal"
                  placeholder={s.sameAsService}
                  disabled={!r.on}
                  value={r.price}
                  onChange={(e) => upd({ price: e.target.value })}
                />
              </Field>
            </div>
          );
        })}
      </div>
      <button type="submit" className="primary" disabled={busy} data-testid="service-staff-save">
        {s.saveStylists}
      </button>
    </form>
  );
}
