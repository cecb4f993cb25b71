// Issue #21: one period for every location the manager may see (reports.allLocations): a row per
// salon and the total, a chart of revenue per salon, and the table as CSV. Online only (the server
// adds the salons' figures up; the offline replica keeps one view per location).
import type { ReportAllOutput } from "@cita/shared";
import { useEffect, useMemo, useState } from "react";
import { errorMessage } from "../api.ts";
import type { Lang } from "../i18n.ts";
import { useConsole } from "../ui/context.tsx";
import { BarChart } from "./charts.tsx";
import { downloadText, toCsv } from "./csv.ts";

const LOCALES: Record<Lang, string> = { es: "es-ES", en: "en-GB" };

const STRINGS = {
  en: {
    title: "All salons",
    salon: "Salon",
    bookings: "Bookings",
    visits: "Visits completed",
    revenue: "Revenue",
    noShow: "No-show rate",
    lateCancel: "Late cancellations",
    depositsKept: "Deposits kept",
    utilisation: "Utilisation",
    total: "Total",
    chart: (from: string, to: string) => `Revenue by salon, ${from} to ${to}`,
    exportCsv: "Export CSV",
    loading: "Working out the figures…",
    mixedCurrency: "The salons use different currencies: money is not added up.",
  },
  es: {
    title: "Todos los salones",
    salon: "Salón",
    bookings: "Citas",
    visits: "Visitas completadas",
    revenue: "Ingresos",
    noShow: "Tasa de ausencias",
    lateCancel: "Cancelaciones tardías",
    depositsKept: "Depósitos retenidos",
    utilisation: "Ocupación",
    total: "Total",
    chart: (from: string, to: string) => `Ingresos por salón, del ${from} al ${to}`,
    exportCsv: "Exportar CSV",
    loading: "Calculando…",
    mixedCurrency: "Los salones usan monedas distintas: el dinero no se suma.",
  },
} satisfies Record<Lang, unknown>;

export function AllLocations(props: { from: string; to: string }) {
  const { api, tr, fmt } = useConsole();
  const s = STRINGS[tr.lang];
  const [data, setData] = useState<ReportAllOutput | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setData(null);
    api.reports.allLocations
      .query({ from: props.from, to: props.to })
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [api, props.from, props.to]);
  const pct = useMemo(
    () =>
      new Intl.NumberFormat(LOCALES[tr.lang], { style: "percent", maximumFractionDigits: 1, useGrouping: "always" }),
    [tr.lang],
  );
  const rate = (v: number | null) => (v === null ? "—" : pct.format(v));
  const money = (cents: number | null, currency: string | null) =>
    cents === null || currency === null
      ? "—"
      : new Intl.NumberFormat(LOCALES[tr.lang], { style: "currency", currency, useGrouping: "always" }).format(
          cents / 100,
        );

  if (error)
    return (
      <p className="error" data-testid="report-error">
        {error}
      </p>
    );
  if (!data) return <p className="muted">{s.loading}</p>;
  const header = [s.salon, s.bookings, s.visits, s.revenue, s.noShow, s.lateCancel, s.depositsKept, s.utilisation];
  const rows = data.locations.map((l) => [
    l.name,
    fmt.number(l.report.bookings.total),
    fmt.number(l.report.revenue.visits),
    money(l.report.revenue.totalCents, l.report.currency),
    rate(l.report.noShow.rate),
    rate(l.report.lateCancel.rate),
    money(l.report.deposits.keptCents, l.report.currency),
    rate(l.report.utilisation.rate),
  ]);
  const t = data.total;
  const totalRow = [
    s.total,
    fmt.number(t.bookings.total),
    fmt.number(t.revenue.visits),
    money(t.revenue.totalCents, t.currency),
    rate(t.noShow.rate),
    rate(t.lateCancel.rate),
    money(t.deposits.keptCents, t.currency),
    rate(t.utilisation.rate),
  ];
  return (
    <section className="report-panel" data-testid="report-all-locations">
      <header>
        <h3>{s.title}</h3>
        <button
          type="button"
          data-testid="export-all-locations"
          onClick={() =>
            downloadText(`cita-all-salons-${data.from}-${data.to}.csv`, toCsv(header, [...rows, totalRow]))
          }
        >
          ⤓ {s.exportCsv}
        </button>
      </header>
      {t.currency === null ? <p className="notice small">{s.mixedCurrency}</p> : null}
      <table className="report-table" data-testid="all-locations-table">
        <thead>
          <tr>
            {header.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={data.locations[i]!.locationId} data-testid="all-locations-row">
              {r.map((v, j) =>
                j === 0 ? (
                  <th key={header[j]} scope="row">
                    {v}
                  </th>
                ) : (
                  <td key={header[j]}>{v}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="all-locations-total">
            {totalRow.map((v, j) =>
              j === 0 ? (
                <th key={header[j]} scope="row">
                  {v}
                </th>
              ) : (
                <td key={header[j]}>
                  <strong>{v}</strong>
                </td>
              ),
            )}
          </tr>
        </tfoot>
      </table>
      {data.locations.some((l) => l.report.revenue.totalCents > 0) ? (
        <BarChart
          title={s.chart(fmt.day(data.from), fmt.day(data.to))}
          testId="chart-revenue-locations"
          rows={data.locations.map((l) => ({
            key: l.locationId,
            label: l.name,
            value: l.report.revenue.totalCents,
            display: money(l.report.revenue.totalCents, l.report.currency),
          }))}
        />
      ) : null}
    </section>
  );
}
