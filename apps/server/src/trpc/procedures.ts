// The only two ways to declare a procedure. `publicProcedure` is for login, health and the like;
// everything else uses `procedureFor(permission)`, which checks the caller's role on the server.
import { TRPCError } from "@trpc/server";
import type { AccessClaims } from "../auth/access-token.ts";
import { claimsForLocation } from "../auth/locations.ts";
import { type Permission, roleHas } from "../auth/permissions.ts";
import { assertAccessSession } from "../auth/sessions.ts";
import { baseProcedure, middleware } from "./init.ts";

export const publicProcedure = baseProcedure.meta({ public: true });

/**
 * The session id testing/test-app.ts's callerFor puts in claims when a test gives none. Accepted
 * without a session row only when CITA_ENV=test, so tests of other areas need not create sessions;
 * login never mints it, and outside tests it is refused like any unknown session.
 */
export const TEST_NIL_SESSION_ID = "00000000-0000-0000-0000-000000000000";

// Revocation check: every protected call looks up its access token's session row (primary key,
// joined to staff_member) so a logout, "end sessions", disabling or a role change takes effect on
// the very next request, on every server instance. Cost: one indexed query per request (well under
// a millisecond on a local database). An in-process cache with a short TTL would save that query but
// let a revoked token keep working for up to the TTL on each instance (there is no cross-instance
// invalidation), so for a staff console's request rate the lookup is the better trade.
const requirePermission = middleware(async ({ ctx, meta, next }) => {
  const permission = meta?.permission;
  if (!ctx.auth) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  if (!permission || !roleHas(ctx.auth.role, permission)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Your role cannot do this" });
  }
  if (!(ctx.config.CITA_ENV === "test" && ctx.auth.sid === TEST_NIL_SESSION_ID)) {
    await assertAccessSession(ctx.db, ctx.auth);
  }
  // Only the narrowed key: tRPC merges it into the context it already has. The location asked for
  // (issue #21) replaces the home one when the caller may see it (auth/locations.ts).
  return next({ ctx: { auth: await claimsForLocation(ctx.db, ctx.auth as AccessClaims, ctx.locationHeader) } });
});

export function procedureFor(permission: Permission) {
  return baseProcedure.meta({ permission }).use(requirePermission);
}
