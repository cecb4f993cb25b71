// The only two ways to declare a procedure. `publicProcedure` is for login, health and the like;
// everything else uses `procedureFor(permission)`, which checks the caller's role on the server.
import { TRPCError } from "@trpc/server";
import type { AccessClaims } from "../auth/access-token.ts";
import { type Permission, roleHas } from "../auth/permissions.ts";
import { baseProcedure, middleware } from "./init.ts";

export const publicProcedure = baseProcedure.meta({ public: true });

const requirePermission = middleware(async ({ ctx, meta, next }) => {
  const permission = meta?.permission;
  if (!ctx.auth) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  if (!permission || !roleHas(ctx.auth.role, permission)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Your role cannot do this" });
  }
  return next({ ctx: { ...ctx, auth: ctx.auth as AccessClaims } });
});

export function procedureFor(permission: Permission) {
  return baseProcedure.meta({ permission }).use(requirePermission);
}
