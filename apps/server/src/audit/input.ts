// Input validation that reports readable messages. Left to itself, tRPC reports a zod failure
// as BAD_REQUEST with the issues serialised as JSON in the message. Wrapping the shared zod schema
// so that a failure throws AppError("BAD_INPUT", "<field>: <message>; …") gives the console a
// message it can show as is (and `appCode`/`details.issues` in the error data). Types are
// unchanged: the wrapper is the same Standard Schema (input and output types) as the zod schema.
import type { z } from "zod";
import { AppError } from "../errors/app-error.ts";

/** "<field>: <message>; …", the first issue of each field (as the console's forms show them). */
export function formatIssues(issues: readonly { path?: readonly PropertyKey[]; message: string }[]): string {
  const byField = new Map<string, string>();
  for (const i of issues) {
    const path = (i.path ?? []).map(String).join(".");
    if (!byField.has(path)) byField.set(path, path ? `${path}: ${i.message}` : i.message);
  }
  return [...byField.values()].join("; ");
}

/** The zod schema behind a clearInput wrapper (the router fuzz derives inputs from it). */
export const INPUT_SCHEMA = Symbol.for("cita.inputSchema");

export function clearInput<S extends z.ZodType>(schema: S): Pick<S, "~standard"> & { readonly [INPUT_SCHEMA]: S } {
  const std = schema["~standard"];
  return {
    [INPUT_SCHEMA]: schema,
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
