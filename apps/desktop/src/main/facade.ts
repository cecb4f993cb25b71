// The slice of Electron the main process uses, as plain interfaces. index.ts passes the real
// modules; tests pass fakes, so no test imports `electron` (its binary is not installed here).

export interface WebContentsLike {
  on(event: "will-navigate" | "will-redirect", listener: (e: { preventDefault(): void }, url: string) => void): void;
  on(event: "will-attach-webview", listener: (e: { preventDefault(): void }) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" | "allow" }): void;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  once(event: "ready-to-show", listener: () => void): void;
  show(): void;
}

export interface BrowserWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    spellcheck: boolean;
  };
}

export interface IpcEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
}

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}

export interface NotificationLike {
  show(): void;
}
export interface NotificationCtor {
  new (opts: { title: string; body: string }): NotificationLike;
  isSupported(): boolean;
}

export interface UpdaterLike {
  checkForUpdates(): Promise<{ updateInfo: { version: string }; isUpdateAvailable?: boolean } | null>;
  quitAndInstall(): void;
  on(event: "update-downloaded", listener: (info: { version: string }) => void): void;
}

/** A minimal file system for the token store (fs/promises in production, a Map in tests). */
export interface FilesLike {
  read(path: string): Promise<Buffer | null>;
  write(path: string, data: Buffer): Promise<void>;
  remove(path: string): Promise<void>;
}
