// The waitlist (issue #20): who waits for what (services, stylist or anyone, days and parts of day,
// until when), what was offered when and what came of it; staff offer a time by hand, confirm for a
// customer who said yes by phone, or remove a wish. Managers also set the waitlist's switch, offers
// per wish and quiet hours. Names and dates only — never internal ids.
import type { WaitlistSettingsView, WaitlistWishView } from "@cita/shared";
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api.ts";
import { localToUtc, today } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { WAITLIST_STRINGS, type WaitlistStrings } from "./strings.ts";

const toHhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const fromHhmm = (s: string) => {
  const [h, m] = s.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function Waitlist(props: { isManager: boolean }) {
  const { api, tr, fmt, toast } = useConsole();
  const s = WAITLIST_STRINGS[tr.lang];
  const [filter, setFilter] = useState<"open" | "all">("open");
  const [wishes, setWishes] = useState<WaitlistWishView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [offering, setOffering] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const load = useCallback(() => {
    api.waitlist.list
      .query({ status: filter })
      .then((w) => {
        setWishes(w);
        setError(null);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [api, filter]);
  useEffect(load, [load]);
  // Offers go out from the server's jobs: keep the list current while it is open.
  useEffect(() => {
    const h = setInterval(load, 30_000);
    return () => clearInterval(h);
  }, [load]);

  const act = async (p: Promise<unknown>, done: string) => {
    try {
      await p;
      toast({ kind: "info", text: done });
      load();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    }
  };

  return (
    <section className="waitlist" data-testid="waitlist">
      <header className="row">
        <h2>{s.title}</h2>
        <label>
          {s.show}{" "}
          <select
            data-testid="waitlist-filter"
            value={filter}
            onChange={(e) => setFilter(e.target.value as "open" | "all")}
          >
            <option value="open">{s.open}</option>
            <option value="all">{s.all}</option>
          </select>
        </label>
        <button type="button" onClick={load}>
          {s.refresh}
        </button>{" "}
        <button type="button" data-testid="waitlist-add" onClick={() => setAdding(true)}>
          {s.add}
        </button>
      </header>
      <p className="muted">{s.intro}</p>
      {adding ? (
        <AddWishForm
          s={s}
          onClose={(added) => {
            setAdding(false);
            if (added) load();
          }}
        />
      ) : null}
      {props.isManager ? <WaitlistSettings s={s} /> : null}
      {error ? <p className="error">{error}</p> : null}
      {wishes === null ? (
        <p className="muted">{tr.t("loading")}</p>
      ) : wishes.length === 0 ? (
        <p className="muted" data-testid="waitlist-empty">
          {s.none}
        </p>
      ) : (
        <table className="list" data-testid="waitlist-table">
          <thead>
            <tr>
              <th>{s.customer}</th>
              <th>{s.wants}</th>
              <th>{s.when}</th>
              <th>{s.until}</th>
              <th>{s.status}</th>
              <th>{s.offers}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {wishes.map((w) => {
              const open = w.status === "waiting" || w.status === "offered";
              return (
                <tr key={w.id} data-testid="waitlist-row">
                  <td>
                    {w.customerName ?? "—"}
                    <div className="muted small">{w.source === "agent" ? s.fromAgent : s.fromDesk}</div>
                    {w.note ? (
                      <div className="small" title={s.note}>
                        “{w.note}”
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {w.services.map((x) => x.name[tr.lang]).join(" + ")}
                    <div className="muted small">
                      {s.stylist}: {w.staffName ?? s.anyStylist}
                    </div>
                  </td>
                  <td>
                    {w.dateFrom === w.dateTo ? fmt.day(w.dateFrom) : `${fmt.day(w.dateFrom)} – ${fmt.day(w.dateTo)}`}
                    <div className="muted small">{w.dayParts.map((p) => s.parts[p] ?? p).join(", ")}</div>
                  </td>
                  <td>{fmt.dateTime(w.expiresAt)}</td>
                  <td>{s.wishStatus[w.status] ?? w.status}</td>
                  <td>
                    {w.offers.length === 0 ? (
                      <span className="muted">{s.noOffers}</span>
                    ) : (
                      <ul className="plain">
                        {w.offers.map((o) => (
                          <li key={o.id}>
                            {fmt.dateTime(o.startsAt)} · {o.staffName}
                            {o.byHand ? ` (${s.byHand})` : ""}
                            <div className="muted small">
                              {s.offerStatus[o.status] ?? o.status}
                              {" — "}
                              {o.sentAt
                                ? s.sentAt(fmt.dateTime(o.sentAt))
                                : o.sendAt
                                  ? s.heldUntil(fmt.dateTime(o.sendAt))
                                  : ""}
                            </div>
                            {o.status === "sent" && open ? (
                              <button
                                type="button"
                                className="small"
                                onClick={() =>
                                  void (async () => {
                                    try {
                                      const r = await api.waitlist.accept.mutate({ offerId: o.id });
                                      toast({
                                        kind: r.outcome === "booked" ? "info" : "error",
                                        text: r.outcome === "booked" ? s.booked : s.lost,
                                      });
                                      load();
                                    } catch (e) {
                                      toast({ kind: "error", text: errorMessage(e) });
                                    }
                                  })()
                                }
                              >
                                {s.confirmForThem}
                              </button>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {open ? (
                      <>
                        <button type="button" data-testid="waitlist-offer" onClick={() => setOffering(w.id)}>
                          {s.offerByHand}
                        </button>{" "}
                        <button
                          type="button"
                          onClick={() =>
                            void act(api.waitlist.cancel.mutate({ wishId: w.id, version: w.version }), s.cancelled)
                          }
                        >
                          {s.cancelWish}
                        </button>
                      </>
                    ) : null}
                    {offering === w.id ? (
                      <OfferForm
                        wish={w}
                        s={s}
                        onDone={() => {
                          setOffering(null);
                          load();
                        }}
                      />
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OfferForm(props: { wish: WaitlistWishView; s: WaitlistStrings; onDone: () => void }) {
  const { api, toast } = useConsole();
  const snap = useSnapshot();
  const { wish, s } = props;
  const tz = snap.location?.timeZone ?? "UTC";
  const stylists = snap.staff.filter(
    (m) =>
      m.bookable &&
      m.active &&
      (!wish.staffId || m.id === wish.staffId) &&
      wish.services.every((x) => m.serviceIds.includes(x.id)),
  );
  const [staffId, setStaffId] = useState(wish.staffId ?? stylists[0]?.id ?? "");
  // ISO dates sort as strings: the later of today and the wish's first day.
  const first = [today(tz), wish.dateFrom].sort()[1] ?? wish.dateFrom;
  const [date, setDate] = useState(first);
  const [time, setTime] = useState("10:00");
  const [busy, setBusy] = useState(false);

  const send = async () => {
    setBusy(true);
    try {
      const startsAt = new Date(localToUtc(date, fromHhmm(time), tz)).toISOString();
      const r = await api.waitlist.offer.mutate({ wishId: wish.id, staffId, startsAt });
      toast({ kind: "info", text: r.status === "sent" ? s.offered : s.offerHeld });
      props.onDone();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="offer-form"
      data-testid="waitlist-offer-form"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label>
        {s.stylist}{" "}
        <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
          {stylists.map((m) => (
            <option key={m.id} value={m.id}>
              {m.displayName}
            </option>
          ))}
        </select>
      </label>{" "}
      <label>
        {s.offerDate} <input type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
      </label>{" "}
      <label>
        {s.offerTime} <input type="time" step={900} value={time} onChange={(e) => setTime(e.target.value)} required />
      </label>{" "}
      <button type="submit" disabled={busy || !staffId}>
        {s.offerSend}
      </button>
    </form>
  );
}

function WaitlistSettings(props: { s: WaitlistStrings }) {
  const { api, toast } = useConsole();
  const { s } = props;
  const [v, setV] = useState<WaitlistSettingsView | null>(null);
  useEffect(() => {
    api.waitlist.settings
      .query()
      .then(setV)
      .catch(() => setV(null));
  }, [api]);
  if (!v) return null;
  const save = async () => {
    try {
      setV(
        await api.waitlist.updateSettings.mutate({
          enabled: v.enabled,
          maxOffersPerWish: v.maxOffersPerWish,
          quietStartMinute: v.quietStartMinute,
          quietEndMinute: v.quietEndMinute,
          version: v.version,
        }),
      );
      toast({ kind: "info", text: s.saved });
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    }
  };
  return (
    <details className="waitlist-settings" data-testid="waitlist-settings">
      <summary>{s.settings}</summary>
      <label>
        <input type="checkbox" checked={v.enabled} onChange={(e) => setV({ ...v, enabled: e.target.checked })} />{" "}
        {s.enabled}
      </label>{" "}
      <label>
        {s.maxOffers}{" "}
        <input
          type="number"
          min={0}
          max={100}
          value={v.maxOffersPerWish}
          onChange={(e) => setV({ ...v, maxOffersPerWish: Math.max(0, Math.min(100, Number(e.target.value) || 0)) })}
        />
      </label>{" "}
      <span>
        {s.quietHours} {s.quietFrom}{" "}
        <input
          type="time"
          value={toHhmm(v.quietStartMinute)}
          onChange={(e) => setV({ ...v, quietStartMinute: fromHhmm(e.target.value) })}
        />{" "}
        {s.quietTo}{" "}
        <input
          type="time"
          value={toHhmm(v.quietEndMinute)}
          onChange={(e) => setV({ ...v, quietEndMinute: fromHhmm(e.target.value) })}
        />
      </span>{" "}
      <button type="button" onClick={() => void save()}>
        {s.save}
      </button>
    </details>
  );
}

const PARTS = ["morning", "afternoon", "evening"] as const;

function AddWishForm(props: { s: WaitlistStrings; onClose: (added: boolean) => void }) {
  const { api, tr, toast } = useConsole();
  const snap = useSnapshot();
  const { s } = props;
  const tz = snap.location?.timeZone ?? "UTC";
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<{ id: string; name: string | null; phone: string | null }[]>([]);
  const [customer, setCustomer] = useState<{ id: string; label: string } | null>(null);
  const [serviceIds, setServiceIds] = useState<string[]>([]);
  const [staffId, setStaffId] = useState("");
  const [dateFrom, setDateFrom] = useState(today(tz));
  const [dateTo, setDateTo] = useState(today(tz));
  const [parts, setParts] = useState<string[]>(["afternoon"]);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const q = query.trim();
    if (!q || customer) {
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
  }, [api, query, customer]);

  const services = snap.services.filter((x) => x.active);
  const stylists = snap.staff.filter(
    (m) => m.bookable && m.active && serviceIds.every((id) => m.serviceIds.includes(id)),
  );
  const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const save = async () => {
    if (!customer) return toast({ kind: "error", text: s.pickCustomer });
    if (!serviceIds.length) return toast({ kind: "error", text: s.pickService });
    if (!parts.length) return toast({ kind: "error", text: s.pickPart });
    setBusy(true);
    try {
      await api.waitlist.add.mutate({
        customerId: customer.id,
        serviceIds,
        staffId: staffId || null,
        dateFrom,
        dateTo,
        dayParts: parts as ("morning" | "afternoon" | "evening")[],
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      toast({ kind: "info", text: s.added });
      props.onClose(true);
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="add-wish card"
      data-testid="waitlist-add-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{s.addTitle}</h3>
      <label>
        {s.findCustomer}{" "}
        <input
          value={customer ? customer.label : query}
          onChange={(e) => {
            setCustomer(null);
            setQuery(e.target.value);
          }}
        />
      </label>
      {hits.length ? (
        <ul className="plain hits">
          {hits.map((h) => (
            <li key={h.id}>
              <button
                type="button"
                onClick={() => {
                  setCustomer({ id: h.id, label: [h.name, h.phone].filter(Boolean).join(" · ") });
                  setHits([]);
                }}
              >
                {h.name ?? "—"} {h.phone ? <span className="muted small">{h.phone}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <fieldset>
        <legend>{s.services}</legend>
        {services.map((x) => (
          <label key={x.id}>
            <input
              type="checkbox"
              checked={serviceIds.includes(x.id)}
              onChange={() => setServiceIds(toggle(serviceIds, x.id))}
            />{" "}
            {tr.lang === "en" ? x.nameEn : x.nameEs}
          </label>
        ))}
      </fieldset>
      <label>
        {s.stylist}{" "}
        <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
          <option value="">{s.anyStylist}</option>
          {stylists.map((m) => (
            <option key={m.id} value={m.id}>
              {m.displayName}
            </option>
          ))}
        </select>
      </label>{" "}
      <label>
        {s.fromDate} <input type="date" value={dateFrom} onChange={(e) => setDateFrom(e.target.value)} required />
      </label>{" "}
      <label>
        {s.toDate} <input type="date" value={dateTo} onChange={(e) => setDateTo(e.target.value)} required />
      </label>
      <fieldset>
        <legend>{s.dayParts}</legend>
        {PARTS.map((p) => (
          <label key={p}>
            <input type="checkbox" checked={parts.includes(p)} onChange={() => setParts(toggle(parts, p))} />{" "}
            {s.parts[p]}
          </label>
        ))}
      </fieldset>
      <label>
        {s.noteLabel} <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {s.addSave}
        </button>{" "}
        <button type="button" onClick={() => props.onClose(false)}>
          {s.cancel}
        </button>
      </div>
    </form>
  );
}
