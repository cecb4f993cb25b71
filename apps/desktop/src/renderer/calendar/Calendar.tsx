// The live calendar: day view (a column per stylist) and week view (one stylist), in the
// location's time zone. Click free time to book, drag to move (also to another stylist); the
// server decides, and a refusal puts the booking back with the reason and the nearest free times.
import type { StaffScheduleView } from "@cita/shared";
import { useEffect, useMemo, useState } from "react";
import type { Booking } from "../api.ts";
import { alternativesOf, errorMessage, localizedError } from "../api.ts";
import { kindLabel, useResourceStrings } from "../settings/resource-strings.ts";
import { isShown } from "../store.ts";
import { addDays, localToUtc, startOfWeek, today, zoned } from "../time.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { customerName, serviceNames } from "../ui/describe.ts";
import { type BlockView, CalendarGrid, type GridColumn } from "./CalendarGrid.tsx";
import { type Block, instantAt, type LayoutItem, layoutColumns, type Window } from "./layout.ts";
import { resourceItems, useHasResources, useResourceDay } from "./resource-columns.ts";

export interface CalendarRoute {
  view: "day" | "week";
  date: string;
  staffId: string | null;
}

export interface CalendarProps {
  route: CalendarRoute;
  navigate(r: CalendarRoute): void;
  openBooking(id: string): void;
  createAt(staffId: string, startsAt: number): void;
}

const PX_PER_MIN = 1.4;

export function windowFor(hours: { startMinute: number; endMinute: number }[]): Window {
  if (!hours.length) return { startMinute: 8 * 60, endMinute: 21 * 60 };
  const start = Math.min(...hours.map((h) => h.startMinute));
  const end = Math.max(...hours.map((h) => h.endMinute));
  return {
    startMinute: Math.max(0, Math.floor(start / 60) * 60 - 60),
    endMinute: Math.min(1440, Math.ceil(end / 60) * 60 + 60),
  };
}

export function Calendar({ route, navigate, openBooking, createAt }: CalendarProps) {
  const { store, tr, fmt, api, toast, offline } = useConsole();
  const snap = useSnapshot();
  const loc = snap.location!;
  const tz = loc.timeZone;
  const [now, setNow] = useState(() => Date.now());
  const [moving, setMoving] = useState<ReadonlyMap<string, Booking>>(new Map());
  // Issue #21: the day by resource (basins, stations, rooms) instead of by stylist.
  const rs = useResourceStrings();
  const [byResourceWanted, setByResource] = useState(false);
  const hasResources = useHasResources(api, route.view === "day" && !offline);
  const byResource = byResourceWanted && hasResources && route.view === "day";
  // The day's holds are read only while the view shows them (again when the bookings change).
  const resDay = useResourceDay(api, route.date, byResource, snap.bookings);

  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(h);
  }, []);

  const stylists = useMemo(() => snap.staff.filter((s) => s.bookable && s.active), [snap.staff]);
  const weekStaff = route.staffId ?? stylists[0]?.id ?? null;
  const days = useMemo(
    () =>
      route.view === "day" ? [route.date] : Array.from({ length: 7 }, (_, i) => addDays(startOfWeek(route.date), i)),
    [route.view, route.date],
  );

  useEffect(() => {
    void store.loadRange(days[0]!, days.at(-1)!).catch((e) => toast({ kind: "error", text: errorMessage(e) }));
  }, [store, days, toast]);

  const win = useMemo(() => windowFor(loc.hours), [loc.hours]);

  // Stylists' weekly patterns, days off and time off, to shade what is not working time. Read from
  // the server when it answers (a stylist may read only their own: the others stay unshaded).
  const shownStaff = useMemo(
    () => (route.view === "day" ? stylists.map((s) => s.id) : weekStaff ? [weekStaff] : []),
    [route.view, stylists, weekStaff],
  );
  const [schedules, setSchedules] = useState<ReadonlyMap<string, StaffScheduleView>>(new Map());
  useEffect(() => {
    if (offline) return;
    let live = true;
    void Promise.all(
      shownStaff.map((id) =>
        api.staff.getSchedule
          .query({ staffId: id, from: addDays(days[0]!, -1) })
          .then((s) => [id, s] as const)
          .catch(() => null),
      ),
    ).then((rows) => {
      if (live) setSchedules(new Map(rows.filter((r) => r !== null)));
    });
    return () => {
      live = false;
    };
  }, [api, offline, shownStaff, days]);

  const columns: (GridColumn & { date: string; staffId: string })[] = useMemo(() => {
    const offFor = (date: string, staffId: string) =>
      notWorking({ date, staffId, loc, schedule: schedules.get(staffId) ?? null, win, tz, tr });
    if (byResource && resDay)
      return resDay.resources.map((r) => ({
        key: r.id,
        title: r.name,
        ...(r.name === kindLabel(r.kind, tr.lang) ? {} : { subtitle: kindLabel(r.kind, tr.lang) }),
        date: route.date,
        staffId: "",
      }));
    if (route.view === "day")
      return stylists.map((s) => ({
        key: s.id,
        title: s.displayName,
        color: s.color,
        date: route.date,
        staffId: s.id,
        ...offFor(route.date, s.id),
      }));
    return days.map((d) => ({
      key: d,
      title: fmt.day(d),
      date: d,
      staffId: weekStaff ?? "",
      ...offFor(d, weekStaff ?? ""),
    }));
  }, [route.view, route.date, stylists, days, fmt, weekStaff, loc, schedules, win, tz, tr, byResource, resDay]);

  const { layout, lookup } = useMemo(() => {
    const items: LayoutItem[] = [];
    const lookup = new Map<string, { booking: Booking; item: Booking["items"][number] }>();
    const bookings = new Map(snap.bookings);
    for (const [id, b] of moving) bookings.set(id, b);
    if (byResource && resDay) {
      for (const it of resourceItems(resDay)) {
        const b = bookings.get(it.bookingId);
        if (!b?.items[0]) continue;
        lookup.set(it.key, {
          booking: b,
          item: {
            ...b.items[0],
            startsAt: new Date(it.startsAt).toISOString(),
            endsAt: new Date(it.endsAt).toISOString(),
          },
        });
        items.push(it);
      }
      return { layout: layoutColumns(columns, items, win, tz), lookup };
    }
    for (const b of bookings.values()) {
      if (!isShown(b)) continue;
      for (const item of b.items) {
        const start = Date.parse(item.startsAt);
        const date = zoned(start, tz).date;
        if (!days.includes(date)) continue;
        if (route.view === "week" && item.staffId !== weekStaff) continue;
        const key = `${b.id}:${item.id}`;
        lookup.set(key, { booking: b, item });
        items.push({
          key,
          bookingId: b.id,
          columnKey: route.view === "day" ? item.staffId : date,
          startsAt: start,
          endsAt: Date.parse(item.endsAt),
          durationMinutes: item.durationMinutes,
          processingMinutes: item.processingMinutes,
          finishingMinutes: item.finishingMinutes,
        });
      }
    }
    return { layout: layoutColumns(columns, items, win, tz), lookup };
  }, [snap.bookings, moving, columns, days, route.view, weekStaff, win, tz, byResource, resDay]);

  const colors = useMemo(() => new Map(snap.staff.map((s) => [s.id, s.color])), [snap.staff]);
  const view = (block: Block): BlockView => {
    const e = lookup.get(block.key)!;
    const b = e.booking;
    return {
      title: customerName(b, snap.customers, tr.t("guest")),
      detail: serviceNames(b, tr.lang),
      time: `${fmt.time(e.item.startsAt)}–${fmt.time(e.item.endsAt)}`,
      status: b.status,
      statusLabel: tr.status(b.status),
      source: b.source,
      sourceLabel: tr.source(b.source),
      color: colors.get(e.item.staffId) ?? "#64748b",
      pending: moving.has(b.id),
      ...linkOf(b),
    };
  };

  // Group sizes among the bookings on screen (a group is one visit, so all of it is on the day).
  const groupSizes = useMemo(() => {
    const n = new Map<string, number>();
    for (const b of snap.bookings.values()) {
      if (b.groupId && b.status !== "cancelled" && b.status !== "expired")
        n.set(b.groupId, (n.get(b.groupId) ?? 0) + 1);
    }
    return n;
  }, [snap.bookings]);
  const linkOf = (b: Booking): Pick<BlockView, "link"> => {
    if (b.groupId) {
      const n = groupSizes.get(b.groupId) ?? 1;
      return { link: { key: b.groupId, label: tr.t("groupBadge").replace("{n}", String(n)) } };
    }
    if (b.seriesId && b.seriesIndex !== null) {
      return { link: { key: b.seriesId, label: tr.t("seriesBadge").replace("{n}", String(b.seriesIndex)) } };
    }
    return {};
  };

  const onEmptyClick = (ci: number, minutes: number) => {
    if (byResource) return;
    const col = columns[ci];
    const g = layout.columns[ci];
    if (!col || !g || !col.staffId) return;
    createAt(col.staffId, instantAt(g, minutes, loc.slotStepMinutes));
  };

  const onDrop = async (block: Block, ci: number, delta: number) => {
    if (byResource) return; // a hold follows its booking: move the booking in the stylists' view
    const e = lookup.get(block.key);
    const col = columns[ci];
    if (!e || !col) return;
    // Moving needs the server (availability, the slot's guard): the block stays where it was.
    if (offline) return toast({ kind: "info", text: tr.t("offlineNotHere") });
    const { booking, item } = e;
    const itemStart = Date.parse(item.startsAt);
    const local = zoned(itemStart, tz);
    const newItemStart = localToUtc(col.date, local.minutes + delta, tz);
    const shift = newItemStart - itemStart;
    const newStaff = route.view === "day" ? col.staffId : item.staffId;
    const shifted = (iso: string) => new Date(Date.parse(iso) + shift).toISOString();
    const preview: Booking = {
      ...booking,
      startsAt: shifted(booking.startsAt),
      endsAt: shifted(booking.endsAt),
      items: booking.items.map((i) => ({
        ...i,
        startsAt: shifted(i.startsAt),
        endsAt: shifted(i.endsAt),
        staffId: i.id === item.id ? newStaff : i.staffId,
      })),
    };
    setMoving((m) => new Map(m).set(booking.id, preview));
    try {
      const moved = await api.bookings.reschedule.mutate({
        id: booking.id,
        startsAt: preview.startsAt,
        expectedVersion: booking.version,
        ...(newStaff !== item.staffId
          ? {
              items: booking.items.map((i) => ({
                serviceId: i.serviceId,
                staffId: i.id === item.id ? newStaff : i.staffId,
              })),
            }
          : {}),
      });
      store.ownIds.add(moved.id);
      store.upsert(moved);
      store.upsert({ ...booking, status: "cancelled" });
      toast({ kind: "info", text: `${tr.t("moved")}: ${fmt.dateTime(moved.startsAt)}` });
    } catch (err) {
      const alts = alternativesOf(err).slice(0, 5);
      toast({
        kind: "error",
        text: `${tr.t("moveRefused")}: ${localizedError(err, tr.lang)}`,
        detail: alts.length ? [tr.t("alternatives"), ...alts.map((a) => fmt.dateTime(a.start))] : [],
      });
    } finally {
      setMoving((m) => {
        const n = new Map(m);
        n.delete(booking.id);
        return n;
      });
    }
  };

  const step = route.view === "day" ? 1 : 7;
  return (
    <section
      className="calendar"
      data-testid="calendar"
      data-view={route.view}
      data-date={route.date}
      data-columns={byResource && resDay ? "resources" : "stylists"}
    >
      <div className="toolbar">
        <button type="button" onClick={() => navigate({ ...route, date: addDays(route.date, -step) })}>
          ‹ {tr.t("previous")}
        </button>
        <button type="button" onClick={() => navigate({ ...route, date: today(tz) })}>
          {tr.t("today")}
        </button>
        <button type="button" onClick={() => navigate({ ...route, date: addDays(route.date, step) })}>
          {tr.t("next")} ›
        </button>
        <h2 data-testid="calendar-title">
          {route.view === "day" ? fmt.longDay(route.date) : `${fmt.day(days[0]!)} – ${fmt.day(days.at(-1)!)}`}
        </h2>
        <div className="segmented" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={route.view === "day"}
            onClick={() => navigate({ ...route, view: "day" })}
          >
            {tr.t("day")}
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={route.view === "week"}
            onClick={() => navigate({ ...route, view: "week", staffId: weekStaff })}
          >
            {tr.t("week")}
          </button>
        </div>
        {route.view === "day" && hasResources ? (
          <div className="segmented" role="tablist" data-testid="calendar-columns">
            <button
              type="button"
              role="tab"
              aria-selected={!byResource}
              data-testid="columns-stylists"
              onClick={() => setByResource(false)}
            >
              {rs.byStylist}
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={byResource}
              data-testid="columns-resources"
              onClick={() => setByResource(true)}
            >
              {rs.byResource}
            </button>
          </div>
        ) : null}
        {route.view === "week" ? (
          <label>
            {tr.t("stylist")}{" "}
            <select
              data-testid="week-staff"
              value={weekStaff ?? ""}
              onChange={(e) => navigate({ ...route, staffId: e.target.value })}
            >
              {stylists.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.displayName}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <span className="tz" data-testid="tz" title={tr.t("timeZone")}>
          {fmt.zoneName()} · {fmt.time(now)}
        </span>
      </div>
      <CalendarGrid
        layout={layout}
        columns={columns}
        view={view}
        pxPerMinute={PX_PER_MIN}
        now={now}
        hourLabel={(h) => `${String(h).padStart(2, "0")}:00`}
        gapLabel={tr.t("processing")}
        snapMinutes={loc.slotStepMinutes}
        onEmptyClick={onEmptyClick}
        onBlockClick={(b) => openBooking(b.bookingId)}
        onBlockDrop={(b, ci, d) => void onDrop(b, ci, d)}
      />
    </section>
  );
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local date. */
function isoWeekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
}

/**
 * What of a column is not working time: the salon closed (a closure, or no opening hours that
 * weekday), the stylist's day off (an "off" override, or no work in their week on that weekday), or
 * stretches of time off, in minutes from the column's top.
 */
export function notWorking(a: {
  date: string;
  staffId: string;
  loc: { closures: { date: string; reason: string }[]; hours: { weekday: number }[] };
  schedule: StaffScheduleView | null;
  win: Window;
  tz: string;
  tr: { t(key: "salonClosed" | "dayOff" | "timeOff"): string };
}): Pick<GridColumn, "off" | "shaded"> {
  const { date, loc, schedule, win, tz, tr } = a;
  const weekday = isoWeekday(date);
  const closure = loc.closures.find((c) => c.date === date);
  if (closure)
    return { off: { kind: "closed", label: `${tr.t("salonClosed")} · ${closure.reason}`, tag: tr.t("salonClosed") } };
  if (loc.hours.length && !loc.hours.some((h) => h.weekday === weekday))
    return { off: { kind: "closed", label: tr.t("salonClosed") } };
  if (!schedule) return {};
  const override = schedule.dateOverrides.find((o) => o.date === date);
  if (override?.kind === "off") return { off: { kind: "day-off", label: tr.t("dayOff") } };
  if (!override && !schedule.weekly.some((b) => b.weekday === weekday && b.kind === "work"))
    return { off: { kind: "day-off", label: tr.t("dayOff") } };
  const top = localToUtc(date, win.startMinute, tz);
  const bottom = localToUtc(date, win.endMinute, tz);
  const shaded = schedule.timeOff
    .map((t) => [Math.max(Date.parse(t.startsAt), top), Math.min(Date.parse(t.endsAt), bottom), t.reason] as const)
    .filter(([s, e]) => e > s)
    .map(([s, e, reason]) => ({
      top: (s - top) / 60_000,
      minutes: (e - s) / 60_000,
      label: reason ? `${tr.t("timeOff")} · ${reason}` : tr.t("timeOff"),
    }));
  // Time off over the whole shown day is a day off.
  if (shaded.length === 1 && shaded[0]!.top === 0 && shaded[0]!.minutes >= (bottom - top) / 60_000)
    return { off: { kind: "day-off", label: shaded[0]!.label } };
  return shaded.length ? { shaded } : {};
}
