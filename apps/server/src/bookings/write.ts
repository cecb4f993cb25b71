// Writes a planned booking — the booking row, its items, the segments that block each stylist and
// its audit entry, and the resources it holds (issue #21) — in ONE statement (data-modifying CTEs), so a booking costs one round trip
// inside its transaction instead of six. The exclusion constraint on booking_segment still
// refuses an overlap inside that statement (SQLSTATE 23P01, as before); foreign keys are checked
// at its end, when every row of it exists. The customer must exist and not be erased: otherwise
// nothing is written and NOT_FOUND is raised.
import { randomUUID } from "node:crypto";
import { type Actor, CHANGE_NOTIFY, changeLogCtes } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { BookingSource, BookingStatus } from "../generated/prisma/enums.ts";
import type { BookingPlan } from "./plan.ts";

export interface BookingRowInput {
  locationId: string;
  customerId: string;
  status: BookingStatus;
  source: BookingSource;
  holdExpiresAt: Date | null;
  depositCents: number;
  currency: string;
  guestNameCipher: Uint8Array | null;
  notes: string | null;
  conversationId: string | null;
  rescheduledFromId: string | null;
  /** Repeating visits and group bookings (issue #20): the series and occurrence number, the group. */
  seriesId?: string | null;
  seriesIndex?: number | null;
  groupId?: string | null;
}

export interface WrittenBooking {
  id: string;
  itemIds: string[];
}

const iso = (d: Date) => d.toISOString();

/**
 * With `changeLog`, the statement also appends the booking's change under the change-log lock,
 * taken once every other row of it is written (changes/change-log.ts): then the statement is a
 * whole transaction on its own (autocommit), one round trip for a booking.
 */
export async function writeBooking(
  tx: Tx,
  plan: BookingPlan,
  row: BookingRowInput,
  actor: Actor,
  audit: { action: string; data: Record<string, unknown> },
  opts: { changeLog?: boolean } = {},
): Promise<WrittenBooking> {
  const id = randomUUID();
  const itemIds = plan.items.map(() => randomUUID());
  const createdBy = actor.type === "staff" ? (actor.id ?? null) : null;
  const items = plan.items;
  const segs = plan.segments;
  const held = plan.resourceSegments;
  const guest = row.guestNameCipher ? Buffer.from(row.guestNameCipher) : null;
  const [written] = await tx.$queryRaw<{ booked: number; items: number; segments: number; resources: number }[]>`
    WITH c AS (
      SELECT id FROM customer WHERE id = ${row.customerId}::uuid AND erased_at IS NULL
    ), b AS (
      INSERT INTO booking (id, location_id, customer_id, guest_name_cipher, status, source, starts_at, ends_at,
                           hold_expires_at, total_price_cents, deposit_cents, currency, notes, conversation_id,
                           created_by_staff_id, rescheduled_from_id, series_id, series_index, group_id, updated_at)
      SELECT ${id}::uuid, ${row.locationId}::uuid, c.id, ${guest}::bytea, ${row.status}::"BookingStatus",
             ${row.source}::"BookingSource", ${iso(plan.startsAt)}::timestamptz, ${iso(plan.endsAt)}::timestamptz,
             ${row.holdExpiresAt ? iso(row.holdExpiresAt) : null}::timestamptz, ${plan.totalPriceCents}::int,
             ${row.depositCents}::int, ${row.currency}, ${row.notes}, ${row.conversationId}::uuid,
             ${createdBy}::uuid, ${row.rescheduledFromId}::uuid, ${row.seriesId ?? null}::uuid,
             ${row.seriesIndex ?? null}::int, ${row.groupId ?? null}::uuid, CURRENT_TIMESTAMP
        FROM c
      RETURNING id
    ), i AS (
      INSERT INTO booking_item (id, booking_id, position, service_id, staff_id, starts_at, ends_at,
                                duration_minutes, processing_minutes, finishing_minutes, price_cents)
      SELECT x.id, b.id, x.position, x.service_id, x.staff_id, x.starts_at, x.ends_at,
             x.duration, x.processing, x.finishing, x.price
        FROM b, unnest(${itemIds}::uuid[], ${items.map((p) => p.position)}::int[],
                       ${items.map((p) => p.service.id)}::uuid[], ${items.map((p) => p.staffId)}::uuid[],
                       ${items.map((p) => iso(p.span.startsAt))}::timestamptz[],
                       ${items.map((p) => iso(p.span.endsAt))}::timestamptz[],
                       ${items.map((p) => p.timing.durationMinutes)}::int[],
                       ${items.map((p) => p.timing.processingMinutes)}::int[],
                       ${items.map((p) => p.timing.finishingMinutes)}::int[],
                       ${items.map((p) => p.priceCents)}::int[])
             AS x(id, position, service_id, staff_id, starts_at, ends_at, duration, processing, finishing, price)
      RETURNING id
    ), s AS (
      INSERT INTO booking_segment (id, booking_id, item_id, staff_id, kind, starts_at, ends_at)
      SELECT gen_random_uuid(), b.id, x.item_id, x.staff_id, x.kind::"SegmentKind", x.starts_at, x.ends_at
        FROM b, unnest(${segs.map((s) => itemIds[s.position]!)}::uuid[], ${segs.map((s) => s.staffId)}::uuid[],
                       ${segs.map((s) => s.kind)}::text[], ${segs.map((s) => iso(s.startsAt))}::timestamptz[],
                       ${segs.map((s) => iso(s.endsAt))}::timestamptz[])
             AS x(item_id, staff_id, kind, starts_at, ends_at)
      RETURNING id
    ), r AS (
      INSERT INTO booking_resource_segment (id, booking_id, item_id, resource_id, phase, starts_at, ends_at)
      SELECT gen_random_uuid(), b.id, x.item_id, x.resource_id, x.phase::"ServicePhase", x.starts_at, x.ends_at
        FROM b, unnest(${held.map((h) => itemIds[h.position]!)}::uuid[], ${held.map((h) => h.resourceId)}::uuid[],
                       ${held.map((h) => h.phase)}::text[], ${held.map((h) => iso(new Date(h.start)))}::timestamptz[],
                       ${held.map((h) => iso(new Date(h.end)))}::timestamptz[])
             AS x(item_id, resource_id, phase, starts_at, ends_at)
      RETURNING id
    ), a AS (
      INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, location_id, data)
      SELECT ${actor.type}::"ActorType", ${actor.id ?? null}, ${audit.action}, 'booking', b.id::text,
             ${row.locationId}::uuid, ${JSON.stringify(audit.data)}::jsonb
        FROM b
      RETURNING id
    )${
      opts.changeLog
        ? Prisma.sql`, ${changeLogCtes(
            [{ entityType: "booking", entityId: id, op: "upsert", locationId: row.locationId }],
            Prisma.sql`SELECT b.id FROM b, (SELECT count(*) FROM s) AS written, (SELECT count(*) FROM r) AS held`,
          )}`
        : Prisma.empty
    }
    SELECT (SELECT count(*) FROM b)::int AS booked, (SELECT count(*) FROM i)::int AS items,
           (SELECT count(*) FROM s)::int AS segments, (SELECT count(*) FROM r)::int AS resources,
           (SELECT count(*) FROM a)::int AS audited,
           ${opts.changeLog ? CHANGE_NOTIFY : Prisma.sql`NULL`} AS notified`;
  if (written?.booked !== 1) throw new AppError("NOT_FOUND", "Unknown customer");
  if (written.items !== items.length || written.segments !== segs.length || written.resources !== held.length) {
    throw new Error(
      `booking ${id}: wrote ${written.items} items, ${written.segments} segments, ${written.resources} resource segments`,
    );
  }
  return { id, itemIds };
}
