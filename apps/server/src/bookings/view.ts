// The booking as callers see it (console, agent, sync): plain JSON, instants as ISO strings.
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export const bookingInclude = {
  items: {
    orderBy: { position: "asc" },
    include: { service: { select: { nameEs: true, nameEn: true } }, staff: { select: { displayName: true } } },
  },
  payments: { select: { status: true, amountCents: true } },
} satisfies Prisma.BookingInclude;

export type BookingRow = Prisma.BookingGetPayload<{ include: typeof bookingInclude }>;

export interface BookingView {
  id: string;
  locationId: string;
  customerId: string;
  guestName: string | null;
  status: BookingRow["status"];
  source: BookingRow["source"];
  startsAt: string;
  endsAt: string;
  holdExpiresAt: string | null;
  totalPriceCents: number;
  depositCents: number;
  depositPaidCents: number;
  currency: string;
  notes: string | null;
  cancelledAt: string | null;
  cancelledBy: BookingRow["cancelledBy"];
  cancelReason: string | null;
  rescheduledFromId: string | null;
  conversationId: string | null;
  /** Repeating visit: its series and occurrence number; group visit: its group (issue #20). */
  seriesId: string | null;
  seriesIndex: number | null;
  groupId: string | null;
  version: number;
  items: {
    id: string;
    serviceId: string;
    serviceName: { es: string; en: string };
    staffId: string;
    staffName: string;
    startsAt: string;
    endsAt: string;
    durationMinutes: number;
    processingMinutes: number;
    finishingMinutes: number;
    priceCents: number;
  }[];
}

/** Deposit actually held by the salon: paid deposits (refunds are subtracted by their own status). */
export function depositPaid(payments: { status: string; amountCents: number }[]): number {
  return payments
    .filter((p) => p.status === "paid" || p.status === "partially_refunded")
    .reduce((n, p) => n + p.amountCents, 0);
}

export function viewBooking(b: BookingRow, fc: FieldCrypto): BookingView {
  return {
    id: b.id,
    locationId: b.locationId,
    customerId: b.customerId,
    guestName: b.guestNameCipher ? fc.decrypt(b.guestNameCipher) : null,
    status: b.status,
    source: b.source,
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
    holdExpiresAt: b.holdExpiresAt?.toISOString() ?? null,
    totalPriceCents: b.totalPriceCents,
    depositCents: b.depositCents,
    depositPaidCents: depositPaid(b.payments),
    currency: b.currency,
    notes: b.notes,
    cancelledAt: b.cancelledAt?.toISOString() ?? null,
    cancelledBy: b.cancelledBy,
    cancelReason: b.cancelReason,
    rescheduledFromId: b.rescheduledFromId,
    conversationId: b.conversationId,
    seriesId: b.seriesId,
    seriesIndex: b.seriesIndex,
    groupId: b.groupId,
    version: b.version,
    items: b.items.map((i) => ({
      id: i.id,
      serviceId: i.serviceId,
      serviceName: { es: i.service.nameEs, en: i.service.nameEn },
      staffId: i.staffId,
      staffName: i.staff.displayName,
      startsAt: i.startsAt.toISOString(),
      endsAt: i.endsAt.toISOString(),
      durationMinutes: i.durationMinutes,
      processingMinutes: i.processingMinutes,
      finishingMinutes: i.finishingMinutes,
      priceCents: i.priceCents,
    })),
  };
}

export async function loadBooking(tx: Tx, id: string, locationId?: string): Promise<BookingRow> {
  const b = await tx.booking.findUnique({ where: { id }, include: bookingInclude });
  if (!b || (locationId && b.locationId !== locationId)) throw new AppError("NOT_FOUND", "No such booking");
  return b;
}
