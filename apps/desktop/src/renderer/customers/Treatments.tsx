// Colour and treatment records (issue #21) on a customer's profile: every formula recorded (products,
// developer, proportions, processing time), the notes, and before/after photos — loaded one by one
// through the authorized treatments.photo query (there is no URL to them). The form records a new
// one, optionally on a visit, with photos; the booking drawer reuses it (ui/LastFormula.tsx).
import { useCallback, useEffect, useState } from "react";
import type { RouterOutputs } from "../api.ts";
import { errorData, errorMessage } from "../api.ts";
import { useConsole } from "../ui/context.tsx";

export type TreatmentRecord = RouterOutputs["treatments"]["list"]["items"][number];
type Unit = "g" | "ml";

const en = {
  title: "Formulas and treatments",
  lastFormula: "Last formula",
  record: "Record formula",
  none: "No formula recorded yet.",
  products: "Products",
  brand: "Brand",
  shade: "Shade or product",
  amount: "Amount",
  addProduct: "Add product",
  remove: "Remove",
  developer: "Developer",
  volume: "Volume (20 vol, 6%)",
  proportions: "Mix",
  processing: "Processing",
  minutes: "min",
  notes: "Notes",
  photos: "Photos",
  choosePhoto: "choose a photo",
  before: "Before",
  after: "After",
  save: "Save formula",
  cancel: "Cancel",
  saved: "Formula saved",
  onVisit: (date: string) => `Visit of ${date}`,
  withoutVisit: "Without a visit",
  by: (name: string) => `by ${name}`,
  photoLoading: "Loading photo…",
  photoFailed: "The photo could not be loaded",
  needShade: "Write at least one shade or product.",
  badInput: "Check the formula: some value is not valid.",
  photoRefused: "That file is not a photo, or it is larger than 8 MB.",
  deleteRecord: "Delete",
  edit: "Edit",
  removePhoto: "Remove",
  confirmDeletePhoto: "Remove this photo?",
  stale: "Someone changed this formula meanwhile: close and open it again.",
  deleted: "Formula deleted",
  confirmDelete: "Delete this formula and its photos?",
};

const es: typeof en = {
  title: "Fórmulas y tratamientos",
  lastFormula: "Última fórmula",
  record: "Anotar fórmula",
  none: "Todavía no hay ninguna fórmula anotada.",
  products: "Productos",
  brand: "Marca",
  shade: "Tono o producto",
  amount: "Cantidad",
  addProduct: "Añadir producto",
  remove: "Quitar",
  developer: "Oxidante",
  volume: "Volumen (20 vol, 6 %)",
  proportions: "Mezcla",
  processing: "Exposición",
  minutes: "min",
  notes: "Notas",
  photos: "Fotos",
  choosePhoto: "elegir foto",
  before: "Antes",
  after: "Después",
  save: "Guardar fórmula",
  cancel: "Cancelar",
  saved: "Fórmula guardada",
  onVisit: (date: string) => `Visita del ${date}`,
  withoutVisit: "Sin visita",
  by: (name: string) => `por ${name}`,
  photoLoading: "Cargando foto…",
  photoFailed: "No se pudo cargar la foto",
  needShade: "Escribe al menos un tono o producto.",
  badInput: "Revisa la fórmula: algún valor no es válido.",
  photoRefused: "Ese archivo no es una foto o pasa de 8 MB.",
  deleteRecord: "Borrar",
  edit: "Editar",
  removePhoto: "Quitar",
  confirmDeletePhoto: "¿Quitar esta foto?",
  stale: "Alguien ha cambiado esta fórmula mientras tanto: ciérrala y vuelve a abrirla.",
  deleted: "Fórmula borrada",
  confirmDelete: "¿Borrar esta fórmula y sus fotos?",
};

export const treatmentStrings = { en, es };

export function useTreatmentStrings() {
  const { tr } = useConsole();
  return treatmentStrings[tr.lang];
}

/** Re-runs `load` when the customer changes on the server (a formula recorded elsewhere). */
export function useCustomerEvents(customerId: string, load: () => void) {
  const { store } = useConsole();
  useEffect(
    () =>
      store.onEvent((e) => {
        if (e.entityType === "customer" && e.entityId === customerId) load();
      }),
    [store, customerId, load],
  );
}

export function Treatments({ customerId, erased }: { customerId: string; erased: boolean }) {
  const { api } = useConsole();
  const s = useTreatmentStrings();
  const [items, setItems] = useState<TreatmentRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const load = useCallback(() => {
    api.treatments.list
      .query({ customerId })
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e) => setError(errorData(e).code === "FORBIDDEN" ? null : errorMessage(e)));
  }, [api, customerId]);
  useEffect(load, [load]);
  useCustomerEvents(customerId, load);

  return (
    <section className="treatments" data-testid="treatments">
      <h3>{s.title}</h3>
      {error ? <p className="error small">{error}</p> : null}
      {!erased && !adding ? (
        <button type="button" data-testid="treatment-new" onClick={() => setAdding(true)}>
          {s.record}
        </button>
      ) : null}
      {adding ? (
        <TreatmentForm
          customerId={customerId}
          bookingId={null}
          onDone={() => {
            setAdding(false);
            load();
          }}
        />
      ) : null}
      {items && !items.length ? <p className="muted">{s.none}</p> : null}
      <ul className="plain treatment-list">
        {(items ?? []).map((r) => (
          <li key={r.id} data-testid="treatment-record">
            <FormulaCard record={r} onDeleted={load} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One record: when, by whom, the formula, the notes and the photos. */
export function FormulaCard({ record, onDeleted }: { record: TreatmentRecord; onDeleted?(): void }) {
  const { api, tr, fmt, toast } = useConsole();
  const s = useTreatmentStrings();
  const [editing, setEditing] = useState(false);
  const f = record.formula;
  const amount = (n: number, unit: Unit) => `${fmt.number(n, 1)} ${unit}`;
  const when = record.visit ? s.onVisit(fmt.date(record.visit.startsAt)) : fmt.date(record.createdAt);
  const services = record.visit?.services.map((x) => (tr.lang === "es" ? x.nameEs : x.nameEn)).join(" + ");
  const removePhoto = async (photoId: string) => {
    if (!window.confirm(s.confirmDeletePhoto)) return;
    try {
      await api.treatments.deletePhoto.mutate({ photoId });
      onDeleted?.();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    }
  };
  const remove = async () => {
    if (!window.confirm(s.confirmDelete)) return;
    try {
      await api.treatments.delete.mutate({ recordId: record.id, version: record.version });
      toast({ kind: "info", text: s.deleted });
      onDeleted?.();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    }
  };
  return (
    <article className="formula-card" data-testid="formula-card">
      <p className="muted small">
        {when}
        {services ? ` · ${services}` : ""}
        {record.staffName ? ` · ${s.by(record.staffName)}` : ""}
      </p>
      <ul className="plain formula" data-testid="formula-products">
        {f.products.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the products of a saved formula never reorder
          <li key={i}>
            <strong>{[p.brand, p.shade].filter(Boolean).join(" ")}</strong> · {amount(p.amount, p.unit)}
          </li>
        ))}
        {f.developer ? (
          <li>
            {s.developer}: {f.developer.volume} · {amount(f.developer.amount, f.developer.unit)}
          </li>
        ) : null}
        {f.proportions || f.processingMinutes != null ? (
          <li className="muted">
            {[
              f.proportions ? `${s.proportions} ${f.proportions}` : null,
              f.processingMinutes != null ? `${s.processing} ${fmt.number(f.processingMinutes)} ${s.minutes}` : null,
            ]
              .filter(Boolean)
              .join(" · ")}
          </li>
        ) : null}
      </ul>
      {record.notes ? (
        <p className="formula-notes" data-testid="formula-notes">
          {record.notes}
        </p>
      ) : null}
      {record.photos.length ? (
        <div className="thumbs" style={{ display: "flex", gap: 8, flexWrap: "wrap" }}>
          {record.photos.map((p) => (
            <PhotoThumb
              key={p.id}
              photoId={p.id}
              label={p.kind === "before" ? s.before : s.after}
              onRemove={editing && onDeleted ? () => removePhoto(p.id) : undefined}
            />
          ))}
        </div>
      ) : null}
      {onDeleted && editing ? (
        <TreatmentForm
          customerId={record.customerId}
          bookingId={record.bookingId}
          edit={record}
          onDone={() => {
            setEditing(false);
            onDeleted();
          }}
        />
      ) : null}
      {onDeleted && !editing ? (
        <div className="actions wrap">
          <button type="button" className="link small" data-testid="treatment-edit" onClick={() => setEditing(true)}>
            {s.edit}
          </button>
          <button type="button" className="link small danger" onClick={remove}>
            {s.deleteRecord}
          </button>
        </div>
      ) : null}
    </article>
  );
}

function PhotoThumb({ photoId, label, onRemove }: { photoId: string; label: string; onRemove?(): void }) {
  const { api } = useConsole();
  const s = useTreatmentStrings();
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api.treatments.photo
      .query({ photoId })
      .then((r) => live && setSrc(r.dataUrl))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [api, photoId]);
  return (
    <figure className="thumb" data-testid="treatment-photo" style={{ margin: 0 }}>
      {src ? (
        <a href={src} target="_blank" rel="noreferrer">
          <img src={src} alt={label} width={96} data-testid="treatment-photo-img" />
        </a>
      ) : (
        <span className="muted small">{failed ? s.photoFailed : s.photoLoading}</span>
      )}
      <figcaption className="small muted">
        {label}
        {onRemove ? (
          <button type="button" className="link small danger" data-testid="treatment-photo-remove" onClick={onRemove}>
            {" "}
            {s.removePhoto}
          </button>
        ) : null}
      </figcaption>
    </figure>
  );
}

interface ProductRow {
  brand: string;
  shade: string;
  amount: string;
  unit: Unit;
}

const ROW = { display: "flex", flexWrap: "wrap", gap: 6, alignItems: "center" } as const;
const WIDE = { flex: "1 1 7em", minWidth: 0 } as const;
const NARROW = { width: "4.5em" } as const;

const emptyProduct = (): ProductRow => ({ brand: "", shade: "", amount: "", unit: "g" });
const num = (v: string) => {
  const n = Number(v.replace(",", "."));
  return Number.isFinite(n) && v.trim() ? n : null;
};

function readFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/** Records a formula (on a visit when `bookingId` is given) and then uploads its photos. */
export function TreatmentForm(props: {
  customerId: string;
  bookingId: string | null;
  /** Edit this record (its formula and notes, with the version it was read at) instead of adding one. */
  edit?: TreatmentRecord;
  onDone(): void;
}) {
  const { api, toast } = useConsole();
  const s = useTreatmentStrings();
  const e0 = props.edit;
  const [products, setProducts] = useState<ProductRow[]>(
    e0
      ? e0.formula.products.map((p) => ({
          brand: p.brand ?? "",
          shade: p.shade,
          amount: String(p.amount),
          unit: p.unit,
        }))
      : [emptyProduct()],
  );
  const [dev, setDev] = useState(
    e0?.formula.developer
      ? {
          volume: e0.formula.developer.volume,
          amount: String(e0.formula.developer.amount),
          unit: e0.formula.developer.unit,
        }
      : { volume: "", amount: "", unit: "ml" as Unit },
  );
  const [proportions, setProportions] = useState(e0?.formula.proportions ?? "");
  const [minutes, setMinutes] = useState(
    e0?.formula.processingMinutes != null ? String(e0.formula.processingMinutes) : "",
  );
  const [notes, setNotes] = useState(e0?.notes ?? "");
  const [photos, setPhotos] = useState<{ before: File | null; after: File | null }>({ before: null, after: null });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const setProduct = (i: number, p: Partial<ProductRow>) =>
    setProducts(products.map((x, j) => (j === i ? { ...x, ...p } : x)));

  const save = async () => {
    const filled = products.filter((p) => p.shade.trim());
    if (!filled.length) {
      setError(s.needShade);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const formula = {
        products: filled.map((p) => ({
          brand: p.brand.trim() || null,
          shade: p.shade.trim(),
          amount: num(p.amount) ?? 0,
          unit: p.unit,
        })),
        developer: dev.volume.trim()
          ? { volume: dev.volume.trim(), amount: num(dev.amount) ?? 0, unit: dev.unit }
          : null,
        proportions: proportions.trim() || null,
        processingMinutes: num(minutes) === null ? null : Math.round(num(minutes)!),
      };
      const record = e0
        ? await api.treatments.update.mutate({
            recordId: e0.id,
            version: e0.version,
            formula,
            notes: notes.trim() || null,
          })
        : await api.treatments.record.mutate({
            customerId: props.customerId,
            bookingId: props.bookingId,
            formula,
            notes: notes.trim() || null,
          });
      let photoError = false;
      for (const kind of ["before", "after"] as const) {
        const file = photos[kind];
        if (!file) continue;
        try {
          await api.treatments.addPhoto.mutate({ recordId: record.id, kind, dataBase64: await readFile(file) });
        } catch {
          photoError = true;
        }
      }
      toast({ kind: photoError ? "error" : "info", text: photoError ? s.photoRefused : s.saved });
      props.onDone();
    } catch (e) {
      const code = errorData(e).code;
      setError(code === "BAD_REQUEST" ? s.badInput : code === "CONFLICT" ? s.stale : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="treatment-form"
      data-testid="treatment-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset style={{ minWidth: 0 }}>
        <legend>{s.products}</legend>
        {products.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, only the last one is removed
          <div className="row" key={i} data-testid="product-row" style={ROW}>
            <input
              aria-label={s.brand}
              placeholder={s.brand}
              maxLength={60}
              style={WIDE}
              value={p.brand}
              data-testid="product-brand"
              onChange={(e) => setProduct(i, { brand: e.target.value })}
            />
            <input
              aria-label={s.shade}
              placeholder={s.shade}
              maxLength={80}
              style={WIDE}
              value={p.shade}
              data-testid="product-shade"
              onChange={(e) => setProduct(i, { shade: e.target.value })}
            />
            <input
              aria-label={s.amount}
              placeholder={s.amount}
              inputMode="decimal"
              style={NARROW}
              value={p.amount}
              data-testid="product-amount"
              onChange={(e) => setProduct(i, { amount: e.target.value })}
            />
            <select
              aria-label={s.amount}
              value={p.unit}
              onChange={(e) => setProduct(i, { unit: e.target.value as Unit })}
            >
              <option value="g">g</option>
              <option value="ml">ml</option>
            </select>
            {products.length > 1 ? (
              <button
                type="button"
                className="link small"
                onClick={() => setProducts(products.filter((_, j) => j !== i))}
              >
                {s.remove}
              </button>
            ) : null}
          </div>
        ))}
        {products.length < 12 ? (
          <button type="button" className="small" onClick={() => setProducts([...products, emptyProduct()])}>
            {s.addProduct}
          </button>
        ) : null}
      </fieldset>
      <fieldset style={{ minWidth: 0 }}>
        <legend>{s.developer}</legend>
        <div className="row" style={ROW}>
          <input
            aria-label={s.volume}
            placeholder={s.volume}
            maxLength={20}
            style={WIDE}
            value={dev.volume}
            data-testid="developer-volume"
            onChange={(e) => setDev({ ...dev, volume: e.target.value })}
          />
          <input
            aria-label={s.amount}
            placeholder={s.amount}
            inputMode="decimal"
            style={NARROW}
            value={dev.amount}
            data-testid="developer-amount"
            onChange={(e) => setDev({ ...dev, amount: e.target.value })}
          />
          <select
            aria-label={s.amount}
            value={dev.unit}
            onChange={(e) => setDev({ ...dev, unit: e.target.value as Unit })}
          >
            <option value="ml">ml</option>
            <option value="g">g</option>
          </select>
        </div>
      </fieldset>
      <div className="row" style={ROW}>
        <label>
          {s.proportions}{" "}
          <input
            placeholder="1:1.5"
            maxLength={20}
            size={8}
            value={proportions}
            data-testid="formula-proportions"
            onChange={(e) => setProportions(e.target.value)}
          />
        </label>
        <label>
          {s.processing}{" "}
          <input
            inputMode="numeric"
            size={4}
            value={minutes}
            data-testid="formula-minutes"
            onChange={(e) => setMinutes(e.target.value)}
          />{" "}
          {s.minutes}
        </label>
      </div>
      <label>
        {s.notes}
        <textarea
          rows={2}
          maxLength={2000}
          value={notes}
          data-testid="formula-notes-input"
          onChange={(e) => setNotes(e.target.value)}
        />
      </label>
      <fieldset style={{ minWidth: 0 }}>
        <legend>{s.photos}</legend>
        <div className="row" style={ROW}>
          {(["before", "after"] as const).map((kind) => (
            <label key={kind} className="button small" style={{ cursor: "pointer" }}>
              {kind === "before" ? s.before : s.after}: {photos[kind]?.name ?? s.choosePhoto}
              {/* The native control's own text is the browser's language: hidden, the label speaks. */}
              <input
                type="file"
                accept="image/*"
                data-testid={`photo-${kind}`}
                style={{ position: "absolute", width: 1, height: 1, opacity: 0 }}
                onChange={(e) => setPhotos({ ...photos, [kind]: e.target.files?.[0] ?? null })}
              />
            </label>
          ))}
        </div>
      </fieldset>
      {error ? (
        <p className="error small" data-testid="treatment-error">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={props.onDone} disabled={busy}>
          {s.cancel}
        </button>
        <button type="submit" className="primary" data-testid="treatment-save" disabled={busy}>
          {s.save}
        </button>
      </div>
    </form>
  );
}
