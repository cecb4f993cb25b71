// The web console's sign-in cannot be read by scripts in the page: the refresh token is only in an
// httpOnly, SameSite=Strict cookie scoped to the refresh route, the access token only in memory. Every
// token the server hands out (seen on the network) is looked for in document.cookie, localStorage,
// sessionStorage and every IndexedDB database; a reload keeps the session; sign-out ends it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonClient,
  type Browser,
  buildRenderer,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { DEMO, newPage, signIn } from "./console-support.ts";

describe.skipIf(!chromiumAvailable())("the web console's session", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it("keeps no token where a script can read it, survives a reload, and ends with sign-out", async () => {
    const { context, page } = await newPage(browser);
    // Every token the server sends: access tokens in bodies, refresh tokens in Set-Cookie.
    const tokens = new Set<string>();
    const setCookies: string[] = [];
    page.on("response", async (res) => {
      if (!new URL(res.url()).pathname.startsWith("/auth/web/")) return;
      const cookie = await res.headerValue("set-cookie");
      if (cookie) {
        setCookies.push(cookie);
        const v = /cita_refresh=[ps]\.([\w-]+)/.exec(cookie)?.[1];
        if (v) tokens.add(v);
      }
      const body = (await res.json().catch(() => null)) as { accessToken?: string } | null;
      if (body?.accessToken) tokens.add(body.accessToken);
    });

    // A wrong password is answered in the console's language, not with the server's English.
    await page.goto(`${server.url}/console/#/day`);
    await page.getByLabel("Correo electrónico").fill(DEMO.manager.email);
    await page.getByLabel("Contraseña").fill("not-the-password");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect
      .poll(() => page.getByTestId("sign-in-error").textContent())
      .toBe("El correo o la contraseña no son correctos.");
    expect(await context.cookies()).toEqual([]);

    await signIn(page, server.url, DEMO.manager);
    expect(tokens.size).toBe(2); // one access token, one refresh token
    expect(setCookies[0]).toMatch(/HttpOnly/);
    expect(setCookies[0]).toMatch(/SameSite=Strict/);
    expect(setCookies[0]).toMatch(/Path=\/auth\/web\/session/);
    // The browser keeps the cookie, for the refresh route only.
    const jar = await context.cookies();
    expect(jar.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ["cita_refresh", true, "Strict", "/auth/web/session"],
    ]);
    // No warning about browser storage any more.
    expect(await page.getByTestId("storage-warning").count()).toBe(0);
    expect(await page.locator("body").textContent()).not.toMatch(/sin cifrar|without encryption/);

    /** Everything a script in the page can read: cookies, both storages, every IndexedDB record. */
    const readable = () =>
      page.evaluate(async () => {
        const out: string[] = [document.cookie];
        for (const s of [localStorage, sessionStorage]) {
          for (let i = 0; i < s.length; i++) out.push(`${s.key(i)}=${s.getItem(s.key(i)!)}`);
        }
        for (const info of await indexedDB.databases()) {
          const db = await new Promise<IDBDatabase>((ok, fail) => {
            const r = indexedDB.open(info.name!);
            r.onsuccess = () => ok(r.result);
            r.onerror = () => fail(r.error);
          });
          for (const name of Array.from(db.objectStoreNames)) {
            const tx = db.transaction(name, "readonly");
            const store = tx.objectStore(name);
            const [keys, values] = await Promise.all(
              [store.getAllKeys(), store.getAll()].map(
                (r) =>
                  new Promise<unknown[]>((ok, fail) => {
                    r.onsuccess = () => ok(r.result as unknown[]);
                    r.onerror = () => fail(r.error);
                  }),
              ),
            );
            out.push(JSON.stringify({ db: info.name, name, keys, values }));
          }
          db.close();
        }
        return out.join("\n");
      });
    // The local replica is written in the background: wait until it has synced, then scan.
    await page.locator('[data-testid="replica-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
    const before = await readable();
    expect(before).toContain("cita-replica"); // the scan did reach the replica's records
    for (const token of tokens) expect(before).not.toContain(token);

    // A reload keeps the session: the page asks the refresh route, and the cookie answers.
    const refreshed = page.waitForResponse(
      (r) => r.url().endsWith("/auth/web/session") && r.request().method() === "POST",
    );
    await page.reload();
    expect((await refreshed).status()).toBe(200);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("sign-in").count()).toBe(0);
    expect(tokens.size).toBe(4); // rotated: a new pair
    const after = await readable();
    for (const token of tokens) expect(after).not.toContain(token);

    // A script cannot use the refresh route either without the header… and another site cannot send it.
    const refused = await page.evaluate(async () => (await fetch("/auth/web/session", { method: "POST" })).status);
    expect(refused).toBe(403);

    // Sign out: the cookie is gone and the sign-in ended; a reload shows the sign-in page.
    const lastRefresh = [...tokens].find((tk) => setCookies.at(-1)?.includes(tk))!;
    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-in").waitFor();
    expect(await context.cookies()).toEqual([]);
    await page.reload();
    await page.getByTestId("sign-in").waitFor();
    expect(await page.getByTestId("sign-in-message").count()).toBe(0);
    // The last refresh token no longer works anywhere.
    await expect(anonClient(server.url).auth.refresh.mutate({ refreshToken: lastRefresh })).rejects.toThrow();
    await context.close();
  }, 120_000);
});
