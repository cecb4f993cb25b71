import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { verifyAccessToken } from "./access-token.ts";
import { hashRefreshToken, REFRESH_TOKEN_TTL_MS } from "./sessions.ts";
import { createTestLocation, createTestStaff, type TestStaff } from "./test-fixtures.ts";

let t: TestDatabase;
let locationId: string;
let stylist: TestStaff;

beforeAll(async () => {
  t = await createTestDatabase();
  locationId = (await createTestLocation(t.db)).id;
  stylist = await createTestStaff(t.db, locationId, "stylist");
});
afterAll(() => t.drop());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
  return "OK";
}

/** A caller acting with the claims inside a real access token. */
function callerWithToken(services: ReturnType<typeof testServices>, accessToken: string) {
  const c = verifyAccessToken(accessToken, services.authSecret, services.clock());
  if (!c) throw new Error("token did not verify");
  return callerFor(services, { staffId: c.sub, role: c.role, locationId: c.loc, sessionId: c.sid });
}

async function signIn(services = testServices(t, testClock()), who: TestStaff = stylist) {
  return callerFor(services, null).auth.login({ email: who.email, password: who.password });
}

describe("refresh tokens", () => {
  it("rotate on every use: the new pair works, in the same family, and the old access token stays valid", async () => {
    const clock = testClock();
    const services = testServices(t, clock);
    const anon = callerFor(services, null);
    const first = await signIn(services);
    clock.advance(10 * 60_000);
    const second = await anon.auth.refresh({ refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).not.toBe(first.sessionId);
    const rows = await t.db.staffSession.findMany({
      where: { id: { in: [first.sessionId, second.sessionId] } },
      orderBy: { createdAt: "asc" },
    });
    expect(rows[0]!.familyId).toBe(rows[1]!.familyId);
    expect(rows[0]!.rotatedAt).toEqual(clock.now);
    expect(rows[1]!.rotatedAt).toBeNull();
    expect(Buffer.from(rows[1]!.refreshTokenHash)).toEqual(Buffer.from(hashRefreshToken(second.refreshToken)));

    expect((await callerWithToken(services, second.accessToken).auth.me()).sessionId).toBe(second.sessionId);
    // An access token minted before the rotation keeps working until it expires.
    expect((await callerWithToken(services, first.accessToken).auth.me()).staff.id).toBe(stylist.id);

    clock.advance(6 * 24 * 3600_000); // still within 7 days of the *latest* refresh
    const third = await anon.auth.refresh({ refreshToken: second.refreshToken });
    expect(third.staff.id).toBe(stylist.id);
  });

  it("reusing a rotated token revokes the whole family: the newest refresh and access tokens stop working", async () => {
    const services = testServices(t, testClock());
    const anon = callerFor(services, null);
    const first = await signIn(services);
    const second = await anon.auth.refresh({ refreshToken: first.refreshToken });
    const third = await anon.auth.refresh({ refreshToken: second.refreshToken });
    const elsewhere = await signIn(services); // another device, another family

    expect(await codeOf(anon.auth.refresh({ refreshToken: first.refreshToken }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.auth.refresh({ refreshToken: third.refreshToken }))).toBe("UNAUTHORIZED");
    expect(await codeOf(callerWithToken(services, third.accessToken).auth.me())).toBe("UNAUTHORIZED");
    const family = await t.db.staffSession.findMany({
      where: { id: { in: [first.sessionId, second.sessionId, third.sessionId] } },
    });
    expect(family.every((r) => r.revokedAt && r.revokeReason === "refresh_token_reuse")).toBe(true);
    const audit = await t.db.auditLog.findFirst({
      where: { action: "auth.refresh_token_reused", entityId: stylist.id },
    });
    expect(audit?.actorType).toBe("system");

    // The other device is untouched.
    expect((await callerWithToken(services, elsewhere.accessToken).auth.me()).sessionId).toBe(elsewhere.sessionId);
    expect((await anon.auth.refresh({ refreshToken: elsewhere.refreshToken })).staff.id).toBe(stylist.id);
  });

  it("two simultaneous uses of one token: one rotates, the other counts as reuse and ends the family", async () => {
    const services = testServices(t, testClock());
    const anon = callerFor(services, null);
    const s = await signIn(services);
    const results = await Promise.allSettled([
      anon.auth.refresh({ refreshToken: s.refreshToken }),
      anon.auth.refresh({ refreshToken: s.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const live = await t.db.staffSession.count({
      where: {
        familyId: (await t.db.staffSession.findUniqueOrThrow({ where: { id: s.sessionId } })).familyId,
        revokedAt: null,
      },
    });
    expect(live).toBe(0);
  });

  it("fails with UNAUTHORIZED when expired, unknown or malformed", async () => {
    const clock = testClock();
    const services = testServices(t, clock);
    const anon = callerFor(services, null);
    const s = await signIn(services);
    expect(await codeOf(anon.auth.refresh({ refreshToken: "not-a-token" }))).toBe("UNAUTHORIZED");
    clock.advance(REFRESH_TOKEN_TTL_MS);
    expect(await codeOf(anon.auth.refresh({ refreshToken: s.refreshToken }))).toBe("UNAUTHORIZED");
  });
});

describe("logout", () => {
  it("auth.logout ends the current family (refresh and access tokens), not other devices", async () => {
    const services = testServices(t, testClock());
    const anon = callerFor(services, null);
    const phone = await signIn(services);
    const rotated = await anon.auth.refresh({ refreshToken: phone.refreshToken });
    const desk = await signIn(services);

    expect(await callerWithToken(services, rotated.accessToken).auth.logout()).toEqual({ endedSessions: 1 });
    expect(await codeOf(callerWithToken(services, rotated.accessToken).auth.me())).toBe("UNAUTHORIZED");
    expect(await codeOf(callerWithToken(services, phone.accessToken).auth.me())).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.auth.refresh({ refreshToken: rotated.refreshToken }))).toBe("UNAUTHORIZED");
    expect((await callerWithToken(services, desk.accessToken).auth.me()).sessionId).toBe(desk.sessionId);
    expect(await t.db.auditLog.count({ where: { action: "auth.logout", entityId: stylist.id } })).toBeGreaterThan(0);
  });

  it("auth.logoutOtherDevices ends every other family and keeps the current one", async () => {
    const other = await createTestStaff(t.db, locationId, "front_desk");
    const services = testServices(t, testClock());
    const anon = callerFor(services, null);
    const a = await signIn(services);
    const b = await signIn(services);
    const c = await signIn(services);
    const colleague = await signIn(services, other);

    const out = await callerWithToken(services, b.accessToken).auth.logoutOtherDevices();
    expect(out.endedSessions).toBeGreaterThanOrEqual(2); // a and c (plus live ones from earlier tests)
    for (const gone of [a, c]) {
      expect(await codeOf(callerWithToken(services, gone.accessToken).auth.me())).toBe("UNAUTHORIZED");
      expect(await codeOf(anon.auth.refresh({ refreshToken: gone.refreshToken }))).toBe("UNAUTHORIZED");
    }
    expect((await callerWithToken(services, b.accessToken).auth.me()).sessionId).toBe(b.sessionId);
    expect((await anon.auth.refresh({ refreshToken: b.refreshToken })).staff.id).toBe(stylist.id);
    // Someone else's sessions are not mine to end.
    expect((await callerWithToken(services, colleague.accessToken).auth.me()).staff.id).toBe(other.id);
    const live = await t.db.staffSession.findMany({ where: { staffId: stylist.id, revokedAt: null, rotatedAt: null } });
    expect(live).toHaveLength(1);
  });

  it("auth.me reports who is signed in on which session", async () => {
    const services = testServices(t, testClock());
    const s = await signIn(services);
    const me = await callerWithToken(services, s.accessToken).auth.me();
    expect(me).toMatchObject({
      sessionId: s.sessionId,
      staff: { id: stylist.id, email: stylist.email, role: "stylist" },
    });
  });
});
