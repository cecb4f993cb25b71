// Bookings whose customer changed under them (merged into another record, or erased): each gets a
// change_log upsert with its current version, so the console and the offline replica read it again.
import { appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";

export async function logBookingsChanged(
  tx: Tx,
  bookingIds: readonly string[],
  event: "customer_merged" | "customer_erased",
): Promise<void> {
  const moved = await tx.booking.findMany({
    where: { id: { in: [...bookingIds] } },
    select: { id: true, locationId: true, version: true },
    orderBy: { id: "asc" },
  });
  for (const b of moved) {
    await appendChange(tx, {
      entityType: "booking",
      entityId: b.id,
      op: "upsert",
      locationId: b.locationId,
      data: { version: b.version, event },
    });
  }
}
