// Recognising a double-booking attempt from the database's own guard.
// SQLSTATE 23P01 (exclusion_violation) on booking_segment. node-postgres reports the constraint
// name; Prisma's pg adapter drops it but keeps the SQLSTATE and the model, and booking_segment has
// exactly one exclusion constraint (booking_segment_no_overlap — asserted in exclusion.test.ts).
// The one-statement write (write.ts) is a raw query: Prisma reports P2010 with the SQLSTATE in
// meta.code and the server's message, which names the constraint.
export const NO_OVERLAP_CONSTRAINT = "booking_segment_no_overlap";
/** Issue #21: the same guard for basins, stations and rooms (booking_resource_segment's one exclusion constraint). */
export const RESOURCE_NO_OVERLAP_CONSTRAINT = "booking_resource_segment_no_overlap";
const GUARDS = [NO_OVERLAP_CONSTRAINT, RESOURCE_NO_OVERLAP_CONSTRAINT];

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

/** Which guard refused the write: a stylist's ("staff"), a resource's ("resource"), or none. */
export function doubleBookingGuard(e: unknown): "staff" | "resource" | null {
  const err = e as MaybeDbError;
  const named = (text: string) =>
    text.includes(RESOURCE_NO_OVERLAP_CONSTRAINT) ? "resource" : text.includes(NO_OVERLAP_CONSTRAINT) ? "staff" : null;
  if (err?.code === "23P01") return GUARDS.includes(err.constraint ?? "") ? named(err.constraint!) : null;
  const cause = err?.meta?.driverAdapterError?.cause;
  if (err?.code === "P2010" && (err.meta?.code === "23P01" || cause?.originalCode === "23P01")) {
    return named(`${err.meta?.message ?? ""} ${cause?.originalMessage ?? ""} ${err.message ?? ""}`);
  }
  if (cause?.originalCode !== "23P01") return null;
  return err.meta?.modelName === "BookingSegment"
    ? "staff"
    : err.meta?.modelName === "BookingResourceSegment"
      ? "resource"
      : null;
}

export function isDoubleBooking(e: unknown): boolean {
  return doubleBookingGuard(e) !== null;
}
