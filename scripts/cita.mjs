#!/usr/bin/env node
// The README's two commands land here: `npm start` and `npm test` (also `npm run bench`).
// Needs only Node.js and npm: pnpm comes through corepack (or npx as a fallback), then the
// workspace is installed from the lockfile, the Prisma client generated, and the task run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureConsoleBuilt } from "./console-build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const PNPM = "pnpm@10.34.9";
const task = process.argv[2];
const passthrough = process.argv.slice(3);

const env = {
  ...process.env,
  // Corepack verifies pnpm's signature against npm's keys; registry mirrors do not serve them.
  COREPACK_INTEGRITY_KEYS: process.env.COREPACK_INTEGRITY_KEYS ?? "0",
  COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
  // The Electron binary cannot be downloaded here and is not needed to build or test the console.
  ELECTRON_SKIP_BINARY_DOWNLOAD: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit", shell: process.platform === "win32", ...opts });
  return r.status ?? 1;
}

function pnpmCommand() {
  const viaCorepack = spawnSync("corepack", ["pnpm", "--version"], {
    cwd: root,
    env,
    stdio: "pipe",
    shell: process.platform === "win32",
  });
  if (viaCorepack.status === 0) return ["corepack", ["pnpm"]];
  return ["npx", ["--yes", PNPM]];
}

function pnpm(args) {
  const [cmd, pre] = pnpmCommand();
  return run(cmd, [...pre, ...args]);
}

function must(status, what) {
  if (status !== 0) {
    console.error(`cita: ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

/**
 * The console the server serves at /console/ is a vite build: made when missing or older than its
 * sources (a few seconds), so a newcomer's first `npm start` opens a working console.
 */
async function buildConsoleIfStale() {
  await ensureConsoleBuilt(() => {
    console.log("cita: building the console (first start, or its sources changed)…");
    must(pnpm(["--filter", "@cita/desktop", "--silent", "build:web"]), "console build");
  });
}

/** A variable's value in .env (which the server loads too), for the choices made before it starts. */
function dotenvValue(name) {
  const file = `${root}/.env`;
  if (!existsSync(file)) return undefined;
  const m = readFileSync(file, "utf8").match(new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=\\s*["']?([^"'#\\s]*)`, "m"));
  return m?.[1];
}

/**
 * Runs the server in the foreground. A terminal's Ctrl-C reaches the whole process group: the server
 * handles it (a clean stop, one line); this wrapper only waits for it and passes its status on, so
 * nothing else prints a failure for an ordinary stop.
 */
async function serve(args) {
  // Production runs the compiled server (apps/server/dist, rebuilt here in well under a second so it
  // always matches the sources); development keeps tsx, which needs no build step.
  const production = (env.CITA_ENV ?? dotenvValue("CITA_ENV")) === "production";
  if (production) {
    try {
      // Loaded here, after the install: it takes esbuild from the installed tsx.
      const { buildServer } = await import("./build-server.mjs");
      await buildServer();
    } catch (e) {
      console.error(`cita: server build failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    }
  }
  const entry = production
    ? ["--enable-source-maps", "apps/server/dist/main.js"]
    : ["--import", "tsx", "apps/server/src/main.ts"];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
  return undefined;
}

const tasks = {
  install() {
    const frozen = existsSync(`${root}/pnpm-lock.yaml`) ? ["--frozen-lockfile"] : [];
    must(pnpm(["install", ...frozen, "--reporter=append-only"]), "install");
    must(run(process.execPath, ["scripts/prisma-generate.mjs"]), "prisma generate");
  },
  async start() {
    tasks.install();
    await buildConsoleIfStale();
    return serve(passthrough);
  },
  test() {
    tasks.install();
    must(pnpm(["run", "lint"]), "lint");
    must(pnpm(["run", "typecheck"]), "typecheck");
    must(pnpm(["run", "test:run", ...passthrough]), "tests");
    // The date-sensitive suites again at each hard instant (closures, DST, 29 February, 23:59…).
    return passthrough.length ? 0 : pnpm(["run", "test:dates"]);
  },
  bench() {
    tasks.install();
    return pnpm(["run", "bench:run", ...passthrough]);
  },
};

if (!tasks[task]) {
  console.error(`usage: node scripts/cita.mjs <${Object.keys(tasks).join("|")}>`);
  process.exit(2);
}
const status = await tasks[task]();
if (status !== undefined) process.exit(status);
