// Staff sessions: opaque refresh tokens (stored only as SHA-256 hashes), rotated on every use, with
// reuse detection per family, and the check that keeps access tokens of ended sessions out.
//
// A "family" is one sign-in on one device: login starts it, every refresh adds a row (the old row gets
// rotated_at), and ending it sets revoked_at on all its rows. Access tokens carry the id of the row that
// minted them (sid), so revoking a family also refuses its still-unexpired access tokens.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { appendAudit } from "../changes/change-log.ts";
import type { Db, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { ACCESS_TOKEN_TTL_S, type AccessClaims, signAccessToken } from "./access-token.ts";

export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Namespace for the per-staff advisory lock (two-key form, so it never collides with one-key locks). */
const SESSION_LOCK_NS = 0x73657373; // "sess"

/** What the auth domain needs from the app's services (AppServices satisfies it). */
export interface AuthDeps {
  db: Db;
  clock: () => Date;
  /** HMAC secret for access tokens. */
  authSecret: string;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionStaff {
  id: string;
  displayName: string;
  email: string;
  role: StaffRole;
  locationId: string;
  language: string;
}

export const SESSION_STAFF_SELECT = {
  id: true,
  displayName: true,
  email: true,
  role: true,
  locationId: true,
  language: true,
  active: true,
  disabledAt: true,
} as const;

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  sessionId: string;
  staff: SessionStaff;
}

export function sessionUnauthenticated(message = "Your session has ended; sign in again"): AppError {
  return new AppError("UNAUTHENTICATED", message);
}

export function staffCanSignIn(staff: { active: boolean; disabledAt: Date | null }): boolean {
  return staff.active && staff.disabledAt === null;
}

export function hashRefreshToken(token: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash("sha256").update(token, "utf8").digest());
}

/** 32 random bytes, base64url (43 characters). Only its hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Serialises session writes of one staff member (rotation vs. revocation). Without it a logout could
 * miss the row a concurrent refresh is inserting, leaving that new refresh token alive.
 */
export async function lockStaffSessions(tx: Tx, staffId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SESSION_LOCK_NS}::int, hashtext(${staffId}))`;
}

function publicStaff(s: SessionStaff): SessionStaff {
  return {
    id: s.id,
    displayName: s.displayName,
    email: s.email,
    role: s.role,
    locationId: s.locationId,
    language: s.language,
  };
}

/** Inserts a session row (a new family, or the next member of `familyId`) and mints both tokens. */
export async function issueSession(
  tx: Tx,
  deps: Pick<AuthDeps, "authSecret">,
  now: Date,
  staff: SessionStaff,
  client: ClientInfo,
  familyId: string = randomUUID(),
): Promise<IssuedTokens> {
  const refreshToken = newRefreshToken();
  const expiresAt = new Date(now.getTime() + REFRESH_TOKEN_TTL_MS);
  const row = await tx.staffSession.create({
    data: {
      staffId: staff.id,
      familyId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      ipAddress: client.ip,
      createdAt: now,
      expiresAt,
    },
    select: { id: true },
  });
  const accessToken = signAccessToken(
    { sub: staff.id, role: staff.role, loc: staff.locationId, sid: row.id },
    deps.authSecret,
    now,
  );
  const iat = Math.floor(now.getTime() / 1000);
  return {
    accessToken,
    accessTokenExpiresAt: new Date((iat + ACCESS_TOKEN_TTL_S) * 1000).toISOString(),
    refreshToken,
    refreshTokenExpiresAt: expiresAt.toISOString(),
    sessionId: row.id,
    staff: publicStaff(staff),
  };
}

/** Revokes every live row of the given families; returns how many families had live rows. */
export async function revokeFamilies(
  tx: Tx,
  where: { staffId: string; familyId?: string; exceptFamilyId?: string },
  now: Date,
  reason: string,
): Promise<number> {
  const filter = {
    staffId: where.staffId,
    revokedAt: null,
    ...(where.familyId ? { familyId: where.familyId } : {}),
    ...(where.exceptFamilyId ? { NOT: { familyId: where.exceptFamilyId } } : {}),
  };
  // A family counts as signed in while its newest row is unrotated and unexpired.
  const live = await tx.staffSession.findMany({
    where: { ...filter, rotatedAt: null, expiresAt: { gt: now } },
    select: { familyId: true },
    distinct: ["familyId"],
  });
  await tx.staffSession.updateMany({ where: filter, data: { revokedAt: now, revokeReason: reason } });
  return live.length;
}

/**
 * Exchanges a refresh token for a new pair. The presented row is marked rotated; presenting a rotated
 * token again means it leaked (or a client replayed it), so the whole family is revoked — including
 * the newest token — and the call fails.
 */
export async function refreshSession(deps: AuthDeps, refreshToken: string, client: ClientInfo): Promise<IssuedTokens> {
  const now = deps.clock();
  const row = await deps.db.staffSession.findUnique({
    where: { refreshTokenHash: hashRefreshToken(refreshToken) },
    select: {
      id: true,
      familyId: true,
      staffId: true,
      expiresAt: true,
      rotatedAt: true,
      revokedAt: true,
      staff: { select: SESSION_STAFF_SELECT },
    },
  });
  if (!row || row.revokedAt) throw sessionUnauthenticated();

  const revokeForReuse = () =>
    deps.db.$transaction(async (tx) => {
      await lockStaffSessions(tx, row.staffId);
      await revokeFamilies(tx, { staffId: row.staffId, familyId: row.familyId }, now, "refresh_token_reuse");
      await appendAudit(
        tx,
        { type: "system" },
        {
          action: "auth.refresh_token_reused",
          entityType: "staff",
          entityId: row.staffId,
          locationId: row.staff.locationId,
          data: { familyId: row.familyId, sessionId: row.id, ip: client.ip },
        },
      );
    });

  if (row.rotatedAt) {
    await revokeForReuse();
    throw sessionUnauthenticated();
  }
  if (row.expiresAt.getTime() <= now.getTime()) throw sessionUnauthenticated("Your session has expired; sign in again");
  if (!staffCanSignIn(row.staff)) throw sessionUnauthenticated("This account is disabled");

  const issued = await deps.db.$transaction(async (tx) => {
    await lockStaffSessions(tx, row.staffId);
    // Conditional claim: of two requests presenting the same token, exactly one rotates it.
    const claimed = await tx.staffSession.updateMany({
      where: { id: row.id, rotatedAt: null, revokedAt: null },
      data: { rotatedAt: now },
    });
    if (claimed.count !== 1) return null;
    return issueSession(tx, deps, now, row.staff, client, row.familyId);
  });
  if (!issued) {
    // Lost the race to another use of the same token (or the family was revoked meanwhile).
    await revokeForReuse();
    throw sessionUnauthenticated();
  }
  return issued;
}

/** The session row behind an access token (the current device), or UNAUTHENTICATED. */
async function currentSession(db: Db | Tx, claims: AccessClaims) {
  const row = UUID_RE.test(claims.sid)
    ? await db.staffSession.findUnique({
        where: { id: claims.sid },
        select: { id: true, staffId: true, familyId: true, createdAt: true, revokedAt: true },
      })
    : null;
  if (!row || row.staffId !== claims.sub || row.revokedAt) throw sessionUnauthenticated();
  return row;
}

/** Ends the caller's current sign-in (its whole refresh-token family). */
export async function logout(deps: AuthDeps, claims: AccessClaims): Promise<{ endedSessions: number }> {
  const now = deps.clock();
  return deps.db.$transaction(async (tx) => {
    await lockStaffSessions(tx, claims.sub);
    const current = await currentSession(tx, claims);
    const ended = await revokeFamilies(tx, { staffId: claims.sub, familyId: current.familyId }, now, "logout");
    await appendAudit(
      tx,
      { type: "staff", id: claims.sub },
      {
        action: "auth.logout",
        entityType: "staff",
        entityId: claims.sub,
        locationId: claims.loc,
        data: { familyId: current.familyId },
      },
    );
    return { endedSessions: ended };
  });
}

/** Ends every sign-in of the caller except the current one. */
export async function logoutOtherDevices(deps: AuthDeps, claims: AccessClaims): Promise<{ endedSessions: number }> {
  const now = deps.clock();
  return deps.db.$transaction(async (tx) => {
    await lockStaffSessions(tx, claims.sub);
    const current = await currentSession(tx, claims);
    const ended = await revokeFamilies(
      tx,
      { staffId: claims.sub, exceptFamilyId: current.familyId },
      now,
      "logout_other_devices",
    );
    await appendAudit(
      tx,
      { type: "staff", id: claims.sub },
      {
        action: "auth.logout_other_devices",
        entityType: "staff",
        entityId: claims.sub,
        locationId: claims.loc,
        data: { keptFamilyId: current.familyId, endedSessions: ended },
      },
    );
    return { endedSessions: ended };
  });
}

export async function me(deps: AuthDeps, claims: AccessClaims) {
  const current = await currentSession(deps.db, claims);
  const staff = await deps.db.staffMember.findUnique({ where: { id: claims.sub }, select: SESSION_STAFF_SELECT });
  if (!staff) throw sessionUnauthenticated();
  return {
    staff: publicStaff(staff),
    sessionId: current.id,
    familyId: current.familyId,
    sessionStartedAt: current.createdAt.toISOString(),
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The per-request check behind every protected procedure: the access token's session must still be
 * live and its staff member enabled, with the role the token claims (a role change forces a refresh).
 * One primary-key lookup joined to staff_member. Throws UNAUTHENTICATED otherwise.
 */
export async function assertAccessSession(db: Db, claims: AccessClaims): Promise<void> {
  if (!UUID_RE.test(claims.sid)) throw sessionUnauthenticated();
  // One statement (Prisma's relation select would be two round trips, on every protected call).
  const [row] = await db.$queryRaw<
    { staff_id: string; revoked: boolean; active: boolean; disabled_at: Date | null; role: string }[]
  >`SELECT s.staff_id::text, s.revoked_at IS NOT NULL AS revoked, m.active, m.disabled_at, m.role::text
      FROM staff_session s JOIN staff_member m ON m.id = s.staff_id
     WHERE s.id = ${claims.sid}::uuid`;
  if (!row || row.staff_id !== claims.sub || row.revoked) throw sessionUnauthenticated();
  if (!staffCanSignIn({ active: row.active, disabledAt: row.disabled_at })) {
    throw sessionUnauthenticated("This account is disabled");
  }
  if (row.role !== claims.role) throw sessionUnauthenticated("Your role changed; sign in again");
}

/**
 * Ends the sign-in a refresh token belongs to (its whole family), for the browser console's sign-out,
 * where the token travels in an httpOnly cookie and there may be no access token (signed in offline).
 * An unknown token ends nothing.
 */
export async function logoutByRefreshToken(deps: AuthDeps, refreshToken: string): Promise<{ endedSessions: number }> {
  const now = deps.clock();
  const row = await deps.db.staffSession.findUnique({
    where: { refreshTokenHash: hashRefreshToken(refreshToken) },
    select: { staffId: true, familyId: true, staff: { select: { locationId: true } } },
  });
  if (!row) return { endedSessions: 0 };
  return deps.db.$transaction(async (tx) => {
    await lockStaffSessions(tx, row.staffId);
    const ended = await revokeFamilies(tx, { staffId: row.staffId, familyId: row.familyId }, now, "logout");
    await appendAudit(
      tx,
      { type: "staff", id: row.staffId },
      {
        action: "auth.logout",
        entityType: "staff",
        entityId: row.staffId,
        locationId: row.staff.locationId,
        data: { familyId: row.familyId },
      },
    );
    return { endedSessions: ended };
  });
}
