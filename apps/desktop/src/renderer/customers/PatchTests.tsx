// Skin-allergy (patch) tests on a customer's profile (issue #21): the tests recorded (when, product,
// result, notes, who), newest first, and a form to record one (date and time in the salon's zone).
// A test recorded on the wrong customer can be deleted (with a reason, audited). Services that need
// a test (Settings → Services) refuse a booking without a valid one (ui/CreateDialog.tsx).
import { useCallback, useEffect, useState } from "react";
import type { RouterOutputs } from "../api.ts";
import { errorData, errorMessage } from "../api.ts";
import { localToUtc, zoned } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";

type PatchTest = RouterOutputs["patchTests"]["list"]["tests"][number];

const en = {
  title: "Allergy (patch) tests",
  none: "No patch test recorded.",
  record: "Record patch test",
  takenAt: "Taken on",
  product: "Product",
  result: "Result",
  negative: "Negative (no reaction)",
  positive: "Positive (reacted)",
  negativeShort: "Negative",
  positiveShort: "Reacted",
  notes: "Notes",
  save: "Save test",
  cancel: "Cancel",
  saved: "Patch test recorded",
  by: (name: string) => `recorded by ${name}`,
  delete: "Delete",
  deleteReason: "Why is it deleted? (e.g. recorded on the wrong customer)",
  deleted: "Patch test deleted",
  future: "A test cannot be dated in the future.",
  needProduct: "Write the product used.",
};

const es: typeof en = {
  title: "Pruebas de alergia",
  none: "No hay ninguna prueba de alergia registrada.",
  record: "Registrar prueba",
  takenAt: "Hecha el",
  product: "Producto",
  result: "Resultado",
  negative: "Negativa (sin reacción)",
  positive: "Positiva (hubo reacción)",
  negativeShort: "Negativa",
  positiveShort: "Con reacción",
  notes: "Notas",
  save: "Guardar prueba",
  cancel: "Cancelar",
  saved: "Prueba de alergia registrada",
  by: (name: string) => `registrada por ${name}`,
  delete: "Borrar",
  deleteReason: "¿Por qué se borra? (p. ej. se registró en otra clienta)",
  deleted: "Prueba de alergia borrada",
  future: "La prueba no puede tener una fecha futura.",
  needProduct: "Escribe el producto usado.",
};

export const patchTestStrings = { es, en };

/** "YYYY-MM-DDTHH:MM" in the salon's zone, for a datetime-local input. */
function localInput(instant: number, tz: string): string {
  const z = zoned(instant, tz);
  const minutes = z.minutes;
  return `${z.date}T${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function PatchTests({ customerId, erased }: { customerId: string; erased: boolean }) {
  const { api, tr, fmt, toast } = useConsole();
  const snap = useSnapshot();
  const tz = snap.location?.timeZone ?? "Europe/Madrid";
  const s = tr.lang === "es" ? es : en;
  const [tests, setTests] = useState<PatchTest[] | null>(null);
  const [open, setOpen] = useState(false);
  const [takenAt, setTakenAt] = useState(() => localInput(Date.now(), tz));
  const [product, setProduct] = useState("");
  const [result, setResult] = useState<"negative" | "positive">("negative");
  const [notes, setNotes] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api.patchTests.list
      .query({ customerId })
      .then((r) => setTests(r.tests))
      .catch(() => setTests([]));
  }, [api, customerId]);
  useEffect(load, [load]);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!product.trim()) return setError(s.needProduct);
    const [date, time] = takenAt.split("T");
    const [h, m] = (time ?? "00:00").split(":").map(Number);
    const at = localToUtc(date ?? "", (h ?? 0) * 60 + (m ?? 0), tz);
    if (!Number.isFinite(at)) return setError(s.needProduct);
    setBusy(true);
    try {
      await api.patchTests.record.mutate({
        customerId,
        takenAt: new Date(at).toISOString(),
        product: product.trim(),
        result,
        ...(notes.trim() ? { notes: notes.trim() } : {}),
      });
      toast({ kind: "info", text: s.saved });
      setOpen(false);
      setProduct("");
      setNotes("");
      setResult("negative");
      load();
    } catch (err) {
      setError(errorData(err).code === "BAD_REQUEST" ? s.future : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (t: PatchTest) => {
    const reason = window.prompt(s.deleteReason);
    if (!reason?.trim()) return;
    try {
      await api.patchTests.delete.mutate({ id: t.id, reason: reason.trim() });
      toast({ kind: "info", text: s.deleted });
      load();
    } catch (err) {
      toast({ kind: "error", text: errorMessage(err) });
    }
  };

  return (
    <section className="patch-tests" data-testid="patch-tests">
      <h3>{s.title}</h3>
      {tests === null ? (
        <p className="muted">{tr.t("loading")}</p>
      ) : tests.length ? (
        <div className="table" data-testid="patch-test-list">
          {tests.map((t) => (
            <div key={t.id} className="tr" data-testid="patch-test-row" data-result={t.result}>
              <span>{fmt.dateTime(t.takenAt)}</span>
              <span>{t.product}</span>
              <span>
                <span className={`badge ${t.result === "negative" ? "ok" : "warn"}`}>
                  {t.result === "negative" ? s.negativeShort : s.positiveShort}
                </span>
              </span>
              <span className="muted small">
                {t.notes ? `${t.notes} · ` : ""}
                {t.recordedBy ? s.by(t.recordedBy) : ""}
              </span>
              <span>
                {erased ? null : (
                  <button type="button" className="link small" onClick={() => remove(t)}>
                    {s.delete}
                  </button>
                )}
              </span>
            </div>
          ))}
        </div>
      ) : (
        <p className="muted" data-testid="patch-test-none">
          {s.none}
        </p>
      )}
      {erased ? null : open ? (
        <form className="card" data-testid="patch-test-form" onSubmit={save}>
          <div className="row">
            <label>
              {s.takenAt}
              <input
                type="datetime-local"
                data-testid="patch-test-taken"
                value={takenAt}
                onChange={(e) => setTakenAt(e.target.value)}
                required
              />
            </label>
            <label>
              {s.product}
              <input
                data-testid="patch-test-product"
                value={product}
                maxLength={120}
                onChange={(e) => setProduct(e.target.value)}
                required
              />
            </label>
            <label>
              {s.result}
              <select
                data-testid="patch-test-result"
                value={result}
                onChange={(e) => setResult(e.target.value as "negative" | "positive")}
              >
                <option value="negative">{s.negative}</option>
                <option value="positive">{s.positive}</option>
              </select>
            </label>
          </div>
          <label>
            {s.notes}
            <textarea
              data-testid="patch-test-notes"
              value={notes}
              maxLength={2000}
              onChange={(e) => setNotes(e.target.value)}
            />
          </label>
          {error ? (
            <p className="error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" onClick={() => setOpen(false)}>
              {s.cancel}
            </button>
            <button type="submit" className="primary" data-testid="patch-test-save" disabled={busy}>
              {s.save}
            </button>
          </div>
        </form>
      ) : (
        <button
          type="button"
          data-testid="patch-test-record"
          onClick={() => {
            setTakenAt(localInput(Date.now(), tz));
            setOpen(true);
          }}
        >
          + {s.record}
        </button>
      )}
    </section>
  );
}
