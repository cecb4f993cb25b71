// "Lo de siempre" / "same as last time" (issue #21): which past visit the customer means. The last
// visit whose treatment was written down (a formula: customers/treatments.ts) is what "the usual"
// is at a salon — a colour with its formula, not the fringe trim in between — so it wins over a
// later visit without one; without any record, the last completed visit (as before). Its services
// are proposed again, with its stylist (the offer falls back to others when she is not free).
// The reply says which visit it took, never the formula itself (that is for the stylist).
import type { Db } from "../../db/client.ts";
import type { Lang } from "../lang.ts";
import type { BookingSummary } from "../tools/common.ts";

export interface UsualVisit {
  bookingId: string;
  serviceIds: string[];
  staffId: string | null;
  /** Service names in the customer's language, and the stylist's first name. */
  services: string[];
  stylist: string;
  /** Chosen because its treatment was recorded (else: simply the last visit). */
  fromTreatment: boolean;
}

const firstName = (name: string) => name.split(/\s+/)[0] ?? name;

/** The visit "the usual" refers to, among the customer's completed visits at this salon; null without any. */
export async function usualVisit(
  deps: { db: Db; locationId: string },
  customerId: string,
  past: BookingSummary[],
  lang: Lang,
): Promise<UsualVisit | null> {
  const treated = await deps.db.treatmentRecord.findFirst({
    where: { customerId, booking: { locationId: deps.locationId, status: "completed" } },
    orderBy: [{ booking: { startsAt: "desc" } }, { createdAt: "desc" }],
    select: {
      booking: {
        select: {
          id: true,
          items: {
            orderBy: { position: "asc" },
            select: {
              serviceId: true,
              staffId: true,
              service: { select: { nameEs: true, nameEn: true, active: true } },
              staff: { select: { displayName: true } },
            },
          },
        },
      },
    },
  });
  const b = treated?.booking;
  if (b?.items.length && b.items.every((i) => i.service.active)) {
    return {
      bookingId: b.id,
      serviceIds: b.items.map((i) => i.serviceId),
      staffId: b.items[0]!.staffId,
      services: b.items.map((i) => (lang === "en" ? i.service.nameEn : i.service.nameEs)),
      stylist: [...new Set(b.items.map((i) => firstName(i.staff.displayName)))].join(" + "),
      fromTreatment: true,
    };
  }
  const last = past[0];
  if (!last) return null;
  return {
    bookingId: last.booking_id,
    serviceIds: last.service_ids,
    staffId: last.staff_ids[0] ?? null,
    services: last.services,
    stylist: last.stylist,
    fromTreatment: false,
  };
}

/** What the reply says about it: the services and stylist, never the formula. */
export function usualNote(lang: Lang, v: UsualVisit): string {
  const services = v.services.join(" + ");
  if (lang === "en") {
    return v.fromTreatment
      ? `I'll look for the same as your last treatment: ${services} with ${v.stylist} (we keep the notes of how it was done).`
      : `I'll look for the same as last time: ${services} with ${v.stylist}.`;
  }
  return v.fromTreatment
    ? `Te busco lo mismo que en tu último tratamiento: ${services} con ${v.stylist} (tenemos apuntado cómo te lo hicimos).`
    : `Te busco lo mismo que la última vez: ${services} con ${v.stylist}.`;
}
