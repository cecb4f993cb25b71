// Reports: inputs, outputs and the pure computation shared by the server and the offline console.
//
// computeReport takes the same row shapes the offline replica stores (changes.ts sync rows), so the
// server (apps/server/src/reports/) and the console's replica compute the booking figures with one
// function. What only the server knows (stylists' scheduled capacity, conversations) comes in as
// optional data; without it those figures are null ("not known here"), never zero.
//
// Which bookings belong to a period: those whose start is on a local date from `from` to `to`
// (inclusive) in the location's time zone — a 00:30 visit on the first day counts, 23:30 the
// evening before does not. A booking moved away by a reschedule (cancelled, and a later booking names
// it in `rescheduledFromId`) is not counted: its successor is, in whichever period it falls.
import { z } from "zod";
import type { SyncBookingRow, SyncLocationRow, SyncServiceRow, SyncStaffRow } from "./changes.ts";
import {
  BOOKING_STATUSES,
  type BookingStatusName,
  bookingSource,
  bookingStatus,
  dateString,
  localDate,
  uuid,
} from "./common.ts";
import { dateRange, daysInRange, MAX_RANGE_DAYS } from "./input.ts";
import { toLocal } from "./time.ts";

/** The longest period one report covers (a leap year, inclusive). */
export const REPORT_MAX_DAYS = MAX_RANGE_DAYS;

/** Days from `from` to `to`, both included. */
export const periodDays = daysInRange;

export const reportInput = z
  .object({
    /** Defaults to the location the request acts on; another one only if the caller may see it (#21). */
    locationId: uuid.optional(),
    /** First local date of the period (YYYY-MM-DD), inclusive. */
    from: localDate,
    /** Last local date of the period, inclusive. */
    to: localDate,
  })
  .superRefine(
    dateRange({
      from: "from",
      to: "to",
      maxDays: REPORT_MAX_DAYS,
      tooLong: `a report covers at most ${REPORT_MAX_DAYS} days`,
    }),
  );
export type ReportInput = z.infer<typeof reportInput>;

const BOOKING_SOURCES = bookingSource.options;
type BookingSourceName = (typeof BOOKING_SOURCES)[number];

const count = z.number().int().nonnegative();
const cents = z.number().int();
const minutes = z.number().int().nonnegative();
const ratio = z.number().nonnegative().nullable();
const byStatus = z.record(bookingStatus, count);
const bySource = z.record(bookingSource, count);

/** `count` of `of`, and their ratio (null when `of` is 0: no rate, rather than a misleading 0 %). */
const rate = z.object({ count, of: count, rate: ratio });
export type ReportRate = z.infer<typeof rate>;

export const reportOutput = z.object({
  locationId: uuid,
  from: dateString,
  to: dateString,
  days: count,
  timeZone: z.string(),
  currency: z.string(),
  bookings: z.object({
    /** Bookings starting in the period (every status), not counting ones moved away by a reschedule. */
    total: count,
    byStatus,
    bySource,
    /** One row per source, split by status (the stacked bar). */
    bySourceAndStatus: z.array(z.object({ source: bookingSource, total: count, byStatus })),
    /** Bookings in the period moved to another time (left out of every other figure). */
    rescheduled: count,
  }),
  /** no_show ÷ (completed + checked_in + no_show): of the visits that were due, how many never came. */
  noShow: rate,
  /**
   * Late cancellations ÷ committed bookings. Late = cancelled by the customer (`cancelledBy`
   * "customer", which the front desk also picks when the customer phones) less than the location's
   * cancellation window (cancellationWindowHours, as set now) before the start — the same rule as
   * bookings/policy.ts. Committed = confirmed + checked_in + completed + no_show + cancelled.
   */
  lateCancel: rate,
  deposits: z.object({
    /** Deposits paid on the period's bookings (payments that reached "paid", refunded or not). */
    takenCents: cents,
    /** Of those, what went back to customers (succeeded refunds). */
    refundedCents: cents,
    /** takenCents − refundedCents. */
    keptCents: cents,
    /** Bookings with a deposit paid. */
    bookings: count,
  }),
  revenue: z.object({
    /** Sum of the item prices of completed bookings (what the visit was booked at). */
    totalCents: cents,
    /** Completed bookings. */
    visits: count,
    /** Per service and per stylist: each item counts for its own service and stylist. */
    byService: z.array(z.object({ serviceId: uuid, nameEs: z.string(), nameEn: z.string(), items: count, cents })),
    byStaff: z.array(z.object({ staffId: uuid, name: z.string(), items: count, cents })),
  }),
  /**
   * Booked minutes ÷ scheduled capacity, per stylist. Booked = application + finishing minutes of the
   * items of bookings that kept their time (confirmed, checked_in, completed, no_show): the time with
   * a client; processing gaps (free for others) and buffers (not recorded on the booking) are not
   * counted. Capacity = the stylist's working time in the period (weekly blocks or date overrides,
   * minus breaks, within the salon's opening hours, minus closures and time off): computed by the
   * server; null where it is not known (offline), and then the rate is null too.
   */
  utilisation: z.object({
    bookedMinutes: minutes,
    capacityMinutes: minutes.nullable(),
    rate: ratio,
    byStaff: z.array(
      z.object({
        staffId: uuid,
        name: z.string(),
        bookedMinutes: minutes,
        capacityMinutes: minutes.nullable(),
        rate: ratio,
      }),
    ),
  }),
  /**
   * The WhatsApp assistant. "Bot bookings" are bookings the agent made (source not "console", no
   * staff author, not a reschedule) created on a date in the period, whatever their visit date:
   * - booked: became a booking (confirmed, checked_in, completed, no_show, or cancelled later);
   * - awaiting: still a hold or waiting for the deposit;
   * - abandoned: the hold expired — a slot was offered and held, and the customer never completed it.
   * handedOver: conversations the assistant escalated to a person in the period; conversations:
   * conversations the assistant answered in the period. Both server-only (null offline); counted
   * for the report's location (issue #21: a conversation's own location, or the default location's
   * when it has none).
   */
  agent: z.object({
    booked: count,
    awaiting: count,
    abandoned: count,
    handedOver: count.nullable(),
    conversations: count.nullable(),
  }),
  /**
   * Freed slots refilled from the waitlist (issue #20): waitlist offers accepted whose visit starts in
   * the period and still stands. Server only (absent offline).
   */
  refilledFromWaitlist: count.nullable().optional(),
});
export type ReportOutput = z.infer<typeof reportOutput>;

/** Everything computeReport reads. Rows of other locations, or outside the period, are ignored. */
export interface ReportData {
  location: Pick<SyncLocationRow, "id" | "timeZone" | "currency" | "cancellationWindowHours">;
  /**
   * The period's bookings (more is fine: they are filtered), plus the bookings that replaced any of
   * them by a reschedule, wherever those fall (they mark the originals as moved).
   */
  bookings: readonly SyncBookingRow[];
  services: readonly SyncServiceRow[];
  staff: readonly SyncStaffRow[];
  /** Scheduled minutes per stylist in the period (server only). */
  capacityMinutesByStaff?: Readonly<Record<string, number>> | null;
  /** Conversation figures (server only). */
  conversations?: { handedOver: number; withBot: number } | null;
  /** Slots refilled from the waitlist in the period (server only). */
  refilledFromWaitlist?: number | null;
}

/** The local date (YYYY-MM-DD) of an instant in an IANA zone. */
export function localDateOf(instant: string | number | Date, timeZone: string): string {
  return toLocal(typeof instant === "string" ? Date.parse(instant) : instant, timeZone).date;
}

const zeroByStatus = () => Object.fromEntries(BOOKING_STATUSES.map((s) => [s, 0])) as Record<BookingStatusName, number>;
const zeroBySource = () => Object.fromEntries(BOOKING_SOURCES.map((s) => [s, 0])) as Record<BookingSourceName, number>;
const ratioOf = (n: number, of: number) => (of > 0 ? n / of : null);
const rateOf = (n: number, of: number) => ({ count: n, of, rate: ratioOf(n, of) });

const DUE: ReadonlySet<string> = new Set(["completed", "checked_in", "no_show"]);
const COMMITTED: ReadonlySet<string> = new Set(["confirmed", "checked_in", "completed", "no_show", "cancelled"]);
/** Bookings whose time stayed taken (for utilisation). */
const KEPT_TIME: ReadonlySet<string> = new Set(["confirmed", "checked_in", "completed", "no_show"]);
const HOLDING: ReadonlySet<string> = new Set(["held", "pending_deposit"]);

/** A cancellation by the customer less than the window before the start (bookings/policy.ts's rule). */
export function isLateCancel(b: SyncBookingRow, cancellationWindowHours: number): boolean {
  if (b.status !== "cancelled" || b.cancelledBy !== "customer" || !b.cancelledAt) return false;
  return Date.parse(b.startsAt) - Date.parse(b.cancelledAt) < cancellationWindowHours * 3_600_000;
}

/** Made by the WhatsApp assistant: not from the console, no staff author, not a reschedule. */
export function isBotBooking(b: SyncBookingRow): boolean {
  return b.source !== "console" && b.createdByStaffId === null && b.rescheduledFromId === null;
}

export function computeReport(input: ReportInput, data: ReportData): ReportOutput {
  const { location } = data;
  const tz = location.timeZone;
  const inPeriod = (instant: string) => {
    const d = localDateOf(instant, tz);
    return d >= input.from && d <= input.to;
  };
  const here = data.bookings.filter((b) => b.locationId === location.id);
  const movedAway = new Set(here.map((b) => b.rescheduledFromId).filter((id): id is string => id !== null));
  const isMovedAway = (b: SyncBookingRow) => b.status === "cancelled" && movedAway.has(b.id);

  const inRange = here.filter((b) => inPeriod(b.startsAt));
  const counted = inRange.filter((b) => !isMovedAway(b));

  // Bookings by status and source.
  const statusTotals = zeroByStatus();
  const sourceTotals = zeroBySource();
  const matrix = new Map(BOOKING_SOURCES.map((s) => [s, zeroByStatus()]));
  for (const b of counted) {
    statusTotals[b.status]++;
    sourceTotals[b.source]++;
    matrix.get(b.source)![b.status]++;
  }
  const n = (s: BookingStatusName) => statusTotals[s];

  // Deposits.
  let takenCents = 0;
  let refundedCents = 0;
  let withDeposit = 0;
  for (const b of counted) {
    takenCents += b.depositTakenCents;
    refundedCents += b.depositRefundedCents;
    if (b.depositTakenCents > 0) withDeposit++;
  }

  // Revenue (completed visits) and booked minutes.
  const serviceById = new Map(data.services.map((s) => [s.id, s]));
  const staffById = new Map(data.staff.map((s) => [s.id, s]));
  const revenueByService = new Map<string, { items: number; cents: number }>();
  const revenueByStaff = new Map<string, { items: number; cents: number }>();
  const bookedByStaff = new Map<string, number>();
  let totalCents = 0;
  for (const b of counted) {
    if (b.status === "completed") {
      for (const i of b.items) {
        totalCents += i.priceCents;
        for (const [map, key] of [
          [revenueByService, i.serviceId],
          [revenueByStaff, i.staffId],
        ] as const) {
          const r = map.get(key) ?? { items: 0, cents: 0 };
          r.items++;
          r.cents += i.priceCents;
          map.set(key, r);
        }
      }
    }
    if (KEPT_TIME.has(b.status)) {
      for (const i of b.items) {
        bookedByStaff.set(i.staffId, (bookedByStaff.get(i.staffId) ?? 0) + i.durationMinutes + i.finishingMinutes);
      }
    }
  }
  const staffName = (id: string) => staffById.get(id)?.displayName ?? "—";
  const byCents =
    <T extends { cents: number }>(name: (x: T) => string) =>
    (a: T, b: T) =>
      b.cents - a.cents || name(a).localeCompare(name(b));

  // Utilisation: every active bookable stylist here, and anyone who had booked time or capacity.
  const capacity = data.capacityMinutesByStaff ?? null;
  const stylistIds = new Set([
    ...data.staff.filter((s) => s.locationId === location.id && s.bookable && s.active).map((s) => s.id),
    ...bookedByStaff.keys(),
    ...Object.entries(capacity ?? {})
      .filter(([, m]) => m > 0)
      .map(([id]) => id),
  ]);
  const utilisationRows = [...stylistIds]
    .map((staffId) => {
      const bookedMinutes = bookedByStaff.get(staffId) ?? 0;
      const capacityMinutes = capacity ? Math.round(capacity[staffId] ?? 0) : null;
      return {
        staffId,
        name: staffName(staffId),
        bookedMinutes,
        capacityMinutes,
        rate: capacityMinutes === null ? null : ratioOf(bookedMinutes, capacityMinutes),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.staffId.localeCompare(b.staffId));
  const bookedMinutes = utilisationRows.reduce((m, r) => m + r.bookedMinutes, 0);
  const capacityMinutes = capacity ? utilisationRows.reduce((m, r) => m + (r.capacityMinutes ?? 0), 0) : null;

  // The assistant: bot bookings created in the period.
  const botMade = here.filter((b) => isBotBooking(b) && inPeriod(b.createdAt));

  return {
    locationId: location.id,
    from: input.from,
    to: input.to,
    days: periodDays(input.from, input.to),
    timeZone: tz,
    currency: location.currency,
    bookings: {
      total: counted.length,
      byStatus: statusTotals,
      bySource: sourceTotals,
      bySourceAndStatus: BOOKING_SOURCES.map((source) => ({
        source,
        total: sourceTotals[source],
        byStatus: matrix.get(source)!,
      })),
      rescheduled: inRange.length - counted.length,
    },
    noShow: rateOf(n("no_show"), counted.filter((b) => DUE.has(b.status)).length),
    lateCancel: rateOf(
      counted.filter((b) => isLateCancel(b, location.cancellationWindowHours)).length,
      counted.filter((b) => COMMITTED.has(b.status)).length,
    ),
    deposits: { takenCents, refundedCents, keptCents: takenCents - refundedCents, bookings: withDeposit },
    revenue: {
      totalCents,
      visits: n("completed"),
      byService: [...revenueByService]
        .map(([serviceId, r]) => {
          const s = serviceById.get(serviceId);
          return { serviceId, nameEs: s?.nameEs ?? "—", nameEn: s?.nameEn ?? "—", ...r };
        })
        .sort(byCents((x) => x.nameEn)),
      byStaff: [...revenueByStaff]
        .map(([staffId, r]) => ({ staffId, name: staffName(staffId), ...r }))
        .sort(byCents((x) => x.name)),
    },
    utilisation: {
      bookedMinutes,
      capacityMinutes,
      rate: capacityMinutes === null ? null : ratioOf(bookedMinutes, capacityMinutes),
      byStaff: utilisationRows,
    },
    agent: {
      booked: botMade.filter((b) => COMMITTED.has(b.status)).length,
      awaiting: botMade.filter((b) => HOLDING.has(b.status)).length,
      abandoned: botMade.filter((b) => b.status === "expired").length,
      handedOver: data.conversations?.handedOver ?? null,
      conversations: data.conversations?.withBot ?? null,
    },
    ...(data.refilledFromWaitlist != null ? { refilledFromWaitlist: data.refilledFromWaitlist } : {}),
  };
}

// ---- Several locations (issue #21) -------------------------------------------------------------

/** One location a staff member may see (the console's location switcher, "all locations" reports). */
export const myLocation = z.object({
  id: uuid,
  name: z.string(),
  city: z.string(),
  timeZone: z.string(),
  /** The staff member's own (home) location. */
  home: z.boolean(),
});
export type MyLocation = z.infer<typeof myLocation>;
export const myLocationsOutput = z.array(myLocation);

/** reports.allLocations: one period for every location the caller may see. */
export const reportAllInput = z
  .object({
    /** First local date of the period (YYYY-MM-DD), inclusive; each location's own time zone. */
    from: localDate,
    /** Last local date of the period, inclusive. */
    to: localDate,
  })
  .superRefine(
    dateRange({
      from: "from",
      to: "to",
      maxDays: REPORT_MAX_DAYS,
      tooLong: `a report covers at most ${REPORT_MAX_DAYS} days`,
    }),
  );
export type ReportAllInput = z.infer<typeof reportAllInput>;

/** The figures that add up across locations (rates recomputed from the summed counts). */
export const reportTotals = z.object({
  /** The locations' currency; null when they differ (money totals are then not added up: null). */
  currency: z.string().nullable(),
  bookings: z.object({ total: count, byStatus, rescheduled: count }),
  noShow: rate,
  lateCancel: rate,
  deposits: z.object({ takenCents: cents.nullable(), keptCents: cents.nullable(), bookings: count }),
  revenue: z.object({ totalCents: cents.nullable(), visits: count }),
  utilisation: z.object({ bookedMinutes: minutes, capacityMinutes: minutes.nullable(), rate: ratio }),
  agent: z.object({
    booked: count,
    awaiting: count,
    abandoned: count,
    handedOver: count.nullable(),
    conversations: count.nullable(),
  }),
});
export type ReportTotals = z.infer<typeof reportTotals>;

export const reportAllOutput = z.object({
  from: dateString,
  to: dateString,
  locations: z.array(z.object({ locationId: uuid, name: z.string(), report: reportOutput })),
  total: reportTotals,
});
export type ReportAllOutput = z.infer<typeof reportAllOutput>;

/** Adds up several locations' reports (pure: the server and the replica use it alike). */
export function combineReports(reports: readonly ReportOutput[]): ReportTotals {
  const currencies = new Set(reports.map((r) => r.currency));
  const oneCurrency = currencies.size <= 1;
  const sum = (f: (r: ReportOutput) => number) => reports.reduce((n, r) => n + f(r), 0);
  const sumOrNull = (f: (r: ReportOutput) => number | null | undefined) =>
    reports.some((r) => f(r) == null) ? null : reports.reduce((n, r) => n + (f(r) ?? 0), 0);
  const byStatusTotal = zeroByStatus();
  for (const r of reports) for (const s of BOOKING_STATUSES) byStatusTotal[s] += r.bookings.byStatus[s] ?? 0;
  const noShow = sum((r) => r.noShow.count);
  const noShowOf = sum((r) => r.noShow.of);
  const late = sum((r) => r.lateCancel.count);
  const lateOf = sum((r) => r.lateCancel.of);
  const bookedMinutes = sum((r) => r.utilisation.bookedMinutes);
  const capacityMinutes = reports.length ? sumOrNull((r) => r.utilisation.capacityMinutes) : null;
  return {
    currency: oneCurrency ? (reports[0]?.currency ?? null) : null,
    bookings: {
      total: sum((r) => r.bookings.total),
      byStatus: byStatusTotal,
      rescheduled: sum((r) => r.bookings.rescheduled),
    },
    noShow: rateOf(noShow, noShowOf),
    lateCancel: rateOf(late, lateOf),
    deposits: {
      takenCents: oneCurrency ? sum((r) => r.deposits.takenCents) : null,
      keptCents: oneCurrency ? sum((r) => r.deposits.keptCents) : null,
      bookings: sum((r) => r.deposits.bookings),
    },
    revenue: {
      totalCents: oneCurrency ? sum((r) => r.revenue.totalCents) : null,
      visits: sum((r) => r.revenue.visits),
    },
    utilisation: {
      bookedMinutes,
      capacityMinutes,
      rate: capacityMinutes === null ? null : ratioOf(bookedMinutes, capacityMinutes),
    },
    agent: {
      booked: sum((r) => r.agent.booked),
      awaiting: sum((r) => r.agent.awaiting),
      abandoned: sum((r) => r.agent.abandoned),
      handedOver: reports.length ? sumOrNull((r) => r.agent.handedOver) : null,
      conversations: reports.length ? sumOrNull((r) => r.agent.conversations) : null,
    },
  };
}
