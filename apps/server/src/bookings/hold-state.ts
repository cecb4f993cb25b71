// Whether a booking's time still holds its stylists and resources: its segments (booking_segment)
// and its resource segments (booking_resource_segment, issue #21) are switched together, so the
// two exclusion constraints always see the same bookings. Every writer that releases or restores
// a booking's time goes through here.
import type { Tx } from "../db/client.ts";

/** Marks the time of these bookings as held (active) or released. */
export async function setTimeHeld(tx: Tx, bookingIds: string | string[], active: boolean): Promise<void> {
  const ids = Array.isArray(bookingIds) ? bookingIds : [bookingIds];
  if (!ids.length) return;
  const where = { bookingId: ids.length === 1 ? ids[0]! : { in: ids } };
  await tx.bookingSegment.updateMany({ where, data: { active } });
  await tx.bookingResourceSegment.updateMany({ where, data: { active } });
}
