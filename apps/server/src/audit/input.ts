// Input validation that reports readable messages. Left to itself, tRPC reports a zod failure
// as BAD_REQUEST with the issues serialised as JSON in the message. Wrapping the shared zod schema
// so that a failure throws AppError("BAD_INPUT", "<field>: <message>; …") gives the console a
// message it can show as is (and `appCode`/`details.issues` in the error data). Types are
// unchanged: the wrapper is the same Standard Schema (input and output types) as the zod schema.
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
