// Services: names in both languages, phases (application, processing gap, finishing), buffers, price
// and deposit; which stylists do each, with their own duration/price. Archive instead of delete.
import { serviceCreateInput, serviceSetStaffInput, serviceUpdateInput } from "@cita/shared";
import { useCallback, useMemo } from "react";
import type { Service } from "../api.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { centsToEuros, check, type Errors, eurosToCents, Field, parseWhole, SettingsForm, withLocal } from "./form.tsx";
import { OwnTermsForm } from "./OwnTerms.tsx";
import { EditList } from "./parts.tsx";
import { afterEntrySave, changedFields, useFields, useSave } from "./save.ts";
import { type SettingsKey, useStrings } from "./strings.ts";

type DepositRule = "none" | "fixed" | "percent";

/** Patch tests (issue #21): this component's own strings, es/en. */
const PATCH = {
  es: {
    legend: "Prueba de alergia",
    required: "Exige una prueba de alergia negativa antes de reservar",
    minHours: "Al menos (horas antes de la cita)",
    maxMonths: "Validez (meses)",
    isTest: "Este servicio es la prueba de alergia (se ofrece antes)",
    notHours: "Escribe un número de horas entero",
    notMonths: "Escribe un número de meses entero",
  },
  en: {
    legend: "Allergy (patch) test",
    required: "Requires a negative patch test before booking",
    minHours: "At least (hours before the visit)",
    maxMonths: "Valid for (months)",
    isTest: "This service is the patch test (offered first)",
    notHours: "Write a whole number of hours",
    notMonths: "Write a whole number of months",
  },
};

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
  patchTestRequired: boolean;
  patchTestMinHours: string;
  patchTestMaxMonths: string;
  isPatchTest: boolean;
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
  patchTestRequired: false,
  patchTestMinHours: "48",
  patchTestMaxMonths: "6",
  isPatchTest: false,
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
    patchTestRequired: x.patchTestRequired ?? false,
    patchTestMinHours: String(x.patchTestMinHours ?? 48),
    patchTestMaxMonths: String(x.patchTestMaxMonths ?? 6),
    isPatchTest: x.isPatchTest ?? false,
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

const PHASES = [
  ["durationMinutes", "duration"],
  ["processingMinutes", "processing"],
  ["finishingMinutes", "finishing"],
  ["bufferBeforeMinutes", "bufferBefore"],
  ["bufferAfterMinutes", "bufferAfter"],
] as const satisfies readonly (readonly [keyof Form, SettingsKey])[];

/** The form as the schema's input (numbers parsed), plus errors for text that is not a number at all. */
function toFields(f: Form, s: ReturnType<typeof useStrings>["s"], lang: "es" | "en" = "es") {
  const local: Errors = {};
  const fields: Record<string, unknown> = {
    patchTestRequired: f.patchTestRequired,
    isPatchTest: f.isPatchTest,
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
  const hours = parseWhole(f.patchTestMinHours);
  if (hours === null || hours === undefined) local.patchTestMinHours = PATCH[lang].notHours;
  else fields.patchTestMinHours = hours;
  const months = parseWhole(f.patchTestMaxMonths);
  if (months === null || months === undefined) local.patchTestMaxMonths = PATCH[lang].notMonths;
  else fields.patchTestMaxMonths = months;
  if (f.depositRule === "none") fields.depositValue = 0;
  else {
    const v = f.depositRule === "fixed" ? eurosToCents(f.deposit) : parseWhole(f.deposit);
    if (v === null || v === undefined) local.depositValue = f.depositRule === "fixed" ? s.notEuros : s.notMinutes;
    else fields.depositValue = v;
  }
  return { fields, local };
}

export function ServicesTab() {
  const { api, tr, fmt } = useConsole();
  const { s } = useStrings();
  const load = useCallback(() => api.services.list.query({ includeArchived: true }), [api]);
  return (
    <EditList
      testids={{ list: "settings-services", new: "service-new", item: "service-item" }}
      load={load}
      newLabel={s.newService}
      showLabel={s.showArchived}
      itemAttrs={(x) => ({ "data-slug": x.slug })}
      item={(x) => (
        <>
          <strong>{tr.lang === "es" ? x.nameEs : x.nameEn}</strong>{" "}
          <span className="muted small">
            {x.durationMinutes + x.processingMinutes + x.finishingMinutes} min ·{" "}
            <span data-testid="service-item-price">{fmt.money(x.priceCents)}</span>
            {x.active ? "" : ` · ${s.archived}`}
          </span>
        </>
      )}
      detail={(x, saved) =>
        x ? (
          <div className="settings-detail">
            <ServiceEditor key={`${x.id}:${x.version}`} service={x} onSaved={saved} />
            <ServiceStaff key={`staff:${x.id}:${x.version}`} service={x} onSaved={() => saved()} />
          </div>
        ) : (
          <ServiceEditor key="new" service={null} onSaved={saved} />
        )
      }
    />
  );
}

function ServiceEditor(props: { service: Service | null; onSaved(id: string): void }) {
  const { api, tr } = useConsole();
  const { s } = useStrings();
  const original = useMemo(() => (props.service ? formOf(props.service) : EMPTY), [props.service]);
  const { form, patch, bind } = useFields<Form>(original);
  const { errors, valid, busy, save } = useSave();
  const x = props.service;

  const submit = () => {
    const { fields, local } = toFields(form, s, tr.lang);
    // An edit sends only what changed, so the audit says what this edit did.
    const send = x
      ? { serviceId: x.id, version: x.version, ...changedFields(fields, toFields(original, s, tr.lang).fields) }
      : fields;
    if (!valid(withLocal(check<unknown>(x ? serviceUpdateInput : serviceCreateInput, send, tr.lang), local))) return;
    void save(
      () =>
        x
          ? api.services.update.mutate(send as Parameters<typeof api.services.update.mutate>[0])
          : api.services.create.mutate(send as Parameters<typeof api.services.create.mutate>[0]),
      afterEntrySave(x?.id, props.onSaved),
    );
  };

  const archive = (service: Service) =>
    void save(
      () => api.services.archive.mutate({ serviceId: service.id, version: service.version, archived: service.active }),
      () => props.onSaved(service.id),
    );

  const total = ["durationMinutes", "processingMinutes", "finishingMinutes"].reduce(
    (sum, k) => sum + (Number(form[k as keyof Form]) || 0),
    0,
  );
  return (
    <SettingsForm data-testid="service-form" data-service-id={x?.id ?? ""} onSubmit={submit}>
      <h3>{x ? (tr.lang === "es" ? x.nameEs : x.nameEn) : s.newService}</h3>
      <div className="settings-grid">
        <Field label={s.nameEs} name="nameEs" errors={errors}>
          <input data-testid="service-nameEs" {...bind("nameEs")} />
        </Field>
        <Field label={s.nameEn} name="nameEn" errors={errors}>
          <input data-testid="service-nameEn" {...bind("nameEn")} />
        </Field>
        <Field label={s.category} name="category" errors={errors}>
          <input data-testid="service-category" {...bind("category")} />
        </Field>
        <Field label={s.sortOrder} name="sortOrder" errors={errors}>
          <input inputMode="numeric" {...bind("sortOrder")} />
        </Field>
        <Field label={s.descriptionEs} name="descriptionEs" errors={errors}>
          <textarea rows={2} {...bind("descriptionEs")} />
        </Field>
        <Field label={s.descriptionEn} name="descriptionEn" errors={errors}>
          <textarea rows={2} {...bind("descriptionEn")} />
        </Field>
      </div>
      <fieldset>
        <legend>
          {s.phases} · {s.totalTime}: {total} min
        </legend>
        <div className="settings-grid five">
          {PHASES.map(([k, label]) => (
            <Field key={k} label={s[label]} name={k} errors={errors}>
              <input
                inputMode="numeric"
                data-testid={k === "durationMinutes" ? "service-duration" : undefined}
                {...bind(k)}
              />
            </Field>
          ))}
        </div>
      </fieldset>
      <div className="settings-grid">
        <Field label={s.price} name="priceCents" errors={errors}>
          <input inputMode="decimal" data-testid="service-price" {...bind("price")} />
        </Field>
        <Field label={s.depositRule} name="depositRule" errors={errors}>
          <select
            data-testid="service-deposit-rule"
            value={form.depositRule}
            onChange={(e) => patch({ depositRule: e.target.value as DepositRule, deposit: "" })}
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
            <input inputMode="decimal" data-testid="service-deposit" {...bind("deposit")} />
          </Field>
        ) : null}
      </div>
      <fieldset data-testid="service-patch-test">
        <legend>{PATCH[tr.lang].legend}</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="service-patch-required"
            checked={form.patchTestRequired}
            onChange={(e) => patch({ patchTestRequired: e.target.checked })}
          />{" "}
          {PATCH[tr.lang].required}
        </label>
        {form.patchTestRequired ? (
          <div className="settings-grid">
            <Field label={PATCH[tr.lang].minHours} name="patchTestMinHours" errors={errors}>
              <input inputMode="numeric" data-testid="service-patch-hours" {...bind("patchTestMinHours")} />
            </Field>
            <Field label={PATCH[tr.lang].maxMonths} name="patchTestMaxMonths" errors={errors}>
              <input inputMode="numeric" data-testid="service-patch-months" {...bind("patchTestMaxMonths")} />
            </Field>
          </div>
        ) : null}
        <label className="check">
          <input
            type="checkbox"
            data-testid="service-is-patch-test"
            checked={form.isPatchTest}
            onChange={(e) => patch({ isPatchTest: e.target.checked })}
          />{" "}
          {PATCH[tr.lang].isTest}
        </label>
      </fieldset>
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
            onClick={() => archive(x)}
          >
            {x.active ? s.archive : s.restore}
          </button>
        ) : null}
      </div>
    </SettingsForm>
  );
}

/** Who does the service, each with an optional own duration and price (services.setStaff). */
function ServiceStaff(props: { service: Service; onSaved(): void }) {
  const { api } = useConsole();
  const { s } = useStrings();
  const snap = useSnapshot();
  const x = props.service;
  const stylists = snap.staff.filter((m) => m.bookable || x.staff.some((a) => a.staffId === m.id));
  return (
    <OwnTermsForm
      rows={stylists.map((m) => {
        const own = x.staff.find((a) => a.staffId === m.id);
        return {
          id: m.id,
          label: m.displayName,
          on: !!own,
          durationMinutes: own?.durationMinutes,
          priceCents: own?.priceCents,
          placeholders: { duration: s.sameAsService, price: s.sameAsService },
        };
      })}
      title={s.whoDoesIt}
      saveLabel={s.saveStylists}
      testids={{ form: "service-staff", row: "service-staff-row", save: "service-staff-save" }}
      rowAttr="data-staff-id"
      list="staff"
      schema={serviceSetStaffInput}
      input={(terms) => ({
        serviceId: x.id,
        version: x.version,
        staff: terms.map((t) => ({ staffId: t.id, durationMinutes: t.durationMinutes, priceCents: t.priceCents })),
      })}
      write={(input) => api.services.setStaff.mutate(input)}
      onSaved={props.onSaved}
    />
  );
}
