// The console the server serves at /console/ is a vite build (apps/desktop/out/renderer). One rule
// for `npm start` and the browser tests: build when missing or older than its sources, one builder
// at a time (a lock directory), so parallel test processes neither rebuild nor read half a build.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(root, "apps/desktop/out/renderer");
const LOCK = join(root, "apps/desktop/out/.build-lock");
const SOURCES = [
  "apps/desktop/src/renderer",
  "apps/desktop/src/shared",
  "apps/desktop/src/main/security.ts",
  "packages/shared/src",
  "apps/desktop/vite.config.ts",
];

function newest(paths) {
  let latest = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!["node_modules", "out", "dist"].includes(name)) walk(join(p, name));
    } else if (!/\.test\.tsx?$|\.bench\.tsx?$/.test(p)) latest = Math.max(latest, st.mtimeMs);
  };
  for (const p of paths) walk(join(root, p));
  return latest;
}

/** Whether out/renderer is there and newer than every source it is built from. */
export function consoleBuildFresh() {
  const index = join(OUT, "index.html");
  return existsSync(index) && statSync(index).mtimeMs >= newest(SOURCES);
}

/** Runs `build` (sync or async) under the lock when the build is missing or stale. */
export async function ensureConsoleBuilt(build) {
  if (consoleBuildFresh()) return false;
  mkdirSync(join(root, "apps/desktop/out"), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else is building; a lock older than 3 minutes is left over from a killed build.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the console build lock ${LOCK} is held for too long`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (consoleBuildFresh()) return false;
    await build();
    return true;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
