// The report as tables, for CSV export (one file per table): the same figures the view shows, in
// plain numbers a spreadsheet can sum — money in currency units, rates in percent.
import { BOOKING_STATUSES, type BookingStatusName, type ReportOutput } from "@cita/shared";
import type { Lang } from "../i18n.ts";
import type { CsvCell } from "./csv.ts";
import type { ReportStrings } from "./strings.ts";

export const TABLE_IDS = [
  "summary",
  "bookings",
  "revenue-services",
  "revenue-stylists",
  "utilisation",
  "assistant",
] as const;
export type TableId = (typeof TABLE_IDS)[number];

export interface ReportTable {
  id: TableId;
  title: string;
  header: string[];
  rows: CsvCell[][];
}

export interface Labels {
  status(s: BookingStatusName): string;
  source(s: string): string;
}

/** Cents as currency units (2 decimals at most). */
export const units = (cents: number) => Math.round(cents) / 100;
/** A ratio as a percentage with one decimal, or null. */
export const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);

export function reportTables(
  r: ReportOutput,
  s: ReportStrings,
  lang: Lang,
  labels: Labels,
): Record<TableId, ReportTable> {
  const money = (label: string) => s.money(label, r.currency);
  const summary: CsvCell[][] = [
    [s.bookings, r.bookings.total],
    [labels.status("completed"), r.bookings.byStatus.completed],
    [s.rescheduled, r.bookings.rescheduled],
    [s.percent(s.noShowRate), percent(r.noShow.rate)],
    [s.percent(s.lateCancelRate), percent(r.lateCancel.rate)],
    [money(s.depositsTaken), units(r.deposits.takenCents)],
    [money(s.depositsRefundedFull), units(r.deposits.refundedCents)],
    [money(s.depositsKept), units(r.deposits.keptCents)],
    [money(s.revenue), units(r.revenue.totalCents)],
    [s.bookedMinutes, r.utilisation.bookedMinutes],
    [s.capacityMinutes, r.utilisation.capacityMinutes],
    [s.percent(s.utilisation), percent(r.utilisation.rate)],
  ];
  return {
    summary: { id: "summary", title: s.summary, header: [s.measure, s.value], rows: summary },
    bookings: {
      id: "bookings",
      title: s.bookingsByStatus,
      header: [s.source, ...BOOKING_STATUSES.map((st) => labels.status(st)), s.total],
      rows: [
        ...r.bookings.bySourceAndStatus.map((row) => [
          labels.source(row.source),
          ...BOOKING_STATUSES.map((st) => row.byStatus[st]),
          row.total,
        ]),
        [s.total, ...BOOKING_STATUSES.map((st) => r.bookings.byStatus[st]), r.bookings.total],
      ],
    },
    "revenue-services": {
      id: "revenue-services",
      title: s.revenueByService,
      header: [s.service, s.items, money(s.revenue)],
      rows: r.revenue.byService.map((x) => [lang === "es" ? x.nameEs : x.nameEn, x.items, units(x.cents)]),
    },
    "revenue-stylists": {
      id: "revenue-stylists",
      title: s.revenueByStaff,
      header: [s.stylist, s.items, money(s.revenue)],
      rows: r.revenue.byStaff.map((x) => [x.name, x.items, units(x.cents)]),
    },
    utilisation: {
      id: "utilisation",
      title: s.utilisationByStaff,
      header: [s.stylist, s.bookedMinutes, s.capacityMinutes, s.percent(s.utilisation)],
      rows: r.utilisation.byStaff.map((x) => [x.name, x.bookedMinutes, x.capacityMinutes, percent(x.rate)]),
    },
    assistant: {
      id: "assistant",
      title: s.agent,
      header: [s.measure, s.value],
      rows: [
        [s.agentBooked, r.agent.booked],
        [s.agentAwaiting, r.agent.awaiting],
        [s.agentAbandoned, r.agent.abandoned],
        [s.agentHandedOver, r.agent.handedOver],
        [s.agentConversations, r.agent.conversations],
      ],
    },
  };
}

/** cita-revenue-services-2026-03-01-2026-03-31.csv */
export function tableFilename(id: TableId, r: Pick<ReportOutput, "from" | "to">): string {
  return `cita-${id}-${r.from}-${r.to}.csv`;
}
