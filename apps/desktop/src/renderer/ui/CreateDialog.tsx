// New booking from a click on free time: customer (search or create), service, time (with the
// server's free-time hints for that stylist and day), deposit or not. A service that needs a valid
// patch test (issue #21) the customer lacks is refused with the reason, a button to book the test
// first (the earliest free time early enough) and, for staff, an audited override.
import type { PatchTestRefusal } from "@cita/shared";
import { useEffect, useMemo, useState } from "react";
import type { Slot } from "../api.ts";
import { alternativesOf, errorData, localizedError } from "../api.ts";
import { today, zoned } from "../time.ts";
import { useConsole, useSnapshot } from "./context.tsx";

const patchEn = {
  needs: (services: string, hours: number) =>
    `${services} needs a negative allergy (patch) test taken at least ${hours} h before the visit.`,
  none: "None is on record.",
  tooRecent: "The last one is too recent for this time.",
  tooOld: (months: number, date: string) => `It must be from the last ${months} months; the last one is from ${date}.`,
  reacted: (services: string, date: string) => `The last allergy test (${date}) reacted: ${services} cannot be booked.`,
  byWhen: (when: string) => `The test must be taken before ${when}.`,
  bookTest: "Book the patch test first",
  noTestTime: "There is no free time for the test early enough.",
  testChosen: (when: string) => `Patch test at ${when}: press Create to book it.`,
  override: "Book without a valid test (recorded in the audit)",
};
const patchEs: typeof patchEn = {
  needs: (services: string, hours: number) =>
    `${services} necesita una prueba de alergia negativa hecha al menos ${hours} h antes de la cita.`,
  none: "No consta ninguna registrada.",
  tooRecent: "La última es demasiado reciente para esta hora.",
  tooOld: (months: number, date: string) => `Debe ser de los últimos ${months} meses; la última es del ${date}.`,
  reacted: (services: string, date: string) =>
    `La última prueba de alergia (${date}) dio reacción: no se puede reservar ${services}.`,
  byWhen: (when: string) => `La prueba debe hacerse antes del ${when}.`,
  bookTest: "Reservar antes la prueba",
  noTestTime: "No hay huecos para la prueba con tiempo suficiente.",
  testChosen: (when: string) => `Prueba de alergia el ${when}: pulsa Crear para reservarla.`,
  override: "Reservar sin prueba válida (queda registrado)",
};

export interface CreateDialogProps {
  staffId: string;
  startsAt: number;
  onClose(): void;
  onCreated(id: string): void;
}

interface CustomerHit {
  id: string;
  name: string | null;
  phone: string | null;
}

export function CreateDialog({ staffId, startsAt, onClose, onCreated }: CreateDialogProps) {
  const { api, store, tr, fmt } = useConsole();
  const snap = useSnapshot();
  const tz = snap.location!.timeZone;
  const ps = tr.lang === "es" ? patchEs : patchEn;
  // Booking the patch test first may move the dialog to another stylist and day.
  const [bookStaffId, setBookStaffId] = useState(staffId);
  const [day, setDay] = useState(() => zoned(startsAt, tz).date);
  const stylist = snap.staff.find((s) => s.id === bookStaffId);
  const services = useMemo(
    () => snap.services.filter((s) => s.active && (stylist?.serviceIds.includes(s.id) ?? true)),
    [snap.services, stylist],
  );
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<CustomerHit[]>([]);
  const [customer, setCustomer] = useState<CustomerHit | null>(null);
  const [creatingCustomer, setCreatingCustomer] = useState(false);
  const [newName, setNewName] = useState("");
  const [newPhone, setNewPhone] = useState("");
  const [serviceId, setServiceId] = useState(services[0]?.id ?? "");
  const [start, setStart] = useState(startsAt);
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const service = services.find((s) => s.id === serviceId);
  const [deposit, setDeposit] = useState(true);
  const [error, setError] = useState<{ text: string; alts: Slot[] } | null>(null);
  const [patch, setPatch] = useState<PatchTestRefusal | null>(null);
  const [override, setOverride] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const date = day;

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits([]);
      return;
    }
    const h = setTimeout(() => {
      api.customers.search
        .query({ query: q, limit: 8 })
        .then((r) => setHits(r.items.map((c) => ({ id: c.id, name: c.name, phone: c.phone }))))
        .catch(() => setHits([]));
    }, 200);
    return () => clearTimeout(h);
  }, [api, query]);

  useEffect(() => {
    if (!serviceId) return;
    setSlots(null);
    let live = true;
    api.availability.search
      .query({ items: [{ serviceId, staffId: bookStaffId }], fromDate: date, toDate: date, limit: 200 })
      .then((s) => live && setSlots(s))
      .catch(() => live && setSlots([]));
    return () => {
      live = false;
    };
  }, [api, serviceId, bookStaffId, date]);

  const serviceName = (id: string) => {
    const s = snap.services.find((x) => x.id === id);
    return s ? (tr.lang === "es" ? s.nameEs : s.nameEn) : "";
  };

  /** The refusal in the staff's language: why, and by when the test must be taken. */
  const patchText = (p: PatchTestRefusal) => {
    const names = p.serviceIds.map(serviceName).filter(Boolean).join(", ");
    const last = p.lastTakenAt ? fmt.date(p.lastTakenAt) : "";
    if (p.reason === "reacted") return ps.reacted(names, last);
    const why = p.reason === "none" ? ps.none : p.reason === "too_recent" ? ps.tooRecent : ps.tooOld(p.maxMonths, last);
    return `${ps.needs(names, p.minHours)} ${why}${p.offer ? ` ${ps.byWhen(fmt.dateTime(p.offer.byWhen))}` : ""}`;
  };

  /** The earliest free time for the patch test that is early enough, with whoever does it. */
  const bookTestFirst = async (p: PatchTestRefusal) => {
    if (!p.offer) return;
    const by = Date.parse(p.offer.byWhen);
    const own = stylist?.serviceIds.includes(p.offer.serviceId);
    const found = await api.availability.search
      .query({
        items: [{ serviceId: p.offer.serviceId, staffId: own ? bookStaffId : null }],
        fromDate: today(tz),
        toDate: zoned(by, tz).date,
        limit: 50,
      })
      .catch(() => [] as Slot[]);
    const slot = found.find((s) => Date.parse(s.end) <= by);
    if (!slot) {
      setError({ text: ps.noTestTime, alts: [] });
      return;
    }
    setBookStaffId(slot.items[0]!.staffId);
    setServiceId(p.offer.serviceId);
    setDay(slot.localDate);
    setStart(Date.parse(slot.start));
    setPatch(null);
    setOverride(false);
    setError(null);
    setInfo(ps.testChosen(fmt.dateTime(slot.start)));
  };

  const nearby = useMemo(() => {
    if (!slots) return [];
    return [...slots]
      .sort((a, b) => Math.abs(Date.parse(a.start) - start) - Math.abs(Date.parse(b.start) - start))
      .slice(0, 8)
      .sort((a, b) => a.start.localeCompare(b.start));
  }, [slots, start]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setInfo(null);
    setBusy(true);
    try {
      let customerId = customer?.id;
      if (!customerId && creatingCustomer) {
        const c = await api.customers.create.mutate({ name: newName, phone: newPhone, language: tr.lang });
        customerId = c.id;
      }
      if (!customerId) throw new Error(tr.t("customer"));
      const b = await api.bookings.create.mutate({
        customerId,
        startsAt: new Date(start).toISOString(),
        items: [{ serviceId, staffId: bookStaffId }],
        mode: "book",
        ...(service && service.depositRule !== "none" && !deposit ? { waiveDeposit: true } : {}),
        ...(patch && override ? { overridePatchTest: true } : {}),
      });
      store.ownIds.add(b.id);
      store.upsert(b);
      onCreated(b.id);
    } catch (err) {
      const d = errorData(err);
      const refusal = d.appCode === "PATCH_TEST_REQUIRED" ? (d.details?.patchTest as PatchTestRefusal) : null;
      setPatch(refusal ?? null);
      if (!refusal) setOverride(false);
      setError({
        text: refusal ? patchText(refusal) : localizedError(err, tr.lang),
        alts: alternativesOf(err).slice(0, 6),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop">
      <form className="modal" data-testid="create-dialog" onSubmit={submit} aria-label={tr.t("newBooking")}>
        <h2>{tr.t("newBooking")}</h2>
        <p className="muted">
          {stylist?.displayName} · {fmt.longDay(date)} · <strong data-testid="create-time">{fmt.time(start)}</strong>
        </p>
        <fieldset>
          <legend>{tr.t("customer")}</legend>
          {customer ? (
            <div className="chosen">
              <span data-testid="chosen-customer">{customer.name ?? customer.phone}</span>{" "}
              <button type="button" className="link" onClick={() => setCustomer(null)}>
                ✕
              </button>
            </div>
          ) : creatingCustomer ? (
            <div className="row">
              <input
                aria-label={tr.t("name")}
                placeholder={tr.t("name")}
                value={newName}
                onChange={(e) => setNewName(e.target.value)}
                required
              />
              <input
                aria-label={tr.t("phone")}
                placeholder="+34 600 000 000"
                value={newPhone}
                onChange={(e) => setNewPhone(e.target.value)}
                required
              />
            </div>
          ) : (
            <>
              <input
                data-testid="customer-search"
                aria-label={tr.t("searchCustomer")}
                placeholder={tr.t("searchCustomer")}
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
              <ul className="hits">
                {hits.map((h) => (
                  <li key={h.id}>
                    <button type="button" onClick={() => setCustomer(h)}>
                      {h.name} <span className="muted">{h.phone}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          {!customer ? (
            <button type="button" className="link" onClick={() => setCreatingCustomer((v) => !v)}>
              {creatingCustomer ? tr.t("searchCustomer") : `+ ${tr.t("newCustomer")}`}
            </button>
          ) : null}
        </fieldset>
        <label>
          {tr.t("service")}
          <select
            data-testid="service-select"
            value={serviceId}
            onChange={(e) => {
              setServiceId(e.target.value);
              setPatch(null);
            }}
          >
            {services.map((s) => (
              <option key={s.id} value={s.id}>
                {tr.lang === "es" ? s.nameEs : s.nameEn} ·{" "}
                {s.durationMinutes + s.processingMinutes + s.finishingMinutes} {tr.t("minutes")} ·{" "}
                {fmt.money(s.priceCents)}
              </option>
            ))}
          </select>
        </label>
        <div>
          <span className="label">{tr.t("suggestedTimes")}</span>
          <div className="chips" data-testid="slot-hints">
            {slots === null ? (
              <span className="muted">{tr.t("loading")}</span>
            ) : nearby.length ? (
              nearby.map((s) => (
                <button
                  type="button"
                  key={s.id}
                  className={Date.parse(s.start) === start ? "chip on" : "chip"}
                  onClick={() => setStart(Date.parse(s.start))}
                >
                  {fmt.time(s.start)}
                </button>
              ))
            ) : (
              <span className="muted">{tr.t("noSuggestions")}</span>
            )}
          </div>
        </div>
        {service && service.depositRule !== "none" ? (
          <label className="check">
            <input type="checkbox" checked={deposit} onChange={(e) => setDeposit(e.target.checked)} />{" "}
            {deposit ? tr.t("deposit") : tr.t("noDeposit")}
          </label>
        ) : null}
        {info ? (
          <p className="muted" data-testid="create-info">
            {info}
          </p>
        ) : null}
        {error ? (
          <div className="error" role="alert" data-testid={patch ? "patch-refusal" : undefined}>
            {error.text}
            {patch ? (
              <div className="patch-actions">
                {patch.offer ? (
                  <button type="button" data-testid="patch-book-test" onClick={() => bookTestFirst(patch)}>
                    {ps.bookTest}
                  </button>
                ) : null}
                <label className="check">
                  <input
                    type="checkbox"
                    data-testid="patch-override"
                    checked={override}
                    onChange={(e) => setOverride(e.target.checked)}
                  />{" "}
                  {ps.override}
                </label>
              </div>
            ) : null}
            {error.alts.length ? (
              <div className="chips">
                {tr.t("alternatives")}:
                {error.alts.map((a) => (
                  <button type="button" key={a.id} className="chip" onClick={() => setStart(Date.parse(a.start))}>
                    {fmt.dateTime(a.start)}
                  </button>
                ))}
              </div>
            ) : null}
          </div>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            {tr.t("cancel")}
          </button>
          <button
            type="submit"
            className="primary"
            data-testid="create-submit"
            disabled={busy || !serviceId || (!customer && !creatingCustomer)}
          >
            {tr.t("create")}
          </button>
        </div>
      </form>
    </div>
  );
}
