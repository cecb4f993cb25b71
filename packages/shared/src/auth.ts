// Staff sign-in, token refresh and session management.
import { z } from "zod";
import { isoInstant, staffRole, uuid } from "./common.ts";
import { line } from "./input.ts";

// Login accepts any stored password (the 8–128 policy applies when a password is set); the upper
// bound only caps the work a request can ask of argon2. Passwords are never stored or compared as
// text in the database (only argon2 sees them), so any character is allowed.
const loginPassword = z.string().min(1, "Enter your password").max(1024);

export const loginInput = z.object({
  // Not z.email(): an account whose address predates a stricter check must still sign in.
  email: line(254, { trim: true }),
  password: loginPassword,
});
export type LoginInput = z.infer<typeof loginInput>;

export const authStaff = z.object({
  id: uuid,
  displayName: z.string(),
  email: z.string(),
  role: staffRole,
  locationId: uuid,
  language: z.string(),
});
export type AuthStaff = z.infer<typeof authStaff>;

/** What login and refresh return: a 15-minute access token and a 7-day single-use refresh token. */
export const authTokens = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: isoInstant,
  refreshToken: z.string(),
  refreshTokenExpiresAt: isoInstant,
  sessionId: uuid,
  staff: authStaff,
});
export type AuthTokens = z.infer<typeof authTokens>;

export const refreshInput = z.object({
  // 32 random bytes, base64url: 43 characters.
  refreshToken: line(200, { min: 1 }),
});
export type RefreshInput = z.infer<typeof refreshInput>;

export const meOutput = z.object({
  staff: authStaff,
  sessionId: uuid,
  familyId: uuid,
  sessionStartedAt: isoInstant,
});
export type MeOutput = z.infer<typeof meOutput>;

export const changePasswordInput = z.object({
  currentPassword: loginPassword,
  // Length and common-password checks run on the server (auth/password.ts) so messages stay in one place.
  newPassword: z.string().min(1).max(1024),
});
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;

export const endSessionsInput = z.object({ staffId: uuid });
export type EndSessionsInput = z.infer<typeof endSessionsInput>;

export const setStaffDisabledInput = z.object({ staffId: uuid, disabled: z.boolean() });
export type SetStaffDisabledInput = z.infer<typeof setStaffDisabledInput>;

/** How many refresh-token families (signed-in devices) were ended. */
export const sessionsEndedOutput = z.object({ endedSessions: z.number().int().min(0) });
export type SessionsEndedOutput = z.infer<typeof sessionsEndedOutput>;

export const setStaffDisabledOutput = z.object({
  staffId: uuid,
  disabled: z.boolean(),
  disabledAt: isoInstant.nullable(),
  endedSessions: z.number().int().min(0),
});
export type SetStaffDisabledOutput = z.infer<typeof setStaffDisabledOutput>;
