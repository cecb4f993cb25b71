// Sign-in and password change. Unknown e-mail, missing password and wrong password give the same
// error after the same work (one staff lookup + one argon2id verify, against a dummy hash when there is
// no real one), so neither the answer nor its timing tells whether an account exists.
import { randomBytes } from "node:crypto";
import { appendAudit } from "../changes/change-log.ts";
import { AppError } from "../errors/app-error.ts";
import type { AccessClaims } from "./access-token.ts";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "./password.ts";
import { type Blocked, recordLoginSuccess, reserveLoginAttempt } from "./rate-limit.ts";
import {
  type AuthDeps,
  type ClientInfo,
  type IssuedTokens,
  issueSession,
  lockStaffSessions,
  revokeFamilies,
  SESSION_STAFF_SELECT,
  sessionUnauthenticated,
  staffCanSignIn,
} from "./sessions.ts";

export const INVALID_CREDENTIALS = "Email or password is incorrect";

let dummyHash: Promise<string> | undefined;
/** A real argon2id hash (same parameters) of a random secret, so a miss costs what a hit costs. */
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString("base64url"));
  return dummyHash;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function rateLimited(b: Blocked): AppError {
  return new AppError("RATE_LIMITED", "Too many sign-in attempts; try again later", {
    retryAfterSeconds: b.retryAfterSeconds,
  });
}

export async function login(
  deps: AuthDeps,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<IssuedTokens> {
  const now = deps.clock();
  const email = normalizeEmail(input.email);
  const keys = { account: email, ip: client.ip ?? "unknown" };
  const blocked = await reserveLoginAttempt(deps.db, now, keys);
  if (blocked) throw rateLimited(blocked);

  const staff = await deps.db.staffMember.findFirst({
    where: { email: { equals: email, mode: "insensitive" } },
    select: { ...SESSION_STAFF_SELECT, passwordHash: true },
  });
  const passwordOk = await verifyPassword(staff?.passwordHash ?? (await getDummyHash()), input.password);
  if (!staff?.passwordHash || !passwordOk) throw new AppError("UNAUTHENTICATED", INVALID_CREDENTIALS);
  // Only someone who knows the password learns that the account is disabled.
  if (!staffCanSignIn(staff)) throw new AppError("UNAUTHENTICATED", "This account is disabled");

  await recordLoginSuccess(deps.db, keys);
  return deps.db.$transaction(async (tx) => {
    const issued = await issueSession(tx, deps, now, staff, client);
    await appendAudit(
      tx,
      { type: "staff", id: staff.id },
      {
        action: "auth.login",
        entityType: "staff",
        entityId: staff.id,
        locationId: staff.locationId,
        data: { sessionId: issued.sessionId, ip: client.ip },
      },
    );
    return issued;
  });
}

/**
 * Changes the caller's password. The current password is required and its guesses count against the
 * same limits as sign-in (a stolen access token must not become a password oracle). Other sign-ins
 * are ended; the current one stays.
 */
export async function changePassword(
  deps: AuthDeps,
  claims: AccessClaims,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
): Promise<{ endedSessions: number }> {
  const now = deps.clock();
  const staff = await deps.db.staffMember.findUnique({
    where: { id: claims.sub },
    select: { ...SESSION_STAFF_SELECT, passwordHash: true },
  });
  if (!staff || !staffCanSignIn(staff)) throw sessionUnauthenticated();

  const keys = { account: normalizeEmail(staff.email), ip: client.ip ?? "unknown" };
  const blocked = await reserveLoginAttempt(deps.db, now, keys);
  if (blocked) throw rateLimited(blocked);
  const ok = await verifyPassword(staff.passwordHash ?? (await getDummyHash()), input.currentPassword);
  if (!staff.passwordHash || !ok) {
    throw new AppError("BAD_INPUT", "Current password is incorrect", { field: "currentPassword" });
  }
  await recordLoginSuccess(deps.db, keys);

  checkPasswordPolicy(input.newPassword);
  const passwordHash = await hashPassword(input.newPassword);

  return deps.db.$transaction(async (tx) => {
    await lockStaffSessions(tx, staff.id);
    const current = await tx.staffSession.findUnique({ where: { id: claims.sid }, select: { familyId: true } });
    await tx.staffMember.update({ where: { id: staff.id }, data: { passwordHash } });
    const ended = await revokeFamilies(
      tx,
      { staffId: staff.id, ...(current ? { exceptFamilyId: current.familyId } : {}) },
      now,
      "password_changed",
    );
    await appendAudit(
      tx,
      { type: "staff", id: staff.id },
      {
        action: "auth.password_changed",
        entityType: "staff",
        entityId: staff.id,
        locationId: staff.locationId,
        data: { endedSessions: ended },
      },
    );
    return { endedSessions: ended };
  });
}
