import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestLocation, createTestStaff, type TestStaff } from "../auth/test-fixtures.ts";
import { loadConfig } from "../config/env.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { buildServer } from "./server.ts";
import { REFRESH_COOKIE, readRefreshCookie, WEB_LOGIN_PATH, WEB_SESSION_PATH } from "./web-session.ts";

let t: TestDatabase;
let app: FastifyInstance;
let proxied: FastifyInstance;
let staff: TestStaff;
const services = () => ({
  db: t.db,
  fc: t.fc,
  log: createLogger("silent"),
  authSecret: "test-secret-test-secret-test-secret",
  clock: () => new Date(),
});

beforeAll(async () => {
  t = await createTestDatabase();
  app = await buildServer({ ...services(), config: loadConfig({ CITA_ENV: "test" }) });
  proxied = await buildServer({ ...services(), config: loadConfig({ CITA_ENV: "test", TRUST_PROXY: "1" }) });
  const loc = await createTestLocation(t.db);
  staff = await createTestStaff(t.db, loc.id, "front_desk");
});
afterAll(async () => {
  await app?.close();
  await proxied?.close();
  await t?.drop();
});

const H = { "x-cita-refresh": "1", "sec-fetch-site": "same-origin" };

/** The refresh cookie a response sets: its value and attributes. */
function setCookie(r: { headers: Record<string, unknown> }) {
  const raw = r.headers["set-cookie"];
  const line = String(Array.isArray(raw) ? raw[0] : raw);
  const [pair, ...attrs] = line.split("; ");
  return { value: pair!.slice(REFRESH_COOKIE.length + 1), attrs, line };
}

async function signIn(server = app, persist = false, headers: Record<string, string> = {}) {
  return server.inject({
    method: "POST",
    url: WEB_LOGIN_PATH,
    headers: { ...H, "content-type": "application/json", ...headers },
    payload: JSON.stringify({ email: staff.email, password: staff.password, persist }),
  });
}

describe("the browser console's cookie session", () => {
  it("signs in: an httpOnly, SameSite=Strict cookie scoped to the refresh route; no refresh token in the body", async () => {
    const r = await signIn();
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(["accessToken", "accessTokenExpiresAt", "staff"]);
    const c = setCookie(r);
    expect(c.attrs).toEqual(expect.arrayContaining([`Path=${WEB_SESSION_PATH}`, "HttpOnly", "SameSite=Strict"]));
    expect(c.attrs.some((a) => a.startsWith("Max-Age"))).toBe(false); // not "keep me signed in": a browser-session cookie
    expect(c.attrs).not.toContain("Secure"); // plain http
    expect(r.body).not.toContain(readRefreshCookie(`${REFRESH_COOKIE}=${c.value}`)!.token);
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("keeps the cookie for the token's lifetime when asked, and marks it Secure behind an https proxy", async () => {
    const r = await signIn(proxied, true, { "x-forwarded-proto": "https" });
    const c = setCookie(r);
    expect(c.attrs).toContain("Secure");
    expect(c.attrs).toContain(`Max-Age=${7 * 24 * 3600}`);
    // Without a trusted proxy the same header is ignored.
    expect(setCookie(await signIn(app, true, { "x-forwarded-proto": "https" })).attrs).not.toContain("Secure");
  });

  it("refreshes with the cookie (rotating it), and refuses a replayed one", async () => {
    const first = setCookie(await signIn()).value;
    const r = await app.inject({
      method: "POST",
      url: WEB_SESSION_PATH,
      headers: { ...H, cookie: `${REFRESH_COOKIE}=${first}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().staff.email).toBe(staff.email);
    const second = setCookie(r).value;
    expect(second).not.toBe(first);
    expect(second.startsWith("s.")).toBe(true); // the browser-session kind is kept
    const replay = await app.inject({
      method: "POST",
      url: WEB_SESSION_PATH,
      headers: { ...H, cookie: `${REFRESH_COOKIE}=${first}` },
    });
    expect(replay.statusCode).toBe(401);
    expect(setCookie(replay).attrs).toContain("Max-Age=0"); // cleared
  });

  it("answers NO_SESSION without a cookie", async () => {
    const r = await app.inject({ method: "POST", url: WEB_SESSION_PATH, headers: H });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe("NO_SESSION");
  });

  it("refuses requests without the custom header or from another site", async () => {
    const cookie = `${REFRESH_COOKIE}=${setCookie(await signIn()).value}`;
    const noHeader = await app.inject({ method: "POST", url: WEB_SESSION_PATH, headers: { cookie } });
    expect(noHeader.statusCode).toBe(403);
    const crossSite = await app.inject({
      method: "POST",
      url: WEB_SESSION_PATH,
      headers: { ...H, "sec-fetch-site": "cross-site", cookie },
    });
    expect(crossSite.statusCode).toBe(403);
    const form = await app.inject({
      method: "POST",
      url: WEB_LOGIN_PATH,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `email=${encodeURIComponent(staff.email)}&password=${encodeURIComponent(staff.password)}`,
    });
    expect(form.statusCode).toBeGreaterThanOrEqual(400);
    expect(form.headers["set-cookie"]).toBeUndefined();
  });

  it("reports a wrong password like tRPC does", async () => {
    const r = await app.inject({
      method: "POST",
      url: WEB_LOGIN_PATH,
      headers: { ...H, "content-type": "application/json" },
      payload: JSON.stringify({ email: staff.email, password: "wrong-password" }),
    });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: "UNAUTHENTICATED", message: "Email or password is incorrect" });
    expect(r.headers["set-cookie"]).toBeUndefined();
  });

  it("signs out: the sign-in is revoked and the cookie cleared", async () => {
    const signedIn = await signIn();
    const access = signedIn.json().accessToken as string;
    const cookie = `${REFRESH_COOKIE}=${setCookie(signedIn).value}`;
    const r = await app.inject({ method: "DELETE", url: WEB_SESSION_PATH, headers: { ...H, cookie } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ endedSessions: 1 });
    expect(setCookie(r).attrs).toEqual(expect.arrayContaining(["Max-Age=0", `Path=${WEB_SESSION_PATH}`]));
    const again = await app.inject({ method: "POST", url: WEB_SESSION_PATH, headers: { ...H, cookie } });
    expect(again.statusCode).toBe(401);
    // The access token of the ended sign-in is refused too.
    const me = await app.inject({ url: "/trpc/auth.me", headers: { authorization: `Bearer ${access}` } });
    expect(me.statusCode).toBe(401);
  });
});
