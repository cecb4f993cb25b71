// Pure calendar geometry: where each booking item sits in its column, in elapsed minutes from the
// column's first hour (so DST days are 23 or 25 hours tall), which part is the colour's processing
// gap (drawn as free time), and side-by-side lanes when busy time overlaps within a column.
import { localToUtc, zoned } from "../time.ts";

export interface LayoutItem {
  /** Unique per drawn block, e.g. `${bookingId}:${itemId}`. */
  key: string;
  bookingId: string;
  columnKey: string;
  startsAt: number;
  endsAt: number;
  durationMinutes: number;
  processingMinutes: number;
  finishingMinutes: number;
}

export interface LayoutColumn {
  key: string;
  /** Local date shown in this column. */
  date: string;
}

export interface Window {
  /** First and last local minute shown (e.g. 8 * 60 and 21 * 60). */
  startMinute: number;
  endMinute: number;
}

export interface Segment {
  kind: "work" | "gap" | "buffer";
  /** Minutes from the block's top. */
  offset: number;
  minutes: number;
}

export interface Block {
  key: string;
  bookingId: string;
  columnIndex: number;
  /** Minutes from the column's top. */
  top: number;
  height: number;
  lane: number;
  lanes: number;
  segments: Segment[];
  /** Busy intervals (work segments) in epoch ms, used for overlap. */
  busy: [number, number][];
}

export interface HourLine {
  /** Local wall hour label (0–23); the same hour can appear twice on the autumn DST day. */
  hour: number;
  top: number;
}

export interface ColumnGeometry {
  key: string;
  date: string;
  /** Epoch ms at the top and bottom of the column. */
  from: number;
  to: number;
  /** Elapsed minutes from top to bottom. */
  height: number;
  hours: HourLine[];
}

export interface Layout {
  columns: ColumnGeometry[];
  blocks: Block[];
  /** The tallest column (DST days differ), in minutes. */
  height: number;
}

const MIN = 60_000;

/** Splits an item into its parts: work, the processing gap (free), finishing, and any buffer after. */
export function itemSegments(item: LayoutItem): Segment[] {
  const total = Math.round((item.endsAt - item.startsAt) / MIN);
  const segs: Segment[] = [];
  const work1 = Math.min(item.durationMinutes, total);
  segs.push({ kind: "work", offset: 0, minutes: work1 });
  let at = work1;
  if (item.processingMinutes > 0 && at < total) {
    const gap = Math.min(item.processingMinutes, total - at);
    segs.push({ kind: "gap", offset: at, minutes: gap });
    at += gap;
    if (item.finishingMinutes > 0 && at < total) {
      const fin = Math.min(item.finishingMinutes, total - at);
      segs.push({ kind: "work", offset: at, minutes: fin });
      at += fin;
    }
  } else if (item.finishingMinutes > 0 && at < total) {
    const fin = Math.min(item.finishingMinutes, total - at);
    segs.push({ kind: "work", offset: at, minutes: fin });
    at += fin;
  }
  if (at < total) segs.push({ kind: "buffer", offset: at, minutes: total - at });
  return segs;
}

export function columnGeometry(col: LayoutColumn, win: Window, tz: string): ColumnGeometry {
  const from = localToUtc(col.date, win.startMinute, tz);
  const to = localToUtc(col.date, win.endMinute, tz);
  const hours: HourLine[] = [];
  // Walk real hours (not wall hours) so a 23- or 25-hour day gets the right lines and labels.
  const firstHour = Math.ceil(from / 3_600_000) * 3_600_000;
  for (let t = firstHour; t <= to; t += 3_600_000) {
    const z = zoned(t, tz);
    if (z.minutes % 60 !== 0) continue; // zones with half-hour offsets: label whole local hours only
    hours.push({ hour: Math.floor(z.minutes / 60), top: (t - from) / MIN });
  }
  if (!hours.length) {
    // Zones with :30 offsets: fall back to local wall hours.
    hours.length = 0;
    for (let m = Math.ceil(win.startMinute / 60) * 60; m <= win.endMinute; m += 60) {
      hours.push({ hour: (m / 60) % 24, top: (localToUtc(col.date, m, tz) - from) / MIN });
    }
  }
  return { key: col.key, date: col.date, from, to, height: (to - from) / MIN, hours };
}

/** Lane assignment: blocks whose busy time overlaps share the width of their cluster. */
function assignLanes(blocks: Block[]): void {
  const overlaps = (a: Block, b: Block) => a.busy.some(([s1, e1]) => b.busy.some(([s2, e2]) => s1 < e2 && s2 < e1));
  const byColumn = new Map<number, Block[]>();
  for (const b of blocks) {
    const list = byColumn.get(b.columnIndex) ?? [];
    list.push(b);
    byColumn.set(b.columnIndex, list);
  }
  for (const list of byColumn.values()) {
    list.sort((a, b) => a.top - b.top || b.height - a.height || a.key.localeCompare(b.key));
    // Clusters: connected components of the overlap graph, built in start order.
    const clusters: Block[][] = [];
    for (const b of list) {
      const hit = clusters.filter((c) => c.some((o) => overlaps(o, b)));
      if (!hit.length) clusters.push([b]);
      else {
        const merged = hit.flat();
        merged.push(b);
        for (const c of hit) clusters.splice(clusters.indexOf(c), 1);
        clusters.push(merged);
      }
    }
    for (const cluster of clusters) {
      cluster.sort((a, b) => a.top - b.top || a.key.localeCompare(b.key));
      const lanes: Block[][] = [];
      for (const b of cluster) {
        let lane = lanes.findIndex((l) => !l.some((o) => overlaps(o, b)));
        if (lane === -1) {
          lane = lanes.length;
          lanes.push([]);
        }
        lanes[lane]!.push(b);
        b.lane = lane;
      }
      for (const b of cluster) b.lanes = lanes.length;
    }
  }
}

export function layoutColumns(columns: LayoutColumn[], items: LayoutItem[], win: Window, tz: string): Layout {
  const geo = columns.map((c) => columnGeometry(c, win, tz));
  const index = new Map(columns.map((c, i) => [c.key, i]));
  const blocks: Block[] = [];
  for (const item of items) {
    const ci = index.get(item.columnKey);
    if (ci === undefined) continue;
    const g = geo[ci]!;
    if (item.endsAt <= g.from || item.startsAt >= g.to) continue;
    const segments = itemSegments(item);
    const busy = segments
      .filter((s) => s.kind === "work")
      .map((s): [number, number] => [item.startsAt + s.offset * MIN, item.startsAt + (s.offset + s.minutes) * MIN]);
    blocks.push({
      key: item.key,
      bookingId: item.bookingId,
      columnIndex: ci,
      top: (item.startsAt - g.from) / MIN,
      height: (item.endsAt - item.startsAt) / MIN,
      lane: 0,
      lanes: 1,
      segments,
      busy,
    });
  }
  assignLanes(blocks);
  return { columns: geo, blocks, height: Math.max(0, ...geo.map((g) => g.height)) };
}

/** Where "now" is in a column, in minutes from its top, or null outside it. */
export function nowOffset(col: ColumnGeometry, now: number): number | null {
  return now >= col.from && now <= col.to ? (now - col.from) / MIN : null;
}

/** The instant at `minutes` from a column's top, snapped to `step` local minutes. */
export function instantAt(col: ColumnGeometry, minutes: number, step: number): number {
  const raw = col.from + minutes * MIN;
  const snapped = Math.round(raw / (step * MIN)) * step * MIN;
  return Math.min(Math.max(snapped, col.from), col.to);
}
