// The caller's location: contact details, booking policy, reminder settings, weekly opening hours and
// closures. A change of the reminder settings is picked up by the reminder planner (reminders/planner.ts
// reads the location's change-log row) and re-plans the location's future visits.
import type { LocationView, OpeningHours } from "@cita/shared";
import { bumpVersion, checkDayRanges, dateOnly, recordWrite, type Scope, toDbDate } from "../audit/scope.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { isValidTimeZone } from "../time/zoned.ts";

export interface LocationUpdate {
  version: number;
  name?: string;
  addressLine?: string;
  city?: string;
  postalCode?: string;
  phone?: string | null;
  timeZone?: string;
  slotStepMinutes?: number;
  minNoticeMinutes?: number;
  horizonDays?: number;
  holdMinutes?: number;
  cancellationWindowHours?: number;
  lateCancelKeepsDeposit?: boolean;
  noShowKeepsDeposit?: boolean;
  /** Minutes before the start (stored largest first). */
  reminderOffsetsMinutes?: number[];
  /** Minutes after the end; null = no follow-up. */
  followUpMinutes?: number | null;
  /** Weeks between repeats the agent offers after a booking; null = not offered. */
  seriesOfferWeeks?: number | null;
}

async function readLocation(tx: Tx, locationId: string): Promise<LocationView> {
  const loc = await tx.location.findUnique({
    where: { id: locationId },
    include: {
      hours: { orderBy: [{ weekday: "asc" }, { startMinute: "asc" }] },
      closures: { orderBy: { date: "asc" } },
    },
  });
  if (!loc) throw new AppError("NOT_FOUND", "Location not found");
  const { hours, closures, createdAt: _c, updatedAt: _u, ...rest } = loc;
  return {
    ...rest,
    hours: hours.map((h) => ({ weekday: h.weekday, startMinute: h.startMinute, endMinute: h.endMinute })),
    closures: closures.map((c) => ({ id: c.id, date: dateOnly(c.date), reason: c.reason })),
  };
}

export function getLocation(scope: Scope): Promise<LocationView> {
  return readLocation(scope.db, scope.locationId);
}

function bumpLocation(tx: Tx, scope: Scope, version: number | undefined, data: Record<string, unknown> = {}) {
  return bumpVersion(
    "The location",
    version,
    (v) =>
      tx.location.updateMany({
        where: { id: scope.locationId, ...v },
        data: { ...data, version: { increment: 1 } },
      }),
    () => tx.location.findUnique({ where: { id: scope.locationId }, select: { version: true } }),
  );
}

export async function updateLocation(scope: Scope, input: LocationUpdate): Promise<LocationView> {
  const { version, ...fields } = input;
  if (fields.timeZone !== undefined && !isValidTimeZone(fields.timeZone)) {
    throw new AppError(
      "BAD_INPUT",
      `"${fields.timeZone}" is not a known time zone (use an IANA name like Europe/Madrid)`,
    );
  }
  if (fields.reminderOffsetsMinutes) {
    fields.reminderOffsetsMinutes = [...fields.reminderOffsetsMinutes].sort((a, b) => b - a);
  }
  const changed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return scope.db.$transaction(async (tx) => {
    await bumpLocation(tx, scope, version, changed);
    const view = await readLocation(tx, scope.locationId);
    await recordWrite(tx, scope, {
      action: "location.update",
      entityType: "location",
      entityId: scope.locationId,
      audit: { fields: changed },
      change: { version: view.version },
    });
    return view;
  });
}

/** Replaces the weekly opening hours (several ranges on a weekday make split hours). */
export async function setOpeningHours(scope: Scope, version: number, hours: OpeningHours[]): Promise<LocationView> {
  checkDayRanges("Opening hours", hours);
  return scope.db.$transaction(async (tx) => {
    await bumpLocation(tx, scope, version);
    await tx.locationHours.deleteMany({ where: { locationId: scope.locationId } });
    await tx.locationHours.createMany({ data: hours.map((h) => ({ ...h, locationId: scope.locationId })) });
    const view = await readLocation(tx, scope.locationId);
    await recordWrite(tx, scope, {
      action: "location.setHours",
      entityType: "location",
      entityId: scope.locationId,
      audit: { hours },
      change: { version: view.version },
    });
    return view;
  });
}

export async function addClosure(
  scope: Scope,
  input: { date: string; reason: string; version?: number },
): Promise<LocationView> {
  const date = toDbDate(input.date);
  return scope.db.$transaction(async (tx) => {
    await bumpLocation(tx, scope, input.version);
    const existing = await tx.locationClosure.findUnique({
      where: { locationId_date: { locationId: scope.locationId, date } },
    });
    if (existing) {
      throw new AppError("CONFLICT", `The salon is already closed on ${input.date} (${existing.reason})`, {
        closureId: existing.id,
      });
    }
    const closure = await tx.locationClosure.create({
      data: { locationId: scope.locationId, date, reason: input.reason },
    });
    const view = await readLocation(tx, scope.locationId);
    await recordWrite(tx, scope, {
      action: "location.addClosure",
      entityType: "location",
      entityId: scope.locationId,
      audit: { closureId: closure.id, date: input.date, reason: input.reason },
      change: { version: view.version },
    });
    return view;
  });
}

export async function removeClosure(
  scope: Scope,
  input: { closureId: string; version?: number },
): Promise<LocationView> {
  return scope.db.$transaction(async (tx) => {
    const closure = await tx.locationClosure.findFirst({
      where: { id: input.closureId, locationId: scope.locationId },
    });
    if (!closure) throw new AppError("NOT_FOUND", "Closure not found");
    await bumpLocation(tx, scope, input.version);
    await tx.locationClosure.delete({ where: { id: closure.id } });
    const view = await readLocation(tx, scope.locationId);
    await recordWrite(tx, scope, {
      action: "location.removeClosure",
      entityType: "location",
      entityId: scope.locationId,
      audit: { closureId: closure.id, date: dateOnly(closure.date) },
      change: { version: view.version },
    });
    return view;
  });
}
