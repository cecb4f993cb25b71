// Settings → Integrations, the "Backups" row (issue #19 item 2): whether the daily backup runs, the
// last one ("Última copia: 7 dic 2026, 03:00 · 4,2 MB") or why the last attempt failed, and for the
// owner a "Back up now" button. The server (integrations.backup / backupNow, db/backup.ts) decides
// who may see and run it; its own words stay here, the status words are the other rows' (strings.ts).
import { useCallback, useState } from "react";
import { errorMessage } from "../api.ts";
import type { Lang } from "../i18n.ts";
import { useConsole } from "../ui/context.tsx";
import { reportSaveError, useLoad } from "./form.tsx";
import { useStrings } from "./strings.ts";

const WORDS = {
  en: {
    name: "Backups",
    daily: (hour: string, days: number) => `Daily at ${hour}, ${days} days kept`,
    off: "Off",
    offNote: "With an external database (DATABASE_URL), use your provider's backups, or set CITA_BACKUP_DIR",
    none: "No backup yet",
    last: "Last backup",
    now: "Back up now",
    running: "Backing up…",
    done: "Backup written",
  },
  es: {
    name: "Copias de seguridad",
    daily: (hour: string, days: number) => `Cada día a las ${hour}, se guardan ${days} días`,
    off: "Desactivadas",
    offNote:
      "Con una base de datos externa (DATABASE_URL), use las copias de su proveedor, o configure CITA_BACKUP_DIR",
    none: "Aún no hay copias",
    last: "Última copia",
    now: "Copiar ahora",
    running: "Copiando…",
    done: "Copia guardada",
  },
} satisfies Record<Lang, unknown>;

export function BackupRow() {
  const { api, toast, tr, fmt, session } = useConsole();
  const w = WORDS[tr.lang];
  const { s } = useStrings();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.integrations.backup.query(), [api]);
  const [b, , setB] = useLoad(load, onError);
  const [busy, setBusy] = useState(false);
  if (!b) return null;

  const size = (bytes: number) =>
    bytes >= 1024 * 1024 ? `${fmt.number(bytes / 1024 / 1024, 1)} MB` : `${fmt.number(Math.max(1, bytes / 1024))} KB`;
  const failed = b.lastAttempt && !b.lastAttempt.ok ? b.lastAttempt : null;
  const healthy = !b.enabled ? null : failed ? false : b.lastOk ? true : null;
  const hour = `${String(b.hour).padStart(2, "0")}:00`;

  const runNow = async () => {
    setBusy(true);
    try {
      const next = await api.integrations.backupNow.mutate();
      setB(next);
      if (next.lastAttempt?.ok) toast({ kind: "info", text: w.done });
      else toast({ kind: "error", text: next.lastAttempt?.error ?? s.failing });
    } catch (e) {
      toast({ kind: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="tr" data-testid="backup-row" data-healthy={String(healthy)}>
      <span>
        <strong>{w.name}</strong>
      </span>
      <span>
        {b.enabled ? (
          <span className="small">{w.daily(hour, b.keepDays)}</span>
        ) : (
          <>
            <span className="badge integration-mode off">{w.off}</span>
            <div className="small muted">{w.offNote}</div>
          </>
        )}
      </span>
      <span className={`integration-health ${healthy === false ? "error" : healthy ? "" : "muted"}`}>
        {!b.enabled ? "—" : healthy === null ? s.unknown : healthy ? s.healthy : s.failing}
      </span>
      <span className="small" data-testid="backup-error">
        {failed ? (
          <>
            <span className="error">{failed.error}</span>
            <span className="muted"> · {fmt.dateTime(failed.at)}</span>
          </>
        ) : (
          <span className="muted">{s.noErrors}</span>
        )}
      </span>
      <span className="small" data-testid="backup-last">
        {b.lastOk ? (
          <span title={b.lastOk.file}>
            {w.last}: {fmt.date(b.lastOk.at)}, {fmt.time(b.lastOk.at)} · {size(b.lastOk.bytes)}
          </span>
        ) : (
          <span className="muted">{b.enabled ? w.none : "—"}</span>
        )}
        {b.enabled && session.staff?.role === "owner" ? (
          <div>
            <button type="button" className="small" disabled={busy} onClick={runNow} data-testid="backup-now">
              {busy ? w.running : w.now}
            </button>
          </div>
        ) : null}
      </span>
    </div>
  );
}
