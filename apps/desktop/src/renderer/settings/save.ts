// How every settings form reads and writes: a failed read is a toast; field errors are shown (and
// toasted) before anything is sent; `busy` while a write runs; "saved" or the reason it failed as a
// toast, and the console's catalog re-read once the settings changed. The caller reloads its own data
// from the write's outcome.
import { useCallback, useState } from "react";
import { useConsole } from "../ui/context.tsx";
import { type Errors, hasErrors, reportInvalid, reportSaveError, useLoad } from "./form.tsx";
import { useStrings } from "./strings.ts";

/** How a write ended: with its result, or failed (already toasted); `stale` when another edit won. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; stale: boolean };

/** `useLoad` with a failed read toasted. */
export function useSettingsLoad<T>(load: () => Promise<T>) {
  const { toast, tr } = useConsole();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  return useLoad(load, onError);
}

/** A form's errors and writes: `valid(all)` shows the errors and says whether there are none. */
export function useSave() {
  const { toast, tr, store } = useConsole();
  const { s } = useStrings();
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const valid = (all: Errors): boolean => {
    setErrors(all);
    if (!hasErrors(all)) return true;
    reportInvalid(all, tr.lang, toast);
    return false;
  };

  const save = async <T>(write: () => Promise<T>, then: (outcome: Outcome<T>) => void): Promise<void> => {
    const reloadCatalog = () => void store.reloadCatalog().catch(() => {});
    setBusy(true);
    try {
      const value = await write();
      toast({ kind: "info", text: s.saved });
      reloadCatalog();
      then({ ok: true, value });
    } catch (e) {
      const stale = reportSaveError(e, tr.lang, toast) === "stale";
      if (stale) reloadCatalog();
      then({ ok: false, stale });
    } finally {
      setBusy(false);
    }
  };

  return { errors, valid, busy, save };
}

type TextKey<F> = { [K in keyof F]: F[K] extends string ? K : never }[keyof F];

/** A form's fields as state; `bind(k)` wires a text input, textarea or select to field k. */
export function useFields<F extends object>(initial: F | (() => F)) {
  const [form, setForm] = useState<F>(initial);
  const patch = (p: Partial<F>) => setForm((f) => ({ ...f, ...p }));
  const bind = (k: TextKey<F>) => ({
    value: form[k] as string,
    onChange: (e: { target: { value: string } }) => patch({ [k]: e.target.value } as Partial<F>),
  });
  return { form, patch, bind };
}

/** The fields whose value differs from `before` (an edit sends only those, so the audit says what it did). */
export function changedFields(fields: Record<string, unknown>, before: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(fields).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])));
}

/** After creating or editing an entry: the list picks the saved one; after a conflict, reads `id` again. */
export function afterEntrySave(id: string | undefined, onSaved: (id: string) => void) {
  return (o: Outcome<{ id: string }>) => {
    if (o.ok) onSaved(o.value.id);
    else if (o.stale) onSaved(id ?? "");
  };
}
