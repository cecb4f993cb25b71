// What every settings form shares: validation with the server's own zod schemas (issues shown next to
// their field, in the user's language), euros ↔ cents, HH:MM ↔ minutes, and server errors as toasts.
import { type ComponentProps, type ReactNode, useCallback, useEffect, useState } from "react";
import { errorData, errorMessage } from "../api.ts";
import type { Lang } from "../i18n.ts";
import type { Toast } from "../ui/context.tsx";
import { SETTINGS_STRINGS } from "./strings.ts";

/** Field errors keyed by the input's path ("priceCents", "hours.2.endMinute"). */
export type Errors = Record<string, string>;

/** The part of a zod issue the console reads (zod itself is the shared package's dependency). */
export interface Issue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  format?: string;
}

/** Any zod schema from @cita/shared. */
export interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}

// The schemas' own refinement messages (English), for the Spanish console.
const ES_MESSAGES: Record<string, string> = {
  "Duration must be more than 0 minutes": "La duración debe ser de más de 0 minutos",
  "Slot step must divide the day evenly (e.g. 5, 10, 15, 20, 30, 60)":
    "Debe dividir el día en partes iguales (p. ej. 5, 10, 15, 20, 30, 60)",
  "Custom hours need a start and an end": "El otro horario necesita inicio y fin",
  "A day off has no hours": "Un día libre no tiene horas",
  "Colour must be a hex colour like #6366f1": "El color debe ser hexadecimal, como #6366f1",
  "Enter a valid email address": "Escribe un correo electrónico válido",
  "Time off must start before it ends": "Debe terminar después de empezar",
  "A reminder must be whole minutes": "Cada recordatorio debe ser en minutos enteros",
  "A reminder must be at least 15 minutes before the visit":
    "Cada recordatorio debe ser al menos 15 minutos antes de la cita",
  "A reminder can be at most 7 days (168 hours) before the visit":
    "Un recordatorio puede ser como mucho 7 días (168 horas) antes de la cita",
  "At most 3 reminders before a visit": "Como máximo 3 recordatorios antes de la cita",
  "Each reminder must be at a different time": "Cada recordatorio debe ser a una hora distinta",
  "The follow-up must be whole minutes": "El seguimiento debe ser en minutos enteros",
  "The follow-up must be at least 15 minutes after the visit":
    "El seguimiento debe ser al menos 15 minutos después de la cita",
  "The follow-up can be at most 7 days (168 hours) after the visit":
    "El seguimiento puede ser como mucho 7 días (168 horas) después de la cita",
};

/** One issue in the user's language: the schema's message in English, a Spanish rendering of it in Spanish. */
export function issueText(issue: Issue, lang: Lang): string {
  if (lang === "en") return issue.message;
  // A message the schema words itself (a bound with its own words, a refinement) has its own rendering.
  const own = ES_MESSAGES[issue.message];
  if (own) return own;
  switch (issue.code) {
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") return min <= 1 ? "No puede estar vacío" : `Mínimo ${min} caracteres`;
      if (issue.origin === "array") return `Mínimo ${min}`;
      if (min === 0) return "No puede ser negativo";
      return issue.inclusive === false ? `Debe ser mayor que ${min}` : `Debe ser al menos ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") return `Demasiado largo (máx. ${max} caracteres)`;
      if (issue.origin === "array") return `Máximo ${max}`;
      return `Debe ser como máximo ${max}`;
    }
    case "invalid_type":
      return issue.expected === "int" ? "Debe ser un número entero" : "Valor no válido";
    case "invalid_format":
      if (issue.format === "email") return "Escribe un correo electrónico válido";
      if (issue.format === "datetime") return "Fecha y hora no válidas";
      return ES_MESSAGES[issue.message] ?? "Formato no válido";
    case "invalid_value":
      return "Elige una de las opciones";
    default:
      return ES_MESSAGES[issue.message] ?? issue.message;
  }
}

export type Checked<T> = { ok: true; data: T } | { ok: false; errors: Errors };

/** `schema.safeParse(input)`; on failure the first issue per field, in the user's language. */
export function check<T>(schema: Schema<T>, input: unknown, lang: Lang): Checked<T> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  const errors: Errors = {};
  for (const issue of r.error.issues) {
    const key = issue.path.map(String).join(".") || "_";
    errors[key] ??= issueText(issue, lang);
  }
  return { ok: false, errors };
}

/** Merges errors found before validation (unparseable text) with the schema's. */
export function withLocal(result: Checked<unknown>, local: Errors): Errors {
  return { ...local, ...(result.ok ? {} : result.errors) };
}

/** Errors of a list sent by position ("staff.2.priceCents") re-keyed by row id ("<id>.priceCents"). */
export function rowErrors(errors: Errors, list: string, ids: readonly string[]): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(errors)) {
    const m = new RegExp(`^${list}\\.(\\d+)\\.(\\w+)$`).exec(k);
    const id = m ? ids[Number(m[1])] : undefined;
    out[id && m ? `${id}.${m[2]}` : k] = v;
  }
  return out;
}

export const hasErrors = (e: Errors) => Object.keys(e).length > 0;

/** "35", "35,5", "35.50", "-5" → cents; "" → `empty`; anything else → null (not a number). */
export function eurosToCents(text: string, empty: number | null = null): number | null | undefined {
  const t = text.trim().replace(",", ".");
  if (!t) return empty ?? undefined;
  if (!/^-?\d+(\.\d{1,2})?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}

export function centsToEuros(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return "";
  const e = cents / 100;
  return Number.isInteger(e) ? String(e) : e.toFixed(2);
}

/** Whole minutes ("45", "-5"); "" → undefined; not a whole number → null. */
export function parseWhole(text: string): number | null | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** "HH:MM" (00:00–24:00) → minutes from local midnight; null if not a time. */
export function hhmmToMinutes(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return null;
  return h * 60 + min;
}

export function minutesToHhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** Toasts a failed save: a stale version says so (and the caller reloads); anything else verbatim. */
export function reportSaveError(e: unknown, lang: Lang, toast: (t: Toast) => void): "stale" | "other" {
  const d = errorData(e);
  if (d.code === "CONFLICT" && d.details && "currentVersion" in d.details) {
    toast({ kind: "error", text: SETTINGS_STRINGS[lang].stale });
    return "stale";
  }
  toast({ kind: "error", text: errorMessage(e) });
  return "other";
}

/** Toasts "please correct the fields" with every message, so none is lost if its field is not on screen. */
export function reportInvalid(errors: Errors, lang: Lang, toast: (t: Toast) => void): void {
  toast({ kind: "error", text: SETTINGS_STRINGS[lang].fixErrors, detail: [...new Set(Object.values(errors))] });
}

/** Loads once and on `reload()`; keeps the last value while reloading. */
export function useLoad<T>(load: () => Promise<T>, onError: (e: unknown) => void) {
  const [value, setValue] = useState<T | null>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the reload trigger
  useEffect(() => {
    let live = true;
    load()
      .then((v) => live && setValue(v))
      .catch((e) => live && onError(e));
    return () => {
      live = false;
    };
  }, [load, onError, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return [value, reload, setValue] as const;
}

export function Field(props: { label: string; name: string; errors: Errors; children: ReactNode; className?: string }) {
  const error = props.errors[props.name];
  return (
    <div className={`field ${props.className ?? ""} ${error ? "invalid" : ""}`.trim()}>
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as the label's child */}
      <label>
        <span>{props.label}</span>
        {props.children}
      </label>
      {error ? (
        <span className="error small" data-testid="field-error" data-field={props.name} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** A checkbox with its label after it. */
export function Check(props: {
  label: ReactNode;
  checked: boolean;
  onChange(checked: boolean): void;
  testid?: string;
  className?: string;
  disabled?: boolean;
}) {
  return (
    <label className={props.className ?? "check"}>
      <input
        type="checkbox"
        data-testid={props.testid}
        disabled={props.disabled}
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />{" "}
      {props.label}
    </label>
  );
}

/** A settings form: the schemas' messages instead of the browser's validation; submit runs `onSubmit`. */
export function SettingsForm({
  onSubmit,
  className = "settings-form",
  ...rest
}: Omit<ComponentProps<"form">, "onSubmit"> & { onSubmit(): void }) {
  return (
    <form
      className={className}
      noValidate
      {...rest}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    />
  );
}

/** A local wall time typed as HH:MM. */
export function TimeField({
  label,
  name,
  errors,
  ...input
}: { label: string; name: string; errors: Errors } & ComponentProps<"input">) {
  return (
    <Field label={label} name={name} errors={errors}>
      <input className="hhmm" placeholder="HH:MM" {...input} />
    </Field>
  );
}
