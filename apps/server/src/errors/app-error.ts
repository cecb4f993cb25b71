// The one error type domain code throws. Transport layers map `code` to tRPC/HTTP in one place
// (errors/map-error.ts); `details` carries data the caller can act on (e.g. alternative slots).

export const APP_ERROR_CODES = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SLOT_TAKEN: 409,
  NOT_BOOKABLE: 422,
  ILLEGAL_TRANSITION: 409,
  PRECONDITION_FAILED: 412,
  /** Issue #21: the visit needs a valid skin-allergy test first (details.patchTest says why, and the offer). */
  PATCH_TEST_REQUIRED: 412,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_CODES;

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
  }

  get httpStatus(): number {
    return APP_ERROR_CODES[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
