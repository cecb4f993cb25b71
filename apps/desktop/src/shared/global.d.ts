import type { CitaBridge } from "./bridge.ts";

declare global {
  interface Window {
    /** Set by the Electron preload script; the renderer installs the web bridge otherwise. */
    cita?: CitaBridge;
  }
}
