// Which locations a staff member may see and act on (issue #21: several salons on one server), and
// the location a request acts on.
//
// Rule (decided here, one place): owners and managers run the business → every location; front desk
// and stylists → their home location (staff_member.location_id) plus the locations they are linked to
// (staff_location). The console names the location a request acts on in the `x-cita-location` header
// (SSE: the `location` connection parameter); absent → the home location (the token's `loc`), a
// location not allowed → FORBIDDEN, not a UUID → BAD_REQUEST. The chosen location replaces
// `auth.loc` for the procedure (trpc/procedures.ts), so every router scoped by `ctx.auth.loc` /
// `scopeFrom(ctx)` works per location unchanged.

import type { Db } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import type { AccessClaims } from "./access-token.ts";

/** The request header the console sends with the location it is showing. */
export const LOCATION_HEADER = "x-cita-location";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Roles that see every location of the installation. */
export function seesEveryLocation(role: StaffRole): boolean {
  return role === "owner" || role === "manager";
}

export interface AllowedLocation {
  id: string;
  name: string;
  city: string;
  timeZone: string;
  /** The staff member's own (home) location. */
  home: boolean;
}

/** The locations this staff member may see, home first, then by name. */
export async function allowedLocations(db: Db, staff: { sub: string; role: StaffRole }): Promise<AllowedLocation[]> {
  const rows = await db.location.findMany({
    where: seesEveryLocation(staff.role)
      ? {}
      : { OR: [{ staff: { some: { id: staff.sub } } }, { staffLinks: { some: { staffId: staff.sub } } }] },
    select: {
      id: true,
      name: true,
      city: true,
      timeZone: true,
      // The home location is the one whose staff includes this member (the token's `loc` may be
      // the location a request acts on, not the home one).
      staff: { where: { id: staff.sub }, select: { id: true } },
    },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  return rows
    .map(({ staff: own, ...r }) => ({ ...r, home: own.length > 0 }))
    .sort((a, b) => Number(b.home) - Number(a.home));
}

/** The ids of the locations this staff member may see (for filters such as the replica's sync). */
export async function allowedLocationIds(db: Db, staff: { sub: string; role: StaffRole }): Promise<string[]> {
  return (await allowedLocations(db, staff)).map((l) => l.id);
}

/** May this staff member act on `locationId`? One indexed query (none for the home location). */
export async function mayUseLocation(
  db: Db,
  staff: { sub: string; role: StaffRole; loc: string },
  locationId: string,
): Promise<boolean> {
  if (locationId === staff.loc) return true;
  if (seesEveryLocation(staff.role)) {
    return (await db.location.count({ where: { id: locationId } })) === 1;
  }
  return (await db.staffLocation.count({ where: { staffId: staff.sub, locationId } })) === 1;
}

/** The header's raw value (Fastify gives a string, or an array when repeated). */
export function locationHeaderOf(headers: Record<string, string | string[] | undefined>): string | null {
  const v = headers[LOCATION_HEADER];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(",") : v;
}

/**
 * The claims a procedure runs with: `loc` replaced by the requested location when one is given and
 * allowed. Absent or the home location → the same claims, without a query.
 */
export async function claimsForLocation(
  db: Db,
  auth: AccessClaims,
  requested: string | null | undefined,
): Promise<AccessClaims> {
  if (requested === null || requested === undefined || requested === "" || requested === auth.loc) return auth;
  const id = requested.trim();
  if (!UUID_RE.test(id)) throw new AppError("BAD_INPUT", `${LOCATION_HEADER}: not a location id`);
  const lower = id.toLowerCase();
  if (lower === auth.loc) return auth;
  if (!(await mayUseLocation(db, auth, lower))) {
    throw new AppError("FORBIDDEN", "You cannot see this location");
  }
  return { ...auth, loc: lower };
}
