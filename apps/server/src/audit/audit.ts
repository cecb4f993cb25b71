// Reading the audit trail of the caller's location, newest first, with keyset pagination on the
// row id (monotonic), so a page boundary never skips or repeats a row while new rows arrive.
import { INT8_MAX } from "@cita/shared";
import type { Prisma } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { ActorType } from "../generated/prisma/enums.ts";
import type { Scope } from "./scope.ts";

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  actorType?: ActorType;
  actorId?: string;
  from?: string;
  to?: string;
  cursor?: string | null;
  limit?: number;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorType: ActorType;
  actorId: string | null;
  actorName: string | null;
  action: string;
  entityType: string;
  entityId: string;
  data: unknown;
}

function parseCursor(cursor: string): bigint {
  // Audit ids are int8: a larger number was not handed out by us.
  if (!/^\d{1,19}$/.test(cursor) || BigInt(cursor) > INT8_MAX) {
    throw new AppError("BAD_INPUT", "Invalid cursor; start the listing again");
  }
  return BigInt(cursor);
}

export async function listAudit(
  scope: Scope,
  q: AuditQuery,
): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to) throw new AppError("BAD_INPUT", "The date range must start before it ends");
  const where: Prisma.AuditLogWhereInput = {
    locationId: scope.locationId,
    ...(q.entityType ? { entityType: q.entityType } : {}),
    ...(q.entityId ? { entityId: q.entityId } : {}),
    ...(q.actorType ? { actorType: q.actorType } : {}),
    ...(q.actorId ? { actorId: q.actorId } : {}),
    ...(from || to ? { at: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } } : {}),
    ...(q.cursor ? { id: { lt: parseCursor(q.cursor) } } : {}),
  };
  const rows = await scope.db.auditLog.findMany({ where, orderBy: { id: "desc" }, take: limit + 1 });
  const page = rows.slice(0, limit);
  const staffIds = [...new Set(page.filter((r) => r.actorType === "staff" && r.actorId).map((r) => r.actorId!))];
  const staff = staffIds.length
    ? await scope.db.staffMember.findMany({
        // actor ids are free text in the log; only well-formed uuids can be staff ids.
        where: { id: { in: staffIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id)) } },
        select: { id: true, displayName: true },
      })
    : [];
  const names = new Map(staff.map((s) => [s.id, s.displayName]));
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorId: r.actorId,
      actorName: r.actorType === "staff" && r.actorId ? (names.get(r.actorId) ?? null) : null,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      data: r.data ?? null,
    })),
    nextCursor: rows.length > limit ? page.at(-1)!.id.toString() : null,
  };
}
