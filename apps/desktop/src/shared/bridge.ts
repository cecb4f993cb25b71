// The one contract between the console's renderer and whatever hosts it: Electron's main process
// (through the preload script) or a plain browser (renderer/bridge/web.ts). The renderer never
// imports `electron`; it only sees `window.cita`.

/** Where secrets (the refresh token) are kept, and how safely. */
export interface SecretStoreStatus {
  /** e.g. "gnome_libsecret", "kwallet", "keychain", "dpapi", "basic_text", "browser". */
  backend: string;
  /** False when the OS offers only a plain-text backend or the store is browser storage. */
  encrypted: boolean;
  /** A sentence to show the user when `encrypted` is false. */
  warning: string | null;
}

export interface SecretSetOptions {
  /** Browser only: keep after the tab is closed (localStorage) instead of sessionStorage. */
  persist?: boolean;
}

export interface NotificationRequest {
  title: string;
  body: string;
  /** Notifications with the same tag replace each other. */
  tag?: string;
}

export type UpdateState =
  | { state: "unsupported" }
  | { state: "idle" }
  | { state: "checking" }
  | { state: "available"; version: string }
  | { state: "none" }
  | { state: "downloaded"; version: string }
  | { state: "error"; message: string };

export interface CitaBridge {
  /** Which host implements the bridge. */
  readonly kind: "electron" | "web";
  readonly secrets: {
    get(key: string): Promise<string | null>;
    set(key: string, value: string, opts?: SecretSetOptions): Promise<void>;
    delete(key: string): Promise<void>;
    status(): Promise<SecretStoreStatus>;
  };
  notify(n: NotificationRequest): Promise<boolean>;
  readonly app: {
    version(): Promise<string>;
    checkForUpdates(): Promise<UpdateState>;
    installUpdate(): Promise<void>;
  };
  /** Opens an https link we expect (payment pages, WhatsApp) in the system browser. */
  openExternal(url: string): Promise<boolean>;
}

/** IPC channel names shared by main and preload. */
export const IPC = {
  secretGet: "cita:secret:get",
  secretSet: "cita:secret:set",
  secretDelete: "cita:secret:delete",
  secretStatus: "cita:secret:status",
  notify: "cita:notify",
  version: "cita:app:version",
  updateCheck: "cita:update:check",
  updateInstall: "cita:update:install",
  openExternal: "cita:open-external",
} as const;
export type IpcChannel = (typeof IPC)[keyof typeof IPC];
