// Staff session: sign-in, the refresh token kept through the bridge, a refresh a minute before
// the 15-minute access token expires (the server rotates the refresh token each time), clean
// sign-out, and "session expired" when the server no longer accepts the refresh token.
import type { AuthStaff, AuthTokens } from "@cita/shared";
import type { CitaBridge } from "../shared/bridge.ts";

export const REFRESH_KEY = "refresh-token";
/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;
/** After a network failure, try again this soon (the token is still valid for a while). */
export const RETRY_MS = 10_000;

export interface SessionDeps {
  login(email: string, password: string): Promise<AuthTokens>;
  refresh(refreshToken: string): Promise<AuthTokens>;
  logout(accessToken: string): Promise<void>;
  /** True when the server refused the credentials (not a network error). */
  isAuthFailure(e: unknown): boolean;
  secrets: CitaBridge["secrets"];
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Who last signed in on this device and left a local replica, for opening the console while the
   * server cannot be reached (a stored refresh token is the proof of a kept sign-in).
   */
  offlineIdentity?(): Promise<AuthStaff | null>;
}

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out"; reason: "none" | "expired" | "signed-out" }
  | { status: "signed-in"; staff: AuthStaff; offline?: boolean };

export class Session {
  private tokens: AuthTokens | null = null;
  private timer: unknown = null;
  private refreshing: Promise<string | null> | null = null;
  private persist = false;
  /** Signed in from the replica while offline: the stored refresh token, not yet used. */
  private pendingRefresh: string | null = null;
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
   * On start-up: resume with a stored refresh token, if any. Concurrent calls share one attempt: the
   * refresh token is single-use, and React's StrictMode runs the start-up effect twice in development
   * builds — two refreshes with one token look like token theft and end the session.
   */
  restore(): Promise<SessionState> {
    this.restoring ??= this.doRestore().finally(() => {
      this.restoring = null;
    });
    return this.restoring;
  }

  private async doRestore(): Promise<SessionState> {
    const stored = await this.deps.secrets.get(REFRESH_KEY);
    if (!stored) {
      this.set({ status: "signed-out", reason: "none" });
      return this.state;
    }
    this.persist = true;
    try {
      await this.accept(await this.deps.refresh(stored));
    } catch (e) {
      if (this.deps.isAuthFailure(e)) {
        await this.deps.secrets.delete(REFRESH_KEY);
        this.set({ status: "signed-out", reason: "expired" });
        return this.state;
      }
      // The server is unreachable: open offline on the local replica, if there is one, and keep
      // trying the stored token; the server still decides once it answers.
      const staff = (await this.deps.offlineIdentity?.().catch(() => null)) ?? null;
      if (!staff) {
        this.set({ status: "signed-out", reason: "none" });
        return this.state;
      }
      this.pendingRefresh = stored;
      this.set({ status: "signed-in", staff, offline: true });
      this.timer = this.deps.setTimer(() => void this.refresh(), RETRY_MS);
    }
    return this.state;
  }

  /** True while signed in from the replica, before the server has accepted the stored token. */
  get offline(): boolean {
    return this.state.status === "signed-in" && !!this.state.offline;
  }

  async signIn(email: string, password: string, persist: boolean): Promise<void> {
    this.persist = persist;
    await this.accept(await this.deps.login(email, password));
  }

  private async accept(tokens: AuthTokens) {
    this.tokens = tokens;
    this.pendingRefresh = null;
    await this.deps.secrets.set(REFRESH_KEY, tokens.refreshToken, { persist: this.persist });
    this.schedule();
    if (this.state.status !== "signed-in" || this.state.staff.id !== tokens.staff.id || this.state.offline)
      this.set({ status: "signed-in", staff: tokens.staff });
  }

  private schedule(delay?: number) {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    if (!this.tokens) return;
    const due = Date.parse(this.tokens.accessTokenExpiresAt) - REFRESH_MARGIN_MS - this.deps.now();
    this.timer = this.deps.setTimer(() => void this.refresh(), Math.max(1000, delay ?? due));
  }

  /** The current access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (!this.tokens) return this.pendingRefresh ? this.refresh() : null;
    if (Date.parse(this.tokens.accessTokenExpiresAt) - this.deps.now() < 5_000) return this.refresh();
    return this.tokens.accessToken;
  }

  /** Rotates the tokens; concurrent callers share one request (a refresh token is single-use). */
  refresh(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const current = this.tokens;
      const token = current?.refreshToken ?? this.pendingRefresh;
      if (!token) return null;
      try {
        await this.accept(await this.deps.refresh(token));
        return this.tokens?.accessToken ?? null;
      } catch (e) {
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
    if (!this.tokens && !this.pendingRefresh && this.state.status !== "signed-in") return;
    this.clear();
    await this.deps.secrets.delete(REFRESH_KEY);
    this.set({ status: "signed-out", reason: "expired" });
  }

  async signOut(): Promise<void> {
    const token = this.tokens?.accessToken;
    this.clear();
    await this.deps.secrets.delete(REFRESH_KEY);
    if (token) await this.deps.logout(token).catch(() => {});
    this.set({ status: "signed-out", reason: "signed-out" });
  }

  private clear() {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
    this.tokens = null;
    this.pendingRefresh = null;
  }

  get staff(): AuthStaff | null {
    return this.state.status === "signed-in" ? this.state.staff : null;
  }
}
