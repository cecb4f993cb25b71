// A salon owner's first start, exactly as the README says: `npm start` on a fresh data dir, `/` in a
// browser, the console link, sign in, today's calendar — never a 503 and no manual build. Then a
// Ctrl-C to the whole process group, as a terminal sends it: a quiet, quick stop.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, chromiumAvailable, launchChromium } from "../apps/desktop/test/harness.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { root } from "./start-support.ts";

const shots = join(root, "test-results", "first-hour");
const canRun = chromiumAvailable();

describe.skipIf(!canRun)("npm start, the first hour", () => {
  let dataDir: string;
  let proc: ChildProcess;
  let out = "";
  let url = "";
  let pgPort = 0;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cita-first-"));
    await chmod(dataDir, 0o755); // as root, embedded PostgreSQL runs as postgres and must pass through
    const port = await freePort();
    pgPort = await freePort();
    proc = spawn("npm", ["start"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        CITA_DATA_DIR: join(dataDir, "data"),
        PORT: String(port),
        EMBEDDED_PG_PORT: String(pgPort),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, like a terminal's foreground job
    });
    proc.stdout?.on("data", (d) => (out += d));
    proc.stderr?.on("data", (d) => (out += d));
    const deadline = Date.now() + 240_000;
    while (!/Open (http:\/\/\S+)\//.test(out)) {
      if (proc.exitCode !== null) throw new Error(`npm start exited ${proc.exitCode}: ${out}`);
      if (Date.now() > deadline) throw new Error(`not ready in 240 s: ${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    url = out.match(/Open (http:\/\/\S+)\//)![1]!;
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    try {
      if (proc && proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("opens /, follows the console link, signs in and sees today's calendar — no 503 on the way", async () => {
    for (const locale of ["es-ES", "en-GB"]) {
      const context = await browser.newContext({ locale, viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const failures: string[] = [];
      page.on("response", (r) => {
        if (r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(`${url}/`);
      const consoleLink = page.getByRole("link", {
        name: locale === "es-ES" ? "Consola de recepción" : "Front-desk console",
      });
      await consoleLink.waitFor();
      await page.screenshot({ path: join(shots, `home-${locale}.png`) });
      if (locale === "es-ES") {
        await consoleLink.click();
        await page.getByLabel("Correo electrónico").fill("desk@cita.demo");
        await page.getByLabel("Contraseña").fill("cita-desk-demo");
        await page.getByRole("button", { name: "Entrar" }).click();
        await page.locator('[data-testid="calendar"][data-view="day"]').waitFor({ timeout: 20_000 });
        await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 20_000 });
        await page.screenshot({ path: join(shots, "console-today.png") });
        // The demo's WhatsApp chats: two customers waiting for a person, first in the inbox.
        await page.goto(`${url}/console/#/chats`);
        await expect.poll(() => page.getByTestId("nav-waiting").textContent(), { timeout: 15_000 }).toBe("2");
        await page.locator('[data-testid="inbox-row"][data-waiting="true"]').first().click();
        await page.getByTestId("conv-escalation").waitFor({ timeout: 15_000 });
        await page.screenshot({ path: join(shots, "console-chats.png") });
        // The sandbox calendar: Laura's own appointment, imported by Cita as busy time.
        await page.goto(`${url}/sandbox/calendar`);
        const laura = page.locator("section.stylist", { hasText: "Laura" });
        await expect.poll(() => laura.textContent(), { timeout: 15_000 }).toContain("Dentista");
        expect(await laura.textContent()).not.toContain("Importado en Cita (bloquea la disponibilidad): nada");
        await page.screenshot({ path: join(shots, "sandbox-calendar.png"), fullPage: true });
      }
      expect(failures).toEqual([]);
      await context.close();
    }
  }, 120_000);

  it("stops on Ctrl-C within 10 s, in at most two quiet lines, and stops its PostgreSQL", async () => {
    const before = out.length;
    // npm itself may end by the signal (a shell shows that as status 130) or exit 130.
    const exited = new Promise<number | null>((resolve) =>
      proc.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : null))),
    );
    const at = Date.now();
    process.kill(-proc.pid!, "SIGINT");
    const code = await exited;
    expect(Date.now() - at).toBeLessThan(10_000);
    expect([0, 130]).toContain(code);
    // Let the last output drain (the group's processes write as they exit).
    await new Promise((r) => setTimeout(r, 300));
    const after = out
      .slice(before)
      .split("\n")
      .filter((l) => l.trim());
    expect(after.length, after.join("\n")).toBeLessThanOrEqual(2);
    for (const line of after) expect(line).not.toMatch(/error|failed|ELIFECYCLE/i);
    const postgres = execFileSync("ps", ["-eo", "args"])
      .toString()
      .split("\n")
      .filter((l) => l.includes(`-p ${pgPort}`) || l.includes(`port=${pgPort}`));
    expect(postgres).toEqual([]);
  }, 30_000);
});
