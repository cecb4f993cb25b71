// Staff members. Password hashes never leave this module; the view says only whether one is set.
import type { StaffView } from "@cita/shared";
import { bumpVersion, isUniqueViolation, recordWrite, type Scope } from "../audit/scope.ts";
import { checkPasswordPolicy, hashPassword } from "../auth/password.ts";
import { canManageStaff } from "../auth/permissions.ts";
import type { Prisma, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { staffAtLocation } from "./at-location.ts";

const select = {
  id: true,
  displayName: true,
  email: true,
  role: true,
  bookable: true,
  active: true,
  color: true,
  language: true,
  calendarId: true,
  passwordHash: true,
  version: true,
  services: { select: { serviceId: true } },
} as const satisfies Prisma.StaffMemberSelect;

type StaffRow = Prisma.StaffMemberGetPayload<{ select: typeof select }>;

function view(s: StaffRow): StaffView {
  const { passwordHash, services, ...rest } = s;
  return { ...rest, hasPassword: passwordHash !== null, serviceIds: services.map((x) => x.serviceId) };
}

export async function listStaff(scope: Scope, opts: { includeInactive?: boolean } = {}): Promise<StaffView[]> {
  const rows = await scope.db.staffMember.findMany({
    // Those based here and those who also work here (issue #21: one stylist, several locations).
    where: { ...staffAtLocation(scope.locationId), ...(opts.includeInactive ? {} : { active: true }) },
    select,
    orderBy: [{ displayName: "asc" }],
  });
  return rows.map(view);
}

export async function readStaff(tx: Tx, scope: Scope, id: string): Promise<StaffView> {
  const row = await tx.staffMember.findFirst({ where: { id, locationId: scope.locationId }, select });
  if (!row) throw new AppError("NOT_FOUND", "Staff member not found");
  return view(row);
}

/** Optimistic concurrency on a staff member (schedules and skills hang off its version). */
export function bumpStaffVersion(tx: Tx, scope: Scope, staffId: string, version: number | undefined) {
  return bumpVersion(
    "The staff member",
    version,
    (v) =>
      tx.staffMember.updateMany({
        where: { id: staffId, ...staffAtLocation(scope.locationId), ...v },
        data: { version: { increment: 1 } },
      }),
    () =>
      tx.staffMember.findFirst({
        where: { id: staffId, ...staffAtLocation(scope.locationId) },
        select: { version: true },
      }),
  );
}

function mayManage(scope: Scope, target: StaffRole, verb: string): void {
  if (!canManageStaff(scope.role, target)) {
    throw new AppError(
      "FORBIDDEN",
      target === "owner" ? `Only an owner can ${verb} an owner` : `Your role cannot ${verb} staff`,
    );
  }
}

const normaliseEmail = (e: string) => e.trim().toLowerCase();

export interface NewStaff {
  displayName: string;
  email: string;
  role: StaffRole;
  bookable?: boolean;
  color?: string;
  language?: string;
  password?: string;
}

export async function createStaff(scope: Scope, input: NewStaff): Promise<StaffView> {
  mayManage(scope, input.role, "create");
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    checkPasswordPolicy(input.password);
    passwordHash = await hashPassword(input.password);
  }
  const email = normaliseEmail(input.email);
  try {
    return await scope.db.$transaction(async (tx) => {
      if (await tx.staffMember.findUnique({ where: { email }, select: { id: true } })) {
        throw new AppError("CONFLICT", `Someone already signs in with ${email}`);
      }
      const row = await tx.staffMember.create({
        data: {
          locationId: scope.locationId,
          displayName: input.displayName,
          email,
          role: input.role,
          // Stylists take bookings by default; desk and management do not.
          bookable: input.bookable ?? input.role === "stylist",
          ...(input.color ? { color: input.color } : {}),
          ...(input.language ? { language: input.language } : {}),
          passwordHash,
        },
      });
      await recordWrite(tx, scope, {
        action: "staff.create",
        entityType: "staff",
        entityId: row.id,
        audit: { role: row.role, email, displayName: row.displayName, passwordSet: passwordHash !== null },
        change: { version: row.version },
      });
      return readStaff(tx, scope, row.id);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("CONFLICT", `Someone already signs in with ${email}`);
    throw e;
  }
}

export interface StaffUpdate {
  staffId: string;
  version: number;
  displayName?: string;
  email?: string;
  role?: StaffRole;
  bookable?: boolean;
  active?: boolean;
  color?: string;
  language?: string;
  calendarId?: string | null;
  password?: string;
}

export async function updateStaff(scope: Scope, input: StaffUpdate): Promise<StaffView> {
  const { staffId, version, password, ...fields } = input;
  let passwordHash: string | undefined;
  if (password !== undefined) {
    checkPasswordPolicy(password);
    passwordHash = await hashPassword(password);
  }
  if (fields.email !== undefined) fields.email = normaliseEmail(fields.email);
  const changed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Omit<
    StaffUpdate,
    "staffId" | "version" | "password"
  >;
  try {
    return await scope.db.$transaction(async (tx) => {
      const target = await tx.staffMember.findFirst({ where: { id: staffId, locationId: scope.locationId } });
      if (!target) throw new AppError("NOT_FOUND", "Staff member not found");
      mayManage(scope, target.role, "change");
      if (changed.role !== undefined) mayManage(scope, changed.role, "make someone");
      if (staffId === scope.actor.id && (changed.active === false || (changed.role && changed.role !== target.role))) {
        throw new AppError("FORBIDDEN", "You cannot deactivate yourself or change your own role");
      }
      if (changed.email && changed.email !== target.email) {
        if (await tx.staffMember.findUnique({ where: { email: changed.email }, select: { id: true } })) {
          throw new AppError("CONFLICT", `Someone already signs in with ${changed.email}`);
        }
      }
      const data: Prisma.StaffMemberUpdateManyMutationInput = { ...changed };
      if (passwordHash !== undefined) data.passwordHash = passwordHash;
      if (changed.active !== undefined && changed.active !== target.active) {
        data.disabledAt = changed.active ? null : scope.clock();
      }
      await bumpVersion(
        "The staff member",
        version,
        (v) =>
          tx.staffMember.updateMany({ where: { id: staffId, ...v }, data: { ...data, version: { increment: 1 } } }),
        () => tx.staffMember.findUnique({ where: { id: staffId }, select: { version: true } }),
      );
      if (changed.active === false) {
        // A deactivated account must not keep working through its refresh tokens.
        await tx.staffSession.updateMany({
          where: { staffId, revokedAt: null },
          data: { revokedAt: scope.clock(), revokeReason: "staff deactivated" },
        });
      }
      const after = await readStaff(tx, scope, staffId);
      await recordWrite(tx, scope, {
        action: "staff.update",
        entityType: "staff",
        entityId: staffId,
        audit: { fields: changed, passwordChanged: passwordHash !== undefined },
        change: { version: after.version },
      });
      return after;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("CONFLICT", `Someone already signs in with ${changed.email}`);
    throw e;
  }
}
