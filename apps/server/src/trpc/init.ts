import { initTRPC } from "@trpc/server";
import type { Permission } from "../auth/permissions.ts";
import { appErrorShape, toTrpcError } from "../errors/map-error.ts";
import type { AppContext } from "./context.ts";

/** Every procedure declares who may call it: a permission, or `public: true`. */
export interface ProcedureMeta {
  permission?: Permission;
  public?: boolean;
}

const t = initTRPC
  .context<AppContext>()
  .meta<ProcedureMeta>()
  .create({
    // Never put a stack in an error's shape (the formatter drops it anyway); without this, tRPC
    // reads every error's .stack outside production, and formatting a stack costs a losing racer
    // more than the rest of its refusal.
    isDev: false,
    errorFormatter({ shape, error }) {
      const app = appErrorShape(error);
      return { ...shape, data: { ...shape.data, stack: undefined, ...(app ?? {}) } };
    },
  });

/** Turns domain errors into tRPC errors once, for every procedure. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    // tRPC wraps whatever a resolver threw; map the domain error inside, keep tRPC's own
    // (input validation, auth) as they are.
    const { error } = result;
    throw error.code === "INTERNAL_SERVER_ERROR" && error.cause ? toTrpcError(error.cause) : error;
  }
  return result;
});

export const router = t.router;
export const baseProcedure = t.procedure.use(mapErrors);
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;
