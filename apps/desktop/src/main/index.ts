// Electron main process: the only file that imports `electron`. Everything it wires is in small
// modules unit-tested against fakes (security.ts, protocol.ts, token-store.ts, ipc.ts).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { app, BrowserWindow, ipcMain, Notification, protocol, safeStorage, session, shell } from "electron";
import electronUpdater from "electron-updater";
import type { FilesLike } from "./facade.ts";
import { registerIpc } from "./ipc.ts";
import { serveAppRequest } from "./protocol.ts";
import { APP_ORIGIN, APP_SCHEME, contentSecurityPolicy, lockNavigation, windowOptions } from "./security.ts";
import { TokenStore } from "./token-store.ts";

const here = dirname(fileURLToPath(import.meta.url));
const rendererRoot = join(here, "../renderer");
const preload = join(here, "../preload/index.cjs");

// The console talks to a server the salon chooses on first run (LAN or https), so connect-src
// cannot name it in advance; scripts, styles, frames and objects stay locked to the app.
const CSP = contentSecurityPolicy(["'self'", "https:", "http:"]);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const files: FilesLike = {
  read: (p) => readFile(p).catch(() => null),
  write: async (p, d) => {
    await mkdir(dirname(p), { recursive: true, mode: 0o700 });
    await writeFile(p, d, { mode: 0o600 });
  },
  remove: (p) => rm(p, { force: true }),
};

if (!app.requestSingleInstanceLock()) app.quit();

app.on("web-contents-created", (_e, contents) => lockNavigation(contents, shell));

app.whenReady().then(async () => {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await serveAppRequest(request.url, rendererRoot, CSP, (f) => readFile(f).catch(() => null));
    return new Response(typeof r.body === "string" ? r.body : new Uint8Array(r.body), {
      status: r.status,
      headers: r.headers,
    });
  });
  // No permission prompts (camera, geolocation…) except notifications.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === "notifications"));

  const packaged = app.isPackaged;
  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = true;
  registerIpc({
    ipcMain,
    tokens: new TokenStore(safeStorage, files, join(app.getPath("userData"), "secrets")),
    Notification,
    shell,
    version: app.getVersion(),
    updater: packaged ? autoUpdater : null,
  });

  const win = new BrowserWindow(windowOptions(preload));
  win.once("ready-to-show", () => win.show());
  await win.loadURL(`${APP_ORIGIN}/index.html`);
  if (packaged) void autoUpdater.checkForUpdates().catch(() => {});
});

app.on("window-all-closed", () => app.quit());
