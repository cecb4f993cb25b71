// The calendar benchmark page (built with the console, opened by calendar.bench.ts in Chromium):
// mounts the real CalendarGrid with synthetic data and reports how long layout + React render +
// the browser's own layout take, measured with performance.now().
import { flushSync } from "react-dom";
import { createRoot, type Root } from "react-dom/client";
import { type BlockView, CalendarGrid } from "./calendar/CalendarGrid.tsx";
import { layoutColumns } from "./calendar/layout.ts";
import { synthetic } from "./calendar/synthetic.ts";
import { replicaBench } from "./replica/bench-entry.ts";
import "./styles.css";

const TZ = "Europe/Madrid";
const STATUSES = ["confirmed", "pending_deposit", "checked_in", "held"] as const;

function view(b: { bookingId: string }): BlockView {
  const n = Number(b.bookingId.slice(1));
  const status = STATUSES[n % STATUSES.length]!;
  return {
    title: `Customer ${n}`,
    detail: "Root colour + Women's haircut",
    time: "10:00–11:25",
    status,
    statusLabel: status,
    source: n % 2 ? "whatsapp" : "console",
    sourceLabel: n % 2 ? "WhatsApp" : "Desk",
    color: "#2563eb",
  };
}

let root: Root | null = null;
const host = document.getElementById("root")!;

/** Mounts one calendar from scratch and returns the milliseconds until it is laid out. */
function renderOnce(kind: "day" | "week", columns: number, bookings: number): number {
  root?.unmount();
  host.textContent = "";
  root = createRoot(host);
  const data = synthetic(kind, { columns, bookings, date: "2026-11-24", tz: TZ });
  const t0 = performance.now();
  const layout = layoutColumns(data.columns, data.items, { startMinute: 8 * 60, endMinute: 21 * 60 }, TZ);
  flushSync(() =>
    root!.render(
      <CalendarGrid
        layout={layout}
        columns={data.columns.map((c) => ({ key: c.key, title: c.key }))}
        view={view}
        pxPerMinute={1.4}
        now={Date.parse("2026-11-24T11:00:00Z")}
        hourLabel={(h) => `${h}:00`}
        gapLabel="processing"
        snapMinutes={15}
      />,
    ),
  );
  // Force style and layout so the figure includes the browser's work, not just React's.
  void host.getBoundingClientRect().height;
  void (host.querySelector(".block") as HTMLElement | null)?.offsetTop;
  const ms = performance.now() - t0;
  if (bookings && host.querySelectorAll(".block").length !== bookings) throw new Error("not every booking was drawn");
  return ms;
}

declare global {
  interface Window {
    citaBench: {
      run(kind: "day" | "week", columns: number, bookings: number, repeats: number): { samples: number[] };
    };
  }
}

window.citaBench = {
  run(kind, columns, bookings, repeats) {
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) samples.push(renderOnce(kind, columns, bookings));
    return { samples };
  },
};
// The replica benchmark's hooks (replica/replica.bench.ts).
(window as unknown as { citaReplicaBench: typeof replicaBench }).citaReplicaBench = replicaBench;
document.title = "ready";
