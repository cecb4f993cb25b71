// "Tell the customer at most once": a row in reminder_sent (booking_id, kind) inserted in the
// same transaction as the notification. Reminders use it, and so do one-off messages that a
// retried job or a duplicate webhook could otherwise repeat (confirmation, hold expired).
import type { Tx } from "../db/client.ts";
import type { CustomerNotifier, NotificationKind } from "./notifier.ts";

export async function notifyOnce(
  tx: Tx,
  notifier: CustomerNotifier,
  booking: { id: string; customerId: string },
  ledgerKind: string,
  kind: NotificationKind,
  facts: Record<string, unknown>,
  sentAt: Date,
): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO reminder_sent (booking_id, kind, sent_at) VALUES (${booking.id}::uuid, ${ledgerKind}, ${sentAt})
    ON CONFLICT (booking_id, kind) DO NOTHING`;
  if (inserted === 0) return false;
  await notifier.notify(tx, { customerId: booking.customerId, bookingId: booking.id }, kind, facts);
  return true;
}
