// An owner or manager ends a staff member's sign-ins or disables/enables their account. Who may act
// on whom is canManageStaff (owners: anyone; managers: anyone but owners), within the actor's location.
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { AccessClaims } from "./access-token.ts";
import { canManageStaff } from "./permissions.ts";
import { type AuthDeps, lockStaffSessions, revokeFamilies } from "./sessions.ts";

async function loadManageableTarget(tx: Tx, actor: AccessClaims, staffId: string) {
  const target = await tx.staffMember.findUnique({
    where: { id: staffId },
    select: { id: true, role: true, locationId: true, active: true, disabledAt: true, version: true },
  });
  if (!target || target.locationId !== actor.loc) throw new AppError("NOT_FOUND", "No such staff member");
  if (!canManageStaff(actor.role, target.role)) {
    throw new AppError("FORBIDDEN", "Your role cannot manage this staff member");
  }
  return target;
}

/** Ends every sign-in of a staff member (their access tokens stop working at once). */
export async function endStaffSessions(
  deps: AuthDeps,
  actor: AccessClaims,
  staffId: string,
): Promise<{ endedSessions: number }> {
  const now = deps.clock();
  return deps.db.$transaction(async (tx) => {
    const target = await loadManageableTarget(tx, actor, staffId);
    await lockStaffSessions(tx, target.id);
    const ended = await revokeFamilies(tx, { staffId: target.id }, now, "ended_by_staff");
    await appendAudit(
      tx,
      { type: "staff", id: actor.sub },
      {
        action: "staff.sessions_ended",
        entityType: "staff",
        entityId: target.id,
        locationId: target.locationId,
        data: { endedSessions: ended },
      },
    );
    return { endedSessions: ended };
  });
}

/**
 * Disables (or re-enables) a staff member's sign-in. Disabling ends all their sessions. `active`
 * (still part of the salon) is left alone: a disabled stylist can still be booked.
 */
export async function setStaffDisabled(
  deps: AuthDeps,
  actor: AccessClaims,
  input: { staffId: string; disabled: boolean },
): Promise<{ staffId: string; disabled: boolean; disabledAt: string | null; endedSessions: number }> {
  const now = deps.clock();
  if (input.disabled && input.staffId === actor.sub) {
    throw new AppError("FORBIDDEN", "You cannot disable your own account");
  }
  return deps.db.$transaction(async (tx) => {
    const target = await loadManageableTarget(tx, actor, input.staffId);
    const isDisabled = target.disabledAt !== null;
    if (isDisabled === input.disabled) {
      return {
        staffId: target.id,
        disabled: isDisabled,
        disabledAt: target.disabledAt?.toISOString() ?? null,
        endedSessions: 0,
      };
    }
    const disabledAt = input.disabled ? now : null;
    const updated = await tx.staffMember.update({
      where: { id: target.id },
      data: { disabledAt, version: { increment: 1 } },
      select: { id: true, version: true, active: true, disabledAt: true },
    });
    let ended = 0;
    if (input.disabled) {
      await lockStaffSessions(tx, target.id);
      ended = await revokeFamilies(tx, { staffId: target.id }, now, "staff_disabled");
    }
    await appendAudit(
      tx,
      { type: "staff", id: actor.sub },
      {
        action: input.disabled ? "staff.disabled" : "staff.enabled",
        entityType: "staff",
        entityId: target.id,
        locationId: target.locationId,
        data: { endedSessions: ended },
      },
    );
    // Last in the transaction: appendChange holds the change-log lock until commit.
    await appendChange(tx, {
      entityType: "staff",
      entityId: target.id,
      op: "upsert",
      locationId: target.locationId,
      data: {
        id: updated.id,
        version: updated.version,
        active: updated.active,
        disabledAt: updated.disabledAt?.toISOString() ?? null,
      },
    });
    return {
      staffId: target.id,
      disabled: input.disabled,
      disabledAt: disabledAt?.toISOString() ?? null,
      endedSessions: ended,
    };
  });
}
