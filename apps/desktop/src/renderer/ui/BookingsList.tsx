// Bookings list: date range, stylist, status and source filters, a text search over customer and
// service, and keyboard navigation (↑/↓ to move, Enter to open, / to search).
import { BOOKING_STATUSES, type BookingStatusName } from "@cita/shared";
import { useEffect, useMemo, useRef, useState } from "react";
import type { Booking } from "../api.ts";
import { errorMessage } from "../api.ts";
import { loadNames, searchBookings, toBooking } from "../replica/queries.ts";
import { downloadText, safeFilename, toCsv } from "../reports/csv.ts";
import { addDays, today } from "../time.ts";
import { useConsole, useSnapshot } from "./context.tsx";
import { customerName, serviceNames } from "./describe.ts";

export function BookingsList({ openBooking }: { openBooking(id: string): void }) {
  const { api, store, tr, fmt, toast, offline, replica } = useConsole();
  const snap = useSnapshot();
  const tz = snap.location!.timeZone;
  const [from, setFrom] = useState(() => today(tz));
  const [to, setTo] = useState(() => addDays(today(tz), 7));
  const [staffId, setStaffId] = useState("");
  const [statuses, setStatuses] = useState<BookingStatusName[]>([]);
  const [source, setSource] = useState<"" | "whatsapp" | "console">("");
  const [text, setText] = useState("");
  const [items, setItems] = useState<Booking[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);

  const filters = useMemo(
    () => ({
      fromDate: from,
      toDate: to,
      ...(staffId ? { staffId } : {}),
      ...(statuses.length ? { status: statuses } : {}),
      ...(source ? { source: [source] } : {}),
    }),
    [from, to, staffId, statuses, source],
  );

  useEffect(() => {
    let live = true;
    // Offline: the same filters over the local replica, all matches at once.
    const search =
      offline && replica
        ? async () => {
            const [rows, names] = await Promise.all([searchBookings(replica.db, filters, tz), loadNames(replica.db)]);
            return { items: rows.map((b) => toBooking(b, names)), nextCursor: null };
          }
        : () => api.bookings.search.query({ ...filters, limit: 200 });
    search()
      .then((r) => {
        if (!live) return;
        setItems(r.items);
        setCursor(r.nextCursor);
        setSelected(0);
        void store.ensureCustomers(r.items.map((b) => b.customerId));
      })
      .catch((e) => toast({ kind: "error", text: errorMessage(e) }));
    return () => {
      live = false;
    };
  }, [api, store, filters, toast, offline, replica, tz]);

  const more = async () => {
    const r = await api.bookings.search.query({ ...filters, limit: 200, cursor });
    setItems((xs) => [...xs, ...r.items]);
    setCursor(r.nextCursor);
    void store.ensureCustomers(r.items.map((b) => b.customerId));
  };

  // Keep rows current with live changes to bookings we already show.
  const rows = useMemo(() => {
    const q = text.trim().toLocaleLowerCase();
    return items
      .map((b) => snap.bookings.get(b.id) ?? b)
      .filter((b) => {
        if (!q) return true;
        const c = snap.customers.get(b.customerId);
        return [
          c?.name,
          c?.phone,
          b.guestName,
          serviceNames(b, "es"),
          serviceNames(b, "en"),
          ...b.items.map((i) => i.staffName),
        ]
          .filter(Boolean)
          .some((s) => s!.toLocaleLowerCase().includes(q));
      });
  }, [items, snap.bookings, snap.customers, text]);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setSelected((i) => Math.min(rows.length - 1, i + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setSelected((i) => Math.max(0, i - 1));
    } else if (e.key === "Enter" && rows[selected]) {
      e.preventDefault();
      openBooking(rows[selected]!.id);
    } else if (e.key === "/" && e.target !== searchRef.current) {
      e.preventDefault();
      searchRef.current?.focus();
    }
  };

  useEffect(() => {
    tableRef.current?.querySelector(`[data-index="${selected}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  /** The rows as shown (filters and search applied), one line per booking. */
  const exportCsv = () => {
    const header = [
      "date",
      "time",
      "customer",
      "phone",
      "services",
      "stylists",
      "status",
      "source",
      "price",
      "deposit",
      "notes",
    ];
    const lines = rows.map((b) => {
      const c = snap.customers.get(b.customerId);
      return [
        fmt.date(b.startsAt),
        fmt.time(b.startsAt),
        customerName(b, snap.customers, tr.t("guest")),
        c?.phone ?? "",
        serviceNames(b, tr.lang),
        [...new Set(b.items.map((i) => i.staffName))].join(", "),
        tr.status(b.status),
        tr.source(b.source),
        (b.totalPriceCents / 100).toFixed(2),
        (b.depositCents / 100).toFixed(2),
        b.notes ?? "",
      ];
    });
    downloadText(safeFilename(`bookings-${from}-${to}.csv`), toCsv(header, lines));
  };

  const toggle = (s: BookingStatusName) =>
    setStatuses((xs) => (xs.includes(s) ? xs.filter((x) => x !== s) : [...xs, s]));

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keyboard navigation for the whole list
    <section className="list" data-testid="bookings-list" onKeyDown={onKey}>
      <div className="filters">
        <input
          ref={searchRef}
          type="search"
          data-testid="list-search"
          placeholder={`${tr.t("search")} (/)`}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label>
          {tr.t("from")} <input type="date" value={from} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label>
          {tr.t("to")} <input type="date" value={to} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <label>
          {tr.t("stylist")}{" "}
          <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
            <option value="">{tr.t("allStylists")}</option>
            {snap.staff
              .filter((s) => s.bookable)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.displayName}
                </option>
              ))}
          </select>
        </label>
        <label>
          {tr.t("source")}{" "}
          <select data-testid="list-source" value={source} onChange={(e) => setSource(e.target.value as typeof source)}>
            <option value="">{tr.t("any")}</option>
            <option value="whatsapp">{tr.source("whatsapp")}</option>
            <option value="console">{tr.source("console")}</option>
          </select>
        </label>
        <div className="chips">
          {BOOKING_STATUSES.map((s) => (
            <button
              type="button"
              key={s}
              className={statuses.includes(s) ? "chip on" : "chip"}
              aria-pressed={statuses.includes(s)}
              onClick={() => toggle(s)}
            >
              {tr.status(s)}
            </button>
          ))}
        </div>
        <button type="button" data-testid="export-csv" disabled={!rows.length} onClick={exportCsv}>
          {tr.t("exportCsv")}
        </button>
      </div>
      <div className="table" ref={tableRef} tabIndex={0} data-testid="list-rows" role="listbox">
        {rows.map((b, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: keys are handled on the list
          <div
            key={b.id}
            role="option"
            tabIndex={-1}
            aria-selected={i === selected}
            data-index={i}
            data-booking-id={b.id}
            className={i === selected ? "tr selected" : "tr"}
            onClick={() => {
              setSelected(i);
              openBooking(b.id);
            }}
          >
            <span>{fmt.dateTime(b.startsAt)}</span>
            <span>{customerName(b, snap.customers, tr.t("guest"))}</span>
            <span>{serviceNames(b, tr.lang)}</span>
            <span>{[...new Set(b.items.map((x) => x.staffName))].join(", ")}</span>
            <span className={`badge status ${b.status}`}>{tr.status(b.status)}</span>
            <span className={`badge source ${b.source}`}>{tr.source(b.source)}</span>
            <span className="num">{fmt.money(b.totalPriceCents)}</span>
          </div>
        ))}
        {!rows.length ? <p className="muted">{tr.t("noBookings")}</p> : null}
      </div>
      {cursor ? (
        <button type="button" onClick={() => void more()}>
          {tr.t("more")}
        </button>
      ) : null}
    </section>
  );
}
