// The console's shell: server choice on first run, sign-in, then calendar / bookings / chats.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import pkg from "../../../package.json";
import type { CitaBridge, SecretStoreStatus, UpdateState } from "../../shared/bridge.ts";
import {
  type Api,
  type Booking,
  createApi,
  errorMessage,
  isAuthFailure,
  procedureExists,
  type RouterOutputs,
} from "../api.ts";
import { installBridge } from "../bridge/web.ts";
import { cookieKeeper, isWebAuthFailure } from "../bridge/web-session.ts";
import { Calendar } from "../calendar/Calendar.tsx";
import { Chats } from "../chats/Chats.tsx";
import { ChatInbox } from "../chats/inbox.ts";
import { chime } from "../chats/sound.ts";
import { Customers } from "../customers/Customers.tsx";
import { formatter } from "../format.ts";
import { type Lang, pickLanguage, type Translator, translator } from "../i18n.ts";
import { Connectivity, type Mode } from "../offline/connectivity.ts";
import { OfflineBanner, PendingBadge } from "../offline/OfflineBanner.tsx";
import { OfflineCustomers } from "../offline/OfflineCustomers.tsx";
import { PendingChanges } from "../offline/PendingChanges.tsx";
import { registerOfflineShell } from "../offline-shell.ts";
import { apiReplayTarget, apiSyncSource } from "../replica/connect.ts";
import { replicaPolicyFor } from "../replica/policy.ts";
import { setShownLocation } from "../replica/queries.ts";
import type { ReplayResult } from "../replica/queue.ts";
import { Replica } from "../replica/replica.ts";
import { localReportSource } from "../replica/reports.ts";
import { Reports } from "../reports/Reports.tsx";
import { formatRoute, parseRoute, type Route } from "../routes.ts";
import { Session, type SessionState, tokenKeeper } from "../session.ts";
import { Settings } from "../settings/Settings.tsx";
import { ConsoleStore } from "../store.ts";
import { today } from "../time.ts";
import { Waitlist } from "../waitlist/Waitlist.tsx";
import { BookingsList } from "./BookingsList.tsx";
import { CreateDialog } from "./CreateDialog.tsx";
import { type ConsoleContext, Ctx, type Toast, useConsole, useSnapshot } from "./context.tsx";
import { Drawer } from "./Drawer.tsx";
import { serviceNames } from "./describe.ts";
import { escalationLabel } from "./labels.ts";
import { ServerSetup, SignIn } from "./SignIn.tsx";

const SERVER_KEY = "cita.serverUrl";
const LANG_KEY = "cita.lang";

type MyLocation = RouterOutputs["locations"]["mine"][number];

/** The location this staff member last chose on this server (issue #21); null = their home location. */
const locationKey = (serverUrl: string, staffId: string) => `cita.location:${serverUrl}:${staffId}`;
function storedLocation(serverUrl: string, staffId: string): string | null {
  return localStorage.getItem(locationKey(serverUrl, staffId));
}
function storeLocation(serverUrl: string, staffId: string, id: string | null): void {
  if (id) localStorage.setItem(locationKey(serverUrl, staffId), id);
  else localStorage.removeItem(locationKey(serverUrl, staffId));
}

function defaultServerUrl(): string | null {
  const stored = localStorage.getItem(SERVER_KEY);
  if (stored) return stored;
  const { protocol, pathname, origin } = window.location;
  // Served by the Cita server at /console: talk to the same origin.
  if ((protocol === "http:" || protocol === "https:") && pathname.startsWith("/console")) return origin;
  return null;
}

export function App() {
  const bridge = useMemo(() => installBridge(pkg.version), []);
  const [lang, setLangState] = useState<Lang>(() => pickLanguage(localStorage.getItem(LANG_KEY) ?? navigator.language));
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    setLangState(l);
  }, []);
  const tr = useMemo(() => translator(lang), [lang]);
  const [serverUrl, setServerUrl] = useState(defaultServerUrl);
  const [editingServer, setEditingServer] = useState(false);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  if (!serverUrl || editingServer)
    return (
      <main className="center">
        <ServerSetup
          tr={tr}
          initial={serverUrl ?? "http://127.0.0.1:4000"}
          onSave={(url) => {
            localStorage.setItem(SERVER_KEY, url);
            setServerUrl(url);
            setEditingServer(false);
          }}
        />
      </main>
    );
  return (
    <Connected
      key={serverUrl}
      serverUrl={serverUrl}
      bridge={bridge}
      tr={tr}
      setLang={setLang}
      onChangeServer={() => setEditingServer(true)}
    />
  );
}

function Connected(props: {
  serverUrl: string;
  bridge: CitaBridge;
  tr: Translator;
  setLang(l: Lang): void;
  onChangeServer(): void;
}) {
  const { serverUrl, bridge, tr } = props;
  // The location every call acts on (x-cita-location; issue #21), set by SignedIn once checked.
  const locationBox = useMemo(() => ({ current: null as string | null }), []);
  const { session, api } = useMemo(() => {
    // Sign-in and refresh go through a client without a token: refreshing must not wait on itself.
    const anon = createApi(serverUrl, async () => null);
    // In a browser the refresh token stays in an httpOnly cookie the page cannot read; Electron keeps
    // it in the OS store (safeStorage) through the bridge.
    const web = bridge.kind === "web";
    const keeper = web
      ? cookieKeeper(serverUrl, { fetch: (...a) => window.fetch(...a), storage: localStorage })
      : tokenKeeper(
          {
            login: (email, password) => anon.auth.login.mutate({ email, password }),
            refresh: (refreshToken) => anon.auth.refresh.mutate({ refreshToken }),
            logout: async (token) => {
              await createApi(serverUrl, async () => token).auth.logout.mutate();
            },
          },
          bridge.secrets,
        );
    const session: Session = new Session({
      keeper,
      isAuthFailure: (e) => isAuthFailure(e) || isWebAuthFailure(e),
      now: Date.now,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      offlineIdentity: () => Replica.identity(serverUrl),
    });
    // Any call refused for authentication (a manager ended this session, the account was disabled)
    // ends the session: back to sign-in with "your session has ended".
    return {
      session,
      api: createApi(
        serverUrl,
        () => session.accessToken(),
        () => void session.expire(),
        () => locationBox.current,
      ),
    };
  }, [serverUrl, bridge, locationBox]);
  const state = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state,
  );

  useEffect(() => {
    void session.restore();
    void registerOfflineShell();
    // No session, no local copy: the replica holds personal data.
    return session.subscribe((s) => {
      if (s.status === "signed-out") void Replica.erase(serverUrl).catch(() => {});
    });
  }, [session, serverUrl]);

  if (state.status === "unknown") return <main className="center muted">{tr.t("loading")}</main>;
  if (state.status === "signed-out")
    return (
      <main className="center">
        <SignIn
          tr={tr}
          serverUrl={serverUrl}
          message={
            state.reason === "expired"
              ? tr.t("sessionExpired")
              : state.reason === "signed-out"
                ? tr.t("signedOut")
                : null
          }
          onSignIn={(e, p, persist) => session.signIn(e, p, persist)}
          onChangeServer={props.onChangeServer}
        />
      </main>
    );
  return <SignedIn {...props} api={api} session={session} state={state} locationBox={locationBox} />;
}

/**
 * Issue #21: which location the console shows. The locations this staff member may see come from
 * locations.mine (asked for the home location); the one chosen last time on this computer is kept
 * when still allowed. Switching remounts everything below (views, live store, chats, replica), so
 * every view reloads its data for the new location.
 */
function SignedIn(props: {
  serverUrl: string;
  bridge: CitaBridge;
  tr: Translator;
  setLang(l: Lang): void;
  api: Api;
  session: Session;
  state: Extract<SessionState, { status: "signed-in" }>;
  locationBox: { current: string | null };
}) {
  const { api, serverUrl, locationBox, tr } = props;
  const staffId = props.state.staff.id;
  const offlineStart = !!props.state.offline;
  const homeId = props.state.staff.locationId;
  const [choice, setChoice] = useState<{ locations: MyLocation[] | null; current: string | null } | null>(null);
  useEffect(() => {
    let live = true;
    const stored = storedLocation(serverUrl, staffId);
    const settle = (locations: MyLocation[] | null, current: string | null) => {
      if (!live) return;
      locationBox.current = current;
      setShownLocation(current ?? homeId);
      setChoice({ locations, current });
    };
    if (offlineStart) {
      settle(null, stored);
      return;
    }
    locationBox.current = null;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 4_000));
    Promise.race([api.locations.mine.query(), timeout])
      .then((list) => settle(list, list.find((l) => l.id === stored && !l.home)?.id ?? null))
      // Offline, or a server without several locations: stay where we were.
      .catch(() => settle(null, stored));
    return () => {
      live = false;
    };
  }, [api, serverUrl, staffId, offlineStart, locationBox, homeId]);
  const switchTo = useCallback(
    (id: string) => {
      const home = choice?.locations?.find((l) => l.home)?.id;
      const next = id === home ? null : id;
      storeLocation(serverUrl, staffId, next);
      locationBox.current = next;
      setShownLocation(next ?? homeId);
      setChoice((c) => (c ? { ...c, current: next } : c));
    },
    [choice, serverUrl, staffId, locationBox, homeId],
  );
  if (!choice) return <main className="center muted">{tr.t("loading")}</main>;
  return (
    <SignedInAt
      key={choice.current ?? "home"}
      {...props}
      locations={choice.locations ?? []}
      onSwitchLocation={switchTo}
    />
  );
}

function SignedInAt(props: {
  serverUrl: string;
  bridge: CitaBridge;
  tr: Translator;
  setLang(l: Lang): void;
  api: Api;
  session: Session;
  state: Extract<SessionState, { status: "signed-in" }>;
  locations: MyLocation[];
  onSwitchLocation(id: string): void;
}) {
  const { api, session, bridge, tr, serverUrl } = props;
  const [toasts, setToasts] = useState<(Toast & { id: number })[]>([]);
  const toast = useCallback((t: Toast) => {
    const id = Math.random();
    setToasts((xs) => [...xs.slice(-3), { ...t, id }]);
    setTimeout(() => setToasts((xs) => xs.filter((x) => x.id !== id)), t.kind === "error" ? 12_000 : 5_000);
  }, []);
  const [ready, setReady] = useState(false);
  const [canResendLink, setCanResendLink] = useState(false);
  const notifyRef = useRef<((b: Booking) => void) | null>(null);
  const store = useMemo(
    () =>
      new ConsoleStore(api, {
        onAuthFailure: () => void session.expire(),
        onNewBooking: (b) => notifyRef.current?.(b),
      }),
    [api, session],
  );

  const staff = props.state.staff;
  const startOffline = !!props.state.offline;
  const replica = useMemo(() => {
    const policy = replicaPolicyFor(staff.role);
    return policy.enabled
      ? Replica.open(serverUrl, { source: apiSyncSource(api), target: apiReplayTarget(api), policy, now: Date.now })
      : null;
  }, [serverUrl, api, staff.role]);
  const connectivity = useMemo(
    () =>
      new Connectivity({
        api,
        store,
        replica,
        onAuthFailure: () => void session.expire(),
        onReplayed: (r) => replayedRef.current?.(r),
        onError: (e) => toast({ kind: "error", text: errorMessage(e) }),
      }),
    [api, store, replica, session, toast],
  );
  const replayedRef = useRef<((r: ReplayResult) => void) | null>(null);
  const mode = useSyncExternalStore(connectivity.subscribe, connectivity.getSnapshot);

  // Read once per mount: the session going from offline to online must not restart everything
  // (connectivity is the one that brought it back).
  const startRef = useRef({ staff, startOffline });
  useEffect(() => {
    let live = true;
    void (async () => {
      await replica?.load(startRef.current.staff);
      if (live) await connectivity.start(startRef.current.startOffline);
    })();
    return () => {
      live = false;
      connectivity.stop();
      replica?.close();
    };
  }, [connectivity, replica]);

  useEffect(() => {
    if (mode.kind !== "online") return;
    setReady(true);
    void session.accessToken().then((t) => procedureExists(serverUrl, "payments.resendLink", t).then(setCanResendLink));
  }, [mode.kind, session, serverUrl]);

  const escalatedRef = useRef<
    ((c: { id: string; name: string; reason: string | null; summary: string | null }) => void) | null
  >(null);
  const inbox = useMemo(
    () =>
      new ChatInbox(api, {
        myStaffId: session.staff?.id ?? null,
        onEscalated: (c, summary) =>
          escalatedRef.current?.({
            id: c.id,
            name: c.customerName ?? c.customerPhone ?? "",
            reason: c.escalationReason,
            summary,
          }),
      }),
    [api, session],
  );
  useEffect(() => {
    // Conversation events from the same stream as bookings; after a reconnection, reload the list.
    const off = store.onEvent((e) => inbox.handle(e));
    let last = store.getSnapshot().connection;
    const offConn = store.subscribe(() => {
      const now = store.getSnapshot().connection;
      if (now === "live" && last !== "live") void inbox.refresh();
      last = now;
    });
    void inbox.refresh();
    return () => {
      off();
      offConn();
      inbox.stop();
    };
  }, [store, inbox]);

  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const loc = snap.location;
  const fmt = useMemo(() => formatter(tr.lang, loc?.timeZone ?? "UTC", loc?.currency ?? "EUR"), [tr.lang, loc]);

  notifyRef.current = (b) => {
    const text = `${fmt.dateTime(b.startsAt)} · ${serviceNames(b, tr.lang)} · ${tr.source(b.source)}`;
    toast({ kind: "info", text: `${tr.t("createdElsewhere")}: ${text}` });
    void bridge.notify({ title: tr.t("createdElsewhere"), body: text, tag: b.id });
  };

  replayedRef.current = (r) => {
    if (r.sent) toast({ kind: "info", text: tr.t("offlineSent").replace("{n}", String(r.sent)) });
    if (r.conflicts || r.failed)
      toast({ kind: "error", text: tr.t("offlineConflicts").replace("{n}", String(r.conflicts + r.failed)) });
  };

  escalatedRef.current = (c) => {
    const body = [c.name, c.reason ? escalationLabel(c.reason, tr.lang) : null, c.summary].filter(Boolean).join(" · ");
    toast({ kind: "info", text: `${tr.t("escalated")}: ${body}` });
    chime();
    void bridge.notify({ title: tr.t("escalated"), body, tag: `chat-${c.id}` });
  };

  const ctx: ConsoleContext = useMemo(
    () => ({
      api,
      store,
      inbox,
      session,
      bridge,
      serverUrl,
      tr,
      fmt,
      setLang: props.setLang,
      toast,
      canResendLink,
      replica,
      offline: mode.kind === "offline",
    }),
    [api, store, inbox, session, bridge, serverUrl, tr, fmt, props.setLang, toast, canResendLink, replica, mode.kind],
  );

  if (mode.kind === "unavailable")
    return (
      <main className="center" data-testid="offline-unavailable">
        <p>{tr.t("offlineNoCopy")}</p>
        <button type="button" onClick={() => void session.signOut()}>
          {tr.t("signOut")}
        </button>
      </main>
    );
  if (!(ready || mode.kind === "offline") || !loc) return <main className="center muted">{tr.t("loading")}</main>;
  return (
    <Ctx.Provider value={ctx}>
      <Shell
        staffName={props.state.staff.displayName}
        locations={props.locations}
        onSwitchLocation={props.onSwitchLocation}
        mode={mode}
        toasts={
          // In the page's flow, between the content and the footer: a message never covers a field.
          <div className="toasts" aria-live="polite">
            {toasts.map((t) => (
              <div key={t.id} className={`toast ${t.kind}`} data-testid="toast" data-kind={t.kind} role="status">
                {t.text}
                {t.detail?.length ? (
                  <ul>
                    {t.detail.map((d) => (
                      <li key={d}>{d}</li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ))}
          </div>
        }
      />
    </Ctx.Provider>
  );
}

function useHashRoute(): [Route, (r: Route) => void] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const navigate = useCallback((r: Route) => {
    window.location.hash = formatRoute(r);
  }, []);
  return [parseRoute(hash), navigate];
}

function Shell({
  staffName,
  locations,
  onSwitchLocation,
  mode,
  toasts,
}: {
  staffName: string;
  locations: MyLocation[];
  onSwitchLocation(id: string): void;
  mode: Mode;
  toasts: React.ReactNode;
}) {
  const { tr, session, bridge, setLang, store, inbox, replica, toast } = useConsole();
  const offline = mode.kind === "offline";
  // One source per replica: Reports reloads when its source changes.
  const localReports = useMemo(() => (replica ? localReportSource(replica.db) : null), [replica]);
  const snap = useSnapshot();
  const unread = useSyncExternalStore(inbox.subscribe, () => inbox.getSnapshot().unread);
  const waiting = useSyncExternalStore(
    inbox.subscribe,
    () => inbox.getSnapshot().items.filter((c) => c.waiting).length,
  );
  const loc = snap.location!;
  const [route, navigate] = useHashRoute();
  const role = session.staff?.role;
  const isManager = role === "owner" || role === "manager";
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState<{ staffId: string; startsAt: number } | null>(null);
  const [storage, setStorage] = useState<SecretStoreStatus | null>(null);
  const [update, setUpdate] = useState<UpdateState | null>(null);
  const [version, setVersion] = useState("");

  useEffect(() => {
    void bridge.secrets.status().then(setStorage);
    void bridge.app.version().then(setVersion);
    void bridge.app.checkForUpdates().then(setUpdate);
  }, [bridge]);

  return (
    <div className="shell">
      <header className="topbar">
        {locations.length > 1 && !offline ? (
          // Issue #21: only for staff who may see several locations.
          <select
            className="brand location-switcher"
            aria-label={tr.lang === "es" ? "Salón" : "Salon"}
            title={tr.lang === "es" ? "Cambiar de salón" : "Switch salon"}
            data-testid="location-switcher"
            value={loc.id}
            onChange={(e) => onSwitchLocation(e.target.value)}
          >
            {locations.map((l) => (
              <option key={l.id} value={l.id}>
                {l.city && l.city !== l.name ? `${l.name} · ${l.city}` : l.name}
              </option>
            ))}
          </select>
        ) : (
          <strong className="brand" data-testid="location-name">
            {loc.name}
          </strong>
        )}
        <nav>
          <a href="#/day" aria-current={route.name === "calendar"}>
            {tr.t("calendar")}
          </a>
          <a href="#/bookings" aria-current={route.name === "bookings"} data-testid="nav-bookings">
            {tr.t("bookings")}
          </a>
          {offline ? null : (
            <a href="#/chats" aria-current={route.name === "chats"} data-testid="nav-chats">
              {tr.t("chats")}
              {waiting ? (
                <span className="badge waiting" data-testid="nav-waiting" title={tr.t("waitingForPerson")}>
                  {waiting}
                </span>
              ) : null}
              {unread ? (
                <span className="badge unread" data-testid="nav-unread" title={tr.t("unread")}>
                  {unread}
                </span>
              ) : null}
            </a>
          )}
          <a href="#/customers" aria-current={route.name === "customers"} data-testid="nav-customers">
            {tr.t("customers")}
          </a>
          {offline || role === "stylist" ? null : (
            <a href="#/waitlist" aria-current={route.name === "waitlist"} data-testid="nav-waitlist">
              {tr.t("waitlist")}
            </a>
          )}
          {isManager ? (
            <>
              <a href="#/reports" aria-current={route.name === "reports"} data-testid="nav-reports">
                {tr.lang === "es" ? "Informes" : "Reports"}
              </a>
              {offline ? null : (
                <a href="#/settings" aria-current={route.name === "settings"} data-testid="nav-settings">
                  {tr.lang === "es" ? "Ajustes" : "Settings"}
                </a>
              )}
            </>
          ) : null}
        </nav>
        {replica ? <PendingBadge replica={replica} /> : null}
        <span className={`conn ${snap.connection}`} data-testid="connection" data-state={snap.connection}>
          ●{" "}
          {snap.connection === "live"
            ? tr.t("live")
            : snap.connection === "offline"
              ? tr.t("offline")
              : tr.t("reconnecting")}
        </span>
        <select
          aria-label={tr.t("language")}
          data-testid="language"
          value={tr.lang}
          onChange={(e) => setLang(e.target.value as Lang)}
        >
          <option value="es">Español</option>
          <option value="en">English</option>
        </select>
        <span className="muted">{staffName}</span>
        <button type="button" data-testid="sign-out" onClick={() => void session.signOut()}>
          {tr.t("signOut")}
        </button>
      </header>
      {storage?.warning ? (
        <div className="banner warn" data-testid="storage-warning">
          {tr.t("storageWarning")}:{" "}
          {storage.backend === "basic_text"
            ? tr.t("storageBasic")
            : storage.backend === "none"
              ? tr.t("storageNone")
              : storage.warning}
        </div>
      ) : null}
      {update?.state === "downloaded" ? (
        <div className="banner">
          {tr.t("updateReady")} ({update.version}){" "}
          <button type="button" onClick={() => void bridge.app.installUpdate()}>
            ↻
          </button>
        </div>
      ) : null}
      {replica ? <OfflineBanner replica={replica} mode={mode} /> : null}
      <main className="content">
        {route.name === "calendar" ? (
          <Calendar
            route={{ view: route.view, date: route.date ?? today(loc.timeZone), staffId: route.staffId }}
            navigate={(r) => navigate({ name: "calendar", ...r })}
            openBooking={setOpenId}
            createAt={(staffId, startsAt) =>
              // Booking needs the server (availability, the slot's guard): say so rather than fail.
              offline ? toast({ kind: "info", text: tr.t("offlineNotHere") }) : setCreating({ staffId, startsAt })
            }
          />
        ) : route.name === "bookings" ? (
          <BookingsList openBooking={setOpenId} />
        ) : route.name === "pending" && replica ? (
          <PendingChanges replica={replica} openBooking={setOpenId} />
        ) : offline && route.name === "customers" && replica ? (
          <OfflineCustomers
            db={replica.db}
            customerId={route.customerId}
            navigate={(customerId) => navigate({ name: "customers", customerId })}
            openBooking={setOpenId}
          />
        ) : offline && route.name === "reports" && replica ? (
          <Reports source={localReports!} />
        ) : offline ? (
          <p className="muted center" data-testid="offline-unavailable-view">
            {tr.t("offlineNotHere")}
          </p>
        ) : route.name === "chats" ? (
          <Chats conversationId={route.conversationId} openBooking={setOpenId} />
        ) : route.name === "customers" ? (
          <Customers customerId={route.customerId} openBooking={setOpenId} />
        ) : route.name === "waitlist" ? (
          <Waitlist isManager={isManager} />
        ) : route.name === "reports" ? (
          <Reports />
        ) : route.name === "settings" ? (
          <Settings tab={route.tab} navigate={(tab) => navigate({ name: "settings", tab })} />
        ) : null}
      </main>
      {openId ? (
        <Drawer key={openId} bookingId={openId} onClose={() => setOpenId(null)} openBooking={setOpenId} />
      ) : null}
      {creating ? (
        <CreateDialog
          staffId={creating.staffId}
          startsAt={creating.startsAt}
          onClose={() => setCreating(null)}
          onCreated={(id) => {
            setCreating(null);
            setOpenId(id);
            void store.ensureCustomers([]);
          }}
        />
      ) : null}
      {toasts}
      <footer className="muted small">
        {tr.t("version")} {version}
      </footer>
    </div>
  );
}
