// New booking from a click on free time: customer (search or create), service, time (with the
// server's free-time hints for that stylist and day), deposit or not.
import { useEffect, useMemo, useState } from "react";
import type { Slot } from "../api.ts";
import { alternativesOf, localizedError } from "../api.ts";
import { zoned } from "../time.ts";
import { useConsole, useSnapshot } from "./context.tsx";

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
  const stylist = snap.staff.find((s) => s.id === staffId);
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
  const [busy, setBusy] = useState(false);
  const date = zoned(startsAt, tz).date;

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
      .query({ items: [{ serviceId, staffId }], fromDate: date, toDate: date, limit: 200 })
      .then((s) => live && setSlots(s))
      .catch(() => live && setSlots([]));
    return () => {
      live = false;
    };
  }, [api, serviceId, staffId, date]);

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
        items: [{ serviceId, staffId }],
        mode: "book",
        ...(service && service.depositRule !== "none" && !deposit ? { waiveDeposit: true } : {}),
      });
      store.ownIds.add(b.id);
      store.upsert(b);
      onCreated(b.id);
    } catch (err) {
      setError({ text: localizedError(err, tr.lang), alts: alternativesOf(err).slice(0, 6) });
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
          <select data-testid="service-select" value={serviceId} onChange={(e) => setServiceId(e.target.value)}>
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
        {error ? (
          <div className="error" role="alert">
            {error.text}
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
