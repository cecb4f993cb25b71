// The window's security posture: isolated, sandboxed renderer without Node, a strict CSP, no
// navigation away from the app, no new windows, and only expected https links opened outside.
import type { BrowserWindowOptions, IpcEventLike, ShellLike, WebContentsLike } from "./facade.ts";

/** The renderer is served from this origin through a custom protocol (protocol.ts). */
export const APP_SCHEME = "app";
export const APP_HOST = "console";
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Hosts we send people to: payment pages and WhatsApp chats. Anything else stays closed. */
export const EXTERNAL_HOSTS = ["checkout.stripe.com", "billing.stripe.com", "wa.me", "web.whatsapp.com", "cita.app"];

export function windowOptions(preload: string): BrowserWindowOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: "Cita",
    backgroundColor: "#f8fafc",
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  };
}

/**
 * Content-Security-Policy for the console. `connectTo` are the server origins the console may
 * call (tRPC over HTTP and SSE); in a browser that is 'self', in Electron the configured server.
 */
export function contentSecurityPolicy(connectTo: string[] = ["'self'"]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connectTo.join(" ")}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Only https links to hosts we expect (or their subdomains), without credentials in the URL. */
export function isAllowedExternal(url: string, extraHosts: string[] = []): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "https:" || u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return [...EXTERNAL_HOSTS, ...extraHosts].some((h) => host === h || host.endsWith(`.${h}`));
}

/** IPC is answered only for the app's own top frame (not a remote page or an injected frame). */
export function isTrustedSender(event: IpcEventLike): boolean {
  return !!event.senderFrame && isAppUrl(event.senderFrame.url);
}

/** Locks a window's navigation to the app; expected links go to the system browser. */
export function lockNavigation(contents: WebContentsLike, shell: ShellLike, extraHosts: () => string[] = () => []) {
  const guard = (e: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    e.preventDefault();
    if (isAllowedExternal(url, extraHosts())) void shell.openExternal(url);
  };
  contents.on("will-navigate", guard);
  contents.on("will-redirect", guard);
  contents.on("will-attach-webview", (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url, extraHosts())) void shell.openExternal(url);
    return { action: "deny" };
  });
}
