// How a booking reads on the calendar and in lists.
import type { Booking } from "../api.ts";
import type { Lang } from "../i18n.ts";
import type { CustomerInfo } from "../store.ts";

export function customerName(b: Booking, customers: ReadonlyMap<string, CustomerInfo>, guest: string): string {
  const c = customers.get(b.customerId);
  const name = c?.name ?? c?.phone ?? "…";
  return b.guestName ? `${b.guestName} (${guest}: ${name})` : name;
}

export function serviceNames(b: Booking, lang: Lang): string {
  return b.items.map((i) => i.serviceName[lang]).join(" + ");
}
