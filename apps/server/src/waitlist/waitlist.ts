// The waitlist (issue #20 part 1): a customer's wish for time that is taken today; when time frees up
// (a cancellation, a move, an expired hold, new hours, time off removed: waitlist/jobs.ts reads them
// from the change log) matching wishes are offered the freed slot over WhatsApp, in the order they
// were made. Offering holds nothing: acceptOffer books through bookings/create.ts like any booking,
// so the exclusion constraint decides who gets it; whoever comes second is told kindly, with the
// nearest alternatives. Quiet hours hold offers until morning; a wish gets at most the location's
// limit of automatic offers. Staff and the agent call the same functions (the agent with a customer
// actor and source "agent").
import type { DayPartName, WaitlistAcceptOutput, WaitlistSettingsView, WaitlistWishView } from "@cita/shared";
import { findSlots, nearestAlternatives } from "../availability/find.ts";
import { createBooking } from "../bookings/create.ts";
import { type Actor, appendAudit, appendChange } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db, Tx } from "../db/client.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import type { WaitlistOfferStatus, WaitlistSource, WaitlistWishStatus } from "../generated/prisma/enums.ts";
import { type CustomerNotifier, noopNotifier } from "../notifications/notifier.ts";
import { addDays, localToUtc, toLocal } from "../time/zoned.ts";
import {
  type CandidateSlot,
  type DayPart,
  inWishOrder,
  matchWishes,
  overlapDates,
  type QuietHours,
  sendTimeFor,
  type WishToMatch,
} from "./match.ts";
import type { WaitlistLostFacts, WaitlistOfferFacts } from "./messages.ts";

export interface WaitlistDeps {
  db: Db;
  fc: FieldCrypto;
  clock: () => Date;
  /** Customer messages (channels' outbox); absent = nothing is sent. */
  notifier?: CustomerNotifier;
}

/** A stretch of time that became free: one stylist's, or (staffId null) every stylist's of the location. */
export interface FreedRange {
  staffId: string | null;
  from: Date;
  to: Date;
}

export interface NewWish {
  customerId: string;
  serviceIds: string[];
  staffId?: string | null;
  dateFrom: string;
  dateTo: string;
  dayParts: DayPartName[];
  expiresAt?: string | Date;
  /** The customer's own words (stored encrypted). */
  note?: string | null;
  conversationId?: string | null;
}

export interface OfferMade {
  offerId: string;
  wishId: string;
  staffId: string;
  startsAt: string;
  status: "sent" | "held_for_quiet_hours";
}

const OPEN_WISH: WaitlistWishStatus[] = ["waiting", "offered"];
const OPEN_OFFER: WaitlistOfferStatus[] = ["sent", "held_for_quiet_hours"];
const ENTITY = "waitlist_wish";
const notifierOf = (deps: WaitlistDeps) => deps.notifier ?? noopNotifier;
/** A wish may look (and last) at most this far ahead. */
const MAX_AHEAD_DAYS = 366;
const DAY_MS = 86_400_000;
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const dbDate = (d: string) => new Date(`${d}T00:00:00Z`);

// ───────────────────────────── Settings ─────────────────────────────

export async function getWaitlistSettings(db: Db | Tx, locationId: string): Promise<WaitlistSettingsView> {
  const l = await db.location.findUnique({ where: { id: locationId } });
  if (!l) throw new AppError("NOT_FOUND", "Location not found");
  return {
    enabled: l.waitlistEnabled,
    maxOffersPerWish: l.waitlistMaxOffers,
    quietStartMinute: l.waitlistQuietStartMinute,
    quietEndMinute: l.waitlistQuietEndMinute,
    version: l.version,
  };
}

export async function updateWaitlistSettings(
  deps: WaitlistDeps,
  locationId: string,
  input: {
    enabled?: boolean;
    maxOffersPerWish?: number;
    quietStartMinute?: number;
    quietEndMinute?: number;
    version?: number;
  },
  actor: Actor,
): Promise<WaitlistSettingsView> {
  return deps.db.$transaction(async (tx) => {
    const l = await tx.location.findUnique({ where: { id: locationId } });
    if (!l) throw new AppError("NOT_FOUND", "Location not found");
    if (input.version !== undefined && input.version !== l.version) {
      throw new AppError(
        "CONFLICT",
        `The location was changed by someone else (you saw version ${input.version}, it is now at version ${l.version}); reload and try again`,
        { currentVersion: l.version },
      );
    }
    const data = {
      ...(input.enabled !== undefined ? { waitlistEnabled: input.enabled } : {}),
      ...(input.maxOffersPerWish !== undefined ? { waitlistMaxOffers: input.maxOffersPerWish } : {}),
      ...(input.quietStartMinute !== undefined ? { waitlistQuietStartMinute: input.quietStartMinute } : {}),
      ...(input.quietEndMinute !== undefined ? { waitlistQuietEndMinute: input.quietEndMinute } : {}),
    };
    const after = await tx.location.update({ where: { id: locationId }, data: { ...data, version: { increment: 1 } } });
    await appendAudit(tx, actor, {
      action: "location.waitlist_settings",
      entityType: "location",
      entityId: locationId,
      locationId,
      data,
    });
    await appendChange(tx, {
      entityType: "location",
      entityId: locationId,
      op: "upsert",
      locationId,
      data: { version: after.version },
    });
    return getWaitlistSettings(tx, locationId);
  });
}

// ───────────────────────────── Wishes ─────────────────────────────

const wishInclude = {
  services: {
    orderBy: { position: "asc" },
    include: { service: { select: { id: true, nameEs: true, nameEn: true } } },
  },
  staff: { select: { displayName: true } },
  customer: { select: { nameCipher: true } },
  offers: { orderBy: { createdAt: "asc" }, include: { staff: { select: { displayName: true } } } },
} as const;

type WishRow = NonNullable<Awaited<ReturnType<typeof loadWish>>>;

function loadWish(db: Db | Tx, id: string) {
  return db.waitlistWish.findUnique({ where: { id }, include: wishInclude });
}

function safeDecrypt(fc: FieldCrypto, c: Uint8Array | null): string | null {
  if (!c) return null;
  try {
    return fc.decrypt(c);
  } catch {
    return null;
  }
}

function viewWish(w: WishRow, fc: FieldCrypto): WaitlistWishView {
  return {
    id: w.id,
    customerId: w.customerId,
    customerName: safeDecrypt(fc, w.customer.nameCipher),
    services: w.services.map((s) => ({ id: s.service.id, name: { es: s.service.nameEs, en: s.service.nameEn } })),
    staffId: w.staffId,
    staffName: w.staff?.displayName ?? null,
    dateFrom: dateOf(w.dateFrom),
    dateTo: dateOf(w.dateTo),
    dayParts: w.dayParts as DayPartName[],
    expiresAt: w.expiresAt.toISOString(),
    status: w.status,
    source: w.source,
    note: safeDecrypt(fc, w.noteCipher),
    offersSent: w.offersSent,
    version: w.version,
    createdAt: w.createdAt.toISOString(),
    offers: w.offers.map((o) => ({
      id: o.id,
      staffId: o.staffId,
      staffName: o.staff.displayName,
      startsAt: o.startsAt.toISOString(),
      endsAt: o.endsAt.toISOString(),
      status: o.status,
      sendAt: o.sendAt?.toISOString() ?? null,
      sentAt: o.sentAt?.toISOString() ?? null,
      answeredAt: o.answeredAt?.toISOString() ?? null,
      bookingId: o.bookingId,
      byHand: o.createdByStaffId !== null,
      createdAt: o.createdAt.toISOString(),
    })),
  };
}

/** Adds a wish (staff at the desk, or the agent for a customer in a chat). */
export async function addWish(
  deps: WaitlistDeps,
  locationId: string,
  input: NewWish,
  actor: Actor,
  source: WaitlistSource = actor.type === "staff" ? "staff" : "agent",
): Promise<WaitlistWishView> {
  const now = deps.clock();
  const location = await deps.db.location.findUnique({ where: { id: locationId }, select: { timeZone: true } });
  if (!location) throw new AppError("NOT_FOUND", "Location not found");
  if (!input.serviceIds.length) throw new AppError("BAD_INPUT", "serviceIds: a wish needs at least one service");
  if (new Set(input.serviceIds).size !== input.serviceIds.length) {
    throw new AppError("BAD_INPUT", "serviceIds: must not repeat a service");
  }
  if (!input.dayParts.length) throw new AppError("BAD_INPUT", "dayParts: choose at least one part of the day");
  if (input.dateTo < input.dateFrom) throw new AppError("BAD_INPUT", "dateTo: must not be before dateFrom");
  const today = toLocal(now, location.timeZone).date;
  if (input.dateTo < today) throw new AppError("BAD_INPUT", "dateTo: the wished dates are already past");
  const expiresAt = input.expiresAt
    ? new Date(input.expiresAt)
    : localToUtc(addDays(input.dateTo, 1), 0, location.timeZone);
  if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) {
    throw new AppError("BAD_INPUT", "expiresAt: must be in the future");
  }
  if (
    input.dateFrom > addDays(today, MAX_AHEAD_DAYS) ||
    expiresAt.getTime() > now.getTime() + MAX_AHEAD_DAYS * DAY_MS
  ) {
    throw new AppError("BAD_INPUT", `dateFrom: a wish may look at most ${MAX_AHEAD_DAYS} days ahead`);
  }

  const customer = await deps.db.customer.findUnique({
    where: { id: input.customerId },
    select: { id: true, erasedAt: true, mergedIntoId: true },
  });
  if (!customer || customer.erasedAt) throw new AppError("NOT_FOUND", "Customer not found");
  const customerId = customer.mergedIntoId ?? customer.id;
  const services = await deps.db.service.findMany({
    where: { id: { in: input.serviceIds }, locationId, active: true },
    select: { id: true },
  });
  if (services.length !== input.serviceIds.length) {
    throw new AppError("BAD_INPUT", "serviceIds: a service is unknown here or no longer offered");
  }
  if (input.staffId) {
    const staff = await deps.db.staffMember.findFirst({
      where: { id: input.staffId, locationId, active: true, bookable: true },
      select: { services: { select: { serviceId: true } } },
    });
    if (!staff) throw new AppError("BAD_INPUT", "staffId: no such stylist here");
    const does = new Set(staff.services.map((s) => s.serviceId));
    if (!input.serviceIds.every((id) => does.has(id))) {
      throw new AppError("BAD_INPUT", "staffId: that stylist does not do every service asked for");
    }
  }
  if (input.conversationId) {
    const c = await deps.db.conversation.findFirst({ where: { id: input.conversationId, customerId } });
    if (!c) throw new AppError("BAD_INPUT", "conversationId: not a chat of this customer");
  }

  const id = await deps.db.$transaction(async (tx) => {
    const w = await tx.waitlistWish.create({
      data: {
        locationId,
        customerId,
        conversationId: input.conversationId ?? null,
        staffId: input.staffId ?? null,
        dateFrom: dbDate(input.dateFrom),
        dateTo: dbDate(input.dateTo),
        dayParts: input.dayParts,
        expiresAt,
        source,
        noteCipher: input.note?.trim() ? deps.fc.encrypt(input.note.trim()) : null,
        createdByStaffId: actor.type === "staff" ? (actor.id ?? null) : null,
        services: { create: input.serviceIds.map((serviceId, position) => ({ serviceId, position })) },
      },
    });
    await appendAudit(tx, actor, {
      action: "waitlist.add",
      entityType: ENTITY,
      entityId: w.id,
      locationId,
      data: {
        customerId,
        serviceIds: input.serviceIds,
        staffId: input.staffId ?? null,
        dateFrom: input.dateFrom,
        dateTo: input.dateTo,
        dayParts: input.dayParts,
        source,
      },
    });
    await appendChange(tx, { entityType: ENTITY, entityId: w.id, op: "upsert", locationId, data: { version: 1 } });
    return w.id;
  });
  return viewWish((await loadWish(deps.db, id))!, deps.fc);
}

export async function listWishes(
  deps: Pick<WaitlistDeps, "db" | "fc">,
  locationId: string,
  q: { status?: "open" | "all" | WaitlistWishStatus; customerId?: string; limit?: number } = {},
): Promise<WaitlistWishView[]> {
  const status = q.status ?? "open";
  const rows = await deps.db.waitlistWish.findMany({
    where: {
      locationId,
      ...(status === "all" ? {} : status === "open" ? { status: { in: OPEN_WISH } } : { status }),
      ...(q.customerId ? { customerId: q.customerId } : {}),
    },
    orderBy: [{ createdAt: status === "open" ? "asc" : "desc" }, { id: "asc" }],
    take: q.limit ?? 200,
    include: wishInclude,
  });
  return rows.map((w) => viewWish(w, deps.fc));
}

export async function cancelWish(
  deps: WaitlistDeps,
  locationId: string,
  input: { wishId: string; version?: number },
  actor: Actor,
): Promise<WaitlistWishView> {
  await deps.db.$transaction(async (tx) => {
    const w = await tx.waitlistWish.findFirst({ where: { id: input.wishId, locationId } });
    if (!w) throw new AppError("NOT_FOUND", "Waitlist wish not found");
    if (input.version !== undefined && input.version !== w.version) {
      throw new AppError(
        "CONFLICT",
        `The wish was changed by someone else (you saw version ${input.version}, it is now at version ${w.version}); reload and try again`,
        { currentVersion: w.version },
      );
    }
    if (!OPEN_WISH.includes(w.status)) {
      throw new AppError("PRECONDITION_FAILED", `This wish is already ${w.status}`);
    }
    const now = deps.clock();
    await tx.waitlistOffer.updateMany({
      where: { wishId: w.id, status: { in: OPEN_OFFER } },
      data: { status: "expired", answeredAt: now },
    });
    const after = await tx.waitlistWish.update({
      where: { id: w.id },
      data: { status: "cancelled", version: { increment: 1 } },
    });
    await appendAudit(tx, actor, { action: "waitlist.cancel", entityType: ENTITY, entityId: w.id, locationId });
    await appendChange(tx, {
      entityType: ENTITY,
      entityId: w.id,
      op: "upsert",
      locationId,
      data: { version: after.version },
    });
  });
  return viewWish((await loadWish(deps.db, input.wishId))!, deps.fc);
}

/** Sent offers a customer has not answered yet, newest first (the agent resolves "sí" against these). */
export async function openOffersOf(db: Db | Tx, customerId: string) {
  return db.waitlistOffer.findMany({
    where: { status: "sent", wish: { customerId, status: { in: OPEN_WISH } } },
    orderBy: { sentAt: "desc" },
    select: { id: true, wishId: true, staffId: true, startsAt: true, endsAt: true, sentAt: true },
  });
}

// ───────────────────────────── Offering ─────────────────────────────

interface LocationRules {
  id: string;
  name: string;
  timeZone: string;
  enabled: boolean;
  maxOffers: number;
  quiet: QuietHours;
}

async function locationRules(db: Db | Tx, locationId: string): Promise<LocationRules> {
  const l = await db.location.findUnique({ where: { id: locationId } });
  if (!l) throw new AppError("NOT_FOUND", "Location not found");
  return {
    id: l.id,
    name: l.name,
    timeZone: l.timeZone,
    enabled: l.waitlistEnabled,
    maxOffers: l.waitlistMaxOffers,
    quiet: { startMinute: l.waitlistQuietStartMinute, endMinute: l.waitlistQuietEndMinute },
  };
}

type OpenWish = WishToMatch & { serviceIdsKey: string };

/**
 * The wishes freed time may be offered to, oldest first. Only customers with a chat: an offer goes
 * out on WhatsApp (a customer who never wrote is offered a time by hand, by phone).
 */
async function openWishes(db: Db | Tx, locationId: string, now: Date, today: string): Promise<OpenWish[]> {
  const rows = await db.waitlistWish.findMany({
    where: {
      locationId,
      status: { in: OPEN_WISH },
      expiresAt: { gt: now },
      dateTo: { gte: dbDate(today) },
      customer: { conversations: { some: {} } },
    },
    include: { services: { orderBy: { position: "asc" }, select: { serviceId: true } } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((w) => {
    const serviceIds = w.services.map((s) => s.serviceId);
    return {
      id: w.id,
      createdAt: w.createdAt,
      serviceIds,
      serviceIdsKey: serviceIds.join(","),
      staffId: w.staffId,
      dateFrom: dateOf(w.dateFrom),
      dateTo: dateOf(w.dateTo),
      dayParts: w.dayParts as DayPart[],
      expiresAt: w.expiresAt,
      offersSent: w.offersSent,
    };
  });
}

/** The facts a waitlist message needs, read in the offer's transaction. */
async function offerFacts(tx: Tx, offerId: string): Promise<WaitlistOfferFacts> {
  const o = await tx.waitlistOffer.findUniqueOrThrow({
    where: { id: offerId },
    include: {
      staff: { select: { displayName: true } },
      wish: {
        include: {
          location: { select: { name: true, timeZone: true } },
          services: { orderBy: { position: "asc" }, include: { service: { select: { nameEs: true, nameEn: true } } } },
        },
      },
    },
  });
  return {
    offerId: o.id,
    startsAt: o.startsAt.toISOString(),
    timeZone: o.wish.location.timeZone,
    services: {
      es: o.wish.services.map((s) => s.service.nameEs).join(" + "),
      en: o.wish.services.map((s) => s.service.nameEn).join(" + "),
    },
    stylist: o.staff.displayName.split(" ")[0] ?? o.staff.displayName,
    location: o.wish.location.name,
  };
}

/**
 * Writes one offer for a wish (sent now, or held until the quiet hours end) and tells the customer when
 * sent. Returns null when the wish is no longer open, at its limit (`limit` set), or already has this
 * very slot (concurrent scans, a repeat).
 */
async function makeOffer(
  deps: WaitlistDeps,
  rules: LocationRules,
  wishId: string,
  slot: CandidateSlot,
  actor: Actor,
  opts: { limit: number | null; byStaffId: string | null },
): Promise<OfferMade | null> {
  const now = deps.clock();
  const sendAt = sendTimeFor(now, rules.quiet, rules.timeZone);
  const held = sendAt.getTime() > now.getTime();
  try {
    return await deps.db.$transaction(async (tx) => {
      const bumped = await tx.waitlistWish.updateMany({
        where: {
          id: wishId,
          status: { in: OPEN_WISH },
          ...(opts.limit !== null ? { offersSent: { lt: opts.limit } } : {}),
        },
        data: { offersSent: { increment: 1 }, status: "offered", version: { increment: 1 } },
      });
      if (!bumped.count) return null;
      const existing = await tx.waitlistOffer.findUnique({
        where: { wishId_staffId_startsAt: { wishId, staffId: slot.staffId, startsAt: slot.start } },
      });
      if (existing) throw new Skip();
      const offer = await tx.waitlistOffer.create({
        data: {
          wishId,
          staffId: slot.staffId,
          startsAt: slot.start,
          endsAt: slot.end,
          status: held ? "held_for_quiet_hours" : "sent",
          sendAt: held ? sendAt : null,
          sentAt: held ? null : now,
          createdByStaffId: opts.byStaffId,
        },
      });
      const wish = await tx.waitlistWish.findUniqueOrThrow({ where: { id: wishId } });
      if (!held) {
        await notifierOf(deps).notify(
          tx,
          { customerId: wish.customerId },
          "waitlist_offer",
          (await offerFacts(tx, offer.id)) as unknown as Record<string, unknown>,
        );
      }
      await appendAudit(tx, actor, {
        action: held ? "waitlist.offer_held" : "waitlist.offer_sent",
        entityType: ENTITY,
        entityId: wishId,
        locationId: rules.id,
        data: {
          offerId: offer.id,
          staffId: slot.staffId,
          startsAt: slot.start.toISOString(),
          ...(held ? { sendAt: sendAt.toISOString() } : {}),
        },
      });
      await appendChange(tx, {
        entityType: ENTITY,
        entityId: wishId,
        op: "upsert",
        locationId: rules.id,
        data: { version: wish.version, offerId: offer.id },
      });
      return {
        offerId: offer.id,
        wishId,
        staffId: slot.staffId,
        startsAt: slot.start.toISOString(),
        status: held ? ("held_for_quiet_hours" as const) : ("sent" as const),
      };
    });
  } catch (e) {
    if (e instanceof Skip) return null;
    // A concurrent scan wrote the same offer first (unique wish/stylist/start): nothing to add.
    if ((e as { code?: string }).code === "P2002") return null;
    throw e;
  }
}

class Skip extends Error {}

/** The stylists (bookable, active, at this location) and the services each does. */
async function stylistsOf(db: Db | Tx, locationId: string) {
  const rows = await db.staffMember.findMany({
    where: { locationId, active: true, bookable: true },
    select: { id: true, services: { select: { serviceId: true } } },
  });
  return rows.map((r) => ({ id: r.id, does: new Set(r.services.map((s) => s.serviceId)) }));
}

/**
 * Time freed at a location: offers it to the matching wishes, in the order they were made (each wish
 * at most once per call, the earliest fitting start; a wish at its offer limit gets none). A slot is
 * offered only where availability says the wished services fit, starting inside the freed range, on
 * the freed stylist (or any stylist who does them, for a range of the whole salon). Returns the offers
 * made, in order.
 */
export async function offerFreedTime(
  deps: WaitlistDeps,
  locationId: string,
  ranges: FreedRange[],
  actor: Actor = { type: "job", id: null },
): Promise<OfferMade[]> {
  const rules = await locationRules(deps.db, locationId);
  if (!rules.enabled || !ranges.length) return [];
  const now = deps.clock();
  const today = toLocal(now, rules.timeZone).date;
  const wishes = await openWishes(deps.db, locationId, now, today);
  if (!wishes.length) return [];
  const stylists = await stylistsOf(deps.db, locationId);
  const cache = new Map<string, CandidateSlot[]>();

  const candidatesFor = async (wish: OpenWish): Promise<CandidateSlot[]> => {
    const out: CandidateSlot[] = [];
    for (const range of ranges) {
      if (range.to.getTime() <= now.getTime()) continue;
      const dates = overlapDates(wish, range, rules.timeZone);
      if (!dates) continue;
      const staffIds = stylists
        .filter((s) => (!range.staffId || s.id === range.staffId) && (!wish.staffId || s.id === wish.staffId))
        .filter((s) => wish.serviceIds.every((id) => s.does.has(id)))
        .map((s) => s.id);
      for (const staffId of staffIds) {
        const key = `${wish.serviceIdsKey}|${staffId}|${dates.fromDate}|${dates.toDate}`;
        let slots = cache.get(key);
        if (!slots) {
          const found = await findSlots(deps.db, {
            locationId,
            items: wish.serviceIds.map((serviceId) => ({ serviceId, staffId })),
            fromDate: dates.fromDate,
            toDate: dates.toDate,
            now,
          });
          slots = found.map((s) => ({ staffId, start: s.start, end: s.end }));
          cache.set(key, slots);
        }
        const from = range.from.getTime();
        const to = range.to.getTime();
        for (const s of slots) if (s.start.getTime() >= from && s.start.getTime() < to) out.push(s);
      }
    }
    return out;
  };

  const perWish = new Map<string, CandidateSlot[]>();
  for (const wish of inWishOrder(wishes)) {
    if (wish.offersSent >= rules.maxOffers) continue;
    perWish.set(wish.id, await candidatesFor(wish));
  }
  const matches = matchWishes(wishes, (w) => perWish.get(w.id) ?? [], {
    now,
    timeZone: rules.timeZone,
    maxOffers: rules.maxOffers,
  });
  const made: OfferMade[] = [];
  for (const m of matches) {
    const offer = await makeOffer(deps, rules, m.wish.id, m.slot, actor, { limit: rules.maxOffers, byStaffId: null });
    if (offer) made.push(offer);
  }
  return made;
}

/**
 * Staff offer a time by hand: any time availability says the wish's services fit on that stylist
 * (the wish's dates, parts of day and offer limit are the staff's call). Quiet hours still hold it.
 */
export async function offerSlotByHand(
  deps: WaitlistDeps,
  locationId: string,
  input: { wishId: string; staffId: string; startsAt: string | Date },
  actor: Actor,
): Promise<OfferMade> {
  const rules = await locationRules(deps.db, locationId);
  const now = deps.clock();
  const wish = await deps.db.waitlistWish.findFirst({
    where: { id: input.wishId, locationId },
    include: { services: { orderBy: { position: "asc" }, select: { serviceId: true } } },
  });
  if (!wish) throw new AppError("NOT_FOUND", "Waitlist wish not found");
  if (!OPEN_WISH.includes(wish.status))
    throw new AppError("PRECONDITION_FAILED", `This wish is already ${wish.status}`);
  const start = new Date(input.startsAt);
  if (Number.isNaN(start.getTime()) || start.getTime() <= now.getTime()) {
    throw new AppError("BAD_INPUT", "startsAt: must be in the future");
  }
  const staff = await deps.db.staffMember.findFirst({ where: { id: input.staffId, locationId }, select: { id: true } });
  if (!staff) throw new AppError("BAD_INPUT", "staffId: no such stylist here");
  const day = toLocal(start, rules.timeZone).date;
  const slots = await findSlots(deps.db, {
    locationId,
    items: wish.services.map((s) => ({ serviceId: s.serviceId, staffId: input.staffId })),
    fromDate: day,
    toDate: day,
    now,
  });
  const slot = slots.find((s) => s.start.getTime() === start.getTime());
  if (!slot) {
    throw new AppError("NOT_BOOKABLE", "That time is not free for these services with that stylist");
  }
  const made = await makeOffer(
    deps,
    rules,
    wish.id,
    { staffId: input.staffId, start: slot.start, end: slot.end },
    actor,
    { limit: null, byStaffId: actor.type === "staff" ? (actor.id ?? null) : null },
  );
  if (!made) throw new AppError("CONFLICT", "This time was already offered for this wish");
  return made;
}

/** Is this exact start still bookable for the wish's services on that stylist? */
async function stillFree(
  db: Db,
  locationId: string,
  timeZone: string,
  serviceIds: string[],
  staffId: string,
  start: Date,
  now: Date,
): Promise<boolean> {
  const day = toLocal(start, timeZone).date;
  const slots = await findSlots(db, {
    locationId,
    items: serviceIds.map((serviceId) => ({ serviceId, staffId })),
    fromDate: day,
    toDate: day,
    now,
  });
  return slots.some((s) => s.start.getTime() === start.getTime());
}

/**
 * Sends the offers held for quiet hours whose time has come (when the slot is still free and the wish
 * still open; otherwise the offer is lost or expired, silently), and lapses wishes and offers whose
 * time has passed. Returns what it did.
 */
export async function sendDueOffers(
  deps: WaitlistDeps,
  locationId?: string,
): Promise<{ sent: number; lost: number; expiredOffers: number; expiredWishes: number }> {
  const now = deps.clock();
  const where = locationId ? { locationId } : {};
  const expiredWishes = await deps.db.$transaction(async (tx) => {
    const lapsed = await tx.waitlistWish.findMany({
      where: { ...where, status: { in: OPEN_WISH }, expiresAt: { lte: now } },
      select: { id: true, locationId: true },
    });
    if (!lapsed.length) return 0;
    await tx.waitlistWish.updateMany({
      where: { id: { in: lapsed.map((w) => w.id) } },
      data: { status: "expired", version: { increment: 1 } },
    });
    for (const w of lapsed) {
      await appendChange(tx, { entityType: ENTITY, entityId: w.id, op: "upsert", locationId: w.locationId });
    }
    return lapsed.length;
  });
  const expiredOffers = (
    await deps.db.waitlistOffer.updateMany({
      where: {
        status: { in: OPEN_OFFER },
        OR: [{ startsAt: { lte: now } }, { wish: { status: { in: ["expired", "cancelled", "booked"] } } }],
        ...(locationId ? { wish: { locationId } } : {}),
      },
      data: { status: "expired" },
    })
  ).count;

  await settleWaiting(deps.db, locationId ?? null);

  const due = await deps.db.waitlistOffer.findMany({
    where: { status: "held_for_quiet_hours", sendAt: { lte: now }, ...(locationId ? { wish: { locationId } } : {}) },
    include: {
      wish: {
        include: {
          location: { select: { timeZone: true } },
          services: { orderBy: { position: "asc" }, select: { serviceId: true } },
        },
      },
    },
    orderBy: [{ wish: { createdAt: "asc" } }, { startsAt: "asc" }],
  });
  let sent = 0;
  let lost = 0;
  for (const o of due) {
    const free = await stillFree(
      deps.db,
      o.wish.locationId,
      o.wish.location.timeZone,
      o.wish.services.map((s) => s.serviceId),
      o.staffId,
      o.startsAt,
      now,
    );
    await deps.db.$transaction(async (tx) => {
      const moved = await tx.waitlistOffer.updateMany({
        where: { id: o.id, status: "held_for_quiet_hours" },
        data: free ? { status: "sent", sentAt: now } : { status: "lost" },
      });
      if (!moved.count) return;
      if (free) {
        sent++;
        await notifierOf(deps).notify(
          tx,
          { customerId: o.wish.customerId },
          "waitlist_offer",
          (await offerFacts(tx, o.id)) as unknown as Record<string, unknown>,
        );
      } else {
        lost++;
        await settleWaiting(tx, o.wish.locationId, [o.wishId]);
      }
      await appendAudit(
        tx,
        { type: "job", id: null },
        {
          action: free ? "waitlist.offer_sent" : "waitlist.offer_lost",
          entityType: ENTITY,
          entityId: o.wishId,
          locationId: o.wish.locationId,
          data: { offerId: o.id, afterQuietHours: true },
        },
      );
      await appendChange(tx, { entityType: ENTITY, entityId: o.wishId, op: "upsert", locationId: o.wish.locationId });
    });
  }
  return { sent, lost, expiredOffers, expiredWishes };
}

/**
 * Wishes shown as "offered" whose offers have all ended (answered, lost, lapsed) wait again. Scoped to
 * a location (null: every one) and, when given, to some wishes.
 */
async function settleWaiting(db: Db | Tx, locationId: string | null, wishIds?: string[]): Promise<number> {
  return db.$executeRaw`
    UPDATE waitlist_wish w SET status = 'waiting', version = version + 1, updated_at = now()
     WHERE w.status = 'offered'
       AND (${locationId}::uuid IS NULL OR w.location_id = ${locationId}::uuid)
       AND (${wishIds ?? null}::uuid[] IS NULL OR w.id = ANY(${wishIds ?? null}::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM waitlist_offer o
                        WHERE o.wish_id = w.id AND o.status IN ('sent', 'held_for_quiet_hours'))`;
}

// ───────────────────────────── Answers ─────────────────────────────

type SlotLike = { start: string; items?: { staffId: string }[] };

function alternativesFrom(e: unknown): { start: string; staffId: string | null }[] | null {
  if (!isAppError(e) || (e.code !== "SLOT_TAKEN" && e.code !== "NOT_BOOKABLE")) return null;
  const alts = (e.details?.alternatives ?? []) as SlotLike[];
  return alts.slice(0, 3).map((a) => ({ start: a.start, staffId: a.items?.[0]?.staffId ?? null }));
}

/**
 * The customer confirms an offer. Books it through the normal booking path ("book": confirmed, or
 * awaiting its deposit where the service asks one); the exclusion constraint decides between
 * customers confirming the same time. The winner's wish is booked and the same time's other open
 * offers are lost; a customer who comes second is told kindly, with the nearest alternatives, and
 * stays on the waitlist. Confirming an offer twice answers with the same booking.
 */
export async function acceptOffer(
  deps: WaitlistDeps,
  offerId: string,
  actor: Actor,
  opts: { locationId?: string } = {},
): Promise<WaitlistAcceptOutput> {
  const o = await deps.db.waitlistOffer.findUnique({
    where: { id: offerId },
    include: {
      wish: {
        include: {
          location: { select: { timeZone: true } },
          services: { orderBy: { position: "asc" }, select: { serviceId: true } },
        },
      },
    },
  });
  if (!o || (opts.locationId && o.wish.locationId !== opts.locationId))
    throw new AppError("NOT_FOUND", "Offer not found");
  if (o.status === "accepted" && o.bookingId) return { outcome: "booked", bookingId: o.bookingId, offerId };
  if (o.status === "held_for_quiet_hours")
    throw new AppError("PRECONDITION_FAILED", "This offer has not been sent yet");
  if (o.status === "expired" || o.wish.status === "cancelled" || o.wish.status === "expired") {
    throw new AppError("PRECONDITION_FAILED", "This offer is no longer open");
  }
  if (o.wish.status === "booked") throw new AppError("PRECONDITION_FAILED", "This wish has already been booked");
  const items = o.wish.services.map((s) => ({ serviceId: s.serviceId, staffId: o.staffId }));
  if (o.status === "lost") {
    const alternatives = await alternativesNear(deps, o.wish.locationId, o.wish.location.timeZone, items, o.startsAt);
    await tellLost(deps, o.id, o.wish.customerId, alternatives, actor, false);
    return { outcome: "lost", offerId, alternatives };
  }

  let bookingId: string;
  let confirmed: boolean;
  try {
    const booking = await createBooking(
      deps,
      {
        locationId: o.wish.locationId,
        customerId: o.wish.customerId,
        startsAt: o.startsAt,
        items,
        source: o.wish.source === "agent" ? "whatsapp" : "console",
        mode: "book",
        conversationId: o.wish.conversationId,
        idempotencyKey: `waitlist-offer:${o.id}`,
      },
      actor,
    );
    bookingId = booking.id;
    confirmed = booking.status === "confirmed";
  } catch (e) {
    const alts = alternativesFrom(e);
    if (!alts) throw e;
    await tellLost(deps, o.id, o.wish.customerId, alts, actor, true);
    return { outcome: "lost", offerId, alternatives: alts };
  }

  await deps.db.$transaction(async (tx) => {
    const now = deps.clock();
    await tx.waitlistOffer.update({
      where: { id: o.id },
      data: { status: "accepted", answeredAt: now, bookingId },
    });
    const wish = await tx.waitlistWish.update({
      where: { id: o.wishId },
      data: { status: "booked", version: { increment: 1 } },
    });
    // The wish's other open offers end; the same time offered to others is gone.
    await tx.waitlistOffer.updateMany({
      where: { wishId: o.wishId, id: { not: o.id }, status: { in: OPEN_OFFER } },
      data: { status: "expired" },
    });
    await tx.waitlistOffer.updateMany({
      where: {
        wishId: { not: o.wishId },
        staffId: o.staffId,
        startsAt: { lt: o.endsAt },
        endsAt: { gt: o.startsAt },
        status: { in: OPEN_OFFER },
      },
      data: { status: "lost" },
    });
    await settleWaiting(tx, o.wish.locationId);
    if (confirmed)
      await notifierOf(deps).notify(tx, { customerId: o.wish.customerId, bookingId }, "booking_confirmed", {});
    await appendAudit(tx, actor, {
      action: "waitlist.offer_accepted",
      entityType: ENTITY,
      entityId: o.wishId,
      locationId: o.wish.locationId,
      data: { offerId: o.id, bookingId },
    });
    await appendChange(tx, {
      entityType: ENTITY,
      entityId: o.wishId,
      op: "upsert",
      locationId: o.wish.locationId,
      data: { version: wish.version },
    });
  });
  return { outcome: "booked", bookingId, offerId };
}

async function alternativesNear(
  deps: WaitlistDeps,
  locationId: string,
  timeZone: string,
  items: { serviceId: string; staffId: string }[],
  around: Date,
) {
  const slots = await nearestAlternatives(deps.db, {
    locationId,
    items,
    around,
    timeZone,
    now: deps.clock(),
    count: 3,
  });
  return slots.map((s) => ({ start: s.start.toISOString(), staffId: s.items[0]?.staffId ?? null }));
}

/** Marks the offer lost (its wish waits again) and tells the customer, with the alternatives. */
async function tellLost(
  deps: WaitlistDeps,
  offerId: string,
  customerId: string,
  alternatives: { start: string }[],
  actor: Actor,
  firstTime: boolean,
): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const now = deps.clock();
    const o = await tx.waitlistOffer.update({ where: { id: offerId }, data: { status: "lost", answeredAt: now } });
    const stillOpen = await tx.waitlistOffer.count({ where: { wishId: o.wishId, status: { in: OPEN_OFFER } } });
    const wish = await tx.waitlistWish.findUniqueOrThrow({ where: { id: o.wishId } });
    if (!stillOpen && wish.status === "offered") {
      await tx.waitlistWish.update({ where: { id: o.wishId }, data: { status: "waiting", version: { increment: 1 } } });
    }
    const facts: WaitlistLostFacts = {
      ...(await offerFacts(tx, offerId)),
      alternatives: alternatives.map((a) => a.start),
    };
    await notifierOf(deps).notify(tx, { customerId }, "waitlist_lost", facts as unknown as Record<string, unknown>);
    if (firstTime) {
      await appendAudit(tx, actor, {
        action: "waitlist.offer_lost",
        entityType: ENTITY,
        entityId: o.wishId,
        locationId: wish.locationId,
        data: { offerId },
      });
      await appendChange(tx, { entityType: ENTITY, entityId: o.wishId, op: "upsert", locationId: wish.locationId });
    }
  });
}

/** The customer says no to an offer: it ends, and the wish waits for the next freed time. */
export async function declineOffer(
  deps: WaitlistDeps,
  offerId: string,
  actor: Actor,
  opts: { locationId?: string } = {},
): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const o = await tx.waitlistOffer.findUnique({ where: { id: offerId }, include: { wish: true } });
    if (!o || (opts.locationId && o.wish.locationId !== opts.locationId))
      throw new AppError("NOT_FOUND", "Offer not found");
    if (o.status !== "sent") return;
    await tx.waitlistOffer.update({ where: { id: offerId }, data: { status: "expired", answeredAt: deps.clock() } });
    const stillOpen = await tx.waitlistOffer.count({ where: { wishId: o.wishId, status: { in: OPEN_OFFER } } });
    if (!stillOpen && o.wish.status === "offered") {
      await tx.waitlistWish.update({ where: { id: o.wishId }, data: { status: "waiting", version: { increment: 1 } } });
    }
    await appendAudit(tx, actor, {
      action: "waitlist.offer_declined",
      entityType: ENTITY,
      entityId: o.wishId,
      locationId: o.wish.locationId,
      data: { offerId },
    });
    await appendChange(tx, { entityType: ENTITY, entityId: o.wishId, op: "upsert", locationId: o.wish.locationId });
  });
}

/** Slots refilled from the waitlist in a period: accepted offers whose visit starts in [from, to). */
export async function refilledFromWaitlist(db: Db | Tx, locationId: string, from: Date, to: Date): Promise<number> {
  return db.waitlistOffer.count({
    where: {
      status: "accepted",
      wish: { locationId },
      startsAt: { gte: from, lt: to },
      booking: { status: { notIn: ["cancelled", "expired"] } },
    },
  });
}
