// Input validation that reports readable messages. trpc/init.ts's error mapper unwraps a
// TRPCError to its cause, so a plain zod input failure currently reaches clients as a generic
// "Internal error". Wrapping the shared zod schema so that a failure throws AppError("BAD_INPUT",
// "<field>: <message>") gives the caller a 400 with the message instead. Types are unchanged: the
// wrapper is the same Standard Schema (input and output types) as the zod schema it wraps.
import type { z } from "zod";
import { AppError } from "../errors/app-error.ts";

export function formatIssues(issues: readonly { path?: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => {
      const path = (i.path ?? []).map(String).join(".");
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}

export function clearInput<S extends z.ZodType>(schema: S): Pick<S, "~standard"> {
  const std = schema["~standard"];
  return {
    "~standard": {
      ...std,
      validate(value: unknown) {
        const r = schema.safeParse(value);
        if (!r.success) throw new AppError("BAD_INPUT", formatIssues(r.error.issues), { issues: r.error.issues });
        return { value: r.data };
      },
    } as S["~standard"],
  };
}
