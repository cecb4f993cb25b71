// Staff session: sign-in, the refresh token kept where scripts cannot read it (see SessionKeeper),
// a refresh a minute before the 15-minute access token expires (the server rotates the refresh token
// each time), clean sign-out, and "session expired" when the server no longer accepts the sign-in.
// The access token lives in this object's memory only.
import type { AuthStaff, AuthTokens } from "@cita/shared";
import type { CitaBridge } from "../shared/bridge.ts";

export const REFRESH_KEY = "refresh-token";
/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;
/** After a network failure, try again this soon (the token is still valid for a while). */
export const RETRY_MS = 10_000;

/** What a sign-in or a refresh gives the page: never the refresh token. */
export type Grant = Pick<AuthTokens, "accessToken" | "accessTokenExpiresAt" | "staff">;

/**
 * Where the refresh token lives and how it is exchanged. Electron: in the OS store through the
 * bridge (safeStorage), sent to auth.refresh (tokenKeeper). Browser: in an httpOnly cookie only the
 * server's refresh route sees (cookieKeeper in bridge/web-session.ts).
 */
export interface SessionKeeper {
  login(email: string, password: string, persist: boolean): Promise<Grant>;
  /** A fresh grant from the kept sign-in; null when nothing is kept. Throws when refused or offline. */
  refresh(): Promise<Grant | null>;
  /** Ends the kept sign-in at the server (best effort) and forgets it here. */
  logout(accessToken: string | null): Promise<void>;
  /** Forgets the kept sign-in here (the server already refused it). */
  forget(): Promise<void>;
}

/** The Electron keeper: the refresh token in the bridge's secret store, exchanged through tRPC. */
export function tokenKeeper(
  api: {
    login(email: string, password: string): Promise<AuthTokens>;
    refresh(refreshToken: string): Promise<AuthTokens>;
    logout(accessToken: string): Promise<void>;
  },
  secrets: CitaBridge["secrets"],
): SessionKeeper {
  // A restored sign-in was kept on purpose ("keep me signed in" only matters to browser storage).
  let persist = true;
  const keep = async (t: AuthTokens): Promise<Grant> => {
    await secrets.set(REFRESH_KEY, t.refreshToken, { persist });
    return { accessToken: t.accessToken, accessTokenExpiresAt: t.accessTokenExpiresAt, staff: t.staff };
  };
  return {
    async login(email, password, p) {
      persist = p;
      return keep(await api.login(email, password));
    },
    async refresh() {
      const stored = await secrets.get(REFRESH_KEY);
      return stored ? keep(await api.refresh(stored)) : null;
    },
    async logout(accessToken) {
      await secrets.delete(REFRESH_KEY);
      if (accessToken) await api.logout(accessToken).catch(() => {});
    },
    forget: () => secrets.delete(REFRESH_KEY),
  };
}

export interface SessionDeps {
  keeper: SessionKeeper;
  /** True when the server refused the credentials (not a network error). */
  isAuthFailure(e: unknown): boolean;
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Who last signed in on this device and left a local replica, for opening the console while the
   * server cannot be reached (the kept sign-in is tried again once the server answers).
   */
  offlineIdentity?(): Promise<AuthStaff | null>;
}

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out"; reason: "none" | "expired" | "signed-out" }
  | { status: "signed-in"; staff: AuthStaff; offline?: boolean };

export class Session {
  private grant: Grant | null = null;
  private timer: unknown = null;
  private refreshing: Promise<string | null> | null = null;
  /** Signed in from the replica while offline: the kept sign-in is not yet confirmed by the server. */
  private pending = false;
  private listeners = new Set<(s: SessionState) => void>();
  state: SessionState = { status: "unknown" };

  constructor(private readonly deps: SessionDeps) {}

  subscribe(fn: (s: SessionState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(state: SessionState) {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  }

  private restoring: Promise<SessionState> | null = null;

  /**
   * On start-up: resume the kept sign-in, if any. Concurrent calls share one attempt: the refresh
   * token is single-use, and React's StrictMode runs the start-up effect twice in development
   * builds — two refreshes with one token look like token theft and end the session.
   */
  restore(): Promise<SessionState> {
    this.restoring ??= this.doRestore().finally(() => {
      this.restoring = null;
    });
    return this.restoring;
  }

  private async doRestore(): Promise<SessionState> {
    let grant: Grant | null;
    try {
      grant = await this.deps.keeper.refresh();
    } catch (e) {
      if (this.deps.isAuthFailure(e)) {
        await this.deps.keeper.forget();
        this.set({ status: "signed-out", reason: "expired" });
        return this.state;
      }
      // The server is unreachable: open offline on the local replica, if there is one, and keep
      // trying the kept sign-in; the server still decides once it answers.
      const staff = (await this.deps.offlineIdentity?.().catch(() => null)) ?? null;
      if (!staff) {
        this.set({ status: "signed-out", reason: "none" });
        return this.state;
      }
      this.pending = true;
      this.set({ status: "signed-in", staff, offline: true });
      this.timer = this.deps.setTimer(() => void this.refresh(), RETRY_MS);
      return this.state;
    }
    if (!grant) this.set({ status: "signed-out", reason: "none" });
    else this.accept(grant);
    return this.state;
  }

  /** True while signed in from the replica, before the server has accepted the kept sign-in. */
  get offline(): boolean {
    return this.state.status === "signed-in" && !!this.state.offline;
  }

  async signIn(email: string, password: string, persist: boolean): Promise<void> {
    this.accept(await this.deps.keeper.login(email, password, persist));
  }

  private accept(grant: Grant) {
    this.grant = grant;
    this.pending = false;
    this.schedule();
    if (this.state.status !== "signed-in" || this.state.staff.id !== grant.staff.id || this.state.offline)
      this.set({ status: "signed-in", staff: grant.staff });
  }

  private schedule(delay?: number) {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    if (!this.grant) return;
    const due = Date.parse(this.grant.accessTokenExpiresAt) - REFRESH_MARGIN_MS - this.deps.now();
    this.timer = this.deps.setTimer(() => void this.refresh(), Math.max(1000, delay ?? due));
  }

  /** The current access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (!this.grant) return this.pending ? this.refresh() : null;
    if (Date.parse(this.grant.accessTokenExpiresAt) - this.deps.now() < 5_000) return this.refresh();
    return this.grant.accessToken;
  }

  /** Rotates the tokens; concurrent callers share one request (a refresh token is single-use). */
  refresh(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const current = this.grant;
      if (!current && !this.pending) return null;
      // A sign-out while this refresh is on the wire makes its answer moot: not a new grant (that
      // would sign the console back in), not an expiry (the sign-out says why it ended).
      const epoch = this.epoch;
      try {
        const next = await this.deps.keeper.refresh();
        if (epoch !== this.epoch) return null;
        if (!next) {
          await this.expire();
          return null;
        }
        this.accept(next);
        return next.accessToken;
      } catch (e) {
        if (epoch !== this.epoch) return null;
        if (this.deps.isAuthFailure(e)) {
          await this.expire();
          return null;
        }
        // Offline or server restarting: keep the session, try again soon.
        if (!current) {
          if (this.timer !== null) this.deps.clearTimer(this.timer);
          this.timer = this.deps.setTimer(() => void this.refresh(), RETRY_MS);
          return null;
        }
        this.schedule(RETRY_MS);
        return Date.parse(current.accessTokenExpiresAt) > this.deps.now() ? current.accessToken : null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The server said our access is gone (revoked session, disabled account…). */
  async expire(): Promise<void> {
    // A call refused while signing out (its token was just revoked) is not an expired session.
    if (this.signingOut) return;
    if (!this.grant && !this.pending && this.state.status !== "signed-in") return;
    this.clear();
    await this.deps.keeper.forget();
    this.set({ status: "signed-out", reason: "expired" });
  }

  async signOut(): Promise<void> {
    const token = this.grant?.accessToken ?? null;
    this.epoch++;
    this.signingOut = true;
    try {
      this.clear();
      await this.deps.keeper.logout(token).catch(() => {});
      this.set({ status: "signed-out", reason: "signed-out" });
    } finally {
      this.signingOut = false;
    }
  }

  /** True while signOut runs: refusals of in-flight calls then are expected, not an expiry. */
  private signingOut = false;
  /** Bumped by signOut: a refresh begun before it is ignored when it answers. */
  private epoch = 0;

  private clear() {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
    this.grant = null;
    this.pending = false;
  }

  get staff(): AuthStaff | null {
    return this.state.status === "signed-in" ? this.state.staff : null;
  }
}
