// Hash routes, so the console works from app://console/, from /console/ on the server, and from a
// file during development, without server-side routing.
import { isLocalDate } from "./time.ts";

export type Route =
  | { name: "calendar"; view: "day" | "week"; date: string | null; staffId: string | null }
  | { name: "bookings" }
  | { name: "chats"; conversationId: string | null }
  | { name: "customers"; customerId: string | null }
  | { name: "settings"; tab: string | null }
  | { name: "reports" }
  | { name: "waitlist" }
  | { name: "pending" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "bookings") return { name: "bookings" };
  if (parts[0] === "chats") return { name: "chats", conversationId: parts[1] ?? null };
  if (parts[0] === "customers") return { name: "customers", customerId: parts[1] ?? null };
  if (parts[0] === "settings") return { name: "settings", tab: parts[1] ?? null };
  if (parts[0] === "reports") return { name: "reports" };
  if (parts[0] === "waitlist") return { name: "waitlist" };
  if (parts[0] === "pending") return { name: "pending" };
  if (parts[0] === "week") {
    const [, staffId, date] = parts;
    return { name: "calendar", view: "week", staffId: staffId || null, date: date && isLocalDate(date) ? date : null };
  }
  const date = parts[0] === "day" ? parts[1] : undefined;
  return { name: "calendar", view: "day", staffId: null, date: date && isLocalDate(date) ? date : null };
}

export function formatRoute(r: Route): string {
  switch (r.name) {
    case "bookings":
      return "#/bookings";
    case "chats":
      return r.conversationId ? `#/chats/${r.conversationId}` : "#/chats";
    case "customers":
      return r.customerId ? `#/customers/${r.customerId}` : "#/customers";
    case "settings":
      return r.tab ? `#/settings/${r.tab}` : "#/settings";
    case "reports":
      return "#/reports";
    case "waitlist":
      return "#/waitlist";
    case "pending":
      return "#/pending";
    case "calendar":
      return r.view === "week"
        ? `#/week/${r.staffId ?? ""}/${r.date ?? ""}`.replace(/\/+$/, "")
        : `#/day/${r.date ?? ""}`.replace(/\/+$/, "");
  }
}
