// Helpers shared by the tools: names for ids, the customer's own bookings, slot → offered slot.
import type { Slot } from "../../availability/types.ts";
import type { BookingView } from "../../bookings/view.ts";
import { loadBooking, viewBooking } from "../../bookings/view.ts";
import { AppError } from "../../errors/app-error.ts";
import { toLocal } from "../../time/zoned.ts";
import { describeWhen, euros, hhmm, type Lang } from "../lang.ts";
import type { OfferedSlot } from "../state.ts";
import type { AgentDeps, NameMaps, ToolContext } from "./types.ts";

export type { NameMaps };

export async function nameMaps(deps: AgentDeps): Promise<NameMaps> {
  const [services, staff] = await Promise.all([
    deps.db.service.findMany({
      where: { locationId: deps.locationId },
      select: { id: true, nameEs: true, nameEn: true },
    }),
    deps.db.staffMember.findMany({
      where: { locationId: deps.locationId, bookable: true },
      select: { id: true, displayName: true, active: true },
    }),
  ]);
  return {
    service: new Map(services.map((s) => [s.id, s])),
    staff: new Map(staff.map((s) => [s.id, s])),
  };
}

/** nameMaps once per turn (the tool calls of a turn share ctx.memo). */
export function turnNameMaps(ctx: Pick<ToolContext, "deps" | "memo">): Promise<NameMaps> {
  if (!ctx.memo) return nameMaps(ctx.deps);
  ctx.memo.nameMaps ??= nameMaps(ctx.deps).catch((e) => {
    ctx.memo!.nameMaps = undefined;
    throw e;
  });
  return ctx.memo.nameMaps;
}

export function serviceName(maps: NameMaps, id: string, lang: Lang): string {
  const s = maps.service.get(id);
  return s ? (lang === "en" ? s.nameEn : s.nameEs) : id;
}

export function firstName(displayName: string): string {
  return displayName.split(" ")[0] ?? displayName;
}

export function toOffered(
  slot: Slot,
  maps: NameMaps,
  lang: Lang,
  forBookingId: string | null = null,
): Omit<OfferedSlot, "ref"> {
  return {
    slotId: slot.id,
    start: slot.start.toISOString(),
    localDate: slot.localDate,
    localTime: slot.localTime,
    weekday: slot.weekday,
    priceCents: slot.priceCents,
    forBookingId,
    items: slot.items.map((i) => ({
      serviceId: i.serviceId,
      staffId: i.staffId,
      serviceName: serviceName(maps, i.serviceId, lang),
      staffName: firstName(maps.staff.get(i.staffId)?.displayName ?? "?"),
    })),
  };
}

/** How an offered slot is shown to the model (and to people in guided mode). */
export function offeredView(o: OfferedSlot, lang: Lang) {
  const staff = [...new Set(o.items.map((i) => i.staffName))].join(" + ");
  return {
    slot_ref: o.ref,
    date: o.localDate,
    weekday: lang === "es" ? describeWhen(o.localDate, o.localTime, o.weekday, "es").split(" ")[0] : undefined,
    time: o.localTime,
    when: describeWhen(o.localDate, o.localTime, o.weekday, lang),
    stylist: staff,
    services: o.items.map((i) => i.serviceName),
    price: euros(o.priceCents, lang),
  };
}

/** A booking of this customer (or one they made for another person in this chat); anyone else's is "not found". */
export async function ownBooking(ctx: ToolContext, bookingId: unknown): Promise<BookingView> {
  if (typeof bookingId !== "string" || !/^[0-9a-f-]{36}$/i.test(bookingId)) {
    throw new AppError("BAD_INPUT", "booking_id must be one of the ids returned by list_my_bookings");
  }
  const row = await ctx.deps.db.booking.findFirst({
    where: { id: bookingId, customerId: ctx.customerId, locationId: ctx.deps.locationId },
    select: { id: true },
  });
  if (!row) throw new AppError("NOT_FOUND", "This customer has no booking with that id");
  return viewBooking(await loadBooking(ctx.deps.db, row.id), ctx.deps.fc);
}

export function bookingSummary(b: BookingView, lang: Lang, timeZone: string) {
  const local = toLocal(new Date(b.startsAt), timeZone);
  const localTime = hhmm(local.minute);
  const staff = [...new Set(b.items.map((i) => firstName(i.staffName)))].join(" + ");
  const minutes = Math.round((new Date(b.endsAt).getTime() - new Date(b.startsAt).getTime()) / 60_000);
  return {
    booking_id: b.id,
    status: b.status,
    date: local.date,
    time: localTime,
    when: describeWhen(local.date, localTime, local.weekday, lang),
    stylist: staff,
    services: b.items.map((i) => (lang === "en" ? i.serviceName.en : i.serviceName.es)),
    service_ids: b.items.map((i) => i.serviceId),
    staff_ids: b.items.map((i) => i.staffId),
    for_person: b.guestName,
    duration_minutes: minutes,
    total_price: euros(b.totalPriceCents, lang),
    total_price_cents: b.totalPriceCents,
    deposit: euros(b.depositCents, lang),
    deposit_cents: b.depositCents,
    deposit_paid_cents: b.depositPaidCents,
    hold_expires_at: b.holdExpiresAt ? hhmm(toLocal(new Date(b.holdExpiresAt), timeZone).minute) : null,
  };
}
export type BookingSummary = ReturnType<typeof bookingSummary>;
