// A stylist's working time: weekly blocks (work, with breaks inside), date overrides (a day off
// or different hours on one local date) and time off (instants). Minutes are local wall time in
// the location's zone; the availability engine converts them with time/zoned.ts.
import type { ScheduleBlock, StaffScheduleView } from "@cita/shared";
import { checkDayRanges, dateOnly, hhmm, recordWrite, type Scope, toDbDate, WEEKDAY_NAMES } from "../audit/scope.ts";
import { roleHas } from "../auth/permissions.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { DateOverrideKind } from "../generated/prisma/enums.ts";
import { localToUtc } from "../time/zoned.ts";
import { staffAtLocation } from "./at-location.ts";
import { bumpStaffVersion } from "./staff.ts";

async function readSchedule(tx: Tx, scope: Scope, staffId: string, from?: string): Promise<StaffScheduleView> {
  // "From a local date" means from that date's midnight in the salon's zone.
  const fromInstant = from
    ? localToUtc(
        from,
        0,
        (await tx.location.findUniqueOrThrow({ where: { id: scope.locationId }, select: { timeZone: true } })).timeZone,
      )
    : undefined;
  const staff = await tx.staffMember.findFirst({
    where: { id: staffId, ...staffAtLocation(scope.locationId) },
    select: {
      id: true,
      version: true,
      locationId: true,
      scheduleBlocks: { orderBy: [{ weekday: "asc" }, { kind: "asc" }, { startMinute: "asc" }] },
      dateOverrides: {
        where: from ? { date: { gte: toDbDate(from) } } : {},
        orderBy: { date: "asc" },
      },
      timeOff: {
        where: fromInstant ? { endsAt: { gt: fromInstant } } : {},
        orderBy: { startsAt: "asc" },
      },
    },
  });
  if (!staff) throw new AppError("NOT_FOUND", "Staff member not found");
  return {
    staffId: staff.id,
    version: staff.version,
    // The week worked HERE: a block without a location is worked at the stylist's home location.
    weekly: staff.scheduleBlocks
      .filter((b) => (b.locationId ?? staff.locationId) === scope.locationId)
      .map((b) => ({
        weekday: b.weekday,
        kind: b.kind,
        startMinute: b.startMinute,
        endMinute: b.endMinute,
      })),
    dateOverrides: staff.dateOverrides.map((o) => ({
      id: o.id,
      date: dateOnly(o.date),
      kind: o.kind,
      startMinute: o.startMinute,
      endMinute: o.endMinute,
    })),
    timeOff: staff.timeOff.map((t) => ({
      id: t.id,
      startsAt: t.startsAt.toISOString(),
      endsAt: t.endsAt.toISOString(),
      reason: t.reason,
    })),
  };
}

/** One's own schedule needs schedule.own (the procedure's permission); anyone else's needs calendar.read. */
export async function getSchedule(scope: Scope, staffId: string, from?: string): Promise<StaffScheduleView> {
  if (staffId !== scope.actor.id && !roleHas(scope.role, "calendar.read")) {
    throw new AppError("FORBIDDEN", "You can only see your own schedule");
  }
  return readSchedule(scope.db, scope, staffId, from);
}

/** Work blocks must not overlap; breaks must not overlap and each must lie inside one work block. */
export function checkWeeklyBlocks(blocks: ScheduleBlock[]): void {
  const work = blocks.filter((b) => b.kind === "work");
  const breaks = blocks.filter((b) => b.kind === "break");
  checkDayRanges("Work blocks", work);
  checkDayRanges("Breaks", breaks);
  for (const b of breaks) {
    const inside = work.some(
      (w) => w.weekday === b.weekday && w.startMinute <= b.startMinute && b.endMinute <= w.endMinute,
    );
    if (!inside) {
      throw new AppError(
        "BAD_INPUT",
        `Break on ${WEEKDAY_NAMES[b.weekday]} ${hhmm(b.startMinute)}–${hhmm(b.endMinute)} is not within working hours`,
      );
    }
  }
}

async function scheduleWrite(
  scope: Scope,
  staffId: string,
  version: number | undefined,
  action: string,
  write: (tx: Tx) => Promise<unknown>,
): Promise<StaffScheduleView> {
  return scope.db.$transaction(async (tx) => {
    await bumpStaffVersion(tx, scope, staffId, version);
    const audit = await write(tx);
    const after = await readSchedule(tx, scope, staffId);
    await recordWrite(tx, scope, {
      action,
      entityType: "staff",
      entityId: staffId,
      audit,
      change: { version: after.version, schedule: true },
    });
    return after;
  });
}

export async function setWeeklySchedule(
  scope: Scope,
  input: { staffId: string; version: number; blocks: ScheduleBlock[] },
): Promise<StaffScheduleView> {
  checkWeeklyBlocks(input.blocks);
  return scheduleWrite(scope, input.staffId, input.version, "staff.setWeeklySchedule", async (tx) => {
    // Only this location's week is replaced (issue #21): a stylist's weeks at other locations stay.
    const staff = await tx.staffMember.findUniqueOrThrow({
      where: { id: input.staffId },
      select: { locationId: true },
    });
    const home = staff.locationId === scope.locationId;
    await tx.staffScheduleBlock.deleteMany({
      where: {
        staffId: input.staffId,
        OR: [{ locationId: scope.locationId }, ...(home ? [{ locationId: null }] : [])],
      },
    });
    await tx.staffScheduleBlock.createMany({
      data: input.blocks.map((b) => ({ ...b, staffId: input.staffId, locationId: home ? null : scope.locationId })),
    });
    return { blocks: input.blocks, ...(home ? {} : { locationId: scope.locationId }) };
  });
}

/** One override per date: adding another for the same date replaces it. */
export async function addDateOverride(
  scope: Scope,
  input: {
    staffId: string;
    version?: number;
    date: string;
    kind: DateOverrideKind;
    startMinute?: number;
    endMinute?: number;
  },
): Promise<StaffScheduleView> {
  const date = toDbDate(input.date);
  let startMinute: number | null = null;
  let endMinute: number | null = null;
  if (input.kind === "custom_hours") {
    if (input.startMinute === undefined || input.endMinute === undefined) {
      throw new AppError("BAD_INPUT", "Custom hours need a start and an end");
    }
    if (input.startMinute >= input.endMinute) {
      throw new AppError(
        "BAD_INPUT",
        `Custom hours on ${input.date}: ${hhmm(input.startMinute)}–${hhmm(input.endMinute)} must start before it ends`,
      );
    }
    startMinute = input.startMinute;
    endMinute = input.endMinute;
  } else if (input.startMinute !== undefined || input.endMinute !== undefined) {
    throw new AppError("BAD_INPUT", "A day off has no hours");
  }
  return scheduleWrite(scope, input.staffId, input.version, "staff.addDateOverride", async (tx) => {
    const replaced = await tx.staffDateOverride.deleteMany({ where: { staffId: input.staffId, date } });
    const row = await tx.staffDateOverride.create({
      data: { staffId: input.staffId, date, kind: input.kind, startMinute, endMinute },
    });
    return { overrideId: row.id, date: input.date, kind: input.kind, startMinute, endMinute, replaced: replaced.count };
  });
}

export async function removeDateOverride(
  scope: Scope,
  input: { staffId: string; overrideId: string; version?: number },
): Promise<StaffScheduleView> {
  return scheduleWrite(scope, input.staffId, input.version, "staff.removeDateOverride", async (tx) => {
    const row = await tx.staffDateOverride.findFirst({ where: { id: input.overrideId, staffId: input.staffId } });
    if (!row) throw new AppError("NOT_FOUND", "Date override not found");
    await tx.staffDateOverride.delete({ where: { id: row.id } });
    return { overrideId: row.id, date: dateOnly(row.date) };
  });
}

export async function addTimeOff(
  scope: Scope,
  input: { staffId: string; version?: number; startsAt: string; endsAt: string; reason?: string | null },
): Promise<StaffScheduleView> {
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) {
    throw new AppError("BAD_INPUT", "Time off needs a valid start and end");
  }
  if (startsAt >= endsAt) throw new AppError("BAD_INPUT", "Time off must start before it ends");
  return scheduleWrite(scope, input.staffId, input.version, "staff.addTimeOff", async (tx) => {
    const row = await tx.staffTimeOff.create({
      data: { staffId: input.staffId, startsAt, endsAt, reason: input.reason ?? null },
    });
    return { timeOffId: row.id, startsAt: input.startsAt, endsAt: input.endsAt };
  });
}

export async function removeTimeOff(
  scope: Scope,
  input: { staffId: string; timeOffId: string; version?: number },
): Promise<StaffScheduleView> {
  return scheduleWrite(scope, input.staffId, input.version, "staff.removeTimeOff", async (tx) => {
    const row = await tx.staffTimeOff.findFirst({ where: { id: input.timeOffId, staffId: input.staffId } });
    if (!row) throw new AppError("NOT_FOUND", "Time off not found");
    await tx.staffTimeOff.delete({ where: { id: row.id } });
    return { timeOffId: row.id };
  });
}
