// Idempotency keys for writes: the first request's answer is stored in the same transaction as
// its effects, so a retry (after a timeout, a double click, a redelivered webhook) gets the same
// answer and books nothing twice. The same key with a different request is refused.
import { createHash } from "node:crypto";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";

export function requestHash(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/** The stored response for `key`, or null if the key is new. Throws when reused for another request. */
export async function replayed<T>(tx: Tx, scope: string, key: string, hash: string): Promise<T | null> {
  const found = await tx.idempotencyRecord.findUnique({ where: { key: `${scope}:${key}` } });
  if (!found) return null;
  if (found.requestHash !== hash) {
    throw new AppError("CONFLICT", "This idempotency key was already used for a different request");
  }
  return found.response as T;
}

/**
 * Claims the key at the start of the transaction. A concurrent twin blocks on the primary key
 * until this transaction ends, then fails with a unique violation and replays our answer
 * (isDuplicateKey) — instead of racing us to the booking and losing on the overlap guard.
 * Claim before any other write: the twin then waits holding no lock of its own, so the wait can
 * never close a cycle (the lock order is in changes/change-log.ts). If our transaction is rolled
 * back and re-run (db/transaction.ts), the twin may claim the key in between; our re-run then
 * blocks on its claim and replays its answer — still one booking per key.
 */
export async function claim(tx: Tx, scope: string, key: string, hash: string): Promise<void> {
  await tx.idempotencyRecord.create({ data: { key: `${scope}:${key}`, scope, requestHash: hash, response: {} } });
}

/** Stores the answer for the claimed key (same transaction as the claim). */
export async function remember(tx: Tx, scope: string, key: string, response: unknown): Promise<void> {
  await tx.idempotencyRecord.update({ where: { key: `${scope}:${key}` }, data: { response: response as never } });
}

/** True for the unique violation a concurrent duplicate request hits on idempotency_record. */
export function isDuplicateKey(e: unknown): boolean {
  const err = e as {
    code?: string;
    meta?: { modelName?: string; target?: unknown; driverAdapterError?: { cause?: { kind?: string } } };
  };
  return err?.code === "P2002" && err.meta?.modelName === "IdempotencyRecord";
}
