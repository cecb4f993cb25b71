// Starts Cita the way the README does (apps/server/src/main.ts in its own process) and stops it
// with SIGTERM, for the cross-process tests.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../apps/server/src/testing/global-setup.ts";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const tsx = join(root, "node_modules/.bin/tsx");

export interface Started {
  proc: ChildProcess;
  output: () => string;
  url: string;
}

/** Spawns the server and waits until /readyz answers 200 and the start banner is printed. */
export async function startCita(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  let out = "";
  const proc = spawn(tsx, ["apps/server/src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => (out += d));
  proc.stderr?.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${out}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok && out.includes("Cita is ready")) return { proc, output: () => out, url };
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill("SIGKILL");
  throw new Error(`not ready in 150 s: ${out}`);
}

/** SIGTERM, then the exit code (graceful shutdown exits 0). */
export function stop(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null) return resolve(s.proc.exitCode);
    s.proc.once("exit", (code) => resolve(code));
    s.proc.kill("SIGTERM");
  });
}
