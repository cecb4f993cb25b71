import type { AccessClaims } from "../auth/access-token.ts";
import type { AppServices } from "../services.ts";

export type { AppServices };

export interface AppContext extends AppServices {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** Verified access-token claims, or null for an anonymous caller. */
  auth: AccessClaims | null;
  /**
   * The location the caller asks to act on (`x-cita-location` header, or the SSE `location`
   * connection parameter; issue #21), checked by procedureFor against auth/locations.ts; absent =
   * the caller's home location.
   */
  locationHeader?: string | null;
}
