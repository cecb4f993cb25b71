// Short-lived access tokens: HMAC-SHA256 signed, 15 minutes. Compact JWT (HS256) so standard tools
// can read them; verified here with a constant-time compare and an explicit algorithm.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { StaffRole } from "../generated/prisma/enums.ts";

export const ACCESS_TOKEN_TTL_S = 15 * 60;

export interface AccessClaims {
  sub: string; // staff id
  role: StaffRole;
  loc: string; // location id
  sid: string; // session id (refresh-token family member that minted it)
  iat: number;
  exp: number;
}

const b64 = (v: string | Buffer) => Buffer.from(v).toString("base64url");
const HEADER = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export function signAccessToken(claims: Omit<AccessClaims, "iat" | "exp">, secret: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  const body = b64(JSON.stringify({ ...claims, iat, exp: iat + ACCESS_TOKEN_TTL_S }));
  const sig = createHmac("sha256", secret).update(`${HEADER}.${body}`).digest("base64url");
  return `${HEADER}.${body}.${sig}`;
}

/** Returns the claims, or null when the token is malformed, forged or expired. */
export function verifyAccessToken(token: string, secret: string, now: Date): AccessClaims | null {
  const [header, body, sig] = token.split(".");
  if (!header || !body || !sig || header !== HEADER) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as AccessClaims;
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= now.getTime()) return null;
    return claims;
  } catch {
    return null;
  }
}
