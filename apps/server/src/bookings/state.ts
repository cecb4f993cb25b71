// The booking lifecycle. One table of legal moves; everything else is refused with a clear error.
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";

export const OPEN_STATUSES = [
  "held",
  "pending_deposit",
  "confirmed",
  "checked_in",
] as const satisfies readonly BookingStatus[];

const MOVES: Record<BookingStatus, readonly BookingStatus[]> = {
  held: ["pending_deposit", "confirmed", "cancelled", "expired"],
  pending_deposit: ["confirmed", "cancelled", "expired"],
  confirmed: ["checked_in", "no_show", "cancelled"],
  checked_in: ["completed", "cancelled"],
  completed: [],
  no_show: [],
  cancelled: [],
  expired: [],
};

/** Statuses whose segments block the stylist (holds block until they expire). */
export function blocksTime(status: BookingStatus): boolean {
  return (OPEN_STATUSES as readonly BookingStatus[]).includes(status);
}

export function isOpen(status: BookingStatus): boolean {
  return blocksTime(status);
}

export function canMove(from: BookingStatus, to: BookingStatus): boolean {
  return MOVES[from].includes(to);
}

export function assertMove(from: BookingStatus, to: BookingStatus): void {
  if (!canMove(from, to)) {
    throw new AppError(
      "ILLEGAL_TRANSITION",
      `A booking that is ${from.replace("_", " ")} cannot become ${to.replace("_", " ")}`,
      {
        from,
        to,
        allowed: MOVES[from],
      },
    );
  }
}
