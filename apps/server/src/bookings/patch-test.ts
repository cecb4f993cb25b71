// Patch tests (issue #21): a service may require a skin-allergy test, negative, taken at least
// `patchTestMinHours` before the visit and within the last `patchTestMaxMonths` calendar months (in
// the location's zone). `decidePatchTest` is PURE (instants injected): which services of a planned
// visit need a test, and why the customer's recorded tests do not do (none / too recent / too old /
// the last one reacted), with the patch-test service to offer first and the latest instant it could
// be taken. `assertPatchTest` is the booking write path's check (createBooking, assertBookable):
// it reads the few rows the decision needs and refuses with PATCH_TEST_REQUIRED, its details
// carrying no personal data (reason, services, offer, by-when).

import type { Db, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { localToUtc, toLocal } from "../time/zoned.ts";

export type PatchTestReason = "none" | "too_recent" | "too_old" | "reacted";

export interface PatchTestRecordLike {
  takenAt: Date;
  result: "negative" | "positive";
}

export interface PatchTestServiceRule {
  id: string;
  patchTestRequired: boolean;
  patchTestMinHours: number;
  patchTestMaxMonths: number;
}

export interface PatchTestOffer {
  /** The location's active patch-test service. */
  serviceId: string;
  /** The latest instant the test could be taken for this visit (visit start − min hours). */
  byWhen: string;
}

export type PatchTestDecision =
  | { needed: false }
  | {
      needed: true;
      reason: PatchTestReason;
      /** The visit's services that require the test. */
      serviceIds: string[];
      minHours: number;
      maxMonths: number;
      /** The visit start − min hours: a test taken after it comes too late for this visit. */
      latestAt: Date;
      /** When the customer's latest test (before now) was taken, if any. */
      lastTakenAt: Date | null;
      /** Book the patch test first: null when none is set up, the last test reacted, or it is too late. */
      offer: PatchTestOffer | null;
    };

const HOUR = 3_600_000;

/** `instant` moved back `months` calendar months in the zone (same wall time; the 31st → month end). */
export function monthsBefore(instant: Date, months: number, timeZone: string): Date {
  const local = toLocal(instant, timeZone);
  const [y, m, d] = local.date.split("-").map(Number) as [number, number, number];
  const monthIndex = y * 12 + (m - 1) - months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return localToUtc(date, local.minute, timeZone);
}

export interface PatchTestQuestion {
  /** The planned visit's services (only the ones requiring a test matter). */
  services: PatchTestServiceRule[];
  /** The customer's recorded tests, in any order. */
  tests: PatchTestRecordLike[];
  startsAt: Date;
  now: Date;
  timeZone: string;
  /** The location's active patch-test service, if it has one. */
  patchTestServiceId: string | null;
}

/** Whether the planned visit needs a (new) patch test, and why. Pure. */
export function decidePatchTest(q: PatchTestQuestion): PatchTestDecision {
  const requiring = q.services.filter((s) => s.patchTestRequired);
  if (!requiring.length) return { needed: false };
  // Several services needing one: the strictest terms apply.
  const minHours = Math.max(...requiring.map((s) => s.patchTestMinHours));
  const maxMonths = Math.min(...requiring.map((s) => s.patchTestMaxMonths));
  const latestAt = new Date(q.startsAt.getTime() - minHours * HOUR);
  const earliestAt = monthsBefore(q.startsAt, maxMonths, q.timeZone);
  const taken = q.tests
    .filter((t) => t.takenAt.getTime() <= q.now.getTime())
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const last = taken[0] ?? null;
  const valid = (t: PatchTestRecordLike) =>
    t.result === "negative" && t.takenAt.getTime() <= latestAt.getTime() && t.takenAt.getTime() >= earliestAt.getTime();
  // The latest reaction wins over any earlier negative test.
  if (last && last.result === "negative" && taken.some(valid)) return { needed: false };
  let reason: PatchTestReason;
  if (!last) reason = "none";
  else if (last.result === "positive") reason = "reacted";
  else if (taken.some((t) => t.result === "negative" && t.takenAt.getTime() > latestAt.getTime()))
    reason = "too_recent";
  else reason = "too_old";
  const offer =
    reason !== "reacted" && q.patchTestServiceId && latestAt.getTime() > q.now.getTime()
      ? { serviceId: q.patchTestServiceId, byWhen: latestAt.toISOString() }
      : null;
  return {
    needed: true,
    reason,
    serviceIds: requiring.map((s) => s.id),
    minHours,
    maxMonths,
    latestAt,
    lastTakenAt: last?.takenAt ?? null,
    offer,
  };
}

/** The structured, non-personal details of a PATCH_TEST_REQUIRED refusal (console and agent read them). */
export interface PatchTestRefusalDetails {
  reason: PatchTestReason;
  serviceIds: string[];
  minHours: number;
  maxMonths: number;
  latestAt: string;
  lastTakenAt: string | null;
  offer: PatchTestOffer | null;
}

const MESSAGES: Record<PatchTestReason, string> = {
  none: "This service needs a patch test first, and none is recorded",
  too_recent: "This service needs a patch test taken earlier: the last one is too recent for this visit",
  too_old: "This service needs a patch test first: the last one is too old",
  reacted: "The last patch test reacted: this service cannot be booked",
};

export function patchTestError(d: Extract<PatchTestDecision, { needed: true }>): AppError {
  const details: PatchTestRefusalDetails = {
    reason: d.reason,
    serviceIds: d.serviceIds,
    minHours: d.minHours,
    maxMonths: d.maxMonths,
    latestAt: d.latestAt.toISOString(),
    lastTakenAt: d.lastTakenAt?.toISOString() ?? null,
    offer: d.offer,
  };
  return new AppError("PATCH_TEST_REQUIRED", MESSAGES[d.reason], { patchTest: details });
}

export interface PatchTestCheck {
  locationId: string;
  customerId: string;
  startsAt: Date;
  items: { serviceId: string }[];
  /** Skip the check (a staff override, audited by the caller). */
  override?: boolean;
}

/**
 * The booking write path's check: refuses a visit whose services need a valid patch test the
 * customer does not have. One query when no service of the visit needs one.
 */
export async function assertPatchTest(db: Db | Tx, check: PatchTestCheck, now: Date): Promise<void> {
  if (check.override) return;
  const serviceIds = [...new Set(check.items.map((i) => i.serviceId))];
  const services = await db.service.findMany({
    where: { id: { in: serviceIds }, locationId: check.locationId, patchTestRequired: true },
    select: { id: true, patchTestRequired: true, patchTestMinHours: true, patchTestMaxMonths: true },
  });
  if (!services.length) return;
  const [tests, location, patchService] = await Promise.all([
    db.patchTest.findMany({
      where: { customerId: check.customerId },
      select: { takenAt: true, result: true },
      orderBy: { takenAt: "desc" },
      take: 50,
    }),
    db.location.findUnique({ where: { id: check.locationId }, select: { timeZone: true } }),
    db.service.findFirst({
      where: { locationId: check.locationId, isPatchTest: true, active: true },
      select: { id: true },
      orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
    }),
  ]);
  const decision = decidePatchTest({
    services,
    tests,
    startsAt: check.startsAt,
    now,
    timeZone: location?.timeZone ?? "UTC",
    patchTestServiceId: patchService?.id ?? null,
  });
  if (decision.needed) throw patchTestError(decision);
}
