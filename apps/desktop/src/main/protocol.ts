// Serves the built renderer under app://console/ with the CSP as a real header (file:// pages get
// no headers, and would share an origin with every other local file).
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/** Maps app://console/<path> to a file under root; null for anything outside it. */
export function resolveAppFile(url: string, root: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes("\0")) return null;
  const rel = normalize(pathname === "/" || pathname === "" ? "/index.html" : pathname).replace(/^([/\\])+/, "");
  const full = join(root, rel);
  const base = root.endsWith(sep) ? root : root + sep;
  return full.startsWith(base) ? full : null;
}

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Answers one app:// request: the file with its type and the CSP, or 404. */
export async function serveAppRequest(
  url: string,
  root: string,
  csp: string,
  read: (file: string) => Promise<Buffer | null>,
): Promise<AppResponse> {
  const file = resolveAppFile(url, root);
  const body = file ? await read(file) : null;
  if (!file || !body) return { status: 404, headers: { "content-type": "text/plain" }, body: "Not found" };
  return {
    status: 200,
    headers: {
      "content-type": contentType(file),
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "cross-origin-opener-policy": "same-origin",
    },
    body,
  };
}
