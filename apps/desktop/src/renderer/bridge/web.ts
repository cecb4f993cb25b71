// window.cita for a plain browser (a tablet at the desk, and the e2e tests). No secret is ever
// written to browser storage: the console's sign-in lives in an httpOnly cookie the page cannot read
// (bridge/web-session.ts), so `secrets` here is memory only, gone with the page. Also the
// Notification API.
import type { CitaBridge, UpdateState } from "../../shared/bridge.ts";

/** Where earlier versions kept secrets in browser storage (removed on start). */
const LEGACY_PREFIX = "cita.secret.";

export interface WebBridgeEnv {
  local: Storage;
  session: Storage;
  notification?: {
    permission: string;
    requestPermission(): Promise<string>;
    create(title: string, opts: { body: string; tag?: string }): void;
  };
  version: string;
  open(url: string): void;
}

export function createWebBridge(env: WebBridgeEnv): CitaBridge {
  // Earlier versions kept the refresh token in browser storage: never leave one behind.
  for (const store of [env.local, env.session]) {
    for (let i = store.length - 1; i >= 0; i--) {
      const k = store.key(i);
      if (k?.startsWith(LEGACY_PREFIX)) store.removeItem(k);
    }
  }
  const memory = new Map<string, string>();
  return {
    kind: "web",
    secrets: {
      async get(key) {
        return memory.get(key) ?? null;
      },
      async set(key, value) {
        memory.set(key, value);
      },
      async delete(key) {
        memory.delete(key);
      },
      async status() {
        return { backend: "http-only-cookie", encrypted: true, warning: null };
      },
    },
    async notify(n) {
      const N = env.notification;
      if (!N) return false;
      let permission = N.permission;
      if (permission === "default") permission = await N.requestPermission().catch(() => "denied");
      if (permission !== "granted") return false;
      N.create(n.title, { body: n.body, ...(n.tag ? { tag: n.tag } : {}) });
      return true;
    },
    app: {
      version: async () => env.version,
      // A browser always loads the server's current build: nothing to update.
      checkForUpdates: async (): Promise<UpdateState> => ({ state: "unsupported" }),
      installUpdate: async () => {},
    },
    async openExternal(url) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return false;
      }
      if (u.protocol !== "https:") return false;
      env.open(u.toString());
      return true;
    },
  };
}

/** The bridge for this page: Electron's preload one when present, the web one otherwise. */
export function installBridge(version: string): CitaBridge {
  if (window.cita) return window.cita;
  const N = typeof Notification === "undefined" ? undefined : Notification;
  const bridge = createWebBridge({
    local: window.localStorage,
    session: window.sessionStorage,
    ...(N
      ? {
          notification: {
            get permission() {
              return N.permission;
            },
            requestPermission: () => N.requestPermission(),
            create: (title, opts) => new N(title, opts),
          },
        }
      : {}),
    version,
    open: (url) => window.open(url, "_blank", "noopener,noreferrer"),
  });
  window.cita = bridge;
  return bridge;
}
