// Actions on a customer's data: merge a duplicate into this customer (search, preview, confirm;
// the desk may), export everything as JSON (downloaded as customer-<id>.json) and erase (typed
// confirmation), for owners and managers. The server decides who may (customers.write /
// customers.export / customers.erase); the console only hides what would be refused. Errors are toasts.
import { useEffect, useState } from "react";
import type { RouterOutputs } from "../api.ts";
import { errorData, errorMessage } from "../api.ts";
import { downloadText } from "../reports/csv.ts";
import { useConsole } from "../ui/context.tsx";
import { customerStrings } from "./strings.ts";

type CustomerDetail = RouterOutputs["customers"]["get"];
type Hit = RouterOutputs["customers"]["search"]["items"][number];

export function useCustomerStrings() {
  const { tr } = useConsole();
  return customerStrings[tr.lang];
}

/** Whether the signed-in person sees the data actions. */
export function useIsManager(): boolean {
  const { session } = useConsole();
  const role = session.staff?.role;
  return role === "owner" || role === "manager";
}

/** Merging is desk work (customers.write); export and erase are for owners and managers. */
export function DataActions(props: { detail: CustomerDetail; onChanged(): Promise<void> | void; manager: boolean }) {
  const { api, toast } = useConsole();
  const s = useCustomerStrings();
  const c = props.detail.customer;
  const [dialog, setDialog] = useState<"merge" | "erase" | null>(null);
  const [busy, setBusy] = useState(false);
  const Dialog = dialog === "merge" ? MergeDialog : dialog === "erase" ? EraseDialog : null;

  const exportData = async () => {
    setBusy(true);
    try {
      const doc = await api.customers.export.mutate({ customerId: c.id });
      const file = `customer-${c.id}.json`;
      downloadText(file, JSON.stringify(doc, null, 2), "application/json;charset=utf-8");
      toast({ kind: "info", text: s.exported(file) });
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="customer-data" data-testid="customer-data">
      <h3>{s.dataActions}</h3>
      <div className="actions wrap">
        {c.erased ? null : (
          <button type="button" data-testid="customer-merge" disabled={busy} onClick={() => setDialog("merge")}>
            {s.mergeWith}
          </button>
        )}
        {props.manager ? (
          <button type="button" data-testid="customer-export" disabled={busy} onClick={() => void exportData()}>
            {s.exportData}
          </button>
        ) : null}
        {c.erased || !props.manager ? null : (
          <button
            type="button"
            className="danger"
            data-testid="customer-erase"
            disabled={busy}
            onClick={() => setDialog("erase")}
          >
            {s.eraseCustomer}
          </button>
        )}
      </div>
      {Dialog ? (
        <Dialog
          detail={props.detail}
          onClose={() => setDialog(null)}
          onDone={async () => {
            setDialog(null);
            await props.onChanged();
          }}
        />
      ) : null}
    </section>
  );
}

/** A dialog's write: `busy` meanwhile, the outcome as a toast, then `onDone` (after a conflict too: the customer changed). */
function useDialogWrite(onDone: () => Promise<void>) {
  const { toast } = useConsole();
  const [busy, setBusy] = useState(false);
  async function run<T>(write: () => Promise<T>, doneText: (result: T) => string) {
    setBusy(true);
    try {
      const result = await write();
      toast({ kind: "info", text: doneText(result) });
      await onDone();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
      if (errorData(e).code === "CONFLICT") await onDone();
    } finally {
      setBusy(false);
    }
  }
  return { busy, run };
}

function MergeDialog(props: { detail: CustomerDetail; onClose(): void; onDone(): Promise<void> }) {
  const { api, tr, toast } = useConsole();
  const s = useCustomerStrings();
  const survivor = props.detail.customer;
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [picked, setPicked] = useState<CustomerDetail | null>(null);
  const { busy, run } = useDialogWrite(props.onDone);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits(null);
      return;
    }
    let live = true;
    const h = setTimeout(() => {
      api.customers.search
        .query({ query: q, limit: 20 })
        .then((r) => live && setHits(r.items.filter((x) => x.id !== survivor.id && !x.erased)))
        .catch((e) => live && toast({ kind: "error", text: errorMessage(e) }));
    }, 200);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [api, query, survivor.id, toast]);

  const pick = async (id: string) => {
    try {
      setPicked(await api.customers.get.query({ customerId: id }));
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    }
  };

  const merge = async () => {
    if (!picked) return;
    const duplicate = picked.customer;
    await run(
      () =>
        api.customers.merge.mutate({
          survivorId: survivor.id,
          duplicateId: duplicate.id,
          expectedVersions: { survivor: survivor.version, duplicate: duplicate.version },
        }),
      (r) => s.merged(r.movedBookings, r.movedConversations),
    );
  };

  const dup = picked?.customer;
  const notes = [survivor.notes, dup?.notes].filter((n) => n?.trim()).join("\n\n");
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label={s.mergeTitle(survivor.name ?? "…")} data-testid="merge-dialog">
        <h2>{s.mergeTitle(survivor.name ?? "…")}</h2>
        <p className="muted small">{s.mergeHint}</p>
        {picked && dup ? (
          <>
            <h3>{s.mergePreview}</h3>
            <div className="table merge-preview" data-testid="merge-preview">
              <div className="tr">
                <span className="muted">{s.stays}</span>
                <span>
                  <strong>{survivor.name ?? dup.name ?? "…"}</strong> {survivor.phone}
                </span>
              </div>
              <div className="tr">
                <span className="muted">{s.mergedAway}</span>
                <span data-testid="merge-duplicate">
                  {dup.name ?? "…"} {dup.phone}
                </span>
              </div>
              <div className="tr">
                <span className="muted">{s.bookingsHere}</span>
                <span data-testid="merge-bookings">{props.detail.bookings.length + picked.bookings.length}</span>
              </div>
              <div className="tr">
                <span className="muted">{tr.t("noShows")}</span>
                <span data-testid="merge-no-shows">{survivor.noShowCount + dup.noShowCount}</span>
              </div>
              <div className="tr">
                <span className="muted">{s.consent}</span>
                <span>{survivor.marketingConsent || dup.marketingConsent ? s.yes : s.no}</span>
              </div>
              <div className="tr">
                <span className="muted">{tr.t("notes")}</span>
                <span className="msg-body">{notes || "—"}</span>
              </div>
            </div>
          </>
        ) : (
          <>
            <input
              type="search"
              data-testid="merge-query"
              placeholder={s.mergeSearch}
              aria-label={s.mergeSearch}
              value={query}
              // biome-ignore lint/a11y/noAutofocus: the dialog opens to search
              autoFocus
              onChange={(e) => setQuery(e.target.value)}
            />
            {hits && !hits.length ? <p className="muted">{s.mergeNoHits}</p> : null}
            <ul className="hits">
              {(hits ?? []).map((h) => (
                <li key={h.id}>
                  <button type="button" data-testid="merge-hit" data-customer-id={h.id} onClick={() => void pick(h.id)}>
                    <strong>{h.name ?? "…"}</strong> <span className="muted small">{h.phone}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            {tr.t("cancel")}
          </button>
          <button
            type="button"
            className="primary"
            data-testid="merge-confirm"
            disabled={!picked || busy}
            onClick={() => void merge()}
          >
            {s.merge}
          </button>
        </div>
      </div>
    </div>
  );
}

function EraseDialog(props: { detail: CustomerDetail; onClose(): void; onDone(): Promise<void> }) {
  const { api, tr } = useConsole();
  const s = useCustomerStrings();
  const c = props.detail.customer;
  const name = c.name ?? "…";
  const [typed, setTyped] = useState("");
  const { busy, run } = useDialogWrite(props.onDone);
  const fold = (x: string) => x.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
  const confirmed = typed.trim() === "ERASE" || (!!c.name && fold(typed) === fold(c.name));

  const erase = () =>
    run(
      () => api.customers.erase.mutate({ customerId: c.id, confirm: true, version: c.version }),
      (r) => s.erasedDone(r.messages, r.bookings),
    );

  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        aria-label={s.eraseTitle(name)}
        data-testid="erase-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (confirmed) void erase();
        }}
      >
        <h2>{s.eraseTitle(name)}</h2>
        <div className="cancel-box">
          <p>{s.eraseExplain}</p>
          <p className="muted small">{s.eraseElsewhere}</p>
        </div>
        <label>
          {s.eraseType(name)}
          <input
            data-testid="erase-typed"
            value={typed}
            autoComplete="off"
            // biome-ignore lint/a11y/noAutofocus: the dialog opens to type the confirmation
            autoFocus
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            {tr.t("cancel")}
          </button>
          <button type="submit" className="danger" data-testid="erase-confirm" disabled={!confirmed || busy}>
            {s.eraseConfirm}
          </button>
        </div>
      </form>
    </div>
  );
}
