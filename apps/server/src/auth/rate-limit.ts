// Login rate limiting, kept in PostgreSQL (table login_throttle) so every server instance shares it.
//
// Limits (fixed window that starts at the first counted attempt):
//   - per account (the e-mail as typed, lower-cased — unknown e-mails are limited exactly like real
//     ones, so the limiter reveals nothing): 5 failed attempts per 15 minutes;
//   - per client address: 20 failed attempts per 15 minutes (slows password spraying across accounts).
//
// An attempt is counted *before* the password is checked (one atomic upsert per key), so parallel
// requests on several instances cannot all slip through between "check" and "record". A successful
// login then gives the attempt back: the account counter is cleared, the address counter drops by one
// (not cleared, or one valid account would let an address reset its own spraying budget).
import type { Db } from "../db/client.ts";

export interface ThrottleRule {
  max: number;
  windowMs: number;
}

export const LOGIN_LIMITS = {
  account: { max: 5, windowMs: 15 * 60_000 },
  ip: { max: 20, windowMs: 15 * 60_000 },
} as const satisfies Record<string, ThrottleRule>;

export interface ThrottleKeys {
  /** Lower-cased e-mail. */
  account: string;
  /** Client address (Fastify's req.ip). */
  ip: string;
}

export interface Blocked {
  scope: "account" | "ip";
  retryAfterSeconds: number;
}

const accountKey = (email: string) => `account:${email}`;
const ipKey = (ip: string) => `ip:${ip}`;

/** Counts one attempt for `key`; returns the count in the current window and when that window started. */
async function bump(db: Db, key: string, now: Date, rule: ThrottleRule): Promise<{ count: number; windowStart: Date }> {
  const windowFloor = new Date(now.getTime() - rule.windowMs);
  // In ON CONFLICT … SET every expression sees the old row, so both CASEs test the same window.
  const rows = await db.$queryRaw<{ failures: number; window_start: Date }[]>`
    INSERT INTO login_throttle (key, window_start, failures) VALUES (${key}, ${now}, 1)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN login_throttle.window_start <= ${windowFloor} THEN 1 ELSE login_throttle.failures + 1 END,
      window_start = CASE WHEN login_throttle.window_start <= ${windowFloor} THEN ${now} ELSE login_throttle.window_start END
    RETURNING failures, window_start`;
  const row = rows[0]!;
  return { count: Number(row.failures), windowStart: new Date(row.window_start) };
}

function blocked(scope: Blocked["scope"], windowStart: Date, now: Date, rule: ThrottleRule): Blocked {
  const ms = windowStart.getTime() + rule.windowMs - now.getTime();
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
}

/**
 * Counts a login attempt against the address and then the account. Returns null when the attempt may
 * proceed, or which limit it hit. An address that is already blocked does not add to the account's
 * count, so one noisy address cannot also lock out an account on its own behalf.
 */
export async function reserveLoginAttempt(db: Db, now: Date, keys: ThrottleKeys): Promise<Blocked | null> {
  const ip = await bump(db, ipKey(keys.ip), now, LOGIN_LIMITS.ip);
  if (ip.count > LOGIN_LIMITS.ip.max) return blocked("ip", ip.windowStart, now, LOGIN_LIMITS.ip);
  const account = await bump(db, accountKey(keys.account), now, LOGIN_LIMITS.account);
  if (account.count > LOGIN_LIMITS.account.max) {
    return blocked("account", account.windowStart, now, LOGIN_LIMITS.account);
  }
  return null;
}

/** Gives back the attempt counted by reserveLoginAttempt after the password proved right. */
export async function recordLoginSuccess(db: Db, keys: ThrottleKeys): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: accountKey(keys.account) } });
  await db.$executeRaw`
    UPDATE login_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = ${ipKey(keys.ip)}`;
}

/** Deletes counters whose window has ended (for a periodic job; stale rows are harmless otherwise). */
export async function purgeExpiredThrottles(db: Db, now: Date): Promise<number> {
  const longest = Math.max(LOGIN_LIMITS.account.windowMs, LOGIN_LIMITS.ip.windowMs);
  const { count } = await db.loginThrottle.deleteMany({
    where: { windowStart: { lte: new Date(now.getTime() - longest) } },
  });
  return count;
}
