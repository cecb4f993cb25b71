// Reports (managers and owners): a period (this week, this month, last month, or any dates), the
// headline figures as cards, charts where a picture reads faster than a table, and every table as a
// CSV file. The figures come from a ReportSource: the server by default, the offline replica's
// local computation when the console is offline (same computeReport either way).
import { BOOKING_STATUSES, type ReportOutput } from "@cita/shared";
import { type ReactNode, useEffect, useMemo, useState } from "react";
import { errorMessage } from "../api.ts";
import type { Lang } from "../i18n.ts";
import { today } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { AllLocations } from "./AllLocations.tsx";
import { BarChart, STATUS_COLORS, StackedBarChart, UtilisationChart } from "./charts.tsx";
import { downloadText, toCsv } from "./csv.ts";
import { PERIOD_KINDS, type Period, type PeriodKind, periodProblem, presetPeriod } from "./period.ts";
import { type ReportSource, serverReportSource } from "./source.ts";
import { REPORT_STRINGS, type ReportStrings } from "./strings.ts";
import { type ReportTable, reportTables, type TableId, tableFilename } from "./tables.ts";

const LOCALES: Record<Lang, string> = { es: "es-ES", en: "en-GB" };

export function Reports(props: { source?: ReportSource }) {
  const { api, tr, fmt } = useConsole();
  const loc = useSnapshot().location;
  const s = REPORT_STRINGS[tr.lang];
  const source = useMemo(() => props.source ?? serverReportSource(api), [props.source, api]);
  const tz = loc?.timeZone ?? "UTC";
  const locationId = loc?.id;
  const [kind, setKind] = useState<PeriodKind>("month");
  const [custom, setCustom] = useState<Period>(() => presetPeriod("week", today(tz)));
  const period = kind === "custom" ? custom : presetPeriod(kind, today(tz));
  const problem = kind === "custom" ? periodProblem(custom) : null;
  const [report, setReport] = useState<ReportOutput | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // Issue #21: "this salon" or "all salons", offered online to staff who may see several.
  const [several, setSeveral] = useState(false);
  const [scope, setScope] = useState<"here" | "all">("here");
  useEffect(() => {
    if (props.source) return;
    let live = true;
    api.locations.mine
      .query()
      .then((list) => live && setSeveral(list.length > 1))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api, props.source]);
  const allSalons = several && scope === "all";

  useEffect(() => {
    if (problem) return;
    let live = true;
    setLoading(true);
    source
      .load({ from: period.from, to: period.to, ...(locationId ? { locationId } : {}) })
      .then((r) => {
        if (!live) return;
        setReport(r);
        setError(null);
      })
      .catch((e) => live && setError(errorMessage(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [source, period.from, period.to, problem, locationId]);

  const kindLabel: Record<PeriodKind, string> = {
    week: s.thisWeek,
    month: s.thisMonth,
    lastMonth: s.lastMonth,
    custom: s.custom,
  };
  const shown = report && report.from === period.from && report.to === period.to ? report : null;

  return (
    <section className="reports" data-testid="reports" aria-busy={loading}>
      <div className="toolbar">
        <h2>{s.title}</h2>
        <div className="segmented" role="tablist" aria-label={s.period}>
          {PERIOD_KINDS.map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={kind === k}
              data-testid={`period-${k}`}
              onClick={() => setKind(k)}
            >
              {kindLabel[k]}
            </button>
          ))}
        </div>
        {kind === "custom" ? (
          <>
            <label>
              {s.from}{" "}
              <input
                type="date"
                data-testid="period-from"
                value={custom.from}
                onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))}
              />
            </label>
            <label>
              {s.to}{" "}
              <input
                type="date"
                data-testid="period-to"
                value={custom.to}
                onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))}
              />
            </label>
          </>
        ) : null}
        {several ? (
          <div className="segmented" role="tablist" aria-label={tr.lang === "es" ? "Salones" : "Salons"}>
            <button
              type="button"
              role="tab"
              aria-selected={scope === "here"}
              data-testid="report-scope-here"
              onClick={() => setScope("here")}
            >
              {loc?.name ?? (tr.lang === "es" ? "Este salón" : "This salon")}
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={scope === "all"}
              data-testid="report-scope-all"
              onClick={() => setScope("all")}
            >
              {tr.lang === "es" ? "Todos los salones" : "All salons"}
            </button>
          </div>
        ) : null}
        <span className="tz" data-testid="report-period" data-from={period.from} data-to={period.to}>
          {fmt.localDate(period.from)} – {fmt.localDate(period.to)}
        </span>
      </div>
      {problem ? (
        <p className="error" data-testid="period-problem">
          {problem === "dates" ? s.badDates : problem === "order" ? s.badOrder : s.tooLong}
        </p>
      ) : null}
      {error ? (
        <p className="error" data-testid="report-error">
          {error}
        </p>
      ) : null}
      {allSalons && !problem ? <AllLocations from={period.from} to={period.to} /> : null}
      {!allSalons && !shown && !problem && !error ? <p className="muted">{s.loading}</p> : null}
      {!allSalons && shown && !problem ? <ReportBody report={shown} s={s} /> : null}
    </section>
  );
}

function ReportBody({ report: r, s }: { report: ReportOutput; s: ReportStrings }) {
  const { tr, fmt } = useConsole();
  const tables = useMemo(() => reportTables(r, s, tr.lang, tr), [r, s, tr]);
  const pct = useMemo(
    () =>
      new Intl.NumberFormat(LOCALES[tr.lang], { style: "percent", maximumFractionDigits: 1, useGrouping: "always" }),
    [tr.lang],
  );
  const num = useMemo(
    () => new Intl.NumberFormat(LOCALES[tr.lang], { maximumFractionDigits: 1, useGrouping: "always" }),
    [tr.lang],
  );
  const rate = (v: number | null) => (v === null ? "—" : pct.format(v));
  const hours = (minutes: number | null) => (minutes === null ? "—" : s.hours(num.format(minutes / 60)));
  const partial = r.agent.conversations === null || r.utilisation.capacityMinutes === null;
  const period = (what: string) => s.chartOf(what, fmt.day(r.from), fmt.day(r.to));

  return (
    <>
      {partial ? (
        <p className="notice small" data-testid="report-partial">
          {s.offlineNote}
        </p>
      ) : null}
      <div className="report-figures">
        <Figure id="bookings" label={s.bookings} value={fmt.number(r.bookings.total)}>
          {r.bookings.rescheduled ? s.rescheduledNote(r.bookings.rescheduled) : null}
        </Figure>
        <Figure id="revenue" label={s.revenue} value={fmt.money(r.revenue.totalCents)}>
          {s.visits(r.revenue.visits)}
        </Figure>
        <Figure id="no-show" label={s.noShowRate} value={rate(r.noShow.rate)}>
          {s.ofN(r.noShow.count, r.noShow.of)}
        </Figure>
        <Figure id="late-cancel" label={s.lateCancelRate} value={rate(r.lateCancel.rate)}>
          {s.ofN(r.lateCancel.count, r.lateCancel.of)}
        </Figure>
        <Figure id="deposits" label={s.depositsTaken} value={fmt.money(r.deposits.takenCents)}>
          {fmt.money(r.deposits.refundedCents)} {s.depositsRefunded}
        </Figure>
        <Figure id="deposits-kept" label={s.depositsKept} value={fmt.money(r.deposits.keptCents)} />
        <Figure id="utilisation" label={s.utilisation} value={rate(r.utilisation.rate)}>
          {r.utilisation.capacityMinutes === null
            ? s.needsServer
            : s.bookedOfCapacity(hours(r.utilisation.bookedMinutes), hours(r.utilisation.capacityMinutes))}
        </Figure>
        <Figure
          id="waitlist-refilled"
          label={s.refilled}
          value={r.refilledFromWaitlist == null ? "—" : fmt.number(r.refilledFromWaitlist)}
        >
          {r.refilledFromWaitlist == null ? s.needsServer : null}
        </Figure>
      </div>
      <div className="actions">
        <ExportButton table={tables.summary} report={r} s={s} label={s.exportSummary} />
      </div>

      <div className="report-panels">
        <Panel table={tables.bookings} report={r} s={s}>
          {r.bookings.total ? (
            <StackedBarChart
              title={period(s.bookingsByStatus)}
              testId="chart-bookings"
              rows={r.bookings.bySourceAndStatus
                .filter((row) => row.total > 0)
                .map((row) => ({
                  key: row.source,
                  label: tr.source(row.source),
                  display: String(row.total),
                  segments: BOOKING_STATUSES.filter((st) => row.byStatus[st] > 0).map((st) => ({
                    key: st,
                    value: row.byStatus[st],
                    color: STATUS_COLORS[st]!,
                    label: `${tr.status(st)}: ${row.byStatus[st]}`,
                  })),
                }))}
              legend={BOOKING_STATUSES.filter((st) => r.bookings.byStatus[st] > 0).map((st) => ({
                key: st,
                label: `${tr.status(st)} (${r.bookings.byStatus[st]})`,
                color: STATUS_COLORS[st]!,
              }))}
            />
          ) : (
            <p className="muted">{s.nothing}</p>
          )}
        </Panel>
        <Panel table={tables["revenue-services"]} report={r} s={s}>
          {r.revenue.byService.length ? (
            <BarChart
              title={period(s.revenueByService)}
              testId="chart-revenue-services"
              rows={r.revenue.byService.map((x) => ({
                key: x.serviceId,
                label: tr.lang === "es" ? x.nameEs : x.nameEn,
                value: x.cents,
                display: fmt.money(x.cents),
              }))}
            />
          ) : (
            <p className="muted">{s.nothing}</p>
          )}
        </Panel>
        <Panel table={tables["revenue-stylists"]} report={r} s={s}>
          {r.revenue.byStaff.length ? (
            <BarChart
              title={period(s.revenueByStaff)}
              testId="chart-revenue-stylists"
              color="#0ea5e9"
              rows={r.revenue.byStaff.map((x) => ({
                key: x.staffId,
                label: x.name,
                value: x.cents,
                display: fmt.money(x.cents),
              }))}
            />
          ) : (
            <p className="muted">{s.nothing}</p>
          )}
        </Panel>
        <Panel table={tables.utilisation} report={r} s={s}>
          {r.utilisation.byStaff.length ? (
            <UtilisationChart
              title={period(s.utilisationByStaff)}
              testId="chart-utilisation"
              rows={r.utilisation.byStaff.map((x) => ({
                key: x.staffId,
                label: x.name,
                rate: x.rate,
                display:
                  x.capacityMinutes === null
                    ? `${hours(x.bookedMinutes)} · —`
                    : `${rate(x.rate)} · ${hours(x.bookedMinutes)}`,
              }))}
            />
          ) : (
            <p className="muted">{s.nothing}</p>
          )}
        </Panel>
        <Panel table={tables.assistant} report={r} s={s}>
          <dl className="report-agent" data-testid="report-agent">
            {tables.assistant.rows.map(([label, value]) => (
              <div key={String(label)}>
                <dt>{label}</dt>
                <dd>{value === null ? "—" : value}</dd>
              </div>
            ))}
          </dl>
          <p className="muted small">{s.agentNote}</p>
        </Panel>
      </div>
    </>
  );
}

function Figure(props: { id: string; label: string; value: string; children?: ReactNode }) {
  return (
    <div className="report-figure" data-testid={`figure-${props.id}`}>
      <span className="muted small">{props.label}</span>
      <strong data-testid="figure-value">{props.value}</strong>
      {props.children ? <span className="muted small">{props.children}</span> : null}
    </div>
  );
}

function Panel(props: { table: ReportTable; report: ReportOutput; s: ReportStrings; children: ReactNode }) {
  return (
    <section className="report-panel" data-testid={`panel-${props.table.id}`}>
      <header>
        <h3>{props.table.title}</h3>
        <ExportButton table={props.table} report={props.report} s={props.s} />
      </header>
      {props.children}
    </section>
  );
}

function ExportButton(props: { table: ReportTable; report: ReportOutput; s: ReportStrings; label?: string }) {
  const { table: t } = props;
  const id: TableId = t.id;
  return (
    <button
      type="button"
      data-testid={`export-${id}`}
      title={`${props.s.exportCsv}: ${t.title}`}
      onClick={() => downloadText(tableFilename(id, props.report), toCsv(t.header, t.rows))}
    >
      ⤓ {props.label ?? props.s.exportCsv}
    </button>
  );
}
