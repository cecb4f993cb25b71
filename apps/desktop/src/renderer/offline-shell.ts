// Registers the service worker that keeps the console's shell for offline starts — only in a
// browser served over http(s) (Electron loads the files from disk through app://).
export async function registerOfflineShell(): Promise<boolean> {
  const { protocol } = window.location;
  if ((protocol !== "http:" && protocol !== "https:") || !("serviceWorker" in navigator)) return false;
  try {
    await navigator.serviceWorker.register("./sw.js", { scope: "./" });
    await navigator.serviceWorker.ready;
    return true;
  } catch (e) {
    console.warn("offline shell unavailable:", e);
    return false;
  }
}
