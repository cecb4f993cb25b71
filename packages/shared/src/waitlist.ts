// Waitlist (issue #20): a customer's wish for time that is taken today, offers of freed slots, and the
// location's waitlist settings. Inputs are built from the input contract (input.ts).
import { z } from "zod";
import { localDate, uuid } from "./common.ts";
import { dateRange, instant, int, list, rowVersion, text } from "./input.ts";

export const DAY_PARTS = ["morning", "afternoon", "evening"] as const;
export const dayPart = z.enum(DAY_PARTS);
export type DayPartName = z.infer<typeof dayPart>;

export const WISH_STATUSES = ["waiting", "offered", "booked", "expired", "cancelled"] as const;
export const OFFER_STATUSES = ["held_for_quiet_hours", "sent", "accepted", "lost", "expired"] as const;

/** At most this many services in one wished visit (as in a booking). */
export const MAX_WISH_SERVICES = 4;
/** A wish covers at most this many days. */
export const MAX_WISH_DAYS = 92;

export const waitlistAddInput = z
  .object({
    customerId: uuid,
    serviceIds: list(uuid, MAX_WISH_SERVICES, 1).refine((ids) => new Set(ids).size === ids.length, {
      message: "must not repeat a service",
    }),
    /** null or absent = any stylist who does the services. */
    staffId: uuid.nullable().optional(),
    dateFrom: localDate,
    dateTo: localDate,
    dayParts: list(dayPart, 3, 1).refine((p) => new Set(p).size === p.length, { message: "must not repeat a part" }),
    /** When the wish lapses; default: the end of dateTo. */
    expiresAt: instant.optional(),
    note: text(500).optional(),
  })
  .superRefine(
    dateRange({
      from: "dateFrom",
      to: "dateTo",
      maxDays: MAX_WISH_DAYS,
      order: "dateTo must not be before dateFrom",
      tooLong: `a wish covers at most ${MAX_WISH_DAYS} days`,
    }),
  );
export type WaitlistAddInput = z.infer<typeof waitlistAddInput>;

export const waitlistListInput = z.object({
  /** Default: the open ones (waiting or offered). */
  status: z.enum(["open", "all", ...WISH_STATUSES]).optional(),
  customerId: uuid.optional(),
  limit: int(1, 500).optional(),
});

export const waitlistCancelInput = z.object({ wishId: uuid, version: rowVersion.optional() });

export const waitlistOfferInput = z.object({ wishId: uuid, staffId: uuid, startsAt: instant });

export const waitlistAcceptInput = z.object({ offerId: uuid });

export const waitlistSettingsInput = z
  .object({
    enabled: z.boolean().optional(),
    maxOffersPerWish: int(0, 100).optional(),
    /** Local minutes from midnight; start = end means no quiet hours. */
    quietStartMinute: int(0, 1439).optional(),
    quietEndMinute: int(0, 1439).optional(),
    version: rowVersion.optional(),
  })
  .refine((v) => Object.keys(v).some((k) => k !== "version"), { message: "nothing to change" });

export const waitlistSettingsView = z.object({
  enabled: z.boolean(),
  maxOffersPerWish: z.number(),
  quietStartMinute: z.number(),
  quietEndMinute: z.number(),
  version: z.number(),
});
export type WaitlistSettingsView = z.infer<typeof waitlistSettingsView>;

export const waitlistOfferView = z.object({
  id: z.string(),
  staffId: z.string(),
  staffName: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z.enum(OFFER_STATUSES),
  sendAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  bookingId: z.string().nullable(),
  byHand: z.boolean(),
  createdAt: z.string(),
});
export type WaitlistOfferView = z.infer<typeof waitlistOfferView>;

export const waitlistWishView = z.object({
  id: z.string(),
  customerId: z.string(),
  customerName: z.string().nullable(),
  services: z.array(z.object({ id: z.string(), name: z.object({ es: z.string(), en: z.string() }) })),
  staffId: z.string().nullable(),
  staffName: z.string().nullable(),
  dateFrom: z.string(),
  dateTo: z.string(),
  dayParts: z.array(dayPart),
  expiresAt: z.string(),
  status: z.enum(WISH_STATUSES),
  source: z.enum(["agent", "staff"]),
  note: z.string().nullable(),
  offersSent: z.number(),
  version: z.number(),
  createdAt: z.string(),
  offers: z.array(waitlistOfferView),
});
export type WaitlistWishView = z.infer<typeof waitlistWishView>;

export const waitlistAlternative = z.object({ start: z.string(), staffId: z.string().nullable() });

export const waitlistAcceptOutput = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("booked"), bookingId: z.string(), offerId: z.string() }),
  z.object({ outcome: z.literal("lost"), offerId: z.string(), alternatives: z.array(waitlistAlternative) }),
]);
export type WaitlistAcceptOutput = z.infer<typeof waitlistAcceptOutput>;
