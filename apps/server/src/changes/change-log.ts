// Every write appends to change_log in its own transaction (Outline-style "command writes the row
// and its event together"). Consoles stream it; the desktop replica syncs from it.

import type { Tx } from "../db/client.ts";
import type { ActorType, ChangeOp } from "../generated/prisma/enums.ts";

/** Advisory-lock key serialising change-log appends, so versions become visible in commit order. */
export const CHANGE_LOG_LOCK = 0x63697461; // "cita"

/** NOTIFY channel woken on every commit that appended changes; the payload is the version. */
export const CHANGE_CHANNEL = "cita_changes";

export interface ChangeInput {
  entityType: string;
  entityId: string;
  op: ChangeOp;
  locationId?: string | null;
  data?: unknown;
}

export interface Actor {
  type: ActorType;
  id?: string | null;
}

/**
 * Appends a change. Call it last in the transaction: the lock is held until commit, so no later
 * version can become visible before this one (a sequence alone would let a reader skip a row
 * whose transaction commits late). The NOTIFY is delivered on commit (never on rollback) and is
 * only a wake-up for `ChangeFeed`: listeners read change_log itself.
 */
export async function appendChange(tx: Tx, change: ChangeInput): Promise<bigint> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK})`;
  const row = await tx.changeLog.create({
    data: {
      entityType: change.entityType,
      entityId: change.entityId,
      op: change.op,
      locationId: change.locationId ?? null,
      data: (change.data ?? undefined) as never,
    },
    select: { version: true },
  });
  await tx.$executeRaw`SELECT pg_notify(${CHANGE_CHANNEL}, ${row.version.toString()})`;
  return row.version;
}

export async function appendAudit(
  tx: Tx,
  actor: Actor,
  entry: { action: string; entityType: string; entityId: string; locationId?: string | null; data?: unknown },
): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      locationId: entry.locationId ?? null,
      data: (entry.data ?? undefined) as never,
    },
  });
}
