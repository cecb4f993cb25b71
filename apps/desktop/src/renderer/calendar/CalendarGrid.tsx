// The calendar grid: columns (stylists for a day, or days for one stylist), hour lines, the "now"
// line, and booking blocks with their processing gaps drawn as free time. Presentational only:
// the container computes the layout and handles clicks, drops and data.
import { memo, type PointerEvent as ReactPointerEvent, useRef } from "react";
import type { Block, Layout } from "./layout.ts";
import { nowOffset } from "./layout.ts";

export interface GridColumn {
  key: string;
  title: string;
  subtitle?: string;
  color?: string;
  /** The whole column is not working time: the salon is closed, or the stylist is off. */
  off?: { kind: "closed" | "day-off"; label: string /** Short, for the header ("Cerrado"). */; tag?: string } | null;
  /** Parts of the column that are not working time (time off), in minutes from the column's top. */
  shaded?: { top: number; minutes: number; label: string }[];
}

export interface BlockView {
  title: string;
  detail: string;
  time: string;
  status: string;
  statusLabel: string;
  source: string;
  sourceLabel: string;
  color: string;
  pending?: boolean;
  /** A repeating visit or a group visit (issue #20): blocks with the same key are linked. */
  link?: { key: string; label: string };
}

export interface CalendarGridProps {
  layout: Layout;
  columns: GridColumn[];
  view: (b: Block) => BlockView;
  pxPerMinute: number;
  now: number;
  /** Hour labels for the gutter come from the first column. */
  hourLabel: (hour: number) => string;
  gapLabel: string;
  snapMinutes: number;
  onEmptyClick?(columnIndex: number, minutes: number): void;
  onBlockClick?(block: Block): void;
  onBlockDrop?(block: Block, columnIndex: number, deltaMinutes: number): void;
}

interface DragState {
  block: Block;
  el: HTMLElement;
  x: number;
  y: number;
  moved: boolean;
  pointerId: number;
}

/** Pointing at a linked block marks the others of its series or group on screen. */
function highlightLinked(key: string, on: boolean) {
  for (const el of document.querySelectorAll(`.block[data-link="${CSS.escape(key)}"]`)) {
    el.classList.toggle("linked", on);
  }
}

const BlockBox = memo(function BlockBox({
  block,
  v,
  px,
  gapLabel,
  onPointerDown,
}: {
  block: Block;
  v: BlockView;
  px: number;
  gapLabel: string;
  onPointerDown(e: ReactPointerEvent<HTMLElement>): void;
}) {
  const link = v.link;
  const width = 100 / block.lanes;
  // Two pixels short of the booking's end: back-to-back bookings read as two, not one long block.
  const height = Math.max(block.height * px - 2, 14);
  // Only work: the block itself is the busy area. With a processing gap or a buffer, the parts are
  // drawn separately; the gap is drawn as free time but still belongs to the booking: a click on it
  // opens the booking like a click anywhere else on the block.
  const solid = block.segments.length === 1;
  // Too narrow or short to read: a coloured box whose name is in its label and tooltip.
  const tiny = block.lanes > 3 || height < 14;
  // Below three lines of text (short back-to-back bookings): one line, "10:30 Name · Service".
  const textHeight = (solid ? block.height : (block.segments[0]?.minutes ?? 0)) * px;
  const compact = !tiny && textHeight < 46;
  const label = `${v.time} ${v.title} — ${v.detail} — ${v.statusLabel} · ${v.sourceLabel}${link ? ` · ${link.label}` : ""}`;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a block lays out nested segments; a <button> cannot hold them
    <div
      className={`block status-${v.status} source-${v.source}${solid ? " solid" : ""}${tiny ? " tiny" : ""}${compact ? " compact" : ""}${v.pending ? " pending" : ""}`}
      data-booking-id={block.bookingId}
      data-block-key={block.key}
      data-status={v.status}
      data-source={v.source}
      data-link={link?.key}
      onPointerEnter={link ? () => highlightLinked(link.key, true) : undefined}
      onPointerLeave={link ? () => highlightLinked(link.key, false) : undefined}
      role="button"
      tabIndex={0}
      aria-label={label}
      title={tiny || compact ? label : undefined}
      style={{
        top: block.top * px,
        height,
        left: `calc(${block.lane * width}% + 2px)`,
        width: `calc(${width}% - 4px)`,
        borderLeftColor: v.color,
      }}
      onPointerDown={onPointerDown}
    >
      {solid
        ? null
        : block.segments.map((s) => (
            <div
              key={`${s.kind}${s.offset}`}
              className={`seg ${s.kind}`}
              data-gap={s.kind === "gap" ? "processing" : undefined}
              title={s.kind === "gap" ? gapLabel : undefined}
              style={{ top: s.offset * px, height: s.minutes * px }}
            />
          ))}
      {tiny ? null : compact ? (
        <div className="block-text one-line" style={{ maxHeight: Math.max(textHeight, 14) }}>
          <span>
            <span className={`status-dot ${v.status}`} aria-hidden="true" />
            {v.time.split("–")[0]} <strong className="block-customer">{v.title}</strong>
            <span className="block-detail"> · {v.detail}</span>
          </span>
        </div>
      ) : (
        <div className="block-text" style={{ maxHeight: (block.segments[0]?.minutes ?? 0) * px }}>
          <span>
            {v.time} <strong className="block-customer">{v.title}</strong>
          </span>
          <span className="block-detail">{v.detail}</span>
          <span className="block-badges">
            <span className={`badge status ${v.status}`}>{v.statusLabel}</span>{" "}
            <span className={`badge source ${v.source}`}>{v.sourceLabel}</span>
            {link ? (
              <>
                {" "}
                <span className="badge link">{link.label}</span>
              </>
            ) : null}
          </span>
        </div>
      )}
    </div>
  );
});

export function CalendarGrid(props: CalendarGridProps) {
  const { layout, columns, pxPerMinute: px } = props;
  const colRefs = useRef<(HTMLDivElement | null)[]>([]);
  const drag = useRef<DragState | null>(null);

  const columnAt = (clientX: number): number => {
    const i = colRefs.current.findIndex((el) => {
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return clientX >= r.left && clientX < r.right;
    });
    return i;
  };

  const blockByKey = new Map(layout.blocks.map((b) => [b.key, b]));
  const onPointerDown = (e: ReactPointerEvent<HTMLElement>) => {
    const block = blockByKey.get(e.currentTarget.dataset.blockKey ?? "");
    if (e.button !== 0 || !block) return;
    e.stopPropagation();
    const el = e.currentTarget;
    el.setPointerCapture?.(e.pointerId);
    drag.current = { block, el, x: e.clientX, y: e.clientY, moved: false, pointerId: e.pointerId };
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 5) return;
    d.moved = true;
    d.el.classList.add("dragging");
    d.el.style.transform = `translate(${dx}px, ${dy}px)`;
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    d.el.classList.remove("dragging");
    d.el.style.transform = "";
    if (!d.moved) {
      props.onBlockClick?.(d.block);
      return;
    }
    const col = columnAt(e.clientX);
    const delta = Math.round((e.clientY - d.y) / px / props.snapMinutes) * props.snapMinutes;
    const target = col === -1 ? d.block.columnIndex : col;
    if (delta !== 0 || target !== d.block.columnIndex) props.onBlockDrop?.(d.block, target, delta);
  };

  const onColumnClick = (e: React.MouseEvent<HTMLDivElement>, index: number) => {
    if (e.target !== e.currentTarget || columns[index]?.off) return;
    const rect = e.currentTarget.getBoundingClientRect();
    props.onEmptyClick?.(index, (e.clientY - rect.top) / px);
  };

  const first = layout.columns[0];
  const height = layout.height * px;
  const blocksByColumn = columns.map(() => [] as Block[]);
  for (const b of layout.blocks) blocksByColumn[b.columnIndex]?.push(b);

  return (
    <div className="grid" data-testid="calendar-grid">
      <div className="grid-head">
        <div className="gutter-head" />
        {columns.map((c) => (
          <div key={c.key} className="col-head" data-column-key={c.key}>
            {c.color ? <span className="dot" style={{ background: c.color }} /> : null}
            <span className="col-title">{c.title}</span>
            {c.subtitle ? <span className="col-sub">{c.subtitle}</span> : null}
            {c.off ? (
              <span className={`col-off-tag ${c.off.kind}`} data-testid="col-off-tag" title={c.off.label}>
                {c.off.tag ?? c.off.label}
              </span>
            ) : null}
          </div>
        ))}
      </div>
      <div className="grid-body" style={{ height }} onPointerMove={onPointerMove} onPointerUp={onPointerUp}>
        <div className="gutter">
          {first?.hours.map((h) => (
            <div key={`${h.top}`} className={`hour-label${h.top === 0 ? " first" : ""}`} style={{ top: h.top * px }}>
              {props.hourLabel(h.hour)}
            </div>
          ))}
        </div>
        {columns.map((c, i) => {
          const g = layout.columns[i];
          const now = g ? nowOffset(g, props.now) : null;
          return (
            // biome-ignore lint/a11y/useKeyWithClickEvents: free-time clicks have a keyboard path (New booking button)
            // biome-ignore lint/a11y/noStaticElementInteractions: the column is a drawing surface
            <div
              key={c.key}
              className={`col${c.off ? ` off ${c.off.kind}` : ""}`}
              data-column-key={c.key}
              data-off={c.off?.kind}
              data-column-index={i}
              data-from={g?.from}
              data-px-per-minute={px}
              ref={(el) => {
                colRefs.current[i] = el;
              }}
              style={{ height: (g?.height ?? 0) * px }}
              onClick={(e) => onColumnClick(e, i)}
            >
              {g?.hours.map((h) => (
                <div key={`${h.top}`} className="hour-line" style={{ top: h.top * px }} />
              ))}
              {c.off ? (
                <div className={`off-area ${c.off.kind}`} data-testid="off-area" data-kind={c.off.kind}>
                  <span className="off-label">{c.off.label}</span>
                </div>
              ) : null}
              {(c.shaded ?? []).map((r) => (
                <div
                  key={`${r.top}`}
                  className="off-area part"
                  data-testid="off-part"
                  style={{ top: r.top * px, height: r.minutes * px }}
                  title={r.label}
                >
                  <span className="off-label">{r.label}</span>
                </div>
              ))}
              {blocksByColumn[i]!.map((b) => (
                <BlockBox
                  key={b.key}
                  block={b}
                  v={props.view(b)}
                  px={px}
                  gapLabel={props.gapLabel}
                  onPointerDown={onPointerDown}
                />
              ))}
              {now !== null ? <div className="now-line" data-testid="now-line" style={{ top: now * px }} /> : null}
            </div>
          );
        })}
      </div>
    </div>
  );
}
