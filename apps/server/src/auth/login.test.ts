import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { verifyAccessToken } from "./access-token.ts";
import { changePassword, INVALID_CREDENTIALS, login } from "./login.ts";
import { LOGIN_LIMITS } from "./rate-limit.ts";
import type { AuthDeps } from "./sessions.ts";
import { createTestLocation, createTestStaff, type TestStaff } from "./test-fixtures.ts";

let t: TestDatabase;
let locationId: string;
let desk: TestStaff;

beforeAll(async () => {
  t = await createTestDatabase();
  locationId = (await createTestLocation(t.db)).id;
  desk = await createTestStaff(t.db, locationId, "front_desk", { email: "desk@salon.test" });
});
afterAll(() => t.drop());

let ipSeq = 0;
/** A fresh client address per test, so address counters never leak between tests. */
const freshClient = () => ({ ip: `203.0.113.${++ipSeq}`, userAgent: "vitest" });

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

async function trpcErrorOf(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe("auth.login", () => {
  it("signs in with the right password and returns a 15-minute access token for a new session", async () => {
    const services = testServices(t, testClock());
    const anon = callerFor(services, null);
    const out = await anon.auth.login({ email: "  DESK@salon.test ", password: desk.password });
    expect(out.staff).toMatchObject({ id: desk.id, role: "front_desk", locationId });
    const claims = verifyAccessToken(out.accessToken, services.authSecret, services.clock());
    expect(claims).toMatchObject({ sub: desk.id, role: "front_desk", loc: locationId, sid: out.sessionId });
    expect(claims!.exp - claims!.iat).toBe(15 * 60);
    expect(new Date(out.accessTokenExpiresAt).getTime() - services.clock().getTime()).toBe(15 * 60_000);
    expect(new Date(out.refreshTokenExpiresAt).getTime() - services.clock().getTime()).toBe(7 * 24 * 3600_000);
    expect(out.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const session = await t.db.staffSession.findUniqueOrThrow({ where: { id: out.sessionId } });
    expect(session.staffId).toBe(desk.id);
    // Only the SHA-256 of the refresh token is stored.
    expect(Buffer.from(session.refreshTokenHash).toString("hex")).not.toContain(
      Buffer.from(out.refreshToken).toString("hex"),
    );
    expect(session.refreshTokenHash.length).toBe(32);
    expect(session.ipAddress).toBe("127.0.0.1");
    const audit = await t.db.auditLog.findFirst({ where: { action: "auth.login", entityId: desk.id } });
    expect(audit).toMatchObject({ actorType: "staff", actorId: desk.id });
  });

  it("gives the same error for a wrong password, an unknown e-mail and a staff member without a password", async () => {
    const noPassword = await createTestStaff(t.db, locationId, "stylist", { password: null });
    const anon = callerFor(testServices(t, testClock()), null);
    const wrong = await trpcErrorOf(anon.auth.login({ email: desk.email, password: "not-the-password" }));
    const unknown = await trpcErrorOf(anon.auth.login({ email: "nobody@salon.test", password: "not-the-password" }));
    const unset = await trpcErrorOf(anon.auth.login({ email: noPassword.email, password: "not-the-password" }));
    for (const e of [wrong, unknown, unset]) {
      expect(e.code).toBe("UNAUTHORIZED");
      expect(e.message).toBe(INVALID_CREDENTIALS);
    }
  });

  it("takes about as long for an unknown e-mail as for a wrong password (dummy argon2 verify)", async () => {
    const deps: AuthDeps = testServices(t, testClock());
    const time = async (email: string) => {
      const client = freshClient(); // never rate limited: one attempt per address…
      const start = performance.now();
      await errorOf(login(deps, { email, password: "wrong-password-123" }, client));
      return performance.now() - start;
    };
    await time("warm-up@salon.test"); // first miss builds the dummy hash once
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Alternate the order so warm-up and GC pauses hit both sides alike.
      const ghost = `ghost-${i}@salon.test`; // …and one per unknown account
      if (i % 2) {
        known.push(await time(desk.email));
        unknown.push(await time(ghost));
      } else {
        unknown.push(await time(ghost));
        known.push(await time(desk.email));
      }
      // Keep desk.email under its account limit (the limiter is tested below).
      await t.db.loginThrottle.deleteMany({ where: { key: `account:${desk.email}` } });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const k = median(known);
    const u = median(unknown);
    console.info(`login timing: wrong password median ${k.toFixed(1)} ms, unknown e-mail median ${u.toFixed(1)} ms`);
    // Without the dummy verify an unknown e-mail answers in ~1 ms against ~20–60 ms; allow for CI noise.
    expect(u / k).toBeGreaterThan(0.4);
    expect(u / k).toBeLessThan(2.5);
  });

  it("refuses a disabled staff member even with the right password, and a staff member who left", async () => {
    const gone = await createTestStaff(t.db, locationId, "stylist");
    const left = await createTestStaff(t.db, locationId, "stylist");
    await t.db.staffMember.update({ where: { id: gone.id }, data: { disabledAt: new Date() } });
    await t.db.staffMember.update({ where: { id: left.id }, data: { active: false } });
    const deps = testServices(t, testClock());
    for (const s of [gone, left]) {
      const e = await errorOf(login(deps, { email: s.email, password: s.password }, freshClient()));
      expect(e.code).toBe("UNAUTHENTICATED");
      expect(await t.db.staffSession.count({ where: { staffId: s.id } })).toBe(0);
    }
  });
});

describe("login rate limits (kept in PostgreSQL)", () => {
  it(`blocks an account after ${LOGIN_LIMITS.account.max} failures in 15 minutes, from any address, and resets after the window`, async () => {
    const victim = await createTestStaff(t.db, locationId, "manager");
    const clock = testClock();
    const deps = testServices(t, clock);
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) {
      const e = await errorOf(login(deps, { email: victim.email, password: `guess-${i}-xxxx` }, freshClient()));
      expect(e.code).toBe("UNAUTHENTICATED");
      clock.advance(60_000);
    }
    // Now even the right password, from a new address, is refused.
    const blocked = await errorOf(login(deps, { email: victim.email, password: victim.password }, freshClient()));
    expect(blocked.code).toBe("RATE_LIMITED");
    expect(blocked.details?.retryAfterSeconds).toBe(15 * 60 - 5 * 60);
    // An unknown e-mail is limited exactly the same way (no account enumeration through the limiter).
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) {
      await errorOf(login(deps, { email: "ghost@salon.test", password: `guess-${i}-xxxx` }, freshClient()));
    }
    expect((await errorOf(login(deps, { email: "ghost@salon.test", password: "x" }, freshClient()))).code).toBe(
      "RATE_LIMITED",
    );

    clock.advance(10 * 60_000); // the window (from the first failure) is over
    const ok = await login(deps, { email: victim.email, password: victim.password }, freshClient());
    expect(ok.staff.id).toBe(victim.id);
  });

  it("a successful login clears the account's failures", async () => {
    const s = await createTestStaff(t.db, locationId, "stylist");
    const deps = testServices(t, testClock());
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < LOGIN_LIMITS.account.max - 1; i++) {
        await errorOf(login(deps, { email: s.email, password: `guess-${i}-xxxx` }, freshClient()));
      }
      await login(deps, { email: s.email, password: s.password }, freshClient());
    }
  });

  it(`blocks an address after ${LOGIN_LIMITS.ip.max} failures across accounts, and resets after the window`, async () => {
    const target = await createTestStaff(t.db, locationId, "stylist");
    const clock = testClock();
    const deps = testServices(t, clock);
    const client = freshClient();
    for (let i = 0; i < LOGIN_LIMITS.ip.max; i++) {
      // Password spraying: every attempt a different account, so no account limit is reached.
      const e = await errorOf(login(deps, { email: `spray-${i}@salon.test`, password: "Summer2026!" }, client));
      expect(e.code).toBe("UNAUTHENTICATED");
    }
    const blocked = await errorOf(login(deps, { email: target.email, password: target.password }, client));
    expect(blocked.code).toBe("RATE_LIMITED");
    // The blocked address did not use up the target account's budget: other addresses still get in.
    expect((await login(deps, { email: target.email, password: target.password }, freshClient())).staff.id).toBe(
      target.id,
    );

    clock.advance(LOGIN_LIMITS.ip.windowMs);
    expect((await login(deps, { email: target.email, password: target.password }, client)).staff.id).toBe(target.id);
  });

  it("is shared by server instances: the counter lives in the login_throttle table", async () => {
    const s = await createTestStaff(t.db, locationId, "stylist");
    const clock = testClock();
    const a = testServices(t, clock);
    const b = testServices(t, clock); // a second "instance": same database, own services
    const client = freshClient();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        errorOf(login(i % 2 ? a : b, { email: s.email, password: `guess-${i}-xxxx` }, client)),
      ),
    );
    const row = await t.db.loginThrottle.findUniqueOrThrow({ where: { key: `account:${s.email}` } });
    expect(row.failures).toBe(8); // every concurrent attempt was counted
    const codes = await Promise.all(
      [a, b].map(async (deps) => (await errorOf(login(deps, { email: s.email, password: s.password }, client))).code),
    );
    expect(codes).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
  });
});

describe("auth.changePassword", () => {
  it("needs the current password, applies the policy, and keeps only the current session", async () => {
    const s = await createTestStaff(t.db, locationId, "stylist");
    const deps = testServices(t, testClock());
    const here = await login(deps, { email: s.email, password: s.password }, freshClient());
    const other = await login(deps, { email: s.email, password: s.password }, freshClient());
    const me = callerFor(testServices(t, testClock()), {
      staffId: s.id,
      role: "stylist",
      locationId,
      sessionId: here.sessionId,
    });

    const wrong = await trpcErrorOf(
      me.auth.changePassword({ currentPassword: "nope-nope", newPassword: "a-long-new-pass" }),
    );
    expect(wrong.code).toBe("BAD_REQUEST");
    const common = await trpcErrorOf(
      me.auth.changePassword({ currentPassword: s.password, newPassword: "password123" }),
    );
    expect(common.message).toMatch(/too common/);
    const short = await trpcErrorOf(me.auth.changePassword({ currentPassword: s.password, newPassword: "short" }));
    expect(short.message).toMatch(/8 to 128/);
    // No composition rules: a long lower-case passphrase is fine.
    const out = await me.auth.changePassword({ currentPassword: s.password, newPassword: "tijeras y peines azules" });
    expect(out.endedSessions).toBe(1);

    expect((await me.auth.me()).staff.id).toBe(s.id);
    const otherCaller = callerFor(testServices(t, testClock()), {
      staffId: s.id,
      role: "stylist",
      locationId,
      sessionId: other.sessionId,
    });
    expect((await trpcErrorOf(otherCaller.auth.me())).code).toBe("UNAUTHORIZED");
    expect((await errorOf(login(deps, { email: s.email, password: s.password }, freshClient()))).code).toBe(
      "UNAUTHENTICATED",
    );
    await login(deps, { email: s.email, password: "tijeras y peines azules" }, freshClient());
    expect(await t.db.auditLog.count({ where: { action: "auth.password_changed", entityId: s.id } })).toBe(1);
  });

  it("counts wrong current passwords against the account's sign-in limit", async () => {
    const s = await createTestStaff(t.db, locationId, "stylist");
    const deps = testServices(t, testClock());
    const session = await login(deps, { email: s.email, password: s.password }, freshClient());
    const claims = verifyAccessToken(session.accessToken, deps.authSecret, deps.clock())!;
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) {
      const e = await errorOf(
        changePassword(
          deps,
          claims,
          { currentPassword: `guess-${i}-xx`, newPassword: "whatever-new-1" },
          freshClient(),
        ),
      );
      expect(e.code).toBe("BAD_INPUT");
    }
    const e = await errorOf(
      changePassword(deps, claims, { currentPassword: s.password, newPassword: "whatever-new-1" }, freshClient()),
    );
    expect(e.code).toBe("RATE_LIMITED");
  });
});
