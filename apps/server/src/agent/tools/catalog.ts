// search_services and salon_info: read-only answers from the catalogue and the location.
import type { ServiceView } from "@cita/shared";
import type { Scope } from "../../audit/scope.ts";
import { depositFor } from "../../bookings/policy.ts";
import { getLocation } from "../../catalog/locations.ts";
import { listServices, searchServices } from "../../catalog/services.ts";
import { addDays } from "../../time/zoned.ts";
import { euros, hhmm, type Lang, WEEKDAY_NAMES } from "../lang.ts";
import { firstName } from "./common.ts";
import type { AgentDeps, ToolContext, ToolDefinition } from "./types.ts";

export function readScope(deps: AgentDeps, customerId: string): Scope {
  return {
    db: deps.db,
    fc: deps.fc,
    clock: deps.clock,
    actor: { type: "agent", id: customerId },
    role: "front_desk",
    locationId: deps.locationId,
  };
}

export function serviceFacts(s: ServiceView, lang: Lang) {
  const deposit = depositFor([{ serviceId: s.id, priceCents: s.priceCents, terms: s }]);
  const total = s.durationMinutes + s.processingMinutes + s.finishingMinutes;
  return {
    service_id: s.id,
    name: lang === "en" ? s.nameEn : s.nameEs,
    name_es: s.nameEs,
    name_en: s.nameEn,
    duration_minutes: total,
    processing_minutes: s.processingMinutes,
    price: euros(s.priceCents, lang),
    price_cents: s.priceCents,
    deposit: deposit.amountCents ? euros(deposit.amountCents, lang) : null,
    deposit_cents: deposit.amountCents,
    stylists: s.staff.map((st) => ({
      staff_id: st.staffId,
      name: firstName(st.displayName),
      ...(st.priceCents !== null && st.priceCents !== s.priceCents ? { price: euros(st.priceCents, lang) } : {}),
    })),
  };
}

export const searchServicesTool: ToolDefinition = {
  name: "search_services",
  description:
    "Find the salon's services by name in Spanish or English (fuzzy, accent-insensitive), with price, total duration, deposit and which stylists do them. Use an empty query to list every service.",
  input_schema: {
    type: "object",
    properties: {
      query: { type: "string", description: "What the customer asked for, e.g. 'corte', 'balayage', 'nails'" },
    },
    required: ["query"],
  },
  async run(ctx: ToolContext, input) {
    const scope = readScope(ctx.deps, ctx.customerId);
    const query = String(input.query ?? "").slice(0, 100);
    const services = query.trim()
      ? (await searchServices(scope, { query, limit: 6 })).map((h) => h.service)
      : await listServices(scope);
    return {
      content: {
        query,
        matches: services.map((s) => serviceFacts(s, ctx.lang)),
        ...(services.length ? {} : { note: "No service matches; the salon does not offer it (say so)." }),
      },
    };
  },
};

export async function salonFacts(deps: AgentDeps, customerId: string, lang: Lang, today: string) {
  const loc = await getLocation(readScope(deps, customerId));
  const byDay = new Map<number, string[]>();
  for (const h of loc.hours) {
    byDay.set(h.weekday, [...(byDay.get(h.weekday) ?? []), `${hhmm(h.startMinute)}–${hhmm(h.endMinute)}`]);
  }
  const closed = lang === "es" ? "cerrado" : "closed";
  return {
    name: loc.name,
    address: `${loc.addressLine}, ${loc.postalCode} ${loc.city}`,
    phone: loc.phone,
    time_zone: loc.timeZone,
    opening_hours: Object.fromEntries(
      [1, 2, 3, 4, 5, 6, 7].map((d) => [WEEKDAY_NAMES[lang][d], byDay.get(d)?.join(", ") ?? closed]),
    ),
    closures_next_90_days: loc.closures
      .filter((c) => c.date >= today && c.date <= addDays(today, 90))
      .map((c) => ({ date: c.date, reason: c.reason })),
    policy: {
      booking_horizon_days: loc.horizonDays,
      min_notice_minutes: loc.minNoticeMinutes,
      hold_minutes: loc.holdMinutes,
      free_cancellation_hours: loc.cancellationWindowHours,
      late_cancel_keeps_deposit: loc.lateCancelKeepsDeposit,
      no_show_keeps_deposit: loc.noShowKeepsDeposit,
      deposits:
        "Some services need a deposit (see search_services); it is paid online through a link and confirms the booking.",
    },
  };
}

export const salonInfoTool: ToolDefinition = {
  name: "salon_info",
  description:
    "The salon's address, phone, opening hours per weekday, upcoming closures (holidays) and booking/cancellation policy.",
  input_schema: { type: "object", properties: {} },
  async run(ctx) {
    return { content: await salonFacts(ctx.deps, ctx.customerId, ctx.lang, ctx.today) };
  },
};
