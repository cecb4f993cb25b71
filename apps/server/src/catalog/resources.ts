// Resources (issue #21): the location's basins, colour stations, treatment rooms and nail desks, and
// which kinds each phase of a service occupies. Settings edit them here; availability
// (availability/resources.ts) and the booking write hold them; the day view reads what each holds.
import type {
  ResourceCreateInput,
  ResourceDayView,
  ResourcesListView,
  ResourceUpdateInput,
  ResourceView,
  ServiceNeedsInput,
} from "@cita/shared";
import { bumpVersion, recordWrite, type Scope } from "../audit/scope.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import { addDays, localToUtc } from "../time/zoned.ts";

const view = (r: {
  id: string;
  kind: string;
  name: string;
  active: boolean;
  sortOrder: number;
  version: number;
}): ResourceView => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  active: r.active,
  sortOrder: r.sortOrder,
  version: r.version,
});

const ORDER = [{ sortOrder: "asc" as const }, { name: "asc" as const }];

export async function listResources(scope: Scope): Promise<ResourcesListView> {
  const [resources, needs] = await Promise.all([
    scope.db.resource.findMany({ where: { locationId: scope.locationId }, orderBy: ORDER }),
    scope.db.serviceResourceNeed.findMany({
      where: { service: { locationId: scope.locationId } },
      orderBy: [{ serviceId: "asc" }, { kind: "asc" }, { phase: "asc" }],
    }),
  ]);
  return { resources: resources.map(view), needs };
}

/** Adds `count` resources of a kind: "Lavacabezas" ×3 → "Lavacabezas 1", "Lavacabezas 2", "Lavacabezas 3". */
export async function createResources(scope: Scope, input: ResourceCreateInput): Promise<ResourceView[]> {
  const count = input.count ?? 1;
  const names = count === 1 ? [input.name] : Array.from({ length: count }, (_, k) => `${input.name} ${k + 1}`);
  return scope.db.$transaction(async (tx) => {
    const taken = await tx.resource.findMany({
      where: { locationId: scope.locationId, name: { in: names } },
      select: { name: true },
    });
    if (taken.length) throw new AppError("CONFLICT", `A resource is already called "${taken[0]!.name}"`);
    const last = await tx.resource.aggregate({ where: { locationId: scope.locationId }, _max: { sortOrder: true } });
    const base = (last._max.sortOrder ?? -1) + 1;
    const out: ResourceView[] = [];
    for (const [k, name] of names.entries()) {
      const row = await tx.resource.create({
        data: { locationId: scope.locationId, kind: input.kind, name, sortOrder: Math.min(1000, base + k) },
      });
      await recordWrite(tx, scope, {
        action: "resource.create",
        entityType: "resource",
        entityId: row.id,
        audit: { kind: row.kind, name: row.name },
        change: { version: row.version },
      });
      out.push(view(row));
    }
    return out;
  });
}

/** Renames, reorders, or takes a resource out of use (`active: false`; its past bookings stay). */
export async function updateResource(scope: Scope, input: ResourceUpdateInput): Promise<ResourceView> {
  const { resourceId, version, ...fields } = input;
  const data = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return scope.db.$transaction(async (tx) => {
    if (typeof data.name === "string") {
      const other = await tx.resource.findFirst({
        where: { locationId: scope.locationId, name: data.name, id: { not: resourceId } },
      });
      if (other) throw new AppError("CONFLICT", `A resource is already called "${data.name}"`);
    }
    await bumpVersion(
      "The resource",
      version,
      (v) =>
        tx.resource.updateMany({
          where: { id: resourceId, locationId: scope.locationId, ...v },
          data: { ...data, version: { increment: 1 } },
        }),
      () =>
        tx.resource.findFirst({ where: { id: resourceId, locationId: scope.locationId }, select: { version: true } }),
    );
    const row = await tx.resource.findUniqueOrThrow({ where: { id: resourceId } });
    await recordWrite(tx, scope, {
      action: "resource.update",
      entityType: "resource",
      entityId: row.id,
      audit: { fields: data },
      change: { version: row.version },
    });
    return view(row);
  });
}

async function serviceHere(tx: Tx, scope: Scope, serviceId: string) {
  const service = await tx.service.findFirst({ where: { id: serviceId, locationId: scope.locationId } });
  if (!service) throw new AppError("NOT_FOUND", "Service not found");
  return service;
}

/**
 * Replaces which kinds of resource each phase of a service occupies. A phase the service does not
 * have (no processing time) is refused, so the setting always means something.
 */
export async function setServiceNeeds(scope: Scope, input: ServiceNeedsInput): Promise<ResourcesListView["needs"]> {
  const needs = [...new Map(input.needs.map((n) => [`${n.kind}|${n.phase}`, n])).values()];
  return scope.db.$transaction(async (tx) => {
    const service = await serviceHere(tx, scope, input.serviceId);
    const minutes = {
      application: service.durationMinutes,
      processing: service.processingMinutes,
      finishing: service.finishingMinutes,
    };
    const empty = needs.find((n) => minutes[n.phase] <= 0);
    if (empty) throw new AppError("BAD_INPUT", `needs: this service has no ${empty.phase} phase`);
    await tx.serviceResourceNeed.deleteMany({ where: { serviceId: service.id } });
    if (needs.length) {
      await tx.serviceResourceNeed.createMany({
        data: needs.map((n) => ({ serviceId: service.id, kind: n.kind, phase: n.phase })),
      });
    }
    await tx.service.update({ where: { id: service.id }, data: { version: { increment: 1 } } });
    await recordWrite(tx, scope, {
      action: "service.resource_needs",
      entityType: "service",
      entityId: service.id,
      audit: { needs },
      change: { version: service.version + 1 },
    });
    return needs.map((n) => ({ serviceId: service.id, kind: n.kind, phase: n.phase }));
  });
}

/** What each of the location's resources holds on a local date (the day view's resource columns). */
export async function resourceDay(scope: Scope, input: { date: string }): Promise<ResourceDayView> {
  const location = await scope.db.location.findUnique({
    where: { id: scope.locationId },
    select: { timeZone: true },
  });
  if (!location) throw new AppError("NOT_FOUND", "Unknown location");
  const from = localToUtc(input.date, 0, location.timeZone);
  const to = localToUtc(addDays(input.date, 1), 0, location.timeZone);
  const resources = await scope.db.resource.findMany({
    where: { locationId: scope.locationId },
    orderBy: ORDER,
    include: {
      segments: {
        where: { active: true, startsAt: { lt: to }, endsAt: { gt: from } },
        orderBy: { startsAt: "asc" },
        include: { item: { select: { service: { select: { nameEs: true, nameEn: true } }, staff: true } } },
      },
    },
  });
  return {
    resources: resources.filter((r) => r.active || r.segments.length).map(view),
    blocks: resources.flatMap((r) =>
      r.segments.map((g) => ({
        resourceId: r.id,
        bookingId: g.bookingId,
        phase: g.phase,
        startsAt: g.startsAt.toISOString(),
        endsAt: g.endsAt.toISOString(),
        serviceName: { es: g.item.service.nameEs, en: g.item.service.nameEn },
        staffName: g.item.staff.displayName,
      })),
    ),
  };
}
