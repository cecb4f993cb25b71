// Helpers for the change-feed tests and benchmark (not used by production code).
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { appendChangeNow, type ChangeInput } from "./change-log.ts";

/** Commits one transaction appending one change; returns its version. */
export async function commitChange(db: Db, change: Partial<ChangeInput> = {}): Promise<bigint> {
  return db.$transaction((tx) =>
    appendChangeNow(tx, {
      entityType: change.entityType ?? "booking",
      entityId: change.entityId ?? randomUUID(),
      op: change.op ?? "upsert",
      locationId: change.locationId ?? null,
      data: change.data,
    }),
  );
}

/** Reads `n` items from an async iterator, failing after `timeoutMs` with what it got so far. */
export async function take<T>(it: AsyncIterator<T>, n: number, timeoutMs = 10_000): Promise<T[]> {
  const got: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms with ${got.length}/${n} items`)),
      timeoutMs,
    );
  });
  try {
    while (got.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`iterator ended after ${got.length}/${n} items`);
      got.push(r.value);
    }
    return got;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `cond()` holds (checked every 10 ms), or rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A resolvable promise. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
