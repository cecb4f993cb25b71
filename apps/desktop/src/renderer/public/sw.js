// The console's service worker, for the browser build served at /console/ (Electron loads the
// same files from disk and does not use it). It keeps the app shell so the console opens with no
// network; the data comes from the local replica. API calls (/trpc) are never touched.
const CACHE = "cita-console-v1";

/** The page and every hashed asset it references, read from the page itself. */
async function precache() {
  const cache = await caches.open(CACHE);
  const page = await fetch("./", { cache: "no-cache" });
  if (!page.ok) return;
  const html = await page.clone().text();
  await cache.put("./", page);
  const assets = [...html.matchAll(/(?:src|href)="\.?\/?((?:\.\/)?assets\/[^"]+)"/g)].map(
    (m) => `./${m[1].replace(/^\.\//, "")}`,
  );
  await cache.addAll([...new Set(assets)]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (url.pathname.includes("/assets/")) {
    // Hashed names never change: the cache is always right.
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              void caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
    return;
  }
  const isShell = url.pathname === scope.pathname || url.pathname === `${scope.pathname}index.html`;
  if (req.mode === "navigate" && isShell) {
    // The page: fresh when the server answers (a new build), the kept copy when it does not.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put("./", copy));
          }
          return res;
        })
        .catch(() => caches.match("./").then((hit) => hit || Response.error())),
    );
  }
});
