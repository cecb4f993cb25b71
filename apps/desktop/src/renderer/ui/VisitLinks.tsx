// In a booking's drawer: the repeating visit it belongs to ("3 of 12, every 4 weeks", with "this one /
// this and following" to move or cancel) and the group it is part of (the other people, each opening
// their own booking). Online only; a server without visits.links shows nothing.
import { useEffect, useState } from "react";
import type { RouterOutputs } from "../api.ts";
import { localizedError } from "../api.ts";
import { localToUtc, zoned } from "../time.ts";
import { useConsole, useSnapshot } from "./context.tsx";

type Links = RouterOutputs["visits"]["links"];
type Scope = "this" | "following";

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
const fill = (s: string, v: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k) => String(v[k] ?? ""));

export function VisitLinks({
  bookingId,
  version,
  openBooking,
}: {
  bookingId: string;
  version: number;
  openBooking?: ((id: string) => void) | undefined;
}) {
  const { api, store, tr, fmt, toast, offline } = useConsole();
  const snap = useSnapshot();
  const tz = snap.location?.timeZone ?? "UTC";
  const [links, setLinks] = useState<Links | null>(null);
  const [reload, setReload] = useState(0);
  const [busy, setBusy] = useState(false);
  const [scope, setScope] = useState<Scope>("this");
  const [form, setForm] = useState<
    { kind: "move"; date: string; time: string } | { kind: "cancel"; reason: string } | null
  >(null);

  useEffect(() => {
    void version;
    void reload;
    if (offline) return;
    let live = true;
    api.visits.links.query({ id: bookingId }).then(
      (r) => live && setLinks(r),
      () => live && setLinks(null),
    );
    return () => {
      live = false;
    };
  }, [api, bookingId, version, offline, reload]);

  if (offline || !links) return null;
  const { series, group, offer } = links;
  if (!series && !group && !offer.offer) return null;
  const mine = series?.series.occurrences.find((o) => o.bookingId === bookingId);

  const refresh = async (ids: string[]) => {
    for (const id of ids) {
      const b = await api.bookings.get.query({ id }).catch(() => null);
      if (b) store.upsert(b);
    }
    setReload((n) => n + 1);
  };

  const submit = async () => {
    if (!form || !mine) return;
    setBusy(true);
    try {
      if (form.kind === "move") {
        const [h, m] = form.time.split(":").map(Number);
        const startsAt = new Date(localToUtc(form.date, (h ?? 0) * 60 + (m ?? 0), tz)).toISOString();
        const r = await api.visits.moveSeries.mutate({ id: bookingId, scope, startsAt });
        for (const x of r.moved) {
          store.ownIds.add(x.booking.id);
          store.upsert(x.booking);
        }
        await refresh(r.moved.map((x) => x.booking.rescheduledFromId ?? "").filter(Boolean));
        toast({ kind: "info", text: fill(tr.t("seriesMoved"), { n: r.moved.length }) });
        if (r.conflicts.length) {
          const list = r.conflicts.map((c) => `${fmt.date(c.startsAt)} ${fmt.time(c.startsAt)}`).join(", ");
          toast({ kind: "error", text: `${fill(tr.t("seriesNotMoved"), { n: r.conflicts.length })} ${list}` });
        }
        const moved = r.moved.find((x) => x.booking.rescheduledFromId === bookingId);
        if (moved && openBooking) openBooking(moved.booking.id);
      } else {
        const r = await api.visits.cancelSeries.mutate({
          id: bookingId,
          scope,
          by: "staff",
          reason: form.reason.trim(),
        });
        await refresh(r.cancelled.map((c) => c.bookingId));
        toast({ kind: "info", text: fill(tr.t("seriesCancelled"), { n: r.cancelled.length }) });
      }
      setForm(null);
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    } finally {
      setBusy(false);
    }
  };

  const repeat = async (every: number, count: number) => {
    setBusy(true);
    try {
      const r = await api.visits.repeat.mutate({ id: bookingId, every, count });
      for (const x of r.booked) {
        store.ownIds.add(x.booking.id);
        store.upsert(x.booking);
      }
      toast({ kind: "info", text: fill(tr.t("seriesBooked"), { n: r.booked.length, rule: r.ruleText[tr.lang] }) });
      if (r.conflicts.length) {
        const list = r.conflicts.map((c) => `${fmt.date(c.startsAt)} ${fmt.time(c.startsAt)}`).join(", ");
        toast({ kind: "error", text: `${fill(tr.t("seriesNotBooked"), { n: r.conflicts.length })} ${list}` });
      }
      setReload((n) => n + 1);
    } catch (e) {
      toast({ kind: "error", text: localizedError(e, tr.lang) });
    } finally {
      setBusy(false);
    }
  };

  const open = (id: string, label: string) =>
    openBooking && id !== bookingId ? (
      <button type="button" className="link" onClick={() => openBooking(id)}>
        {label}
      </button>
    ) : (
      <strong>{label}</strong>
    );

  return (
    <>
      {offer.offer && offer.rule.kind === "weeks" ? (
        <section data-testid="drawer-series-offer">
          <button
            type="button"
            data-testid="series-repeat"
            disabled={busy}
            onClick={() => offer.rule.kind === "weeks" && repeat(offer.rule.every, offer.limit.count)}
          >
            {fill(tr.t("seriesRepeat"), {
              rule:
                offer.rule.every === 1 ? tr.t("seriesWeekly") : fill(tr.t("seriesEveryWeeks"), { n: offer.rule.every }),
              n: offer.limit.count,
            })}
          </button>
          <p className="muted small">{offer.dates.map((d) => fmt.localDate(d)).join(" · ")}</p>
        </section>
      ) : null}
      {series ? (
        <section data-testid="drawer-series">
          <h3>{tr.t("seriesTitle")}</h3>
          <p data-testid="series-position">
            {fill(tr.t("seriesPosition"), {
              i: series.index,
              n: series.series.total,
              rule: series.series.ruleText[tr.lang],
            })}
          </p>
          <ol className="plain small">
            {series.series.occurrences.map((o) => (
              <li key={o.bookingId} data-status={o.status}>
                {open(o.bookingId, `${fmt.date(o.startsAt)} ${fmt.time(o.startsAt)}`)}{" "}
                <span className="muted">{tr.status(o.status as Parameters<typeof tr.status>[0])}</span>
              </li>
            ))}
          </ol>
          {mine && ["held", "pending_deposit", "confirmed"].includes(mine.status) ? (
            <div className="actions wrap">
              <select
                data-testid="series-scope"
                value={scope}
                onChange={(e) => setScope(e.target.value as Scope)}
                aria-label={tr.t("seriesScope")}
              >
                <option value="this">{tr.t("seriesThis")}</option>
                <option value="following">{tr.t("seriesFollowing")}</option>
              </select>
              <button
                type="button"
                data-testid="series-move"
                disabled={busy}
                onClick={() => {
                  const l = zoned(Date.parse(mine.startsAt), tz);
                  setForm({ kind: "move", date: l.date, time: hhmm(l.minutes) });
                }}
              >
                {tr.t("seriesMove")}
              </button>
              <button
                type="button"
                className="danger"
                data-testid="series-cancel"
                disabled={busy}
                onClick={() => setForm({ kind: "cancel", reason: "" })}
              >
                {tr.t("seriesCancel")}
              </button>
            </div>
          ) : null}
          {form ? (
            <div className="cancel-box" data-testid="series-form">
              {form.kind === "move" ? (
                <label>
                  {tr.t("seriesNewTime")}
                  <input type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
                  <input
                    type="time"
                    step={300}
                    value={form.time}
                    onChange={(e) => setForm({ ...form, time: e.target.value })}
                  />
                </label>
              ) : (
                <label>
                  {tr.t("cancelReason")}
                  <input value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} />
                </label>
              )}
              <p className="muted small">{tr.t(scope === "this" ? "seriesThis" : "seriesFollowing")}</p>
              <div className="actions">
                <button type="button" onClick={() => setForm(null)}>
                  {tr.t("keep")}
                </button>
                <button
                  type="button"
                  className={form.kind === "cancel" ? "danger" : undefined}
                  data-testid="series-submit"
                  disabled={busy || (form.kind === "cancel" ? !form.reason.trim() : !form.date || !form.time)}
                  onClick={submit}
                >
                  {form.kind === "move" ? tr.t("seriesMove") : tr.t("confirmCancel")}
                </button>
              </div>
            </div>
          ) : null}
        </section>
      ) : null}
      {group ? (
        <section data-testid="drawer-group">
          <h3>{fill(tr.t("groupTitle"), { n: group.people.length })}</h3>
          <ul className="plain">
            {group.people.map((p) => (
              <li key={p.bookingId} data-status={p.status}>
                {open(p.bookingId, p.name ?? tr.t("guest"))}
                {p.bookingId === group.organiserBookingId ? (
                  <span className="muted"> ({tr.t("groupOrganiser")})</span>
                ) : null}{" "}
                <span className="muted small">
                  {p.items.map((i) => `${fmt.time(i.startsAt)} ${i.serviceName[tr.lang]} · ${i.staffName}`).join(", ")}{" "}
                  · {tr.status(p.status as Parameters<typeof tr.status>[0])}
                </span>
              </li>
            ))}
          </ul>
          {group.depositCents ? (
            <p className="small">
              {tr.t("groupDeposit")}: {fmt.money(group.depositCents)} · {fmt.money(group.depositPaidCents)}{" "}
              {tr.t("paid")}
            </p>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
