// Main-process modules against fake Electron objects: no `electron` import anywhere here.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IPC } from "../shared/bridge.ts";
import type {
  FilesLike,
  IpcEventLike,
  IpcMainLike,
  NotificationCtor,
  SafeStorageLike,
  UpdaterLike,
  WebContentsLike,
} from "./facade.ts";
import { registerIpc } from "./ipc.ts";
import { resolveAppFile, serveAppRequest } from "./protocol.ts";
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  isAllowedExternal,
  isTrustedSender,
  lockNavigation,
  windowOptions,
} from "./security.ts";
import { TokenStore } from "./token-store.ts";

function memoryFiles(): FilesLike & { data: Map<string, Buffer> } {
  const data = new Map<string, Buffer>();
  return {
    data,
    read: async (p) => data.get(p) ?? null,
    write: async (p, d) => void data.set(p, d),
    remove: async (p) => void data.delete(p),
  };
}

function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    // Not real encryption; enough to see that the plain text never reaches the file.
    encryptString: (s) => Buffer.from(`enc:${Buffer.from(s).toString("base64")}`),
    decryptString: (b) => {
      const s = b.toString();
      if (!s.startsWith("enc:")) throw new Error("bad ciphertext");
      return Buffer.from(s.slice(4), "base64").toString();
    },
    getSelectedStorageBackend: () => backend,
  };
}

describe("window security", () => {
  it("isolates and sandboxes the renderer without Node", () => {
    const o = windowOptions("/app/preload/index.cjs");
    expect(o.webPreferences).toMatchObject({
      preload: "/app/preload/index.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it("has a strict CSP: no inline or remote scripts, no frames, no objects", () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  it("opens only expected https links outside the app", () => {
    expect(isAllowedExternal("https://checkout.stripe.com/c/pay/cs_123")).toBe(true);
    expect(isAllowedExternal("https://wa.me/34600111201")).toBe(true);
    expect(isAllowedExternal("http://wa.me/34600111201")).toBe(false);
    expect(isAllowedExternal("https://wa.me.evil.com/")).toBe(false);
    expect(isAllowedExternal("https://evil.com/?https://wa.me")).toBe(false);
    expect(isAllowedExternal("https://user:pw@wa.me/")).toBe(false);
    expect(isAllowedExternal("file:///etc/passwd")).toBe(false);
    expect(isAllowedExternal("not a url")).toBe(false);
    expect(isAllowedExternal("https://salon.example.com/x", ["salon.example.com"])).toBe(true);
  });

  it("locks navigation and new windows to the app", () => {
    const listeners = new Map<string, (e: { preventDefault(): void }, url: string) => void>();
    let openHandler: ((d: { url: string }) => { action: "deny" | "allow" }) | null = null;
    const contents = {
      on: (event: string, fn: (e: { preventDefault(): void }, url: string) => void) => listeners.set(event, fn),
      setWindowOpenHandler: (h: typeof openHandler) => {
        openHandler = h;
      },
    } as unknown as WebContentsLike;
    const opened: string[] = [];
    lockNavigation(contents, { openExternal: async (u) => void opened.push(u) });
    const nav = (url: string) => {
      let prevented = false;
      listeners.get("will-navigate")!(
        {
          preventDefault: () => {
            prevented = true;
          },
        },
        url,
      );
      return prevented;
    };
    expect(nav(`${APP_ORIGIN}/index.html#/bookings`)).toBe(false);
    expect(nav("https://evil.example/")).toBe(true);
    expect(nav("https://wa.me/34600111201")).toBe(true);
    expect(opened).toEqual(["https://wa.me/34600111201"]);
    expect(openHandler!({ url: "https://checkout.stripe.com/x" })).toEqual({ action: "deny" });
    expect(openHandler!({ url: "https://evil.example/" })).toEqual({ action: "deny" });
    expect(opened).toEqual(["https://wa.me/34600111201", "https://checkout.stripe.com/x"]);
    let webview = false;
    listeners.get("will-attach-webview")!(
      {
        preventDefault: () => {
          webview = true;
        },
      },
      "",
    );
    expect(webview).toBe(true);
  });

  it("trusts IPC only from the app's own frame", () => {
    expect(isTrustedSender({ senderFrame: { url: `${APP_ORIGIN}/index.html` } })).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: "https://evil.example/" } })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: "app://other/index.html" } })).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
  });
});

describe("app:// protocol", () => {
  const root = "/opt/cita/renderer";
  it("maps URLs into the renderer build and nowhere else", () => {
    expect(resolveAppFile(`${APP_ORIGIN}/`, root)).toBe(join(root, "index.html"));
    expect(resolveAppFile(`${APP_ORIGIN}/assets/index-abc.js`, root)).toBe(join(root, "assets/index-abc.js"));
    // Dot segments, encoded or not, and encoded slashes never climb out of the build.
    for (const attack of [
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/%2f..%2f..%2fetc/passwd",
      "/..%5c..%5cetc",
    ]) {
      const file = resolveAppFile(`${APP_ORIGIN}${attack}`, root);
      expect(file === null || file.startsWith(`${root}/`), attack).toBe(true);
    }
    expect(resolveAppFile(`${APP_ORIGIN}/a%00b`, root)).toBeNull();
  });

  it("answers with the file, its type and the CSP header", async () => {
    const files = new Map([[join(root, "index.html"), Buffer.from("<html>")]]);
    const read = async (f: string) => files.get(f) ?? null;
    const ok = await serveAppRequest(`${APP_ORIGIN}/index.html`, root, "default-src 'none'", read);
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'",
      "x-content-type-options": "nosniff",
    });
    expect((await serveAppRequest(`${APP_ORIGIN}/missing.js`, root, "x", read)).status).toBe(404);
  });
});

describe("token store (safeStorage)", () => {
  it("encrypts with the OS keychain and never writes the plain token", async () => {
    const files = memoryFiles();
    const store = new TokenStore(fakeSafeStorage("gnome_libsecret"), files, "/data/secrets");
    await store.set("refresh-token", "secret-refresh");
    const written = files.data.get("/data/secrets/refresh-token.secret")!;
    expect(written.toString()).not.toContain("secret-refresh");
    expect(await store.get("refresh-token")).toBe("secret-refresh");
    expect(store.status()).toEqual({ backend: "gnome_libsecret", encrypted: true, warning: null });
    await store.delete("refresh-token");
    expect(await store.get("refresh-token")).toBeNull();
  });

  it("warns when Linux offers only the basic text backend", () => {
    const s = new TokenStore(fakeSafeStorage("basic_text"), memoryFiles(), "/d").status();
    expect(s.encrypted).toBe(false);
    expect(s.warning).toMatch(/keyring/);
  });

  it("persists nothing without encryption, and forgets undecryptable files", async () => {
    const files = memoryFiles();
    const none = new TokenStore(fakeSafeStorage("", false), files, "/d");
    await none.set("refresh-token", "x");
    expect(files.data.size).toBe(0);
    expect(none.status().encrypted).toBe(false);
    const store = new TokenStore(fakeSafeStorage("kwallet"), files, "/d");
    files.data.set("/d/refresh-token.secret", Buffer.from("garbage"));
    expect(await store.get("refresh-token")).toBeNull();
    expect(files.data.size).toBe(0);
    await expect(store.set("../escape", "x")).rejects.toThrow("invalid secret key");
  });
});

describe("IPC bridge (main side)", () => {
  function setup(updater: UpdaterLike | null = null) {
    const handlers = new Map<string, (e: IpcEventLike, ...a: unknown[]) => unknown>();
    const ipcMain: IpcMainLike = { handle: (c, fn) => void handlers.set(c, fn) };
    const shown: string[] = [];
    const Notification = class {
      constructor(private o: { title: string; body: string }) {}
      show() {
        shown.push(`${this.o.title}: ${this.o.body}`);
      }
      static isSupported() {
        return true;
      }
    } as unknown as NotificationCtor;
    const opened: string[] = [];
    registerIpc({
      ipcMain,
      tokens: new TokenStore(fakeSafeStorage("keychain"), memoryFiles(), "/d"),
      Notification,
      shell: { openExternal: async (u) => void opened.push(u) },
      version: "0.1.0",
      updater,
    });
    const app = { senderFrame: { url: `${APP_ORIGIN}/index.html` } };
    const call = (channel: string, ...args: unknown[]) => handlers.get(channel)!(app, ...args);
    return { handlers, call, shown, opened };
  }

  it("exposes exactly the bridge's channels and refuses other senders", async () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(Object.values(IPC).sort());
    const evil = { senderFrame: { url: "https://evil.example/" } };
    expect(() => handlers.get(IPC.secretGet)!(evil, "refresh-token")).toThrow("untrusted sender");
  });

  it("stores secrets, shows notifications, reports the version, opens expected links", async () => {
    const { call, shown, opened } = setup();
    await call(IPC.secretSet, "refresh-token", "abc");
    expect(await call(IPC.secretGet, "refresh-token")).toBe("abc");
    expect(() => call(IPC.secretSet, "refresh-token", 42)).toThrow("invalid argument");
    expect(await call(IPC.notify, { title: "Nueva cita", body: "10:00 Corte" })).toBe(true);
    expect(shown).toEqual(["Nueva cita: 10:00 Corte"]);
    expect(await call(IPC.version)).toBe("0.1.0");
    expect(await call(IPC.openExternal, "https://wa.me/34600111201")).toBe(true);
    expect(await call(IPC.openExternal, "https://evil.example/")).toBe(false);
    expect(opened).toEqual(["https://wa.me/34600111201"]);
  });

  it("reports updates through electron-updater, and 'unsupported' without it", async () => {
    expect(await setup().call(IPC.updateCheck)).toEqual({ state: "unsupported" });
    let installed = false;
    let onDownloaded: ((i: { version: string }) => void) | null = null;
    const updater: UpdaterLike = {
      checkForUpdates: async () => ({ updateInfo: { version: "0.2.0" }, isUpdateAvailable: true }),
      quitAndInstall: () => {
        installed = true;
      },
      on: (_e, fn) => {
        onDownloaded = fn;
      },
    };
    const { call } = setup(updater);
    expect(await call(IPC.updateCheck)).toEqual({ state: "available", version: "0.2.0" });
    await call(IPC.updateInstall);
    expect(installed).toBe(false); // nothing downloaded yet
    onDownloaded!({ version: "0.2.0" });
    expect(await call(IPC.updateCheck)).toEqual({ state: "downloaded", version: "0.2.0" });
    await call(IPC.updateInstall);
    expect(installed).toBe(true);
  });
});
