// computeReport on hand-made sync rows: every figure checked against numbers worked out by hand.
import { describe, expect, it } from "vitest";
import type { SyncBookingRow, SyncServiceRow, SyncStaffRow } from "./changes.ts";
import { computeReport, localDateOf, type ReportData, reportInput } from "./reports.ts";

const LOC = "00000000-0000-4000-8000-000000000001";
const CUT = "00000000-0000-4000-8000-0000000000c1";
const COLOUR = "00000000-0000-4000-8000-0000000000c2";
const LAURA = "00000000-0000-4000-8000-0000000000a1";
const CARLOS = "00000000-0000-4000-8000-0000000000a2";
const DESK = "00000000-0000-4000-8000-0000000000d1";
const CONV = "00000000-0000-4000-8000-0000000000e1";
const T = "2026-02-20T10:00:00.000Z";

let seq = 0;
const id = () => `00000000-0000-4000-9000-${String(++seq).padStart(12, "0")}`;

/** A booking of one item; Madrid is UTC+1 in early March, so 10:00Z is 11:00 local. */
function booking(
  startsAt: string,
  over: Partial<SyncBookingRow> & { serviceId?: string; staffId?: string; price?: number; minutes?: number[] } = {},
): SyncBookingRow {
  const { serviceId = CUT, staffId = LAURA, price = 2000, minutes = [30, 0, 0], ...row } = over;
  const [duration, processing, finishing] = minutes as [number, number, number];
  const end = new Date(Date.parse(startsAt) + (duration + processing + finishing) * 60_000).toISOString();
  return {
    id: id(),
    locationId: LOC,
    customerId: id(),
    guestName: null,
    status: "confirmed",
    source: "console",
    startsAt,
    endsAt: end,
    holdExpiresAt: null,
    totalPriceCents: price,
    depositCents: 0,
    depositTakenCents: 0,
    depositRefundedCents: 0,
    currency: "EUR",
    notes: null,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    rescheduledFromId: null,
    seriesId: null,
    seriesIndex: null,
    groupId: null,
    conversationId: null,
    createdByStaffId: DESK,
    version: 1,
    createdAt: T,
    updatedAt: T,
    items: [
      {
        id: id(),
        position: 0,
        serviceId,
        staffId,
        startsAt,
        endsAt: end,
        durationMinutes: duration,
        processingMinutes: processing,
        finishingMinutes: finishing,
        priceCents: price,
      },
    ],
    ...row,
  };
}

const service = (sid: string, nameEs: string, nameEn: string): SyncServiceRow => ({
  id: sid,
  locationId: LOC,
  slug: nameEn.toLowerCase(),
  nameEs,
  nameEn,
  descriptionEs: null,
  descriptionEn: null,
  category: "hair",
  durationMinutes: 30,
  processingMinutes: 0,
  finishingMinutes: 0,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  priceCents: 2000,
  depositRule: "none",
  depositValue: 0,
  active: true,
  sortOrder: 0,
  version: 1,
  createdAt: T,
  updatedAt: T,
});

const member = (sid: string, displayName: string, over: Partial<SyncStaffRow> = {}): SyncStaffRow => ({
  id: sid,
  locationId: LOC,
  displayName,
  email: `${displayName}@test`,
  role: "stylist",
  bookable: true,
  active: true,
  disabledAt: null,
  calendarId: null,
  color: "#6366f1",
  language: "es",
  version: 1,
  createdAt: T,
  updatedAt: T,
  ...over,
});

const input = reportInput.parse({ from: "2026-03-02", to: "2026-03-08" });

function fixture(): { data: ReportData; rows: Record<string, SyncBookingRow> } {
  const moved = booking("2026-03-04T10:00:00Z", {
    status: "cancelled",
    cancelledAt: "2026-03-03T09:00:00Z",
    cancelledBy: "staff",
    cancelReason: "rescheduled",
  });
  const rows = {
    // 00:30 local on the first day (23:30Z the day before): in.
    earliest: booking("2026-03-01T23:30:00Z", { status: "completed" }),
    // 23:30 local the evening before: out.
    eveBefore: booking("2026-03-01T22:30:00Z", { status: "completed" }),
    // 23:30 local on the last day: in. 00:30 local the day after: out.
    latest: booking("2026-03-08T22:30:00Z", { status: "no_show" }),
    dayAfter: booking("2026-03-08T23:30:00Z", { status: "completed" }),
    colour: booking("2026-03-03T10:00:00Z", {
      status: "completed",
      serviceId: COLOUR,
      price: 5000,
      minutes: [30, 35, 20],
      source: "whatsapp",
      createdByStaffId: null,
      conversationId: CONV,
      depositCents: 1000,
      depositTakenCents: 1000,
    }),
    carlosCut: booking("2026-03-03T11:00:00Z", { status: "completed", staffId: CARLOS }),
    checkedIn: booking("2026-03-05T10:00:00Z", { status: "checked_in", staffId: CARLOS }),
    // Cancelled by the customer 2 h before (late, window 24 h), deposit kept.
    late: booking("2026-03-05T12:00:00Z", {
      status: "cancelled",
      cancelledAt: "2026-03-05T10:00:00Z",
      cancelledBy: "customer",
      source: "whatsapp",
      createdByStaffId: null,
      depositCents: 500,
      depositTakenCents: 500,
    }),
    // Cancelled by the customer 48 h before: free, deposit refunded.
    early: booking("2026-03-06T12:00:00Z", {
      status: "cancelled",
      cancelledAt: "2026-03-04T12:00:00Z",
      cancelledBy: "customer",
      depositCents: 500,
      depositTakenCents: 500,
      depositRefundedCents: 500,
    }),
    // Cancelled by the salon 1 h before: not a customer's late cancellation.
    salon: booking("2026-03-06T15:00:00Z", {
      status: "cancelled",
      cancelledAt: "2026-03-06T14:00:00Z",
      cancelledBy: "staff",
    }),
    confirmed: booking("2026-03-07T10:00:00Z", { staffId: CARLOS, minutes: [45, 0, 0] }),
    // The bot's hold that expired (created in the period, visit the week after).
    expiredHold: booking("2026-03-12T10:00:00Z", {
      status: "expired",
      source: "whatsapp",
      createdByStaffId: null,
      createdAt: "2026-03-04T18:00:00Z",
    }),
    // A bot hold awaiting the deposit, created in the period.
    awaiting: booking("2026-03-13T10:00:00Z", {
      status: "pending_deposit",
      source: "whatsapp",
      createdByStaffId: null,
      createdAt: "2026-03-06T18:00:00Z",
    }),
    // A booking moved away, and the booking it became (also in the period).
    moved,
    successor: booking("2026-03-06T10:00:00Z", { rescheduledFromId: moved.id, staffId: CARLOS }),
    // Another location's booking.
    elsewhere: booking("2026-03-03T10:00:00Z", { status: "completed", locationId: id() }),
  };
  return {
    rows,
    data: {
      location: { id: LOC, timeZone: "Europe/Madrid", currency: "EUR", cancellationWindowHours: 24 },
      bookings: Object.values(rows),
      services: [service(CUT, "Corte", "Haircut"), service(COLOUR, "Tinte", "Colour")],
      staff: [member(LAURA, "Laura"), member(CARLOS, "Carlos"), member(DESK, "Desk", { bookable: false })],
    },
  };
}

describe("computeReport", () => {
  it("counts the period's bookings by local start date, status and source, without moved-away ones", () => {
    const r = computeReport(input, fixture().data);
    expect(r).toMatchObject({ locationId: LOC, from: "2026-03-02", to: "2026-03-08", days: 7, currency: "EUR" });
    // earliest, latest, colour, carlosCut, checkedIn, late, early, salon, confirmed, successor.
    expect(r.bookings.total).toBe(10);
    expect(r.bookings.rescheduled).toBe(1);
    expect(r.bookings.byStatus).toEqual({
      held: 0,
      pending_deposit: 0,
      confirmed: 2,
      checked_in: 1,
      completed: 3,
      no_show: 1,
      cancelled: 3,
      expired: 0,
    });
    expect(r.bookings.bySource).toEqual({ whatsapp: 2, console: 8, sandbox: 0 });
    expect(r.bookings.bySourceAndStatus.find((x) => x.source === "whatsapp")).toEqual({
      source: "whatsapp",
      total: 2,
      byStatus: expect.objectContaining({ completed: 1, cancelled: 1, confirmed: 0 }),
    });
  });

  it("computes no-show and late-cancel rates, deposits and revenue", () => {
    const r = computeReport(input, fixture().data);
    // Due visits: completed 3 + checked_in 1 + no_show 1.
    expect(r.noShow).toEqual({ count: 1, of: 5, rate: 0.2 });
    // Committed: confirmed 2 + checked_in 1 + completed 3 + no_show 1 + cancelled 3 = 10; late: one.
    expect(r.lateCancel).toEqual({ count: 1, of: 10, rate: 0.1 });
    expect(r.deposits).toEqual({ takenCents: 2000, refundedCents: 500, keptCents: 1500, bookings: 3 });
    expect(r.revenue.totalCents).toBe(2000 + 5000 + 2000);
    expect(r.revenue.visits).toBe(3);
    expect(r.revenue.byService).toEqual([
      { serviceId: COLOUR, nameEs: "Tinte", nameEn: "Colour", items: 1, cents: 5000 },
      { serviceId: CUT, nameEs: "Corte", nameEn: "Haircut", items: 2, cents: 4000 },
    ]);
    expect(r.revenue.byStaff).toEqual([
      { staffId: LAURA, name: "Laura", items: 2, cents: 7000 },
      { staffId: CARLOS, name: "Carlos", items: 1, cents: 2000 },
    ]);
  });

  it("utilisation: application + finishing minutes of kept bookings over the capacity given", () => {
    const { data } = fixture();
    const offline = computeReport(input, data);
    // Laura: earliest 30 + latest (no-show) 30 + colour 30+20 = 110. Carlos: 30 + 30 + 45 + successor 30 = 135.
    expect(offline.utilisation).toEqual({
      bookedMinutes: 245,
      capacityMinutes: null,
      rate: null,
      byStaff: [
        { staffId: CARLOS, name: "Carlos", bookedMinutes: 135, capacityMinutes: null, rate: null },
        { staffId: LAURA, name: "Laura", bookedMinutes: 110, capacityMinutes: null, rate: null },
      ],
    });
    const online = computeReport(input, { ...data, capacityMinutesByStaff: { [LAURA]: 440, [CARLOS]: 0 } });
    expect(online.utilisation.byStaff).toEqual([
      { staffId: CARLOS, name: "Carlos", bookedMinutes: 135, capacityMinutes: 0, rate: null },
      { staffId: LAURA, name: "Laura", bookedMinutes: 110, capacityMinutes: 440, rate: 0.25 },
    ]);
    expect(online.utilisation).toMatchObject({ bookedMinutes: 245, capacityMinutes: 440, rate: 245 / 440 });
  });

  it("agent outcomes: bot bookings by creation date; conversation figures only when given", () => {
    const { data } = fixture();
    const r = computeReport(input, data);
    // Bot-made, created in the period (createdAt default 2026-02-20 is outside): expiredHold, awaiting.
    expect(r.agent).toEqual({ booked: 0, awaiting: 1, abandoned: 1, handedOver: null, conversations: null });
    const inPeriod = (b: SyncBookingRow) => ({ ...b, createdAt: "2026-03-02T08:00:00Z" });
    const withConv = computeReport(input, {
      ...data,
      bookings: data.bookings.map((b) => (b.source === "whatsapp" && b.status !== "expired" ? inPeriod(b) : b)),
      conversations: { handedOver: 2, withBot: 7 },
    });
    // colour (completed) and late (cancelled after booking) were booked; awaiting is still pending.
    expect(withConv.agent).toEqual({ booked: 2, awaiting: 1, abandoned: 1, handedOver: 2, conversations: 7 });
  });

  it("a moved booking whose successor is unknown still counts (only the link marks it moved)", () => {
    const { data, rows } = fixture();
    const r = computeReport(input, { ...data, bookings: data.bookings.filter((b) => b !== rows.successor) });
    expect(r.bookings.total).toBe(10);
    expect(r.bookings.rescheduled).toBe(0);
  });

  it("an empty period has zero counts and no rates", () => {
    const r = computeReport(reportInput.parse({ from: "2027-01-01", to: "2027-01-01" }), fixture().data);
    expect(r.bookings.total).toBe(0);
    expect(r.noShow).toEqual({ count: 0, of: 0, rate: null });
    expect(r.lateCancel.rate).toBeNull();
    expect(r.revenue).toEqual({ totalCents: 0, visits: 0, byService: [], byStaff: [] });
  });
});

describe("reportInput", () => {
  it("takes an inclusive range of real local dates, at most 366 days", () => {
    expect(reportInput.parse({ from: "2024-01-01", to: "2024-12-31" })).toEqual({
      from: "2024-01-01",
      to: "2024-12-31",
    });
    const problems = (v: unknown) => reportInput.safeParse(v).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(problems({ from: "2026-03-09", to: "2026-03-08" })).toEqual(["to: must not be before from"]);
    expect(problems({ from: "2024-01-01", to: "2025-01-01" })).toEqual(["to: a report covers at most 366 days"]);
    expect(problems({ from: "2026-02-30", to: "2026-03-01" })).toEqual([
      "from: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    ]);
    expect(problems({ from: "9999-99-99", to: "9999-99-99" })).toEqual([
      "from: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
      "to: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    ]);
    expect(problems({ from: "March", to: "2026-03-01" })).toEqual([
      "from: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    ]);
  });

  it("localDateOf reads the date in the zone", () => {
    expect(localDateOf("2026-03-01T23:30:00Z", "Europe/Madrid")).toBe("2026-03-02");
    expect(localDateOf("2026-03-01T23:30:00Z", "America/New_York")).toBe("2026-03-01");
  });
});
