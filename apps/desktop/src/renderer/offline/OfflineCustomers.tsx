// Customers while offline: search the local copy by name or phone and read a customer's history
// (the bookings the replica holds). Editing waits for the network.
import type { SyncCustomerRow } from "@cita/shared";
import { useEffect, useState } from "react";
import type { Booking } from "../api.ts";
import type { ReplicaDb } from "../replica/db.ts";
import { customerHistory, loadNames, searchCustomers, toBooking } from "../replica/queries.ts";
import { useConsole } from "../ui/context.tsx";
import { serviceNames } from "../ui/describe.ts";

export function OfflineCustomers(props: {
  db: ReplicaDb;
  customerId: string | null;
  navigate(customerId: string | null): void;
  openBooking(id: string): void;
}) {
  const { tr, fmt } = useConsole();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<SyncCustomerRow[]>([]);
  const [customer, setCustomer] = useState<SyncCustomerRow | null>(null);
  const [history, setHistory] = useState<Booking[]>([]);

  useEffect(() => {
    let live = true;
    void searchCustomers(props.db, query).then((r) => live && setFound(r));
    return () => {
      live = false;
    };
  }, [props.db, query]);

  useEffect(() => {
    let live = true;
    if (!props.customerId) {
      setCustomer(null);
      return;
    }
    void (async () => {
      const [c, rows, names] = await Promise.all([
        props.db.customers.get(props.customerId!),
        customerHistory(props.db, props.customerId!),
        loadNames(props.db),
      ]);
      if (!live) return;
      setCustomer(c ?? null);
      setHistory(rows.map((b) => toBooking(b, names)));
    })();
    return () => {
      live = false;
    };
  }, [props.db, props.customerId]);

  return (
    <section className="customers" data-testid="offline-customers">
      <div className="filters">
        <input
          type="search"
          data-testid="customer-search"
          placeholder={tr.t("searchCustomer")}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <ul className="plain" data-testid="customer-results">
        {found.map((c) => (
          <li key={c.id}>
            <button type="button" className="link" onClick={() => props.navigate(c.id)}>
              {c.name ?? c.phone}
            </button>{" "}
            <span className="muted">{c.phone}</span>
          </li>
        ))}
      </ul>
      {customer ? (
        <article data-testid="customer-profile">
          <h2>{customer.name ?? customer.phone}</h2>
          <p className="muted">
            {customer.phone} · {customer.language} · {tr.t("noShow")}: {customer.noShowCount}
          </p>
          {customer.notes ? <p data-testid="customer-notes">{customer.notes}</p> : null}
          <h3>{tr.t("history")}</h3>
          <table className="table" data-testid="customer-history">
            <tbody>
              {history.map((b) => (
                <tr key={b.id} onClick={() => props.openBooking(b.id)}>
                  <td>{fmt.dateTime(b.startsAt)}</td>
                  <td>{serviceNames(b, tr.lang)}</td>
                  <td>{b.items.map((i) => i.staffName).join(", ")}</td>
                  <td>{tr.status(b.status)}</td>
                  <td>{fmt.money(b.totalPriceCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ) : null}
    </section>
  );
}
