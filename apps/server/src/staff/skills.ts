// A stylist's skills: which services they do, with their own timing/price where it differs from the
// service's (the same staff_service rows services.setStaff writes, seen from the stylist's side).
// Availability reads these rows on every search, so a change is offered (or withdrawn) at once.
import type { StaffSkill, StaffView } from "@cita/shared";
import { recordWrite, type Scope } from "../audit/scope.ts";
import { checkServiceRules } from "../catalog/services.ts";
import { appendChange } from "../changes/change-log.ts";
import { AppError } from "../errors/app-error.ts";
import { bumpStaffVersion, readStaff } from "./staff.ts";

const sameOverride = (
  a: {
    durationMinutes: number | null;
    processingMinutes: number | null;
    finishingMinutes: number | null;
    priceCents: number | null;
  },
  b: StaffSkill,
) =>
  a.durationMinutes === (b.durationMinutes ?? null) &&
  a.processingMinutes === (b.processingMinutes ?? null) &&
  a.finishingMinutes === (b.finishingMinutes ?? null) &&
  a.priceCents === (b.priceCents ?? null);

/**
 * Replaces the services a stylist does. Every service whose list of stylists changes gets a new
 * version too (its view lists its stylists), so an edit based on the old list is a CONFLICT.
 */
export async function setStaffServices(
  scope: Scope,
  input: { staffId: string; version: number; services: StaffSkill[] },
): Promise<StaffView> {
  const ids = input.services.map((s) => s.serviceId);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new AppError("BAD_INPUT", `Service ${dup} is listed twice`);
  return scope.db.$transaction(async (tx) => {
    const member = await tx.staffMember.findFirst({
      where: { id: input.staffId, locationId: scope.locationId },
      select: { displayName: true, active: true },
    });
    if (!member) throw new AppError("NOT_FOUND", "Staff member not found");
    if (!member.active && ids.length) {
      throw new AppError("BAD_INPUT", `${member.displayName} is inactive and cannot be given services`);
    }
    const services = await tx.service.findMany({ where: { id: { in: ids }, locationId: scope.locationId } });
    for (const skill of input.services) {
      const service = services.find((s) => s.id === skill.serviceId);
      if (!service) throw new AppError("BAD_INPUT", `Service ${skill.serviceId} is not offered at this location`);
      if (!service.active) throw new AppError("BAD_INPUT", `${service.nameEn} is archived and cannot be assigned`);
      try {
        checkServiceRules({
          ...service,
          durationMinutes: skill.durationMinutes ?? service.durationMinutes,
          processingMinutes: skill.processingMinutes ?? service.processingMinutes,
          finishingMinutes: skill.finishingMinutes ?? service.finishingMinutes,
          priceCents: skill.priceCents ?? service.priceCents,
        });
      } catch (e) {
        if (e instanceof AppError) throw new AppError("BAD_INPUT", `${service.nameEn}: ${e.message}`);
        throw e;
      }
    }
    await bumpStaffVersion(tx, scope, input.staffId, input.version);
    const before = await tx.staffService.findMany({ where: { staffId: input.staffId } });
    const touched = new Set<string>();
    for (const row of before) {
      const next = input.services.find((s) => s.serviceId === row.serviceId);
      if (!next || !sameOverride(row, next)) touched.add(row.serviceId);
    }
    for (const s of input.services) if (!before.some((b) => b.serviceId === s.serviceId)) touched.add(s.serviceId);
    await tx.staffService.deleteMany({ where: { staffId: input.staffId } });
    await tx.staffService.createMany({
      data: input.services.map((s) => ({
        staffId: input.staffId,
        serviceId: s.serviceId,
        durationMinutes: s.durationMinutes ?? null,
        processingMinutes: s.processingMinutes ?? null,
        finishingMinutes: s.finishingMinutes ?? null,
        priceCents: s.priceCents ?? null,
      })),
    });
    const bumped = touched.size
      ? await tx.service.updateManyAndReturn({
          where: { id: { in: [...touched] }, locationId: scope.locationId },
          data: { version: { increment: 1 } },
          select: { id: true, version: true },
        })
      : [];
    const after = await readStaff(tx, scope, input.staffId);
    await recordWrite(tx, scope, {
      action: "staff.setServices",
      entityType: "staff",
      entityId: input.staffId,
      audit: { services: input.services, changedServices: [...touched] },
      change: { version: after.version },
    });
    for (const s of bumped) {
      await appendChange(tx, {
        entityType: "service",
        entityId: s.id,
        op: "upsert",
        locationId: scope.locationId,
        data: { version: s.version },
      });
    }
    return after;
  });
}
