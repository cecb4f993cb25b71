// The main side of the window.cita bridge. Every handler checks the sender is the app's own page
// and validates its arguments; nothing else is exposed.
import { IPC, type NotificationRequest, type UpdateState } from "../shared/bridge.ts";
import type { IpcMainLike, NotificationCtor, ShellLike, UpdaterLike } from "./facade.ts";
import { isAllowedExternal, isTrustedSender } from "./security.ts";
import type { TokenStore } from "./token-store.ts";

export interface IpcDeps {
  ipcMain: IpcMainLike;
  tokens: TokenStore;
  Notification: NotificationCtor;
  shell: ShellLike;
  version: string;
  /** null when updates are not supported (development, unsigned or unpacked builds). */
  updater: UpdaterLike | null;
  /** Extra hosts links may open (e.g. the configured server's host). */
  externalHosts?: () => string[];
}

const str = (v: unknown, max: number): string => {
  if (typeof v !== "string" || v.length > max) throw new Error("invalid argument");
  return v;
};

export function registerIpc(deps: IpcDeps): void {
  const handle = (channel: string, fn: (...args: unknown[]) => unknown) =>
    deps.ipcMain.handle(channel, (event, ...args) => {
      if (!isTrustedSender(event)) throw new Error("IPC refused: untrusted sender");
      return fn(...args);
    });

  let downloaded: string | null = null;
  deps.updater?.on("update-downloaded", (info) => {
    downloaded = info.version;
  });

  handle(IPC.secretGet, (key) => deps.tokens.get(str(key, 64)));
  handle(IPC.secretSet, (key, value) => deps.tokens.set(str(key, 64), str(value, 8192)));
  handle(IPC.secretDelete, (key) => deps.tokens.delete(str(key, 64)));
  handle(IPC.secretStatus, () => deps.tokens.status());
  handle(IPC.notify, (raw) => {
    const n = raw as NotificationRequest;
    if (!deps.Notification.isSupported()) return false;
    new deps.Notification({ title: str(n?.title, 200), body: str(n?.body, 1000) }).show();
    return true;
  });
  handle(IPC.version, () => deps.version);
  handle(IPC.updateCheck, async (): Promise<UpdateState> => {
    if (!deps.updater) return { state: "unsupported" };
    if (downloaded) return { state: "downloaded", version: downloaded };
    try {
      const r = await deps.updater.checkForUpdates();
      if (!r || r.isUpdateAvailable === false || r.updateInfo.version === deps.version) return { state: "none" };
      return { state: "available", version: r.updateInfo.version };
    } catch (e) {
      return { state: "error", message: e instanceof Error ? e.message : String(e) };
    }
  });
  handle(IPC.updateInstall, () => {
    if (deps.updater && downloaded) deps.updater.quitAndInstall();
  });
  handle(IPC.openExternal, async (url) => {
    const u = str(url, 2048);
    if (!isAllowedExternal(u, deps.externalHosts?.() ?? [])) return false;
    await deps.shell.openExternal(u);
    return true;
  });
}
