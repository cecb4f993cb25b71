// Chatwoot, WhatsApp, Stripe, Google Calendar and Claude: configured or not (and which settings to
// set), off / sandbox / live, healthy, and the last error with its time. Below, each integration's
// credentials (issue #17 item 3): an owner enters, tests and replaces them; the server sends back only
// where each comes from and a hint (a secret's last four characters), never a secret's value.
import type {
  IntegrationFieldView,
  IntegrationSettingKey,
  IntegrationSettingsView,
  IntegrationView,
} from "@cita/shared";
import { useCallback, useState } from "react";
import { errorData, errorMessage } from "../api.ts";
import { useConsole } from "../ui/context.tsx";
import { BackupRow } from "./BackupRow.tsx";
import { reportSaveError, SettingsForm, useLoad } from "./form.tsx";
import { LocationInboxes } from "./SalonLinks.tsx";
import { EFFECT_WHEN_OFF_ES, INTEGRATION_NAMES, SETTING_LABELS, useStrings, WEBHOOK_LABELS } from "./strings.ts";

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
        <BackupRow />
      </div>
      <IntegrationSetup onChanged={reload} />
      <LocationInboxes />
    </section>
  );
}

type Group = IntegrationSettingsView[number];

/** Every integration's credentials: owners edit them, managers see where each comes from. */
function IntegrationSetup({ onChanged }: { onChanged(): void }) {
  const { api, toast, tr, session } = useConsole();
  const { s } = useStrings();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.integrations.settings.query(), [api]);
  const [groups, , setGroups] = useLoad(load, onError);
  const owner = session.staff?.role === "owner";
  if (!groups) return null;
  return (
    <div className="integration-setup" data-testid="integration-setup">
      <h3>{s.setupTitle}</h3>
      <p className="muted small">{owner ? s.setupNote : s.ownerOnly}</p>
      {groups.map((g) => (
        <SetupCard
          key={g.kind}
          group={g}
          owner={owner}
          onSaved={(next) => {
            setGroups(next);
            onChanged();
          }}
        />
      ))}
    </div>
  );
}

function SetupCard({
  group,
  owner,
  onSaved,
}: {
  group: Group;
  owner: boolean;
  onSaved(next: IntegrationSettingsView): void;
}) {
  const { api, toast } = useConsole();
  const { s, lang } = useStrings();
  const [values, setValues] = useState<Partial<Record<IntegrationSettingKey, string>>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<{ ok: boolean; message: string } | "running" | null>(null);

  const failed = (e: unknown) => {
    const issues = errorData(e).details?.issues;
    if (Array.isArray(issues) && issues.length > 0) {
      const byField: Record<string, string> = {};
      for (const i of issues as { path?: unknown[]; message?: string }[]) {
        const key = String(i.path?.[0] ?? "");
        if (key && !byField[key]) byField[key] = i.message ?? "";
      }
      setErrors(byField);
    }
    toast({ kind: "error", text: errorMessage(e) });
  };

  const save = async () => {
    const patch = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v.trim() !== ""));
    if (Object.keys(patch).length === 0) {
      toast({ kind: "info", text: s.nothingToSave });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const next = await api.integrations.save.mutate(patch);
      setValues({});
      setTest(null);
      toast({ kind: "info", text: s.savedSettings });
      onSaved(next);
    } catch (e) {
      failed(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (key: IntegrationSettingKey) => {
    setBusy(true);
    try {
      const next = await api.integrations.clear.mutate({ keys: [key] });
      toast({ kind: "info", text: s.removedSetting });
      onSaved(next);
    } catch (e) {
      failed(e);
    } finally {
      setBusy(false);
    }
  };

  const runTest = async () => {
    setTest("running");
    try {
      setTest(await api.integrations.test.mutate({ kind: group.kind }));
    } catch (e) {
      setTest({ ok: false, message: errorMessage(e) });
    }
  };

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      toast({ kind: "info", text: `${s.copied}: ${url}` });
    } catch {
      toast({ kind: "error", text: s.copyFailed });
    }
  };

  const input = (f: IntegrationFieldView) => {
    const id = `setting-${f.key}`;
    const common = {
      id,
      name: f.key,
      "data-testid": "setting-input",
      "data-key": f.key,
      disabled: busy,
      value: values[f.key] ?? "",
      "aria-invalid": errors[f.key] ? true : undefined,
    };
    const set = (v: string) => setValues((old) => ({ ...old, [f.key]: v }));
    if (f.kind === "switch") {
      return (
        <select {...common} onChange={(e) => set(e.target.value)}>
          <option value="">{s.sandboxDefault}</option>
          <option value="true">{s.sandboxOn}</option>
          <option value="false">{s.sandboxOffChoice}</option>
        </select>
      );
    }
    if (f.kind === "json") {
      return (
        <textarea
          {...common}
          rows={4}
          spellCheck={false}
          autoComplete="off"
          placeholder={f.source === "unset" ? '{ "type": "service_account", … }' : s.keepValue}
          onChange={(e) => set(e.target.value)}
        />
      );
    }
    return (
      <input
        {...common}
        type={f.kind === "secret" ? "password" : "text"}
        autoComplete={f.kind === "secret" ? "new-password" : "off"}
        spellCheck={false}
        placeholder={f.source === "unset" ? "" : s.keepValue}
        onChange={(e) => set(e.target.value)}
      />
    );
  };

  return (
    <SettingsForm
      className="settings-form integration-card"
      data-testid="integration-card"
      data-kind={group.kind}
      onSubmit={save}
    >
      <h4>{INTEGRATION_NAMES[group.kind]}</h4>
      {group.fields.map((f) => (
        <div
          key={f.key}
          className={`field integration-field ${errors[f.key] ? "invalid" : ""}`.trim()}
          data-testid="setting"
          data-key={f.key}
          data-source={f.source}
        >
          <label htmlFor={`setting-${f.key}`}>
            <span>
              {SETTING_LABELS[f.key][lang]} <code className="small muted">{f.key}</code>
            </span>
          </label>
          <div className="small" data-testid="setting-state">
            {f.source === "server" ? (
              <span className="badge">{s.setByServer}</span>
            ) : f.source === "app" ? (
              <span>{s.storedHint}</span>
            ) : (
              <span className="muted">{s.notSet}</span>
            )}
            {f.hint ? (
              <>
                {" "}
                <code data-testid="setting-hint">{f.hint}</code>
              </>
            ) : null}
            {owner && f.source === "app" ? (
              <>
                {" "}
                <button
                  type="button"
                  className="small link"
                  data-testid="setting-remove"
                  disabled={busy}
                  onClick={() => remove(f.key)}
                >
                  {s.removeSetting}
                </button>
              </>
            ) : null}
          </div>
          {owner && f.source !== "server" ? input(f) : null}
          {errors[f.key] ? (
            <span className="error small" data-testid="field-error" data-field={f.key} role="alert">
              {errors[f.key]}
            </span>
          ) : null}
        </div>
      ))}
      {group.webhooks.length > 0 ? (
        <div className="integration-webhooks">
          <div className="small muted">{s.webhooksTitle}</div>
          {group.webhooks.map((w) => (
            <div key={w.url} className="row small" data-testid="webhook-url">
              <span>{WEBHOOK_LABELS[group.kind]?.[lang] ?? w.label}:</span> <code>{w.url}</code>{" "}
              <button type="button" className="small" data-testid="copy-webhook" onClick={() => copy(w.url)}>
                {s.copy}
              </button>
            </div>
          ))}
        </div>
      ) : null}
      {owner ? (
        <div className="row">
          <button type="submit" className="primary small" disabled={busy} data-testid="setting-save">
            {s.saveSettings}
          </button>
          <button
            type="button"
            className="small"
            disabled={test === "running"}
            data-testid="setting-test"
            onClick={runTest}
          >
            {test === "running" ? s.testing : s.testConnection}
          </button>
          {test && test !== "running" ? (
            <span
              className={`small ${test.ok ? "" : "error"}`}
              data-testid="test-result"
              data-ok={String(test.ok)}
              role="status"
            >
              {test.ok ? s.testOk : s.testFailed}: {test.message}
            </span>
          ) : null}
        </div>
      ) : null}
    </SettingsForm>
  );
}
