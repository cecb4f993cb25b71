// Says plainly when the console works from its local copy, since when, and what waits to be sent.
import { useSyncExternalStore } from "react";
import type { Replica } from "../replica/replica.ts";
import { useConsole } from "../ui/context.tsx";
import type { Mode } from "./connectivity.ts";

export function useReplica(replica: Replica) {
  return useSyncExternalStore(replica.subscribe, replica.getSnapshot);
}

export function OfflineBanner({ replica, mode }: { replica: Replica; mode: Mode }) {
  const { tr, fmt } = useConsole();
  const r = useReplica(replica);
  const queued = r.queue.filter((q) => q.state === "queued").length;
  if (mode.kind !== "offline")
    return (
      <div
        className="replica-status muted small"
        data-testid="replica-status"
        data-synced={r.syncedAt ? "true" : "false"}
        data-syncing={r.syncing ? "true" : "false"}
      >
        {r.syncedAt ? `${tr.t("localCopy")}: ${fmt.dateTime(r.syncedAt)}` : tr.t("localCopyFilling")}
      </div>
    );
  return (
    <div className="banner warn" role="status" data-testid="offline-banner">
      <strong>
        {tr.t("offline")}
        {mode.since ? ` ${tr.t("since")} ${fmt.dateTime(mode.since)}` : ""}
      </strong>
      . {tr.t("offlineExplain")}
      {r.syncedAt ? ` (${tr.t("localCopy")}: ${fmt.dateTime(r.syncedAt)})` : ""}
      {queued ? (
        <>
          {" "}
          · <span data-testid="offline-queued">{tr.t("offlineQueued").replace("{n}", String(queued))}</span>
        </>
      ) : null}
    </div>
  );
}

/** "2 waiting" / "1 conflict" in the top bar, linking to the list. */
export function PendingBadge({ replica }: { replica: Replica }) {
  const { tr } = useConsole();
  const r = useReplica(replica);
  if (!r.queue.length) return null;
  const stuck = r.queue.filter((q) => q.state !== "queued").length;
  return (
    <a
      href="#/pending"
      className={`badge ${stuck ? "waiting" : "unread"}`}
      data-testid="pending-badge"
      data-conflicts={stuck}
      title={tr.t("pendingChanges")}
    >
      {stuck ? `⚠ ${stuck}` : `⟳ ${r.queue.length}`}
    </a>
  );
}
