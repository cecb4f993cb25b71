// How payments, reminders and hold expiry tell a customer something. The channels area implements
// this with its outbox (a row written in the caller's transaction, sent by its own job), so a
// message exists exactly when the state change that caused it commits.
import type { Tx } from "../db/client.ts";

export type NotificationKind =
  | "deposit_link"
  | "booking_confirmed"
  | "hold_expired"
  | "payment_failed"
  | "deposit_refunded"
  | "paid_after_expiry_refunded"
  | "reminder"
  | "follow_up"
  /** Waitlist (issue #20): a freed slot offered; the slot taken by someone quicker (waitlist/messages.ts). */
  | "waitlist_offer"
  | "waitlist_lost";

export interface NotificationTarget {
  customerId: string;
  bookingId?: string;
}

export interface CustomerNotifier {
  /** Records a message for the customer inside `tx`; `facts` carry what the template needs. */
  notify(tx: Tx, target: NotificationTarget, kind: NotificationKind, facts: Record<string, unknown>): Promise<void>;
}

/** Default until the channels area provides the outbox: says nothing. */
export const noopNotifier: CustomerNotifier = {
  async notify() {},
};

export interface RecordedNotification {
  target: NotificationTarget;
  kind: NotificationKind;
  facts: Record<string, unknown>;
}

/**
 * For tests: keeps what would have been sent. With `table`, it also inserts into that scratch
 * table inside the caller's transaction, so a rolled-back transaction leaves no trace (as the
 * outbox would behave); create it with `createNotificationTable`.
 */
export class RecordingNotifier implements CustomerNotifier {
  readonly sent: RecordedNotification[] = [];
  constructor(private readonly table?: string) {}

  async notify(tx: Tx, target: NotificationTarget, kind: NotificationKind, facts: Record<string, unknown>) {
    if (this.table) {
      await tx.$executeRawUnsafe(
        `INSERT INTO ${this.table} (customer_id, booking_id, kind, facts) VALUES ($1::uuid, $2::uuid, $3, $4::jsonb)`,
        target.customerId,
        target.bookingId ?? null,
        kind,
        JSON.stringify(facts),
      );
    }
    this.sent.push({ target, kind, facts });
  }

  of(kind: NotificationKind, bookingId?: string): RecordedNotification[] {
    return this.sent.filter((n) => n.kind === kind && (!bookingId || n.target.bookingId === bookingId));
  }
}

export async function createNotificationTable(db: Tx, table: string): Promise<void> {
  await db.$executeRawUnsafe(
    `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, customer_id uuid NOT NULL, booking_id uuid,
       kind text NOT NULL, facts jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
}
