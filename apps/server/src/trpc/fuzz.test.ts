// Router fuzz: every procedure of appRouter, called as each role (owner, manager, front desk,
// stylist) and anonymously, with inputs generated from the procedure's own zod input schema — valid
// shapes with real ids from a seeded demo salon, boundary values, wrong types, control characters,
// huge strings and arrays, extreme dates. Property: no call answers 5xx (a TRPCError with
// INTERNAL_SERVER_ERROR, or anything that is not a TRPCError). Afterwards the salon is still sound:
// no two active segments of a stylist overlap, and changes.sync, bookings.search and reports.get
// answer every role (success where the role may call them, FORBIDDEN where not).
//
// Inputs come from the schema behind each procedure's clearInput (testing/zod-arbitrary.ts derives
// valid, one-field-mutated and wild values from it); every procedure must use clearInput.
//
// Fixed seed; the normal run makes ≥ 20,000 calls (40–110 s on two shared cores). CITA_FUZZ_RUNS
// multiplies the count (`pnpm fuzz` runs it 10× larger); CITA_FUZZ_SEED changes the seed. For
// investigating: CITA_FUZZ_ONLY=bookings.create,chats.note fuzzes only those (no count checked), and
// CITA_FUZZ_VERBOSE=<n> prints the outcomes per procedure and the n most frequent error messages.
import { randomUUID } from "node:crypto";
import { type AnyTRPCProcedure, TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { INPUT_SCHEMA } from "../audit/input.ts";
import { type Permission, roleHas } from "../auth/permissions.ts";
import { issueSession, SESSION_STAFF_SELECT } from "../auth/sessions.ts";
import { ChangeFeed } from "../changes/feed.ts";
import { DEMO_LOGINS, seedDemoSalon } from "../db/seed.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { overlappingActiveSegments } from "../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { type FieldInfo, overTheWire, ZodArbitraries } from "../testing/zod-arbitrary.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import type { AppServices } from "./context.ts";
import type { ProcedureMeta } from "./init.ts";
import { appRouter } from "./router.ts";

const MULTIPLIER = Math.max(1, Number(process.env.CITA_FUZZ_RUNS ?? 1) || 1);
const SEED = Number(process.env.CITA_FUZZ_SEED ?? 20260310);
/** Calls per procedure × identity in the normal run (spread over ROUNDS, so later rounds see new rows). */
const RUNS_PER_PAIR = 62 * MULTIPLIER;
const ROUNDS = 4;
const NOW = "2026-03-10T09:00:00Z";
const TZ = "Europe/Madrid";
const ROLES: readonly StaffRole[] = ["owner", "manager", "front_desk", "stylist"];

let t: TestDatabase;
let services: AppServices;
let feed: ChangeFeed;
let locationId: string;

interface Identity {
  role: StaffRole;
  staffId: string;
  sessionId: string;
}
const identities = new Map<StaffRole, Identity>();

/** Real ids by kind, refreshed every round (new bookings, customers, closures… join in). */
const pools: Record<string, string[]> = {};
const emails: string[] = [];
let skills: { serviceId: string; staffId: string }[] = [];
let maxVersion = 0;

async function refreshPools() {
  const db = t.db;
  const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id);
  pools.booking = await ids(db.booking.findMany({ select: { id: true }, orderBy: { createdAt: "desc" }, take: 200 }));
  pools.customer = await ids(db.customer.findMany({ select: { id: true }, take: 200 }));
  pools.staff = await ids(db.staffMember.findMany({ select: { id: true } }));
  pools.service = await ids(db.service.findMany({ select: { id: true } }));
  pools.conversation = await ids(db.conversation.findMany({ select: { id: true } }));
  pools.closure = await ids(db.locationClosure.findMany({ select: { id: true } }));
  pools.timeOff = await ids(db.staffTimeOff.findMany({ select: { id: true } }));
  pools.override = await ids(db.staffDateOverride.findMany({ select: { id: true } }));
  pools.location = [locationId];
  skills = await db.staffService.findMany({ select: { serviceId: true, staffId: true }, orderBy: { staffId: "asc" } });
  pools.any = Object.values(pools).flat();
  emails.splice(0, emails.length, ...(await db.staffMember.findMany({ select: { email: true } })).map((s) => s.email));
  const v = await db.changeLog.aggregate({ _max: { version: true } });
  maxVersion = Number(v._max.version ?? 0);
}

const pick = (kind: string) =>
  fc.nat().map((i) => {
    const pool = pools[kind]?.length ? pools[kind]! : pools.any!;
    return pool[i % pool.length] ?? "00000000-0000-4000-8000-000000000001";
  });

const UUID_POOL_BY_KEY: Record<string, string> = {
  customerId: "customer",
  survivorId: "customer",
  duplicateId: "customer",
  staffId: "staff",
  serviceId: "service",
  id: "booking",
  bookingId: "booking",
  conversationId: "conversation",
  closureId: "closure",
  timeOffId: "timeOff",
  overrideId: "override",
  locationId: "location",
};

const today = toLocal(new Date(NOW), TZ).date;
const nearDate = fc.integer({ min: -45, max: 75 }).map((d) => addDays(today, d));
/** Quarter hours from 07:00 to 20:00 UTC on days near now: where the salon's bookable times are. */
const nearInstant = fc
  .tuple(fc.integer({ min: -35, max: 65 }), fc.integer({ min: 28, max: 80 }))
  .map(([d, q]) => new Date(Date.parse(`${addDays(today, d)}T00:00:00Z`) + q * 15 * 60_000).toISOString());
const b64 = (s: string) => Buffer.from(s).toString("base64url");

/** A service with a stylist who does it (so a booking or an availability search can get through). */
const skillPair = fc.nat().map((i) => skills[i % Math.max(1, skills.length)] ?? { serviceId: "", staffId: "" });

function hint(f: FieldInfo): fc.Arbitrary<unknown> | undefined {
  if (f.type === "object" && f.keys.length === 2 && f.keys.includes("serviceId") && f.keys.includes("staffId")) {
    return fc.oneof(
      { arbitrary: skillPair, weight: 4 },
      { arbitrary: fc.record({ serviceId: pick("service"), staffId: pick("staff") }), weight: 1 },
    );
  }
  if (f.type === "boolean" && f.key === "allowOutsideHours") return fc.constantFrom(true, true, false);
  if (f.type === "number" && /^(version|expectedVersion|survivor|duplicate)$/.test(f.key))
    return fc.integer({ min: 1, max: 8 });
  if (f.type !== "string") return undefined;
  if (f.format === "uuid") {
    return fc.oneof(
      { arbitrary: pick(UUID_POOL_BY_KEY[f.key] ?? "any"), weight: 12 },
      { arbitrary: fc.uuid(), weight: 1 },
    );
  }
  if (f.format === "datetime") {
    return fc.oneof(
      { arbitrary: nearInstant, weight: 8 },
      {
        arbitrary: fc
          .date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
          .map((d) => d.toISOString()),
        weight: 1,
      },
    );
  }
  if (f.format === "email" || f.key === "email") {
    return fc.oneof(
      fc.nat().map((i) => emails[i % emails.length] ?? "owner@cita.demo"),
      fc.emailAddress().filter((e) => e.length <= 254),
    );
  }
  const p = f.pattern;
  if (p?.test("2026-03-10") || /^(date|fromDate|toDate)$/.test(f.key)) return nearDate;
  if (p?.test("123") && !p.test("12a")) return fc.oneof(fc.nat(maxVersion + 5).map(String), fc.constant("0"));
  switch (f.key) {
    case "timeZone":
      return fc.constantFrom("Europe/Madrid", "Europe/Lisbon", "UTC", "America/New_York", "Etc/GMT+12", "Mars/Olympus");
    case "query":
      return fc.constantFrom("Ana", "ana", "corte", "Corte de pelo", "+34600000001", "600", "tinte", "mar", "ñ", "Ó");
    case "phone":
      return fc.integer({ min: 600_000_000, max: 699_999_999 }).map((n) => `+34${n}`);
    case "password":
    case "currentPassword":
      return fc.oneof(
        fc.constantFrom(...DEMO_LOGINS.map((l) => l.password)),
        fc.string({ minLength: 1, maxLength: 20 }),
      );
    case "newPassword":
      return fc.string({ minLength: 1, maxLength: 40 });
    case "idempotencyKey":
      return fc.nat(40).map((n) => `fuzz-key-${n}`);
    case "language":
      return fc.constantFrom("es", "en");
    case "cursor":
      return fc.oneof(fc.string({ maxLength: 30 }), fc.nat(maxVersion + 5).map(String));
    default:
      return undefined;
  }
}

function hostileHint(f: FieldInfo): fc.Arbitrary<unknown> | undefined {
  if (f.type !== "string") return undefined;
  if (f.key === "cursor" || f.key === "lastEventId") {
    return fc.constantFrom(
      b64(`99999999999999999999|${randomUUIDFor(1)}`),
      b64(`-8640000000000001|${randomUUIDFor(2)}`),
      b64("1|not-a-uuid"),
      b64("1|\u0000"),
      b64("NaN|x"),
      b64("1e400|x"),
      "9999999999999999999",
      "-1",
      "=",
    );
  }
  if (f.key === "timeZone") return fc.constantFrom("Europe/Madrid\u0000", "../../etc/passwd", "+99:00", "Z");
  return undefined;
}

function randomUUIDFor(n: number) {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

const arbs = new ZodArbitraries({ hint, hostileHint });

interface Proc {
  path: string;
  type: "query" | "mutation" | "subscription";
  meta: ProcedureMeta | undefined;
  /** Its input (if any) is wrapped in clearInput. */
  clearInput: boolean;
  input: fc.Arbitrary<unknown>;
}

function inputSchema(p: AnyTRPCProcedure): { schema: z.ZodType; clear: boolean } | null {
  const parsers = (p._def as { inputs?: unknown[] }).inputs ?? [];
  if (!parsers.length) return null;
  // Every input goes through clearInput (audit/input.ts), so a bad field answers BAD_REQUEST naming
  // it; a bare zod schema is still fuzzed, and reported.
  const parser = parsers[0] as Record<symbol, unknown>;
  const wrapped = parser[INPUT_SCHEMA] as z.ZodType | undefined;
  if (wrapped?._zod) return { schema: wrapped, clear: true };
  if ((parser as unknown as z.ZodType)._zod) return { schema: parser as unknown as z.ZodType, clear: false };
  throw new Error("input is not a zod schema");
}

function listProcedures(): Proc[] {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>).map(([path, p]) => {
    let input: ReturnType<typeof inputSchema>;
    try {
      input = inputSchema(p);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    return {
      path,
      type: p._def.type,
      meta: p._def.meta as ProcedureMeta | undefined,
      clearInput: input?.clear ?? true,
      input: input
        ? arbs.input(input.schema)
        : fc.constantFrom(undefined, null, {}, "x", { id: "00000000-0000-4000-8000-000000000001" }),
    };
  });
}

/** Only a handful of procedures are slow by design (argon2); they get fewer calls. */
const RUN_SHARE: Record<string, number> = {
  "auth.login": 0.25,
  "auth.changePassword": 0.25,
  "staff.create": 0.5,
  "staff.update": 0.5,
  "changes.stream": 0.25,
};

type Outcome = "OK" | string;
interface Failure {
  path: string;
  who: string;
  error: string;
  input: string;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}

function describeError(e: unknown): string {
  const cause = e instanceof TRPCError ? (e.cause ?? e) : e;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `${cause instanceof Error ? cause.name : typeof cause}${code ? ` ${String(code)}` : ""}: ${message.split("\n").find((l) => l.trim()) ?? ""}`.slice(
    0,
    240,
  );
}

async function call(caller: unknown, p: Proc, input: unknown): Promise<{ outcome: Outcome; error?: unknown }> {
  let fn: unknown = caller;
  for (const part of p.path.split(".")) fn = (fn as Record<string, unknown>)[part];
  try {
    const result = await (fn as (input: unknown) => Promise<unknown>)(input);
    if (isAsyncIterable(result)) {
      // A subscription: read briefly (an error may surface on the first read), then cancel.
      const it = result[Symbol.asyncIterator]();
      try {
        await Promise.race([it.next(), new Promise((r) => setTimeout(r, 5))]);
      } finally {
        await Promise.race([it.return?.(undefined), new Promise((r) => setTimeout(r, 50))]);
      }
    }
    return { outcome: "OK" };
  } catch (e) {
    if (e instanceof TRPCError) return { outcome: e.code, error: e };
    return { outcome: "NON_TRPC_ERROR", error: e };
  }
}

const is5xx = (o: Outcome) => o === "INTERNAL_SERVER_ERROR" || o === "NON_TRPC_ERROR";

let needsHeal = false;

/** Puts the four identities back as they were (the fuzz may disable them, change roles, end sessions). */
async function heal() {
  for (const role of ROLES) {
    const id = identities.get(role)!;
    await t.db.staffMember.update({
      where: { id: id.staffId },
      data: { role, active: true, disabledAt: null, locationId },
    });
    const staff = await t.db.staffMember.findUniqueOrThrow({ where: { id: id.staffId }, select: SESSION_STAFF_SELECT });
    const issued = await issueSession(t.db, services, services.clock(), staff, { ip: "127.0.0.1", userAgent: "fuzz" });
    id.sessionId = issued.sessionId;
  }
  needsHeal = false;
}

const callerAs = (who: StaffRole | "anonymous") => {
  if (who === "anonymous") return callerFor(services, null);
  const id = identities.get(who)!;
  return callerFor(services, { staffId: id.staffId, role: id.role, locationId, sessionId: id.sessionId });
};

beforeAll(async () => {
  t = await createTestDatabase();
  const clock = testClock(NOW);
  ({ locationId } = await seedDemoSalon(t.db, t.fc, { now: clock() }));
  feed = new ChangeFeed({ url: t.url, db: t.db, log: testServices(t).log, pollIntervalMs: 1000 });
  await feed.start();
  services = { ...testServices(t, clock), changeFeed: feed };
  // Two WhatsApp conversations, so the chat procedures have something to act on.
  const customers = await t.db.customer.findMany({ take: 2, select: { id: true } });
  for (const [i, c] of customers.entries()) {
    const conv = await t.db.conversation.create({
      data: {
        customerId: c.id,
        channel: "sandbox",
        channelAccount: "fuzz",
        externalId: `fuzz-${i}`,
        mode: i === 0 ? "human" : "bot",
        lastCustomerMessageAt: clock(),
      },
    });
    await t.db.message.create({
      data: {
        conversationId: conv.id,
        direction: "inbound",
        author: "customer",
        kind: "text",
        body: "Hola, ¿tenéis hueco mañana?",
        deliveryStatus: "received",
        sentAt: clock(),
      },
    });
  }
  for (const role of ROLES) {
    const login = DEMO_LOGINS.find((l) => l.role === role);
    const staff = await t.db.staffMember.findFirstOrThrow({
      where: login ? { email: login.email } : { role: "stylist", bookable: true },
      orderBy: { email: "asc" },
      select: { id: true },
    });
    identities.set(role, { role, staffId: staff.id, sessionId: randomUUID() });
  }
  await refreshPools();
});

afterAll(async () => {
  await feed?.stop();
  await t?.drop();
});

describe("router fuzz", () => {
  it("no procedure answers 5xx to any input from any caller, and the salon stays sound", {
    timeout: 600_000 * MULTIPLIER,
  }, async () => {
    const only = process.env.CITA_FUZZ_ONLY;
    const procs = listProcedures().filter((p) => !only || only.split(",").includes(p.path));
    if (!only) expect(procs.length).toBeGreaterThan(50);
    const messages = new Map<string, number>();
    const whoAll: (StaffRole | "anonymous")[] = [...ROLES, "anonymous"];
    const outcomes = new Map<string, number>();
    const failures: Failure[] = [];
    let calls = 0;
    const started = performance.now();

    const timeByPath = new Map<string, number>();
    const byPath = new Map<string, Map<Outcome, number>>();
    for (let round = 0; round < ROUNDS; round++) {
      await heal();
      for (const [pi, p] of procs.entries()) {
        const perPair = Math.max(1, Math.round(((RUN_SHARE[p.path] ?? 1) * RUNS_PER_PAIR) / ROUNDS));
        const pathStarted = performance.now();
        for (const [wi, who] of whoAll.entries()) {
          // Sign-in and staff procedures may end the callers' sessions or disable them: put them back.
          if (needsHeal) await heal();
          const caller = callerAs(who);
          const inputs = fc.sample(p.input, { seed: SEED + round * 1_000_003 + pi * 101 + wi, numRuns: perPair });
          for (const raw of inputs) {
            const input = overTheWire(raw);
            const { outcome, error } = await call(caller, p, input);
            calls++;
            if (outcome === "UNAUTHORIZED" && who !== "anonymous") needsHeal = true;
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            if (process.env.CITA_FUZZ_VERBOSE && error && who !== "anonymous") {
              const k = `${p.path} ${outcome}: ${(error as Error).message.slice(0, 120)}`;
              messages.set(k, (messages.get(k) ?? 0) + 1);
            }
            if (who !== "anonymous") {
              const m = byPath.get(p.path) ?? new Map<Outcome, number>();
              m.set(outcome, (m.get(outcome) ?? 0) + 1);
              byPath.set(p.path, m);
            }
            if (is5xx(outcome)) {
              failures.push({
                path: p.path,
                who,
                error: describeError(error),
                input: JSON.stringify(input)?.slice(0, 300) ?? "undefined",
              });
            }
          }
        }
        timeByPath.set(p.path, (timeByPath.get(p.path) ?? 0) + performance.now() - pathStarted);
      }
      await refreshPools();
    }
    const seconds = (performance.now() - started) / 1000;

    // One line per distinct failure (procedure + error), with a sample input.
    const distinct = new Map<string, Failure & { n: number }>();
    for (const f of failures) {
      const k = `${f.path} ${f.error}`;
      const d = distinct.get(k);
      if (d) d.n++;
      else distinct.set(k, { ...f, n: 1 });
    }
    const summary = [
      `router fuzz: ${calls} calls, ${failures.length} 5xx, ${seconds.toFixed(1)} s (seed ${SEED}, ×${MULTIPLIER})`,
      `  slowest: ${[...timeByPath]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}s`)
        .join(", ")}`,
      `  outcomes: ${[...outcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}`,
      ...[...distinct.values()].map((d) => `  5xx ×${d.n} ${d.path} as ${d.who}: ${d.error}\n      input: ${d.input}`),
    ];
    if (process.env.CITA_FUZZ_VERBOSE) {
      for (const [path, m] of byPath) {
        summary.push(
          `  ${path}: ${[...m]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}`,
        );
      }
    }
    console.log(summary.join("\n"));

    if (process.env.CITA_FUZZ_VERBOSE) {
      const top = [...messages].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.CITA_FUZZ_VERBOSE) || 40);
      console.log(top.map(([k, n]) => `  ${n} × ${k}`).join("\n"));
    }
    if (only) return;
    expect(calls).toBeGreaterThanOrEqual(20_000 * MULTIPLIER * 0.95);
    expect(procs.filter((p) => !p.clearInput).map((p) => `${p.path}: input not wrapped in clearInput`)).toEqual([]);
    expect([...distinct.keys()]).toEqual([]);

    // The salon is still sound.
    expect(await overlappingActiveSegments(t.url)).toBe(0);
    await heal();
    const soundness = await invariantCalls(procs);
    expect(soundness).toEqual([]);
  });
});

/** changes.sync, bookings.search and reports.get for every role: OK where allowed, FORBIDDEN where not. */
async function invariantCalls(procs: Proc[]): Promise<string[]> {
  const problems: string[] = [];
  const checks: [string, unknown][] = [
    ["changes.sync", {}],
    ["bookings.search", {}],
    ["bookings.search", { fromDate: addDays(today, -30), toDate: addDays(today, 60) }],
    ["reports.get", { from: addDays(today, -30), to: addDays(today, 30) }],
  ];
  for (const [path, input] of checks) {
    const p = procs.find((x) => x.path === path)!;
    const permission = p.meta!.permission as Permission;
    for (const role of ROLES) {
      const { outcome, error } = await call(callerAs(role), p, input);
      const expected = roleHas(role, permission) ? "OK" : "FORBIDDEN";
      if (outcome !== expected) problems.push(`${path} as ${role}: ${outcome} (${describeError(error)})`);
    }
    // changes.sync must also page through everything (every row it returns must be viewable).
    if (path === "changes.sync") {
      let cursor: string | null = null;
      for (let page = 0; page < 1000; page++) {
        try {
          const r = (await callerAs("owner").changes.sync({ cursor, limit: 1000 })) as {
            nextCursor: string;
            hasMore: boolean;
          };
          if (!r.hasMore) break;
          cursor = r.nextCursor;
        } catch (e) {
          problems.push(`changes.sync page ${page}: ${describeError(e)}`);
          break;
        }
      }
    }
  }
  return problems;
}
