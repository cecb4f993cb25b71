// invokeProcedure must behave as tRPC's own procedure call for every shape of procedure we build:
// each case runs through both and compares what comes out (data, or the error's code, message and
// cause) and what the resolver saw (context and input).
import { initTRPC, TRPCError } from "@trpc/server";
import type { AnyProcedure } from "@trpc/server/unstable-core-do-not-import";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors/app-error.ts";
import { publicProcedure } from "../trpc/procedures.ts";
import { type CallOptions, invokeProcedure } from "./trpc-invoke.ts";

const t = initTRPC.context<{ role: string; n?: number }>().create();
const addN = t.middleware(({ next }) => next({ ctx: { n: 7 } }));
const echo = ({ ctx, input }: { ctx: unknown; input: unknown }) => ({ ctx, input });

const procedures: Record<string, AnyProcedure> = {
  plain: t.procedure.query(() => "hello") as never,
  withOutput: t.procedure.output(z.object({ ok: z.literal(true) })).query(() => ({ ok: true as const })) as never,
  outputStripsExtra: t.procedure
    .output(z.object({ a: z.number() }))
    .query(() => ({ a: 1, secret: "x" }) as { a: number }) as never,
  badOutput: t.procedure.output(z.object({ a: z.number() })).query(() => ({ a: "no" }) as never) as never,
  input: t.procedure.input(z.object({ q: z.string().min(2) })).query(echo) as never,
  twoInputs: t.procedure
    .input(z.object({ a: z.number() }))
    .input(z.object({ b: z.number() }))
    .query(echo) as never,
  ctxMerge: t.procedure
    .use(addN)
    .input(z.object({ q: z.string() }))
    .output(z.any())
    .query(echo) as never,
  throws: t.procedure.query(() => {
    throw new Error("boom");
  }) as never,
  trpcError: t.procedure.query(() => {
    throw new TRPCError({ code: "NOT_FOUND", message: "nope" });
  }) as never,
  middlewareThrows: t.procedure
    .use(() => {
      throw new TRPCError({ code: "FORBIDDEN", message: "no" });
    })
    .query(() => 1) as never,
  noNext: t.procedure.use((() => undefined) as never).query(() => 1) as never,
  // Ours: the domain-error mapping middleware and an output.
  domainError: publicProcedure.output(z.object({ ok: z.boolean() })).query(() => {
    throw new AppError("SLOT_TAKEN", "That time was just taken");
  }) as never,
  domainOk: publicProcedure.output(z.object({ ok: z.boolean() })).query(() => ({ ok: true })) as never,
};

const inputs: Record<string, unknown> = {
  input: { q: "hola" },
  twoInputs: { a: 1, b: 2 },
  ctxMerge: { q: "x" },
};

async function outcome(call: () => Promise<unknown>) {
  try {
    return { data: await call() };
  } catch (e) {
    const err = e as TRPCError;
    return {
      code: err.code,
      message: err.message,
      cause: err.cause ? { name: err.cause.name, message: err.cause.message } : undefined,
    };
  }
}

function options(name: string, rawInput: unknown): CallOptions {
  return {
    path: name,
    type: "query",
    ctx: { role: "admin" },
    getRawInput: async () => rawInput,
    signal: undefined,
    batchIndex: 0,
  };
}

describe("invokeProcedure", () => {
  for (const [name, procedure] of Object.entries(procedures)) {
    it(`${name}: as tRPC's own call`, async () => {
      const given = inputs[name];
      const ours = await outcome(() => invokeProcedure(procedure, options(name, given)));
      const theirs = await outcome(() =>
        (procedure as unknown as (o: CallOptions) => Promise<unknown>)(options(name, given)),
      );
      expect(ours).toEqual(theirs);
    });
  }

  it("validates inputs: a bad one is BAD_REQUEST, as through tRPC", async () => {
    const bad = { q: "x" };
    const ours = await outcome(() => invokeProcedure(procedures.input!, options("input", bad)));
    expect(ours).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("gives the resolver the merged context and the parsed input", async () => {
    const ours = (await invokeProcedure(procedures.ctxMerge!, options("ctxMerge", { q: "x", extra: 1 }))) as {
      ctx: unknown;
      input: unknown;
    };
    expect(ours.ctx).toEqual({ role: "admin", n: 7 });
    expect(ours.input).toEqual({ q: "x" });
  });

  it("maps domain errors (our mapErrors middleware) and strips output", async () => {
    expect(await outcome(() => invokeProcedure(procedures.domainError!, options("d", undefined)))).toMatchObject({
      code: "CONFLICT",
    });
    expect(await invokeProcedure(procedures.outputStripsExtra!, options("o", undefined))).toEqual({ a: 1 });
    expect(await outcome(() => invokeProcedure(procedures.badOutput!, options("o", undefined)))).toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      message: "Output validation failed",
    });
  });
});
