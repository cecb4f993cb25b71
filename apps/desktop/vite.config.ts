// The renderer as a plain web build (out/renderer): loaded by Electron through app://console/,
// served by the Cita server at /console/, and opened by the e2e tests in Chromium.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin, type UserConfig } from "vite";
import { contentSecurityPolicy } from "./src/main/security.ts";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * A CSP meta tag in the built pages. Hosts add a stricter header (the server: connect-src 'self';
 * Electron: served through app://); a browser enforces both, so the stricter one wins.
 */
function cspMeta(): Plugin {
  return {
    name: "cita-csp-meta",
    apply: "build",
    transformIndexHtml: () => [
      {
        tag: "meta",
        attrs: {
          "http-equiv": "Content-Security-Policy",
          // frame-ancestors only works as a header (both hosts send it).
          content: contentSecurityPolicy(["'self'", "https:", "http:"])
            .split("; ")
            .filter((d) => !d.startsWith("frame-ancestors"))
            .join("; "),
        },
        injectTo: "head-prepend",
      },
    ],
  };
}

export const rendererConfig: UserConfig = {
  root: here("src/renderer"),
  base: "./",
  plugins: [react(), cspMeta()],
  build: {
    outDir: here("out/renderer"),
    emptyOutDir: true,
    target: "chrome120",
    rollupOptions: {
      input: { index: here("src/renderer/index.html"), bench: here("src/renderer/bench.html") },
    },
  },
};

export default defineConfig(rendererConfig);
