// Issue #21: the other locations a stylist also works at (staff_location). Set from the stylist's
// home location by those who manage staff; each of those locations then lists them, keeps its own
// week for them (staff/schedules.ts) and offers their time (availability/load.ts). One staff id
// everywhere, so the one exclusion constraint keeps them from being booked at two at once.
import type { StaffLocationsView } from "@cita/shared";
import { recordWrite, type Scope } from "../audit/scope.ts";
import { canManageStaff } from "../auth/permissions.ts";
import { AppError } from "../errors/app-error.ts";
import { staffAtLocation } from "./at-location.ts";
import { bumpStaffVersion } from "./staff.ts";

export async function getStaffLocations(scope: Scope, staffId: string): Promise<StaffLocationsView> {
  const staff = await scope.db.staffMember.findFirst({
    where: { id: staffId, ...staffAtLocation(scope.locationId) },
    select: { id: true, locationId: true, version: true, otherLocations: { select: { locationId: true } } },
  });
  if (!staff) throw new AppError("NOT_FOUND", "Staff member not found");
  return {
    staffId: staff.id,
    homeLocationId: staff.locationId,
    otherLocationIds: staff.otherLocations.map((l) => l.locationId).sort(),
    version: staff.version,
  };
}

/** Replaces the other locations; only from the stylist's home location. */
export async function setStaffLocations(
  scope: Scope,
  input: { staffId: string; version: number; locationIds: string[] },
): Promise<StaffLocationsView> {
  const ids = [...new Set(input.locationIds)];
  return scope.db.$transaction(async (tx) => {
    const staff = await tx.staffMember.findFirst({
      where: { id: input.staffId, locationId: scope.locationId },
      select: { role: true },
    });
    if (!staff) throw new AppError("NOT_FOUND", "Staff member not found at this location (edit them from their own)");
    if (!canManageStaff(scope.role, staff.role)) throw new AppError("FORBIDDEN", "You cannot manage this staff member");
    if (ids.includes(scope.locationId)) throw new AppError("BAD_INPUT", "locationIds: this is their own location");
    const known = await tx.location.count({ where: { id: { in: ids } } });
    if (known !== ids.length) throw new AppError("NOT_FOUND", "locationIds: unknown location");
    await bumpStaffVersion(tx, scope, input.staffId, input.version);
    await tx.staffLocation.deleteMany({ where: { staffId: input.staffId, locationId: { notIn: ids } } });
    await tx.staffLocation.createMany({
      data: ids.map((locationId) => ({ staffId: input.staffId, locationId })),
      skipDuplicates: true,
    });
    const version = input.version + 1;
    await recordWrite(tx, scope, {
      action: "staff.setLocations",
      entityType: "staff",
      entityId: input.staffId,
      audit: { locationIds: ids },
      change: { version },
    });
    return { staffId: input.staffId, homeLocationId: scope.locationId, otherLocationIds: ids.sort(), version };
  });
}
