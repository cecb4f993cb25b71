// Customers: search by phone (exact) or name (part of it), and a profile with the booking history,
// notes, no-shows, language and marketing consent (saved with the customer's version); for owners and
// managers, merge / export / erase (DataActions.tsx).
import { useCallback, useEffect, useState } from "react";
import type { RouterOutputs } from "../api.ts";
import { errorData, errorMessage } from "../api.ts";
import { useConsole } from "../ui/context.tsx";
import { DataActions, useIsManager } from "./DataActions.tsx";
import { PatchTests } from "./PatchTests.tsx";
import { Treatments } from "./Treatments.tsx";

type SearchResult = RouterOutputs["customers"]["search"];
type CustomerDetail = RouterOutputs["customers"]["get"];

export function Customers(props: { customerId: string | null; openBooking(id: string): void }) {
  return (
    <section className="customers" data-testid="customers">
      <CustomerSearch selected={props.customerId} />
      {props.customerId ? (
        <Profile key={props.customerId} customerId={props.customerId} openBooking={props.openBooking} />
      ) : null}
    </section>
  );
}

function CustomerSearch({ selected }: { selected: string | null }) {
  const { api, tr } = useConsole();
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResult(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      api.customers.search
        .query({ query: q, limit: 50 })
        .then((r) => {
          if (!live) return;
          setResult(r);
          setError(null);
        })
        .catch((e) => live && setError(errorMessage(e)));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, query]);

  return (
    <nav className="customer-search" aria-label={tr.t("customers")}>
      <input
        type="search"
        data-testid="customer-query"
        placeholder={tr.t("searchCustomer")}
        aria-label={tr.t("searchCustomer")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error ? <p className="error small">{error}</p> : null}
      {result ? (
        <>
          <p className="muted small" data-testid="matched-by" data-by={result.matchedBy}>
            {result.matchedBy === "phone" ? tr.t("matchedByPhone") : tr.t("matchedByName")}
          </p>
          {result.items.length ? null : <p className="muted">{tr.t("noCustomers")}</p>}
          <ul className="plain hits-list" data-testid="customer-results">
            {result.items.map((c) => (
              <li key={c.id}>
                <a
                  href={`#/customers/${c.id}`}
                  className={c.id === selected ? "hit active" : "hit"}
                  data-testid="customer-hit"
                  data-customer-id={c.id}
                >
                  <strong>{c.name ?? "…"}</strong> <span className="muted small">{c.phone}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </nav>
  );
}

interface Form {
  notes: string;
  language: string;
  marketingConsent: boolean;
}

function Profile(props: { customerId: string; openBooking(id: string): void }) {
  const { api, tr, fmt, toast, store, inbox } = useConsole();
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const isManager = useIsManager();

  const load = useCallback(async () => {
    try {
      const d = await api.customers.get.query({ customerId: props.customerId });
      // A merged-away id answers with the customer it was merged into: show that one's address.
      if (d.customer.id !== props.customerId) {
        location.hash = `#/customers/${d.customer.id}`;
        return;
      }
      setDetail(d);
      setForm({
        notes: d.customer.notes ?? "",
        language: d.customer.language,
        marketingConsent: d.customer.marketingConsent,
      });
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, props.customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error && !detail) return <section className="profile error">{error}</section>;
  if (!detail || !form) return <section className="profile muted">{tr.t("loading")}</section>;
  const c = detail.customer;
  const dirty =
    form.notes !== (c.notes ?? "") || form.language !== c.language || form.marketingConsent !== c.marketingConsent;
  const chats = inbox.getSnapshot().items.filter((x) => x.customerId === c.id);

  const save = async () => {
    setBusy(true);
    try {
      await api.customers.update.mutate({
        customerId: c.id,
        version: c.version,
        ...(form.notes !== (c.notes ?? "") ? { notes: form.notes.trim() ? form.notes : null } : {}),
        ...(form.language !== c.language ? { language: form.language as "es" | "en" } : {}),
        ...(form.marketingConsent !== c.marketingConsent ? { marketingConsent: form.marketingConsent } : {}),
      });
      toast({ kind: "info", text: tr.t("saved") });
      await load();
      void store.ensureCustomers([c.id]);
    } catch (e) {
      const d = errorData(e);
      if (d.code === "CONFLICT" || d.appCode === "STALE_VERSION" || d.code === "PRECONDITION_FAILED") {
        toast({ kind: "error", text: tr.t("staleCustomer") });
        await load();
      } else toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="profile" data-testid="customer-profile" data-customer-id={c.id} data-version={c.version}>
      <header>
        <h2 data-testid="customer-name">{c.name ?? "…"}</h2>
        <p className="muted">{c.phone}</p>
      </header>
      {c.erased ? <p className="notice">{tr.t("erased")}</p> : null}
      <dl>
        <dt>{tr.t("noShows")}</dt>
        <dd data-testid="customer-no-shows">{detail.noShowCount}</dd>
        {chats.length ? (
          <>
            <dt>{tr.t("chatsOf")}</dt>
            <dd>
              {chats.map((x) => (
                <a key={x.id} href={`#/chats/${x.id}`} className="button small" data-testid="customer-chat">
                  {x.channel}
                </a>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      <form
        className="customer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          {tr.t("language")}{" "}
          <select
            data-testid="customer-language"
            value={form.language}
            disabled={c.erased}
            onChange={(e) => setForm({ ...form, language: e.target.value })}
          >
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="customer-consent"
            checked={form.marketingConsent}
            disabled={c.erased}
            onChange={(e) => setForm({ ...form, marketingConsent: e.target.checked })}
          />{" "}
          {tr.t("marketingConsent")}
        </label>
        <label>
          {tr.t("notes")}
          <textarea
            data-testid="customer-notes"
            rows={4}
            value={form.notes}
            disabled={c.erased}
            onChange={(e) => setForm({ ...form, notes: e.target.value })}
          />
        </label>
        <button type="submit" className="primary" data-testid="customer-save" disabled={busy || !dirty || c.erased}>
          {tr.t("save")}
        </button>
      </form>
      <DataActions detail={detail} onChanged={load} manager={isManager} />
      <Treatments customerId={c.id} erased={c.erased} />
      <PatchTests customerId={c.id} erased={c.erased} />
      <h3>{tr.t("history")}</h3>
      {detail.bookings.length ? null : <p className="muted">{tr.t("noHistory")}</p>}
      <div className="table" data-testid="customer-history">
        {detail.bookings.map((b) => (
          <div key={b.id} className="tr" data-testid="history-row" data-booking-id={b.id}>
            <span>
              <button type="button" className="link" onClick={() => props.openBooking(b.id)}>
                {fmt.dateTime(b.startsAt)}
              </button>
            </span>
            <span>{b.items.map((i) => (tr.lang === "es" ? i.serviceNameEs : i.serviceNameEn)).join(" + ")}</span>
            <span>{[...new Set(b.items.map((i) => i.staffName))].join(", ")}</span>
            <span className={`badge status ${b.status}`}>{tr.status(b.status)}</span>
            <span className="num">{fmt.money(b.totalPriceCents)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
