// Chatwoot, WhatsApp, Stripe, Google Calendar and Claude: configured or not (and which settings to
// set), off / sandbox / live, healthy, and the last error with its time. Names of settings only:
// the server never sends a secret's value.
import type { IntegrationView } from "@cita/shared";
import { useCallback } from "react";
import { useConsole } from "../ui/context.tsx";
import { reportSaveError, useLoad } from "./form.tsx";
import { EFFECT_WHEN_OFF_ES, INTEGRATION_NAMES, useStrings } from "./strings.ts";

export function IntegrationsTab() {
  const { api, toast, tr, fmt } = useConsole();
  const { s, lang } = useStrings();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.integrations.status.query(), [api]);
  const [list, reload] = useLoad(load, onError);

  const mode = (x: IntegrationView) =>
    x.mode === "off" ? s.modeOff : x.mode === "sandbox" ? s.modeSandbox : s.modeLive;
  const health = (x: IntegrationView) => (x.healthy === null ? s.unknown : x.healthy ? s.healthy : s.failing);

  return (
    <section className="settings-detail" data-testid="settings-integrations">
      <div className="row">
        <p className="muted small">{s.secretsNote}</p>
        <button type="button" className="small" onClick={reload}>
          {s.reload}
        </button>
      </div>
      <div className="table integrations">
        <div className="tr head">
          <span>{s.integration}</span>
          <span>{s.state}</span>
          <span>{s.health}</span>
          <span>{s.lastError}</span>
          <span>{s.lastOk}</span>
        </div>
        {(list ?? []).map((x) => (
          <div
            key={x.kind}
            className="tr"
            data-testid="integration"
            data-kind={x.kind}
            data-mode={x.mode}
            data-configured={x.configured}
            data-healthy={String(x.healthy)}
          >
            <span>
              <strong>{INTEGRATION_NAMES[x.kind]}</strong>
            </span>
            <span>
              <span className={`badge integration-mode ${x.mode}`}>{mode(x)}</span>{" "}
              {x.configured ? (
                <span className="small muted">{s.configured}</span>
              ) : (
                <span className="small" data-testid="integration-missing">
                  {s.notConfigured} <code>{x.missing.join(", ")}</code>
                </span>
              )}
              {x.mode === "off" ? (
                <div className="small muted">
                  {s.whenOff}: {lang === "es" ? EFFECT_WHEN_OFF_ES[x.kind] : x.effectWhenOff}
                </div>
              ) : null}
            </span>
            <span className={`integration-health ${x.healthy === false ? "error" : x.healthy ? "" : "muted"}`}>
              {health(x)}
            </span>
            <span className="small" data-testid="integration-error">
              {/* Switched off for want of settings: the state column already says so, in the console's
                  language; the server's own note ("STRIPE_SECRET_KEY is not set…") would repeat it in English. */}
              {x.lastError && !(x.mode === "off" && !x.configured) ? (
                <>
                  <span className="error">{x.lastError}</span>
                  {x.lastErrorAt ? <span className="muted"> · {fmt.dateTime(x.lastErrorAt)}</span> : null}
                </>
              ) : (
                <span className="muted">{s.noErrors}</span>
              )}
            </span>
            <span className="small muted">{x.lastOkAt ? fmt.dateTime(x.lastOkAt) : "—"}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
