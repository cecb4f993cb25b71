// Recognising a double-booking attempt from the database's own guard.
// SQLSTATE 23P01 (exclusion_violation) on booking_segment. node-postgres reports the constraint
// name; Prisma's pg adapter drops it but keeps the SQLSTATE and the model, and booking_segment has
// exactly one exclusion constraint (booking_segment_no_overlap — asserted in exclusion.test.ts).
// The one-statement write (write.ts) is a raw query: Prisma reports P2010 with the SQLSTATE in
// meta.code and the server's message, which names the constraint.
export const NO_OVERLAP_CONSTRAINT = "booking_segment_no_overlap";

interface MaybeDbError {
  code?: string;
  constraint?: string;
  message?: string;
  meta?: {
    code?: string;
    message?: string;
    modelName?: string;
    driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string } };
  };
}

export function isDoubleBooking(e: unknown): boolean {
  const err = e as MaybeDbError;
  if (err?.code === "23P01") return err.constraint === NO_OVERLAP_CONSTRAINT;
  const cause = err?.meta?.driverAdapterError?.cause;
  if (err?.code === "P2010" && (err.meta?.code === "23P01" || cause?.originalCode === "23P01")) {
    return `${err.meta?.message ?? ""} ${cause?.originalMessage ?? ""} ${err.message ?? ""}`.includes(
      NO_OVERLAP_CONSTRAINT,
    );
  }
  return err?.meta?.driverAdapterError?.cause?.originalCode === "23P01" && err.meta.modelName === "BookingSegment";
}
