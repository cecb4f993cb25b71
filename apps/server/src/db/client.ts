import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { type RetryPolicy, WRITE_RETRY, withWriteTransactions } from "./transaction.ts";
import { poolConfigFromUrl } from "./url.ts";

export type Db = PrismaClient;
/** A Prisma interactive-transaction client: what domain commands receive. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * The Prisma client. Its interactive `$transaction(fn)` is the one write-transaction path
 * (db/transaction.ts): contention (deadlock, serialization failure) is retried with jitter, and
 * before-commit hooks (the change-log append) run after the callback.
 */
export function createDb(url: string, opts: { max?: number; retry?: RetryPolicy } = {}): Db {
  const adapter = new PrismaPg({ ...poolConfigFromUrl(url), max: opts.max ?? 20 });
  return withWriteTransactions(new PrismaClient({ adapter }), opts.retry ?? WRITE_RETRY);
}

export { Prisma } from "../generated/prisma/client.ts";
