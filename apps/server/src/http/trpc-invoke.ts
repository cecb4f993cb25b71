// Runs a tRPC procedure's middleware chain as tRPC's own callRecursive does (same options to each
// middleware, same context merging, same results and error wrapping), with plain object literals.
// tRPC's build copies the options with a Babel object-spread helper (ownKeys + defineProperty per
// key) twice per middleware layer: about a sixth of a small call's CPU (issue #18). Used by the
// direct path (http/trpc-plugin.ts) only; trpc-invoke.test.ts runs every kind of procedure through
// both and compares. A procedure with an experimental caller override is called as tRPC calls it.
import {
  type AnyProcedure,
  getParseFn,
  getTRPCErrorFromUnknown,
  middlewareMarker,
  type ProcedureType,
  TRPCError,
} from "@trpc/server/unstable-core-do-not-import";

type Result = { ok: true; data: unknown; ctx?: unknown } | { ok: false; error: unknown };
type Middleware = ((opts: unknown) => Promise<Result>) & { _type?: string };
interface Def {
  middlewares: Middleware[];
  meta: unknown;
  caller?: unknown;
  output?: unknown;
}

/**
 * Where a procedure's output middleware sits and its parser (tRPC's getParseFn of `.output()`; tRPC
 * allows one), worked out once per procedure.
 */
const outputSteps = new WeakMap<Def, { index: number; parse: (value: unknown) => unknown }>();

function outputStep(def: Def) {
  let step = outputSteps.get(def);
  if (!step) {
    const outputs = def.middlewares.filter((m) => m._type === "output");
    step =
      outputs.length === 1 && def.output !== undefined
        ? { index: def.middlewares.indexOf(outputs[0]!), parse: getParseFn(def.output as never) }
        : { index: -1, parse: (v: unknown) => v };
    outputSteps.set(def, step);
  }
  return step;
}

/** tRPC's outputValidatorMiddleware, with a literal for the result it returns. */
async function validateOutput(parse: (value: unknown) => unknown, next: () => Promise<Result>): Promise<Result> {
  const result = await next();
  if (!result.ok) return result;
  let data: unknown;
  try {
    data = await parse(result.data);
  } catch (cause) {
    throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
  }
  return { marker: middlewareMarker, ok: true, data, ctx: result.ctx } as Result;
}

/** What a call brings, as tRPC's procedure(opts) takes it. */
export interface CallOptions {
  path: string;
  type: ProcedureType;
  ctx: unknown;
  getRawInput: () => Promise<unknown>;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

interface Step {
  path: string;
  type: ProcedureType;
  ctx: unknown;
  input: unknown;
  getRawInput: () => Promise<unknown>;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

interface NextOptions {
  ctx?: Record<string, unknown>;
  input?: unknown;
  getRawInput?: () => Promise<unknown>;
}

async function run(def: Def, index: number, s: Step): Promise<Result> {
  try {
    const middleware = def.middlewares[index]!;
    // The output middleware validates what the steps after it return, as tRPC's does.
    const output = outputStep(def);
    if (index === output.index) return await validateOutput(output.parse, () => run(def, index + 1, s));
    return await middleware({
      path: s.path,
      type: s.type,
      ctx: s.ctx,
      getRawInput: s.getRawInput,
      signal: s.signal,
      batchIndex: s.batchIndex,
      meta: def.meta,
      input: s.input,
      next(o?: NextOptions) {
        return run(def, index + 1, {
          path: s.path,
          type: s.type,
          ctx: o?.ctx ? { ...(s.ctx as object), ...o.ctx } : s.ctx,
          input: o && "input" in o ? o.input : s.input,
          getRawInput: o?.getRawInput ?? s.getRawInput,
          signal: s.signal,
          batchIndex: s.batchIndex,
        });
      },
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as Result;
  }
}

/** Calls a procedure (query or mutation) with tRPC's semantics: its data, or throws its error. */
export async function invokeProcedure(procedure: AnyProcedure, opts: CallOptions): Promise<unknown> {
  const def = procedure._def as unknown as Def;
  if (def.caller || !Array.isArray(def.middlewares)) return (procedure as unknown as Middleware)(opts);
  const result = await run(def, 0, { ...opts, input: undefined });
  if (!result) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "No result from middlewares - did you forget to `return next()`?",
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}
