// Changes made offline that the server has not taken yet: waiting, or refused (conflict/failed)
// with what the server has now, and the choice to keep mine or drop it. Nothing leaves this list
// without a decision or a successful send.
import { useState } from "react";
import { errorMessage } from "../api.ts";
import type { QueuedChange } from "../replica/db.ts";
import type { Replica } from "../replica/replica.ts";
import { useConsole } from "../ui/context.tsx";
import { useReplica } from "./OfflineBanner.tsx";

export function PendingChanges({ replica, openBooking }: { replica: Replica; openBooking(id: string): void }) {
  const { tr, fmt, toast, offline } = useConsole();
  const r = useReplica(replica);
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const what = (q: QueuedChange) => (q.kind === "notes" ? `${tr.t("notes")}: “${q.notes}”` : tr.t("noShow"));
  return (
    <section className="list" data-testid="pending-changes">
      <h2>{tr.t("pendingChanges")}</h2>
      {!r.queue.length ? <p className="muted">{tr.t("pendingNone")}</p> : null}
      <ul className="plain">
        {r.queue.map((q) => (
          <li key={q.seq} className={`pending ${q.state}`} data-testid="pending-item" data-state={q.state}>
            <div>
              <button type="button" className="link" onClick={() => openBooking(q.bookingId)}>
                {what(q)}
              </button>{" "}
              <span className="muted small">
                {fmt.dateTime(q.createdAt)} · v{q.baseVersion}
              </span>
            </div>
            {q.state === "queued" ? (
              <span className="muted">{tr.t("pendingWaiting")}</span>
            ) : (
              <div>
                <p className="error" data-testid="pending-error">
                  {q.state === "conflict" ? tr.t("pendingConflict") : tr.t("pendingRefused")}: {q.error}
                </p>
                {q.state === "conflict" && q.kind === "notes" ? (
                  <p className="muted" data-testid="pending-server-notes">
                    {tr.t("pendingServerHas")}: “{q.serverNotes ?? ""}” (v{q.serverVersion})
                  </p>
                ) : null}
                <div className="actions">
                  {q.state === "conflict" ? (
                    <button
                      type="button"
                      disabled={busy || offline}
                      data-testid="pending-keep"
                      onClick={() => act(() => replica.keepMine(q.seq!))}
                    >
                      {tr.t("pendingKeepMine")}
                    </button>
                  ) : null}
                  <button
                    type="button"
                    disabled={busy}
                    data-testid="pending-discard"
                    onClick={() => act(() => replica.discard(q.seq!))}
                  >
                    {tr.t("pendingDiscard")}
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
