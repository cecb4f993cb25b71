// Every procedure × every role, generically: new procedures are covered the moment they are added
// to appRouter. Each must declare `public: true` or a permission; non-public ones must refuse an
// anonymous caller (UNAUTHORIZED) and every role the permission table leaves out (FORBIDDEN), and
// must let every role it names past authorization (any outcome but FORBIDDEN/UNAUTHORIZED).
import { type AnyTRPCRouter, TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PERMISSIONS, type Permission, roleHas } from "../auth/permissions.ts";
import { issueSession, SESSION_STAFF_SELECT, type SessionStaff } from "../auth/sessions.ts";
import { createTestLocation, createTestStaff } from "../auth/test-fixtures.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { AppContext, AppServices } from "./context.ts";
import { baseProcedure, createCallerFactory, type ProcedureMeta, router } from "./init.ts";
import { procedureFor, publicProcedure } from "./procedures.ts";
import { appRouter } from "./router.ts";

const ROLES: readonly StaffRole[] = ["owner", "manager", "front_desk", "stylist"];
/** The same dummy input for every procedure: authorization must be decided before input matters. */
const DUMMY_INPUT = {};

interface ProcInfo {
  path: string;
  type: "query" | "mutation" | "subscription";
  meta: ProcedureMeta | undefined;
}

async function listProcedures(r: AnyTRPCRouter): Promise<ProcInfo[]> {
  // Lazy sub-routers register their procedures only once loaded.
  while (Object.keys(r._def.lazy).length > 0) {
    for (const loader of Object.values(r._def.lazy)) await loader.load();
  }
  return Object.entries(r._def.procedures as Record<string, { _def: Omit<ProcInfo, "path"> }>).map(([path, p]) => ({
    path,
    type: p._def.type,
    meta: p._def.meta,
  }));
}

function metaProblem(p: ProcInfo): string | null {
  const { meta } = p;
  if (meta?.public === true && meta.permission === undefined) return null;
  if (meta?.permission !== undefined && meta.public !== true) {
    return meta.permission in PERMISSIONS ? null : `unknown permission "${meta.permission}"`;
  }
  return `meta must have either public: true or a permission, got ${JSON.stringify(meta ?? null)}`;
}

type Caller = unknown;
type Identity = { staffId: string; role: StaffRole; locationId: string; sessionId: string };

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}

/** Calls `path` on a caller proxy and reports "OK" or the tRPC error code. */
async function outcome(caller: Caller, p: ProcInfo): Promise<string> {
  let fn: unknown = caller;
  for (const part of p.path.split(".")) fn = (fn as Record<string, unknown>)[part];
  try {
    const result = await (fn as (input: unknown) => Promise<unknown>)(DUMMY_INPUT);
    // A subscription resolves to an async iterable once its middlewares passed; an error could still
    // surface on the first read, so read once (briefly) and close it.
    if (isAsyncIterable(result)) {
      const it = result[Symbol.asyncIterator]();
      try {
        await Promise.race([it.next(), new Promise((r) => setTimeout(r, 200))]);
      } finally {
        void it.return?.(undefined)?.catch(() => {});
      }
    }
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `non-tRPC error: ${String(e)}`;
  }
}

interface MatrixEnv {
  callerAs: (id: Identity | null) => Caller;
  /** A fresh, live session per call, so a procedure that ends sessions cannot affect the next call. */
  identity: (role: StaffRole) => Promise<Identity>;
}

/** Returns every violation found, as readable lines (empty = the router is sound). */
async function checkRouter(r: AnyTRPCRouter, env: MatrixEnv): Promise<string[]> {
  const violations: string[] = [];
  for (const p of await listProcedures(r)) {
    const problem = metaProblem(p);
    if (problem) {
      violations.push(`${p.path}: ${problem}`);
      continue;
    }
    if (p.meta?.public) continue;
    const permission = p.meta!.permission as Permission;

    const anon = await outcome(env.callerAs(null), p);
    if (anon !== "UNAUTHORIZED") violations.push(`${p.path}: anonymous got ${anon}, expected UNAUTHORIZED`);

    for (const role of ROLES) {
      const allowed = roleHas(role, permission);
      // Subscriptions of allowed roles would start streaming: only their meta and refusals are checked.
      if (allowed && p.type === "subscription") continue;
      const got = await outcome(env.callerAs(await env.identity(role)), p);
      if (!allowed && got !== "FORBIDDEN") {
        violations.push(`${p.path}: ${role} lacks "${permission}" but got ${got}, expected FORBIDDEN`);
      }
      if (allowed && (got === "FORBIDDEN" || got === "UNAUTHORIZED")) {
        violations.push(`${p.path}: ${role} has "${permission}" but got ${got}`);
      }
    }
  }
  return violations;
}

let t: TestDatabase;
let services: AppServices;
let env: MatrixEnv;

beforeAll(async () => {
  t = await createTestDatabase();
  services = testServices(t, testClock());
  const locationId = (await createTestLocation(t.db)).id;
  const staff = new Map<StaffRole, SessionStaff>();
  for (const role of ROLES) {
    const s = await createTestStaff(t.db, locationId, role, { password: null });
    staff.set(role, await t.db.staffMember.findUniqueOrThrow({ where: { id: s.id }, select: SESSION_STAFF_SELECT }));
  }
  env = {
    callerAs: (id) => callerFor(services, id),
    identity: async (role) => {
      const s = staff.get(role)!;
      const issued = await issueSession(t.db, services, services.clock(), s, { ip: "127.0.0.1", userAgent: "matrix" });
      return { staffId: s.id, role, locationId: s.locationId, sessionId: issued.sessionId };
    },
  };
});
afterAll(() => t.drop());

describe("permission matrix", () => {
  it("every appRouter procedure declares its access and enforces it for each role", async () => {
    const procs = await listProcedures(appRouter);
    // The walk really sees the router (a broken walk would pass vacuously).
    expect(procs.map((p) => p.path)).toEqual(
      expect.arrayContaining(["system.ping", "auth.login", "auth.refresh", "auth.me", "auth.endSessions"]),
    );
    expect(procs.find((p) => p.path === "auth.setStaffDisabled")?.meta).toEqual({ permission: "staff.manage" });
    expect(await checkRouter(appRouter, env)).toEqual([]);
  });

  it("catches a procedure without meta, one whose middleware is missing, and handles subscriptions", async () => {
    const probe = router({
      open: publicProcedure.query(() => "hi"),
      checked: procedureFor("audit.read")
        .input(z.object({ id: z.uuid() }))
        .mutation(() => 1),
      feed: procedureFor("audit.read").subscription(async function* () {
        yield 1;
      }),
      forgotten: baseProcedure.query(() => 1),
      // Declares a permission but never checks it.
      leaky: baseProcedure.meta({ permission: "audit.read" }).query(() => 1),
    });
    const createProbeCaller = createCallerFactory(probe);
    const probeEnv: MatrixEnv = {
      ...env,
      callerAs: (id) => createProbeCaller(probeContext(id)),
    };
    const violations = await checkRouter(probe, probeEnv);
    expect(violations).toEqual([
      expect.stringMatching(/^forgotten: meta must have either public: true or a permission/),
      "leaky: anonymous got OK, expected UNAUTHORIZED",
      'leaky: front_desk lacks "audit.read" but got OK, expected FORBIDDEN',
      'leaky: stylist lacks "audit.read" but got OK, expected FORBIDDEN',
    ]);
    // The subscription was exercised: refused for anonymous and for a role without the permission.
    const feed = (await listProcedures(probe)).find((p) => p.path === "feed")!;
    expect(await outcome(probeEnv.callerAs(null), feed)).toBe("UNAUTHORIZED");
    expect(await outcome(probeEnv.callerAs(await env.identity("stylist")), feed)).toBe("FORBIDDEN");
    expect(await outcome(probeEnv.callerAs(await env.identity("manager")), feed)).toBe("OK");
  });
});

function probeContext(id: Identity | null): AppContext {
  const now = Math.floor(services.clock().getTime() / 1000);
  return {
    ...services,
    requestId: "matrix",
    ip: "127.0.0.1",
    userAgent: "matrix",
    auth: id
      ? { sub: id.staffId, role: id.role, loc: id.locationId, sid: id.sessionId, iat: now, exp: now + 900 }
      : null,
  };
}
