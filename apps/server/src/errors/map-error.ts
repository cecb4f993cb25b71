// The one place AppError (and database errors) become tRPC / HTTP errors.
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ContentionError, isContention } from "../db/transaction.ts";
import { AppError, type AppErrorCode } from "./app-error.ts";

const TO_TRPC: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_INPUT: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  SLOT_TAKEN: "CONFLICT",
  NOT_BOOKABLE: "UNPROCESSABLE_CONTENT",
  ILLEGAL_TRANSITION: "CONFLICT",
  PRECONDITION_FAILED: "PRECONDITION_FAILED",
  PATCH_TEST_REQUIRED: "PRECONDITION_FAILED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  INTERNAL: "INTERNAL_SERVER_ERROR",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/**
 * Contention that escaped the write-transaction retries (db/transaction.ts already turns it into
 * ContentionError; a lone statement outside a transaction can still deadlock) is a conflict to try
 * again, not an internal error.
 */
function known(e: unknown): unknown {
  return !(e instanceof AppError) && isContention(e) ? new ContentionError(1, e) : e;
}

export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  const e = known(error);
  if (e instanceof AppError) return new TRPCError({ code: TO_TRPC[e.code], message: e.message, cause: e });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal error", cause: e });
}

/** Extra fields a client may read from an error (the AppError code and its details). */
export function appErrorShape(e: unknown): { appCode: AppErrorCode; details?: Record<string, unknown> } | null {
  const cause = e instanceof TRPCError ? e.cause : e;
  if (cause instanceof AppError) return { appCode: cause.code, ...(cause.details ? { details: cause.details } : {}) };
  return null;
}

export function toHttp(error: unknown): { status: number; body: { error: string; message: string } } {
  const e = known(error);
  if (e instanceof AppError) return { status: e.httpStatus, body: { error: e.code, message: e.message } };
  return { status: 500, body: { error: "INTERNAL", message: "Internal error" } };
}
