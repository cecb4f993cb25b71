// The browser console's session keeper: the refresh token lives in an httpOnly, SameSite=Strict
// cookie scoped to the server's refresh route (apps/server/src/http/web-session.ts), so no script in
// the page can read it; the page only ever holds the access token, in memory. Every call carries the
// `x-cita-refresh: 1` header the server requires (a cross-site page cannot send it).
import type { Grant, SessionKeeper } from "../session.ts";

export const WEB_LOGIN_PATH = "/auth/web/login";
export const WEB_SESSION_PATH = "/auth/web/session";
/**
 * Set when signing out could not reach the server (the cookie, unreadable here, may still be valid):
 * the next start ends that sign-in at the server before anything else. Holds no token.
 */
export const SIGNED_OUT_KEY = "cita.signedOutPending";

/** An answer from the session routes that is not a success. */
export class WebSessionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "WebSessionError";
  }
}

/** The server refused the sign-in (not a network failure, not "nothing kept"). */
export function isWebAuthFailure(e: unknown): boolean {
  return e instanceof WebSessionError && (e.status === 401 || e.status === 403);
}

export interface CookieKeeperEnv {
  fetch: typeof fetch;
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

export function cookieKeeper(baseUrl: string, env: CookieKeeperEnv): SessionKeeper {
  const base = baseUrl.replace(/\/+$/, "");
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await env.fetch(`${base}${path}`, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: { "x-cita-refresh": "1", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      throw new WebSessionError(
        res.status,
        String(data.code ?? res.status),
        String(data.message ?? res.statusText),
        data.details as Record<string, unknown> | undefined,
      );
    }
    return data;
  };
  const endAtServer = async () => {
    await call("DELETE", WEB_SESSION_PATH);
    env.storage.removeItem(SIGNED_OUT_KEY);
  };
  return {
    async login(email, password, persist) {
      env.storage.removeItem(SIGNED_OUT_KEY);
      return (await call("POST", WEB_LOGIN_PATH, { email, password, persist })) as unknown as Grant;
    },
    async refresh() {
      if (env.storage.getItem(SIGNED_OUT_KEY)) {
        await endAtServer(); // offline: throws, and the console opens signed out or from the replica
        return null;
      }
      try {
        return (await call("POST", WEB_SESSION_PATH)) as unknown as Grant;
      } catch (e) {
        if (e instanceof WebSessionError && e.code === "NO_SESSION") return null;
        throw e;
      }
    },
    async logout() {
      env.storage.setItem(SIGNED_OUT_KEY, "1");
      await endAtServer().catch(() => {});
    },
    async forget() {
      await endAtServer().catch(() => {});
    },
  };
}
