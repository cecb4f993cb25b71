import type { ReportOutput } from "@cita/shared";
import { describe, expect, it } from "vitest";
import { translator } from "../i18n.ts";
import { toCsv } from "./csv.ts";
import { REPORT_STRINGS } from "./strings.ts";
import { percent, reportTables, tableFilename, units } from "./tables.ts";

const zero = {
  held: 0,
  pending_deposit: 0,
  confirmed: 0,
  checked_in: 0,
  completed: 0,
  no_show: 0,
  cancelled: 0,
  expired: 0,
};
const report: ReportOutput = {
  locationId: "00000000-0000-4000-8000-000000000001",
  from: "2026-03-02",
  to: "2026-03-08",
  days: 7,
  timeZone: "Europe/Madrid",
  currency: "EUR",
  bookings: {
    total: 4,
    byStatus: { ...zero, completed: 3, no_show: 1 },
    bySource: { whatsapp: 1, console: 3, sandbox: 0 },
    bySourceAndStatus: [
      { source: "whatsapp", total: 1, byStatus: { ...zero, completed: 1 } },
      { source: "console", total: 3, byStatus: { ...zero, completed: 2, no_show: 1 } },
      { source: "sandbox", total: 0, byStatus: zero },
    ],
    rescheduled: 1,
  },
  noShow: { count: 1, of: 4, rate: 0.25 },
  lateCancel: { count: 0, of: 4, rate: 0 },
  deposits: { takenCents: 2000, refundedCents: 1000, keptCents: 1000, bookings: 2 },
  revenue: {
    totalCents: 9050,
    visits: 3,
    byService: [
      { serviceId: "00000000-0000-4000-8000-0000000000c2", nameEs: "Tinte", nameEn: "Colour", items: 1, cents: 5050 },
      { serviceId: "00000000-0000-4000-8000-0000000000c1", nameEs: "Corte", nameEn: "Haircut", items: 2, cents: 4000 },
    ],
    byStaff: [{ staffId: "00000000-0000-4000-8000-0000000000a1", name: "=Laura", items: 3, cents: 9050 }],
  },
  utilisation: {
    bookedMinutes: 80,
    capacityMinutes: null,
    rate: null,
    byStaff: [
      {
        staffId: "00000000-0000-4000-8000-0000000000a1",
        name: "=Laura",
        bookedMinutes: 80,
        capacityMinutes: null,
        rate: null,
      },
    ],
  },
  agent: { booked: 1, awaiting: 0, abandoned: 2, handedOver: null, conversations: null },
};

describe("report tables", () => {
  const es = reportTables(report, REPORT_STRINGS.es, "es", translator("es"));

  it("money in currency units and rates in percent", () => {
    expect(units(9050)).toBe(90.5);
    expect(percent(1 / 3)).toBe(33.3);
    expect(percent(null)).toBeNull();
    expect(es.summary.rows).toContainEqual(["No vinieron (%)", 25]);
    expect(es.summary.rows).toContainEqual(["Ingresos (EUR)", 90.5]);
    expect(es.summary.rows).toContainEqual(["Ocupación (%)", null]);
  });

  it("revenue by service in the UI's language, as CSV", () => {
    const t = es["revenue-services"];
    expect(toCsv(t.header, t.rows)).toBe(
      "\uFEFFServicio,Servicios hechos,Ingresos (EUR)\r\nTinte,1,50.5\r\nCorte,2,40\r\n",
    );
    const en = reportTables(report, REPORT_STRINGS.en, "en", translator("en"))["revenue-services"];
    expect(en.rows.map((r) => r[0])).toEqual(["Colour", "Haircut"]);
  });

  it("bookings by source and status, with a total row; unknown figures stay empty", () => {
    expect(es.bookings.header).toEqual([
      "Origen",
      "Reservada",
      "Pendiente de señal",
      "Confirmada",
      "En el salón",
      "Completada",
      "No vino",
      "Cancelada",
      "Caducada",
      "Total",
    ]);
    expect(es.bookings.rows.at(-1)).toEqual(["Total", 0, 0, 0, 0, 3, 1, 0, 0, 4]);
    const u = es.utilisation;
    expect(toCsv(u.header, u.rows).split("\r\n")[1]).toBe("'=Laura,80,,");
    expect(es.assistant.rows).toContainEqual(["Pasadas a una persona", null]);
    expect(tableFilename("revenue-services", report)).toBe("cita-revenue-services-2026-03-02-2026-03-08.csv");
  });
});
