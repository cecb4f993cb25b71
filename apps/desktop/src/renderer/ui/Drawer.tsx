// A booking's drawer: details, history, notes, and the actions the desk takes on the day.
import { useEffect, useState } from "react";
import type { AuditEntry, Booking, MoneyDecision } from "../api.ts";
import { errorData, localizedError } from "../api.ts";
import { loadNames, toBooking } from "../replica/queries.ts";
import { useConsole, useSnapshot } from "./context.tsx";
import { customerName } from "./describe.ts";
import { LastFormula } from "./LastFormula.tsx";
import { actorLabel, auditLabel } from "./labels.ts";
import { VisitLinks } from "./VisitLinks.tsx";

export interface DrawerProps {
  bookingId: string;
  onClose(): void;
  /** Opens another booking's drawer (the series' other visits, the group's other people). */
  openBooking?(id: string): void;
}

type History = { state: "loading" } | { state: "forbidden" } | { state: "ok"; items: AuditEntry[] };

export function Drawer({ bookingId, onClose, openBooking }: DrawerProps) {
  const { api, store, tr, fmt, toast, canResendLink, offline, replica } = useConsole();
  const snap = useSnapshot();
  const booking = snap.bookings.get(bookingId);
  const [notes, setNotes] = useState(booking?.notes ?? "");
  const [history, setHistory] = useState<History>({ state: "loading" });
  const [cancel, setCancel] = useState<{ decision: MoneyDecision; reason: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (booking) return;
    if (offline && replica)
      void Promise.all([replica.db.bookings.get(bookingId), loadNames(replica.db)]).then(([b, names]) => {
        if (b) store.upsert(toBooking(b, names));
      });
    else
      void api.bookings.get.query({ id: bookingId }).then(
        (b) => store.upsert(b),
        () => {},
      );
  }, [api, store, booking, bookingId, offline, replica]);

  const version = booking?.version;
  useEffect(() => {
    void version;
    let live = true;
    if (offline) return;
    api.audit.list
      .query({ entityType: "booking", entityId: bookingId, limit: 50 })
      .then((r) => live && setHistory({ state: "ok", items: r.items }))
      .catch(
        (e) =>
          live && setHistory(errorData(e).code === "FORBIDDEN" ? { state: "forbidden" } : { state: "ok", items: [] }),
      );
    return () => {
      live = false;
    };
  }, [api, bookingId, version, offline]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  if (!booking) return <aside className="drawer">{tr.t("loading")}</aside>;

  const run = async (what: () => Promise<Booking | { booking: Booking }>, done?: string) => {
    setBusy(true);
    try {
      const r = await what();
      const b = "booking" in r ? r.booking : r;
      store.ownIds.add(b.id);
      store.upsert(b);
      if (done) toast({ kind: "info", text: done });
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    } finally {
      setBusy(false);
    }
  };
  const id = booking.id;
  const expectedVersion = booking.version;
  const open = ["held", "pending_deposit", "confirmed", "checked_in"].includes(booking.status);

  // Offline, notes and no-shows wait in the replica's queue with the version they were based on.
  const queue = async (change: { kind: "notes"; notes: string } | { kind: "noShow" }) => {
    if (!replica) return;
    setBusy(true);
    try {
      await replica.enqueue({ ...change, bookingId: id, baseVersion: expectedVersion });
      store.upsert(change.kind === "notes" ? { ...booking, notes: change.notes } : { ...booking, status: "no_show" });
      toast({ kind: "info", text: tr.t("offlineSaved") });
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    } finally {
      setBusy(false);
    }
  };

  const startCancel = async () => {
    try {
      const decision = await api.bookings.previewCancel.query({ id });
      setCancel({ decision, reason: "" });
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    }
  };

  const resend = async () => {
    try {
      // Shown only when the server has payments.resendLink (probed at sign-in; older servers lack it).
      await api.payments.resendLink.mutate({ bookingId: id });
      toast({ kind: "info", text: tr.t("linkSent") });
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    }
  };

  return (
    <aside
      className="drawer"
      data-testid="drawer"
      data-booking-id={id}
      data-status={booking.status}
      data-offline={offline ? "true" : undefined}
    >
      <header>
        <h2>{customerName(booking, snap.customers, tr.t("guest"))}</h2>
        <button type="button" className="link" onClick={onClose} aria-label={tr.t("close")}>
          ✕
        </button>
      </header>
      <p className="muted">{snap.customers.get(booking.customerId)?.phone}</p>
      <dl>
        <dt>{tr.t("status")}</dt>
        <dd>
          <span className={`badge status ${booking.status}`} data-testid="drawer-status">
            {tr.status(booking.status)}
          </span>
        </dd>
        <dt>{tr.t("source")}</dt>
        <dd>{tr.source(booking.source)}</dd>
        <dt>{tr.t("services")}</dt>
        <dd>
          <ul className="plain">
            {booking.items.map((i) => (
              <li key={i.id}>
                {fmt.time(i.startsAt)}–{fmt.time(i.endsAt)} · {i.serviceName[tr.lang]} · {i.staffName}
                {i.processingMinutes ? (
                  <span className="muted">
                    {" "}
                    ({i.durationMinutes}+{i.processingMinutes}+{i.finishingMinutes} {tr.t("minutes")})
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </dd>
        <dt>{tr.t("price")}</dt>
        <dd>{fmt.money(booking.totalPriceCents)}</dd>
        {booking.depositCents ? (
          <>
            <dt>{tr.t("depositLabel")}</dt>
            <dd>
              {fmt.money(booking.depositCents)} · {fmt.money(booking.depositPaidCents)} {tr.t("paid")}
            </dd>
          </>
        ) : null}
      </dl>
      <VisitLinks bookingId={booking.id} version={booking.version} openBooking={openBooking} />
      <LastFormula booking={booking} />
      <div className="actions wrap">
        {offline ? null : (
          <>
            {booking.status === "confirmed" ? (
              <button
                type="button"
                data-testid="action-check-in"
                disabled={busy}
                onClick={() => run(() => api.bookings.checkIn.mutate({ id, expectedVersion }), tr.t("checkIn"))}
              >
                {tr.t("checkIn")}
              </button>
            ) : null}
            {booking.status === "checked_in" ? (
              <button
                type="button"
                data-testid="action-complete"
                disabled={busy}
                onClick={() => run(() => api.bookings.complete.mutate({ id, expectedVersion }), tr.t("complete"))}
              >
                {tr.t("complete")}
              </button>
            ) : null}
          </>
        )}
        {booking.status === "confirmed" ? (
          <button
            type="button"
            data-testid="action-no-show"
            disabled={busy}
            onClick={() =>
              offline
                ? queue({ kind: "noShow" })
                : run(() => api.bookings.noShow.mutate({ id, expectedVersion }), tr.t("noShow"))
            }
          >
            {tr.t("noShow")}
          </button>
        ) : null}
        {open && !offline ? (
          <button type="button" data-testid="action-cancel" className="danger" disabled={busy} onClick={startCancel}>
            {tr.t("cancelBooking")}
          </button>
        ) : null}
        {canResendLink && !offline && booking.status === "pending_deposit" ? (
          <button type="button" data-testid="action-resend" onClick={resend}>
            {tr.t("resendLink")}
          </button>
        ) : null}
        {booking.conversationId && !offline ? (
          <a
            className="button"
            href={`#/chats/${booking.conversationId}`}
            data-testid="open-chat"
            data-conversation-id={booking.conversationId}
            onClick={onClose}
          >
            {tr.t("openChat")}
          </a>
        ) : (
          <span className="muted small">{tr.t("noChat")}</span>
        )}
      </div>
      {cancel ? (
        <div className="cancel-box" data-testid="cancel-preview">
          <h3>{tr.t("refundPreview")}</h3>
          <p data-testid="cancel-explanation">{cancel.decision.explanation[tr.lang]}</p>
          <p>
            {tr.t("refund")}: <strong data-testid="cancel-refund">{fmt.money(cancel.decision.refundCents)}</strong> ·{" "}
            {tr.t("kept")}: <strong>{fmt.money(cancel.decision.keptCents)}</strong>
          </p>
          <label>
            {tr.t("cancelReason")}
            <input
              data-testid="cancel-reason"
              value={cancel.reason}
              onChange={(e) => setCancel({ ...cancel, reason: e.target.value })}
            />
          </label>
          <div className="actions">
            <button type="button" onClick={() => setCancel(null)}>
              {tr.t("keep")}
            </button>
            <button
              type="button"
              className="danger"
              data-testid="cancel-confirm"
              disabled={busy || !cancel.reason.trim()}
              onClick={() =>
                run(
                  () => api.bookings.cancel.mutate({ id, by: "staff", reason: cancel.reason.trim(), expectedVersion }),
                  tr.t("cancelBooking"),
                ).then(() => setCancel(null))
              }
            >
              {tr.t("confirmCancel")}
            </button>
          </div>
        </div>
      ) : null}
      <section>
        <h3>{tr.t("notes")}</h3>
        <textarea data-testid="notes" value={notes} rows={3} onChange={(e) => setNotes(e.target.value)} />
        <button
          type="button"
          data-testid="save-notes"
          disabled={busy || notes === (booking.notes ?? "")}
          onClick={() =>
            offline
              ? queue({ kind: "notes", notes })
              : run(() => api.bookings.setNotes.mutate({ id, notes, expectedVersion }), tr.t("notesSaved"))
          }
        >
          {tr.t("saveNotes")}
        </button>
      </section>
      <section>
        <h3>{tr.t("history")}</h3>
        {offline ? (
          <p className="muted">{tr.t("notOffline")}</p>
        ) : history.state === "loading" ? (
          <p className="muted">{tr.t("loading")}</p>
        ) : history.state === "forbidden" ? (
          <p className="muted">{tr.t("historyForbidden")}</p>
        ) : (
          <ol className="history" data-testid="history">
            {history.items.map((h) => (
              <li key={h.id} data-action={h.action}>
                <span className="muted">{fmt.dateTime(h.at)}</span> {auditLabel(h.action, tr.lang)}{" "}
                <span className="muted">{h.actorName ?? actorLabel(h.actorType, tr.lang)}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </aside>
  );
}
