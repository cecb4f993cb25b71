// The one way a write transaction runs. `createDb` routes every interactive `db.$transaction(fn)`
// through `runTransaction`, so each write path gets the same two things without opting in:
//
// 1. Contention is retried. A deadlock (SQLSTATE 40P01), a serialization failure (40001) or what
//    Prisma reports as a write conflict (P2034) means PostgreSQL rolled the whole transaction back
//    to let another one through; nothing of ours was written. The callback runs again on a fresh
//    transaction, a bounded number of times, after a randomised (full-jitter) exponential pause so
//    the colliding transactions do not meet again in lock step. When the attempts run out it throws
//    `ContentionError` (CONFLICT, "try again"), which callers may turn into their own loser's answer
//    (bookings: SLOT_TAKEN with alternatives). A callback must therefore only write through `tx`
//    (jobs are enqueued with `{ tx }`); calls to the outside world belong before or after it.
//    Callers that need an answer from a failed transaction see every other error unchanged.
//
// 2. Hooks run just before commit, after the callback's own statements (`beforeCommit`). The
//    change log uses this to take its advisory lock last in every transaction; see
//    changes/change-log.ts for the lock order this gives.
//
// The array form `db.$transaction([...])` is passed through untouched (its promises cannot be re-run).
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors/app-error.ts";

/** SQLSTATEs after which PostgreSQL has rolled the transaction back and a re-run may succeed. */
export const CONTENTION_SQLSTATES = ["40P01", "40001"] as const;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The pause before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Told of each retry (tests and diagnostics). */
  onRetry?: (attempt: number, error: unknown) => void;
}

export const WRITE_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 15, maxDelayMs: 400 };

/** The transaction kept losing to concurrent ones; nothing was written. Retrying later may work. */
export class ContentionError extends AppError {
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      "CONFLICT",
      "The change collided with other changes at the same moment and was not saved; try again",
      { retryable: true },
      { cause },
    );
    this.name = "ContentionError";
  }
}

interface MaybeDbError {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  cause?: unknown;
  meta?: { code?: unknown; driverAdapterError?: unknown };
}

/**
 * True for a deadlock / serialization failure / write conflict, however it arrives: Prisma's P2034,
 * a raw-query error carrying the SQLSTATE (P2010 with meta.code), the pg adapter's
 * TransactionWriteConflict (with originalCode), node-postgres' own error, or our ContentionError.
 */
export function isContention(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== "object" || depth > 4) return false;
  if (e instanceof ContentionError) return true;
  const err = e as MaybeDbError;
  const sqlstates: readonly unknown[] = CONTENTION_SQLSTATES;
  if (err.code === "P2034" || sqlstates.includes(err.code) || sqlstates.includes(err.originalCode)) return true;
  if (err.kind === "TransactionWriteConflict") return true;
  if (sqlstates.includes(err.meta?.code)) return true;
  return isContention(err.meta?.driverAdapterError, depth + 1) || isContention(err.cause, depth + 1);
}

const hooks = new WeakMap<object, (() => Promise<void>)[]>();

/**
 * Runs `hook` after the transaction's callback has finished, right before commit (in registration
 * order). Returns false when `tx` is not a transaction opened through `runTransaction` (then the
 * caller must do its work now).
 */
export function beforeCommit(tx: object, hook: () => Promise<void>): boolean {
  const list = hooks.get(tx);
  if (!list) return false;
  list.push(hook);
  return true;
}

type Begin<T> = (fn: (tx: object) => Promise<T>, options?: unknown) => Promise<T>;

/**
 * Runs `fn` in a transaction opened by `begin` (Prisma's own `$transaction`), with the before-commit
 * hooks, retrying on contention by `policy`.
 */
export async function runTransaction<T>(
  begin: Begin<T>,
  fn: (tx: object) => Promise<T>,
  options?: unknown,
  policy: RetryPolicy = WRITE_RETRY,
): Promise<T> {
  return retrying(policy, () =>
    begin(async (tx) => {
      const list: (() => Promise<void>)[] = [];
      hooks.set(tx, list);
      try {
        const result = await fn(tx);
        for (let i = 0; i < list.length; i++) await list[i]!();
        return result;
      } finally {
        hooks.delete(tx);
      }
    }, options),
  );
}

/** Runs `attempt` again after contention (with jittered backoff) until it succeeds or `policy` runs out. */
async function retrying<T>(policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!isContention(e) || e instanceof ContentionError) throw e;
      if (attempt >= policy.attempts) throw new ContentionError(attempt, e);
      policy.onRetry?.(attempt, e);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}

const policies = new WeakMap<object, RetryPolicy>();

/**
 * One statement that is a whole transaction on its own (autocommit: data-modifying CTEs), retried on
 * contention by the same policy as the client's transactions.
 */
export function runStatement<T>(client: object, statement: () => Promise<T>): Promise<T> {
  return retrying(policies.get(client) ?? WRITE_RETRY, statement);
}

/**
 * Makes `client.$transaction(fn, options)` run through `runTransaction` (the array form is left
 * alone). Applied once, by `createDb`.
 */
export function withWriteTransactions<C extends { $transaction: (...args: never[]) => unknown }>(
  client: C,
  policy: RetryPolicy = WRITE_RETRY,
): C {
  const original = client.$transaction.bind(client) as unknown as (arg: unknown, options?: unknown) => Promise<unknown>;
  const wrapped = (arg: unknown, options?: unknown) =>
    typeof arg === "function"
      ? runTransaction((fn, opts) => original(fn, opts), arg as (tx: object) => Promise<unknown>, options, policy)
      : original(arg, options);
  Object.defineProperty(client, "$transaction", { value: wrapped, configurable: true, writable: true });
  policies.set(client, policy);
  if (client.$transaction !== (wrapped as unknown)) {
    throw new Error("Could not install the write-transaction wrapper on the Prisma client");
  }
  return client;
}
