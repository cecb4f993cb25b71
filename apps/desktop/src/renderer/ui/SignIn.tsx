import { useState } from "react";
import { errorData, errorMessage } from "../api.ts";
import { WebSessionError } from "../bridge/web-session.ts";
import type { Translator } from "../i18n.ts";

/** Why signing in failed, in the console's language (the server's own messages are English). */
export function signInError(e: unknown, tr: Pick<Translator, "t">): string {
  const code = e instanceof WebSessionError ? e.code : (errorData(e).appCode ?? errorData(e).code);
  if (code === "RATE_LIMITED" || code === "TOO_MANY_REQUESTS") return tr.t("signInThrottled");
  if (code === "UNAUTHENTICATED" || code === "UNAUTHORIZED" || code === "BAD_INPUT")
    return /disabled/i.test(errorMessage(e)) ? tr.t("signInDisabled") : tr.t("signInWrong");
  // fetch's own failure: no answer at all.
  if (e instanceof TypeError || /fetch|network/i.test(errorMessage(e))) return tr.t("signInUnreachable");
  return errorMessage(e);
}

export function ServerSetup({ tr, initial, onSave }: { tr: Translator; initial: string; onSave(url: string): void }) {
  const [url, setUrl] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const base = url.trim().replace(/\/+$/, "");
    try {
      const r = await fetch(`${base}/trpc/system.ping`);
      const body = (await r.json()) as { result?: { data?: { ok?: boolean } } };
      if (!body.result?.data?.ok) throw new Error("not Cita");
      onSave(base);
    } catch {
      setError(tr.t("serverUnreachable"));
    }
  };
  return (
    <form className="card auth" onSubmit={submit} data-testid="server-setup">
      <h1>{tr.t("serverTitle")}</h1>
      <label>
        {tr.t("serverUrl")}
        <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://…" />
      </label>
      <p className="muted small">{tr.t("serverHelp")}</p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary">
        {tr.t("connect")}
      </button>
    </form>
  );
}

export function SignIn({
  tr,
  message,
  serverUrl,
  onSignIn,
  onChangeServer,
}: {
  tr: Translator;
  message: string | null;
  serverUrl: string;
  onSignIn(email: string, password: string, persist: boolean): Promise<void>;
  onChangeServer(): void;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [persist, setPersist] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(email, password, persist);
    } catch (err) {
      setError(signInError(err, tr));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card auth" onSubmit={submit} data-testid="sign-in">
      <h1>{tr.t("signInTitle")}</h1>
      {message ? (
        <p className="notice" data-testid="sign-in-message">
          {message}
        </p>
      ) : null}
      <label>
        {tr.t("email")}
        <input
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        {tr.t("password")}
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={persist} onChange={(e) => setPersist(e.target.checked)} />{" "}
        {tr.t("keepSignedIn")}
      </label>
      {error ? (
        <p className="error" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? tr.t("signingIn") : tr.t("signIn")}
      </button>
      <p className="muted small">
        {serverUrl} ·{" "}
        <button type="button" className="link" onClick={onChangeServer}>
          {tr.t("changeServer")}
        </button>
      </p>
    </form>
  );
}
