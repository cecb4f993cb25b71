import type { AccessClaims } from "../auth/access-token.ts";
import type { AppServices } from "../services.ts";

export type { AppServices };

export interface AppContext extends AppServices {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** Verified access-token claims, or null for an anonymous caller. */
  auth: AccessClaims | null;
}
