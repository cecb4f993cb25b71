import type { AuthTokens } from "@cita/shared";
import { describe, expect, it } from "vitest";
import type { CitaBridge } from "../shared/bridge.ts";
import { REFRESH_KEY, REFRESH_MARGIN_MS, RETRY_MS, Session, type SessionDeps, tokenKeeper } from "./session.ts";

class AuthError extends Error {}

/** A fake server and clock: tokens expire 15 minutes after issue; refresh tokens are single-use. */
function harness() {
  let now = Date.parse("2026-11-24T09:00:00Z");
  let n = 0;
  const valid = new Set<string>();
  const calls: string[] = [];
  const timers: { at: number; fn: () => void; id: number }[] = [];
  const store = new Map<string, { value: string; persist: boolean }>();
  let offline = false;
  const issue = (): AuthTokens => {
    n++;
    const refreshToken = `refresh-${n}`;
    valid.add(refreshToken);
    return {
      accessToken: `access-${n}`,
      accessTokenExpiresAt: new Date(now + 15 * 60_000).toISOString(),
      refreshToken,
      refreshTokenExpiresAt: new Date(now + 7 * 86_400_000).toISOString(),
      sessionId: "00000000-0000-4000-8000-000000000001",
      staff: {
        id: "00000000-0000-4000-8000-000000000002",
        displayName: "Lucía",
        email: "desk@cita.demo",
        role: "front_desk",
        locationId: "00000000-0000-4000-8000-000000000003",
        language: "es",
      },
    };
  };
  const secrets: CitaBridge["secrets"] = {
    get: async (k) => store.get(k)?.value ?? null,
    set: async (k, value, o) => void store.set(k, { value, persist: !!o?.persist }),
    delete: async (k) => void store.delete(k),
    status: async () => ({ backend: "test", encrypted: true, warning: null }),
  };
  const api = {
    login: async (email: string, password: string) => {
      calls.push(`login ${email}`);
      if (password !== "right") throw new AuthError("Wrong email or password");
      return issue();
    },
    refresh: async (token: string) => {
      calls.push(`refresh ${token}`);
      if (offline) throw new TypeError("Failed to fetch");
      if (!valid.delete(token)) throw new AuthError("Session ended");
      return issue();
    },
    logout: async (token: string) => {
      calls.push(`logout ${token}`);
      valid.clear();
    },
  };
  const deps: SessionDeps = {
    keeper: tokenKeeper(api, secrets),
    isAuthFailure: (e) => e instanceof AuthError,
    now: () => now,
    setTimer: (fn, ms) => {
      const id = Math.random();
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > until) break;
      timers.shift();
      now = next.at;
      next.fn();
      await new Promise((r) => setTimeout(r, 0));
    }
    now = until;
  };
  return {
    session: new Session(deps),
    deps,
    calls,
    store,
    valid,
    timers,
    advance,
    setOffline: (v: boolean) => {
      offline = v;
    },
  };
}

describe("staff session", () => {
  it("signs in, keeps the refresh token through the bridge, and refreshes a minute before expiry", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    expect(h.session.state).toMatchObject({ status: "signed-in", staff: { email: "desk@cita.demo" } });
    expect(h.store.get(REFRESH_KEY)).toEqual({ value: "refresh-1", persist: true });
    expect(await h.session.accessToken()).toBe("access-1");
    await h.advance(15 * 60_000 - REFRESH_MARGIN_MS - 1);
    expect(h.calls).toEqual(["login desk@cita.demo"]);
    await h.advance(1);
    expect(h.calls).toEqual(["login desk@cita.demo", "refresh refresh-1"]);
    // The server rotated the refresh token; the stored one follows.
    expect(h.store.get(REFRESH_KEY)?.value).toBe("refresh-2");
    expect(await h.session.accessToken()).toBe("access-2");
    // And it keeps going, hour after hour.
    await h.advance(60 * 60_000);
    expect(h.calls.filter((c) => c.startsWith("refresh"))).toHaveLength(5);
  });

  it("shares one refresh between concurrent callers (refresh tokens are single-use)", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", false);
    const [a, b] = await Promise.all([h.session.refresh(), h.session.refresh()]);
    expect(a).toBe("access-2");
    expect(b).toBe("access-2");
    expect(h.calls.filter((c) => c.startsWith("refresh"))).toEqual(["refresh refresh-1"]);
  });

  it("restores a session from the stored refresh token on start-up", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    const again = new Session(h.deps);
    await again.restore();
    expect(again.state.status).toBe("signed-in");
    expect(await again.accessToken()).toBe("access-2");
  });

  it("restores once when start-up asks twice at the same time (StrictMode effects)", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    const again = new Session(h.deps);
    const [a, b] = await Promise.all([again.restore(), again.restore()]);
    expect(a.status).toBe("signed-in");
    expect(b.status).toBe("signed-in");
    expect(h.calls.filter((c) => c.startsWith("refresh"))).toEqual(["refresh refresh-1"]);
    expect(await again.accessToken()).toBe("access-2");
  });

  it("ends with 'session expired' when the server refuses the refresh token", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    h.valid.clear(); // e.g. a manager ended this staff member's sessions
    await h.advance(15 * 60_000);
    expect(h.session.state).toEqual({ status: "signed-out", reason: "expired" });
    expect(h.store.has(REFRESH_KEY)).toBe(false);
    expect(await h.session.accessToken()).toBeNull();
  });

  it("keeps the session through a network failure and retries", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    h.setOffline(true);
    await h.advance(15 * 60_000 - REFRESH_MARGIN_MS);
    expect(h.session.state.status).toBe("signed-in");
    h.setOffline(false);
    await h.advance(RETRY_MS);
    expect(h.session.state.status).toBe("signed-in");
    expect(await h.session.accessToken()).toBe("access-2");
  });

  it("opens offline from the replica's identity when the server is unreachable, then goes online by itself", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    const staff = h.session.staff!;
    h.setOffline(true);
    const without = new Session(h.deps);
    expect(await without.restore()).toEqual({ status: "signed-out", reason: "none" }); // no replica: sign in
    const again = new Session({ ...h.deps, offlineIdentity: async () => staff });
    expect(await again.restore()).toEqual({ status: "signed-in", staff, offline: true });
    expect(again.offline).toBe(true);
    expect(await again.accessToken()).toBeNull(); // still offline: no token to send
    expect(h.store.get(REFRESH_KEY)?.value).toBe("refresh-1"); // kept for later
    h.setOffline(false);
    await h.advance(RETRY_MS);
    expect(again.state).toEqual({ status: "signed-in", staff });
    expect(again.offline).toBe(false);
    expect(await again.accessToken()).toBe("access-2");
  });

  it("ends an offline session when the server, once reachable, refuses the stored token", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    const staff = h.session.staff!;
    h.setOffline(true);
    const again = new Session({ ...h.deps, offlineIdentity: async () => staff });
    await again.restore();
    h.valid.clear();
    h.setOffline(false);
    await h.advance(RETRY_MS);
    expect(again.state).toEqual({ status: "signed-out", reason: "expired" });
    expect(h.store.has(REFRESH_KEY)).toBe(false);
  });

  it("signs out cleanly: server logout, token forgotten, timer stopped", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    await h.session.signOut();
    expect(h.calls).toContain("logout access-1");
    expect(h.store.has(REFRESH_KEY)).toBe(false);
    expect(h.timers).toHaveLength(0);
    expect(h.session.state).toEqual({ status: "signed-out", reason: "signed-out" });
  });

  it("signing out while a call is refused for the revoked token still says 'signed out', not 'expired'", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    // The console's live calls answer 401 as soon as the server ends the session: their expire()
    // lands while signOut waits for the server's logout.
    const out = h.session.signOut();
    await h.session.expire();
    await out;
    expect(h.session.state).toEqual({ status: "signed-out", reason: "signed-out" });
  });

  it("a refresh on the wire when the staff member signs out neither signs back in nor reports an expiry", async () => {
    const h = harness();
    await h.session.signIn("desk@cita.demo", "right", true);
    const refreshing = h.session.refresh(); // e.g. the token looked due (a clock skew), a call asked
    await h.session.signOut();
    await refreshing;
    expect(h.session.state).toEqual({ status: "signed-out", reason: "signed-out" });
    await h.advance(20 * 60_000);
    expect(h.session.state).toEqual({ status: "signed-out", reason: "signed-out" });
    expect(h.timers).toHaveLength(0);
  });

  it("starts signed out without a stored token, and reports a wrong password", async () => {
    const h = harness();
    expect(await h.session.restore()).toEqual({ status: "signed-out", reason: "none" });
    await expect(h.session.signIn("desk@cita.demo", "wrong", false)).rejects.toThrow("Wrong email or password");
    expect(h.session.state.status).toBe("signed-out");
  });
});
