// window.cita for a plain browser (a tablet at the desk, and the e2e tests): browser storage for
// the refresh token — not encrypted, and the console says so — and the Notification API.
import type { CitaBridge, UpdateState } from "../../shared/bridge.ts";

const PREFIX = "cita.secret.";

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
  return {
    kind: "web",
    secrets: {
      async get(key) {
        return env.session.getItem(PREFIX + key) ?? env.local.getItem(PREFIX + key);
      },
      async set(key, value, opts) {
        // One place only: a secret kept "for this tab" must not linger in localStorage.
        (opts?.persist ? env.session : env.local).removeItem(PREFIX + key);
        (opts?.persist ? env.local : env.session).setItem(PREFIX + key, value);
      },
      async delete(key) {
        env.local.removeItem(PREFIX + key);
        env.session.removeItem(PREFIX + key);
      },
      async status() {
        return {
          backend: "browser",
          encrypted: false,
          warning: "In a browser your sign-in is kept in this browser's storage, without encryption.",
        };
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
