// What every domain command receives: the database, the field crypto, a clock, who acts, and the
// location it acts on. Plus the one helper every write ends with (audit row, then change row).
import { type Actor, appendAudit, appendChange } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { type Db, Prisma, type Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { ChangeOp, StaffRole } from "../generated/prisma/enums.ts";

export interface Scope {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  actor: Actor;
  /** The caller's role (for rules such as "a manager may not create an owner"). */
  role: StaffRole;
  /** Every read and write is confined to this location. */
  locationId: string;
}

export type EntityType = "location" | "service" | "staff" | "customer" | "resource";

export interface WriteRecord {
  action: string;
  entityType: EntityType;
  entityId: string;
  op?: ChangeOp;
  /** Audit details: never personal data in clear (field names, ids, numbers are fine). */
  audit?: unknown;
  /** Change-log payload for subscribers (the new version, at least). */
  change?: unknown;
}

/** Appends the audit row and then the change row; the change must be the transaction's last write. */
export async function recordWrite(tx: Tx, scope: Scope, w: WriteRecord): Promise<void> {
  await appendAudit(tx, scope.actor, {
    action: w.action,
    entityType: w.entityType,
    entityId: w.entityId,
    locationId: scope.locationId,
    data: w.audit,
  });
  await appendChange(tx, {
    entityType: w.entityType,
    entityId: w.entityId,
    op: w.op ?? "upsert",
    locationId: scope.locationId,
    data: w.change,
  });
}

/**
 * Optimistic concurrency: `bump` must be an `updateMany` guarded by `{ id, version }` that
 * increments the version. Zero rows means the row moved on (CONFLICT) or is not ours (NOT_FOUND).
 */
export async function bumpVersion(
  what: string,
  expected: number | undefined,
  bump: (where: { version?: number }) => Promise<{ count: number }>,
  current: () => Promise<{ version: number } | null>,
): Promise<void> {
  const { count } = await bump(expected === undefined ? {} : { version: expected });
  if (count === 1) return;
  const row = await current();
  if (!row) throw new AppError("NOT_FOUND", `${what} not found`);
  throw new AppError(
    "CONFLICT",
    `${what} was changed by someone else (you edited version ${expected}, it is now at version ${row.version}); reload and try again`,
    { currentVersion: row.version },
  );
}

/** "HH:MM" for minutes from midnight, for error messages. */
export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

export const WEEKDAY_NAMES = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export interface MinuteRange {
  startMinute: number;
  endMinute: number;
}

/** Checks start < end for every range and that ranges on the same weekday do not overlap. */
export function checkDayRanges(label: string, ranges: (MinuteRange & { weekday: number })[]): void {
  const byDay = new Map<number, MinuteRange[]>();
  for (const r of ranges) {
    if (r.startMinute >= r.endMinute) {
      throw new AppError(
        "BAD_INPUT",
        `${label} on ${WEEKDAY_NAMES[r.weekday]}: ${hhmm(r.startMinute)}–${hhmm(r.endMinute)} must start before it ends`,
      );
    }
    byDay.set(r.weekday, [...(byDay.get(r.weekday) ?? []), r]);
  }
  for (const [weekday, list] of byDay) {
    const sorted = [...list].sort((a, b) => a.startMinute - b.startMinute);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (cur.startMinute < prev.endMinute) {
        throw new AppError(
          "BAD_INPUT",
          `${label} on ${WEEKDAY_NAMES[weekday]} overlap: ${hhmm(prev.startMinute)}–${hhmm(prev.endMinute)} and ${hhmm(cur.startMinute)}–${hhmm(cur.endMinute)}`,
        );
      }
    }
  }
}

/** A Prisma `@db.Date` value as YYYY-MM-DD. */
export function dateOnly(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** YYYY-MM-DD → the Date Prisma stores in a `@db.Date` column. */
export function toDbDate(date: string): Date {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || dateOnly(d) !== date)
    throw new AppError("BAD_INPUT", `"${date}" is not a valid date`);
  return d;
}

/** Builds a scope from a request context's services and verified claims (structural: no transport types). */
export function scopeFrom(ctx: {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  auth: { sub: string; role: StaffRole; loc: string };
}): Scope {
  return {
    db: ctx.db,
    fc: ctx.fc,
    clock: ctx.clock,
    actor: { type: "staff", id: ctx.auth.sub },
    role: ctx.auth.role,
    locationId: ctx.auth.loc,
  };
}

/** A unique constraint was violated (e.g. two writers racing for the same email). */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002";
}
