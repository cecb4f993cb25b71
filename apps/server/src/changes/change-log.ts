// Every write appends to change_log in its own transaction (Outline-style "command writes the row
// and its event together"). Consoles stream it; the desktop replica syncs from it.

import type { Tx } from "../db/client.ts";
import { beforeCommit } from "../db/transaction.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { ActorType, ChangeOp } from "../generated/prisma/enums.ts";

/**
 * Advisory-lock key serialising change-log appends, so versions become visible in commit order
 * (held until commit; a sequence alone would let a reader skip a row whose transaction commits late).
 */
export const CHANGE_LOG_LOCK = 0x63697461; // "cita"

/**
 * NOTIFY channel woken on every commit that appended changes (delivered on commit, never on
 * rollback; only a wake-up — listeners read change_log itself). The payload is the highest version
 * the transaction appended.
 */
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
 * Appends a change to the transaction's change log. In a transaction opened through `db.$transaction`
 * (db/transaction.ts) the row is written just before commit, after everything else the transaction
 * does, whatever the call order; outside one (a bare client) it is written now.
 *
 * Lock order — why write transactions cannot deadlock on our own locks. Every write path takes
 *   1. the idempotency claim (idempotency_record primary key), first thing in the transaction;
 *   2. row locks (FOR UPDATE, updates) and the booking_segment exclusion constraint (an insert
 *      waits for an uncommitted overlapping segment), in the middle;
 *   3. the change-log advisory lock, last, with nothing after it but the change_log insert and
 *      the NOTIFY (neither waits on another transaction).
 * A transaction holding (3) therefore never waits, so it is never part of a cycle; a twin blocked
 * on (1) holds nothing yet. Taking (3) earlier — as appending mid-transaction used to — made
 * "A holds the change-log lock and waits for B's segment, B waits for the change-log lock" possible.
 * Cycles among (2) remain possible (two concurrent inserts of overlapping segments wait on each
 * other; PostgreSQL picks a victim): those are the contention db/transaction.ts retries.
 */
export async function appendChange(tx: Tx, change: ChangeInput): Promise<void> {
  const queued = pending.get(tx);
  if (queued) {
    queued.push(change);
    return;
  }
  if (beforeCommit(tx, () => flush(tx))) {
    pending.set(tx, [change]);
    return;
  }
  await appendChangeNow(tx, change);
}

const pending = new WeakMap<object, ChangeInput[]>();

/**
 * CTEs appending `changes` in their order under the change-log lock: `cl_lock` takes the lock —
 * after `after` has been computed, when given (a subquery over the statement's own writes, so the
 * lock is the last thing the statement waits for) — and `cl_ins` inserts the rows, drawing their
 * versions only once the lock is held. Select `CHANGE_NOTIFY` from the main query to wake listeners.
 */
export function changeLogCtes(changes: ChangeInput[], after: Prisma.Sql = Prisma.sql`SELECT 1`): Prisma.Sql {
  return Prisma.sql`cl_lock AS MATERIALIZED (
      SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK}::bigint) AS locked FROM (${after}) AS dependency
    ), cl_ins AS (
      INSERT INTO change_log (entity_type, entity_id, op, location_id, data)
      SELECT x.entity_type, x.entity_id, x.op::"ChangeOp", x.location_id, x.data
        FROM cl_lock, unnest(${changes.map((c) => c.entityType)}::text[], ${changes.map((c) => c.entityId)}::text[],
                       ${changes.map((c) => c.op)}::text[], ${changes.map((c) => c.locationId ?? null)}::uuid[],
                       ${changes.map((c) => (c.data === undefined || c.data === null ? null : JSON.stringify(c.data)))}::jsonb[])
             WITH ORDINALITY AS x(entity_type, entity_id, op, location_id, data, n)
       ORDER BY x.n
      RETURNING version
    )`;
}

/** The main query's expression that NOTIFYs the highest version `changeLogCtes` appended. */
export const CHANGE_NOTIFY = Prisma.sql`(SELECT pg_notify(${CHANGE_CHANNEL}, max(version)::text)::text FROM cl_ins HAVING count(*) > 0)`;

/**
 * The transaction's changes in ONE statement, in the order they were appended: the lock (taken
 * before any version is drawn from the sequence), the rows, and the NOTIFY of the highest version.
 * One round trip while holding the lock that every writer's commit queues on.
 */
async function flush(tx: Tx): Promise<void> {
  const changes = pending.get(tx) ?? [];
  pending.delete(tx);
  if (!changes.length) return;
  await tx.$queryRaw`WITH ${changeLogCtes(changes)} SELECT ${CHANGE_NOTIFY} AS notified`;
}

async function insertChange(tx: Tx, change: ChangeInput, lock: boolean): Promise<bigint> {
  if (lock) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK})`;
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
  return row.version;
}

/**
 * Appends a change right now and returns its version (tests and benchmarks that need the number).
 * It takes the change-log lock at once, so it must be the transaction's last statement.
 */
export async function appendChangeNow(tx: Tx, change: ChangeInput): Promise<bigint> {
  const version = await insertChange(tx, change, true);
  await tx.$executeRaw`SELECT pg_notify(${CHANGE_CHANNEL}, ${version.toString()})`;
  return version;
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
