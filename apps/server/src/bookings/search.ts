// Booking lists for the calendar and the bookings table: filters, stable order, cursor pages.
import { INPUT_WINDOW } from "@cita/shared";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { BookingSource, BookingStatus } from "../generated/prisma/enums.ts";
import { addDays, localToUtc } from "../time/zoned.ts";
import { type BookingView, bookingInclude, viewBooking } from "./view.ts";

export interface BookingSearch {
  locationId: string;
  fromDate?: string | undefined;
  toDate?: string | undefined;
  staffId?: string | undefined;
  customerId?: string | undefined;
  status?: BookingStatus[] | undefined;
  source?: BookingSource[] | undefined;
  cursor?: string | null | undefined;
  limit: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WINDOW_FROM_MS = Date.parse(`${INPUT_WINDOW.from}T00:00:00Z`);
const WINDOW_TO_MS = Date.parse(`${INPUT_WINDOW.to}T00:00:00Z`);

/** A cursor this module encoded, or BAD_INPUT: both parts go into the query, so both are checked. */
function decodeCursor(cursor: string): { startsAt: Date; id: string } {
  const [ms, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const at = /^\d{1,15}$/.test(ms ?? "") ? Number(ms) : Number.NaN;
  if (rest.length || !id || !UUID_RE.test(id) || !(at >= WINDOW_FROM_MS && at < WINDOW_TO_MS)) {
    throw new AppError("BAD_INPUT", "Invalid cursor; start the search again");
  }
  return { startsAt: new Date(at), id };
}

const encodeCursor = (b: { startsAt: Date; id: string }) =>
  Buffer.from(`${b.startsAt.getTime()}|${b.id}`).toString("base64url");

export async function searchBookings(
  db: Tx,
  fc: FieldCrypto,
  q: BookingSearch,
): Promise<{ items: BookingView[]; nextCursor: string | null }> {
  const location = await db.location.findUniqueOrThrow({ where: { id: q.locationId }, select: { timeZone: true } });
  const where: Prisma.BookingWhereInput = { locationId: q.locationId };
  const range: Prisma.DateTimeFilter = {};
  if (q.fromDate) range.gte = localToUtc(q.fromDate, 0, location.timeZone);
  if (q.toDate) range.lt = localToUtc(addDays(q.toDate, 1), 0, location.timeZone);
  if (q.fromDate || q.toDate) where.startsAt = range;
  if (q.staffId) where.items = { some: { staffId: q.staffId } };
  if (q.customerId) where.customerId = q.customerId;
  if (q.status?.length) where.status = { in: q.status };
  if (q.source?.length) where.source = { in: q.source };
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    where.AND = [{ OR: [{ startsAt: { gt: c.startsAt } }, { startsAt: c.startsAt, id: { gt: c.id } }] }];
  }
  const rows = await db.booking.findMany({
    where,
    include: bookingInclude,
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((b) => viewBooking(b, fc)),
    nextCursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null,
  };
}
