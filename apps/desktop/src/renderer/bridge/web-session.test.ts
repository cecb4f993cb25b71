import { describe, expect, it } from "vitest";
import { Session } from "../session.ts";
import { cookieKeeper, isWebAuthFailure, SIGNED_OUT_KEY } from "./web-session.ts";

/** A fake server with the cookie jar a browser keeps: the page's code never sees the jar. */
function harness() {
  let jar: string | null = null;
  let n = 0;
  let offline = false;
  const valid = new Set<string>();
  const calls: string[] = [];
  const storage = new Map<string, string>();
  const grant = () => {
    n++;
    jar = `r${n}`;
    valid.add(jar);
    return {
      accessToken: `access-${n}`,
      accessTokenExpiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      staff: {
        id: "s1",
        displayName: "Lucía",
        email: "desk@cita.demo",
        role: "front_desk",
        locationId: "l1",
        language: "es",
      },
    };
  };
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const fetch = (async (url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    calls.push(`${init.method} ${new URL(url).pathname}`);
    if (offline) throw new TypeError("Failed to fetch");
    if (headers["x-cita-refresh"] !== "1") return json(403, { code: "FORBIDDEN" });
    if (url.endsWith("/auth/web/login")) {
      const body = JSON.parse(String(init.body));
      return body.password === "right" ? json(200, grant()) : json(401, { code: "UNAUTHENTICATED", message: "Wrong" });
    }
    if (init.method === "DELETE") {
      if (jar) valid.delete(jar);
      jar = null;
      return json(200, { endedSessions: 1 });
    }
    if (!jar) return json(401, { code: "NO_SESSION", message: "Not signed in" });
    if (!valid.delete(jar)) {
      jar = null;
      return json(401, { code: "UNAUTHENTICATED", message: "Ended" });
    }
    return json(200, grant());
  }) as unknown as typeof globalThis.fetch;
  const keeper = cookieKeeper("http://salon.test/", {
    fetch,
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    },
  });
  const session = () =>
    new Session({
      keeper,
      isAuthFailure: isWebAuthFailure,
      now: Date.now,
      setTimer: () => null,
      clearTimer: () => {},
    });
  return {
    keeper,
    session,
    calls,
    storage,
    valid,
    jar: () => jar,
    setOffline: (v: boolean) => {
      offline = v;
    },
  };
}

describe("the browser's cookie session keeper", () => {
  it("signs in, and a new page (a reload) resumes through the cookie", async () => {
    const h = harness();
    const first = h.session();
    await first.signIn("desk@cita.demo", "right", false);
    expect(await first.accessToken()).toBe("access-1");
    const reloaded = h.session();
    expect(await reloaded.restore()).toMatchObject({ status: "signed-in" });
    expect(await reloaded.accessToken()).toBe("access-2");
    expect(h.calls).toEqual(["POST /auth/web/login", "POST /auth/web/session"]);
  });

  it("starts signed out, without a message, when there is no cookie", async () => {
    const h = harness();
    expect(await h.session().restore()).toEqual({ status: "signed-out", reason: "none" });
  });

  it("says the session expired when the server refuses the cookie", async () => {
    const h = harness();
    await h.session().signIn("desk@cita.demo", "right", true);
    h.valid.clear();
    expect(await h.session().restore()).toEqual({ status: "signed-out", reason: "expired" });
  });

  it("signs out at the server; offline, it does so at the next start before resuming anything", async () => {
    const h = harness();
    const s = h.session();
    await s.signIn("desk@cita.demo", "right", true);
    await s.signOut();
    expect(h.jar()).toBeNull();
    expect(h.storage.has(SIGNED_OUT_KEY)).toBe(false);

    const t = h.session();
    await t.signIn("desk@cita.demo", "right", true);
    h.setOffline(true);
    await t.signOut();
    expect(t.state).toEqual({ status: "signed-out", reason: "signed-out" });
    expect(h.storage.get(SIGNED_OUT_KEY)).toBe("1"); // no token, just "end it when you can"
    h.setOffline(false);
    expect(await h.session().restore()).toEqual({ status: "signed-out", reason: "none" });
    expect(h.calls.at(-1)).toBe("DELETE /auth/web/session");
    expect(h.jar()).toBeNull();
    expect(h.storage.has(SIGNED_OUT_KEY)).toBe(false);
  });

  it("reports a wrong password with the server's message", async () => {
    const h = harness();
    await expect(h.session().signIn("desk@cita.demo", "wrong", false)).rejects.toThrow("Wrong");
  });
});
