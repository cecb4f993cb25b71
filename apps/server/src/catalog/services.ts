// The service catalogue: phases (application, processing gap, finishing), buffers, price and
// deposit rule; which stylists do each service with their own timing/price; fuzzy search.
import type { ServiceView } from "@cita/shared";
import { bumpVersion, recordWrite, type Scope } from "../audit/scope.ts";
import type { Prisma, Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { DepositRule } from "../generated/prisma/enums.ts";

export interface ServiceFields {
  nameEs: string;
  nameEn: string;
  descriptionEs?: string | null;
  descriptionEn?: string | null;
  category: string;
  durationMinutes: number;
  processingMinutes?: number;
  finishingMinutes?: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  priceCents: number;
  depositRule?: DepositRule;
  depositValue?: number;
  sortOrder?: number;
  /** Issue #21: patch tests (bookings/patch-test.ts). */
  patchTestRequired?: boolean;
  patchTestMinHours?: number;
  patchTestMaxMonths?: number;
  isPatchTest?: boolean;
}

export interface StaffAssignment {
  staffId: string;
  durationMinutes?: number | null;
  processingMinutes?: number | null;
  finishingMinutes?: number | null;
  priceCents?: number | null;
}

const include = {
  staff: {
    include: { staff: { select: { displayName: true, active: true } } },
    orderBy: { staff: { displayName: "asc" } },
  },
} as const satisfies Prisma.ServiceInclude;

type ServiceRow = Prisma.ServiceGetPayload<{ include: typeof include }>;

function view(s: ServiceRow): ServiceView {
  const { staff, locationId: _l, createdAt: _c, updatedAt: _u, ...rest } = s;
  return {
    ...rest,
    staff: staff
      .filter((ss) => ss.staff.active)
      .map((ss) => ({
        staffId: ss.staffId,
        displayName: ss.staff.displayName,
        durationMinutes: ss.durationMinutes,
        processingMinutes: ss.processingMinutes,
        finishingMinutes: ss.finishingMinutes,
        priceCents: ss.priceCents,
      })),
  };
}

/** Rules over the merged row (an update may change only the price and break a fixed deposit). */
export function checkServiceRules(s: {
  durationMinutes: number;
  processingMinutes: number;
  finishingMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  priceCents: number;
  depositRule: DepositRule;
  depositValue: number;
  patchTestRequired?: boolean;
  isPatchTest?: boolean;
}): void {
  if (s.patchTestRequired && s.isPatchTest) {
    throw new AppError("BAD_INPUT", "The patch test itself cannot require a patch test");
  }
  if (!(s.durationMinutes > 0)) throw new AppError("BAD_INPUT", "Duration must be more than 0 minutes");
  for (const [k, label] of [
    ["processingMinutes", "Processing time"],
    ["finishingMinutes", "Finishing time"],
    ["bufferBeforeMinutes", "Buffer before"],
    ["bufferAfterMinutes", "Buffer after"],
    ["priceCents", "Price"],
  ] as const) {
    if (s[k] < 0) throw new AppError("BAD_INPUT", `${label} cannot be negative`);
  }
  if (s.depositRule === "none" && s.depositValue !== 0) {
    throw new AppError("BAD_INPUT", "A service without a deposit cannot have a deposit value");
  }
  if (s.depositRule === "fixed" && (s.depositValue <= 0 || s.depositValue > s.priceCents)) {
    throw new AppError("BAD_INPUT", "A fixed deposit must be more than 0 and at most the price (in cents)");
  }
  if (s.depositRule === "percent" && (s.depositValue < 0 || s.depositValue > 100)) {
    throw new AppError("BAD_INPUT", "A percentage deposit must be between 0 and 100");
  }
}

export function slugify(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}

export async function listServices(scope: Scope, opts: { includeArchived?: boolean } = {}): Promise<ServiceView[]> {
  const rows = await scope.db.service.findMany({
    where: { locationId: scope.locationId, ...(opts.includeArchived ? {} : { active: true }) },
    include,
    orderBy: [{ sortOrder: "asc" }, { nameEs: "asc" }],
  });
  return rows.map(view);
}

async function readService(tx: Tx, scope: Scope, id: string): Promise<ServiceView> {
  const row = await tx.service.findFirst({ where: { id, locationId: scope.locationId }, include });
  if (!row) throw new AppError("NOT_FOUND", "Service not found");
  return view(row);
}

/** Accents and case folded away, so "Raíz", "RAIZ" and "raiz" are the same word. */
export function foldText(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

// What the trigram index covers (must stay exactly the index's expression to be usable):
//   service_name_trgm: gin (lower(name_es || ' ' || name_en) gin_trgm_ops)
// The WHERE clause uses exactly that expression with `%>` (word similarity above
// pg_trgm.word_similarity_threshold, set per transaction), once with the query as typed and once
// folded (accents stripped in JS), so the planner can answer it from the index (BitmapOr). A
// folded "raiz" still shares most trigrams with "raíz", so it passes the threshold; the score
// then also compares against names folded in SQL with translate(), so "raiz" and "raíz" rank alike.
// (At a salon's few dozen services PostgreSQL may well prefer a sequential scan; the query stays
// index-shaped for locations with large catalogues, and a test checks the index can serve it.)
const FOLD_FROM = "áàâäãéèêëíìîïóòôöõúùûüñç";
const FOLD_TO = "aaaaaeeeeiiiiooooouuuunc";
export const SEARCH_THRESHOLD = 0.45;

export async function searchServices(
  scope: Scope,
  input: { query: string; includeArchived?: boolean; limit?: number },
): Promise<{ service: ServiceView; score: number }[]> {
  const folded = foldText(input.query);
  const typed = input.query.toLowerCase().replace(/\s+/g, " ").trim();
  if (!folded) return [];
  const limit = input.limit ?? 10;
  const hits = await scope.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(SEARCH_THRESHOLD)}, true)`;
    return tx.$queryRaw<{ id: string; score: number }[]>`
      SELECT id, GREATEST(
               word_similarity(${folded}, translate(lower(name_es || ' ' || name_en), ${FOLD_FROM}, ${FOLD_TO})),
               word_similarity(${typed}, lower(name_es || ' ' || name_en))
             )::float8 AS score
      FROM service
      WHERE location_id = ${scope.locationId}::uuid
        AND (active OR ${input.includeArchived ?? false})
        AND (lower(name_es || ' ' || name_en) %> ${typed} OR lower(name_es || ' ' || name_en) %> ${folded})
      ORDER BY score DESC, sort_order ASC, name_es ASC
      LIMIT ${limit}`;
  });
  if (!hits.length) return [];
  const rows = await scope.db.service.findMany({ where: { id: { in: hits.map((h) => h.id) } }, include });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return hits.map((h) => ({ service: view(byId.get(h.id)!), score: Math.round(h.score * 1000) / 1000 }));
}

export async function createService(scope: Scope, input: ServiceFields & { slug?: string }): Promise<ServiceView> {
  const data = {
    nameEs: input.nameEs,
    nameEn: input.nameEn,
    descriptionEs: input.descriptionEs ?? null,
    descriptionEn: input.descriptionEn ?? null,
    category: input.category,
    durationMinutes: input.durationMinutes,
    processingMinutes: input.processingMinutes ?? 0,
    finishingMinutes: input.finishingMinutes ?? 0,
    bufferBeforeMinutes: input.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: input.bufferAfterMinutes ?? 0,
    priceCents: input.priceCents,
    depositRule: input.depositRule ?? "none",
    depositValue: input.depositValue ?? 0,
    sortOrder: input.sortOrder ?? 0,
    patchTestRequired: input.patchTestRequired ?? false,
    patchTestMinHours: input.patchTestMinHours ?? 48,
    patchTestMaxMonths: input.patchTestMaxMonths ?? 6,
    isPatchTest: input.isPatchTest ?? false,
  };
  checkServiceRules(data);
  const base = input.slug ?? slugify(input.nameEs);
  if (!base) throw new AppError("BAD_INPUT", "The Spanish name needs at least one letter or digit");
  return scope.db.$transaction(async (tx) => {
    let slug = base;
    if (!input.slug) {
      // A generated slug takes the first free "-2", "-3"…; an explicit one must be free.
      for (let n = 2; await tx.service.findFirst({ where: { locationId: scope.locationId, slug } }); n++) {
        slug = `${base}-${n}`;
      }
    } else if (await tx.service.findFirst({ where: { locationId: scope.locationId, slug } })) {
      throw new AppError("CONFLICT", `Another service already uses the slug "${slug}"`);
    }
    const row = await tx.service.create({ data: { ...data, slug, locationId: scope.locationId } });
    await recordWrite(tx, scope, {
      action: "service.create",
      entityType: "service",
      entityId: row.id,
      audit: { slug, ...data },
      change: { version: row.version },
    });
    return readService(tx, scope, row.id);
  });
}

function bumpService(
  tx: Tx,
  scope: Scope,
  id: string,
  version: number | undefined,
  data: Prisma.ServiceUpdateManyMutationInput = {},
) {
  return bumpVersion(
    "The service",
    version,
    (v) =>
      tx.service.updateMany({
        where: { id, locationId: scope.locationId, ...v },
        data: { ...data, version: { increment: 1 } },
      }),
    () => tx.service.findFirst({ where: { id, locationId: scope.locationId }, select: { version: true } }),
  );
}

export async function updateService(
  scope: Scope,
  input: Partial<ServiceFields> & { serviceId: string; version: number },
): Promise<ServiceView> {
  const { serviceId, version, ...fields } = input;
  const changed = Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<ServiceFields>;
  return scope.db.$transaction(async (tx) => {
    const current = await tx.service.findFirst({ where: { id: serviceId, locationId: scope.locationId } });
    if (!current) throw new AppError("NOT_FOUND", "Service not found");
    checkServiceRules({ ...current, ...changed });
    await bumpService(tx, scope, serviceId, version, changed);
    const after = await readService(tx, scope, serviceId);
    await recordWrite(tx, scope, {
      action: "service.update",
      entityType: "service",
      entityId: serviceId,
      audit: { fields: changed },
      change: { version: after.version },
    });
    return after;
  });
}

/** Archived services stay on past bookings but are no longer offered; `archived: false` restores. */
export async function archiveService(
  scope: Scope,
  input: { serviceId: string; version: number; archived?: boolean },
): Promise<ServiceView> {
  const active = input.archived === false;
  return scope.db.$transaction(async (tx) => {
    await bumpService(tx, scope, input.serviceId, input.version, { active });
    const after = await readService(tx, scope, input.serviceId);
    await recordWrite(tx, scope, {
      action: active ? "service.restore" : "service.archive",
      entityType: "service",
      entityId: input.serviceId,
      audit: { active },
      change: { version: after.version, active },
    });
    return after;
  });
}

/** Replaces who does the service, with per-stylist timing/price where it differs from the service's. */
export async function setServiceStaff(
  scope: Scope,
  input: { serviceId: string; version: number; staff: StaffAssignment[] },
): Promise<ServiceView> {
  const ids = input.staff.map((s) => s.staffId);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new AppError("BAD_INPUT", `Stylist ${dup} is listed twice`);
  return scope.db.$transaction(async (tx) => {
    const service = await tx.service.findFirst({ where: { id: input.serviceId, locationId: scope.locationId } });
    if (!service) throw new AppError("NOT_FOUND", "Service not found");
    const members = await tx.staffMember.findMany({
      where: { id: { in: ids }, locationId: scope.locationId },
      select: { id: true, displayName: true, active: true },
    });
    for (const id of ids) {
      const m = members.find((x) => x.id === id);
      if (!m) throw new AppError("BAD_INPUT", `Staff member ${id} does not work at this location`);
      if (!m.active) throw new AppError("BAD_INPUT", `${m.displayName} is inactive and cannot be given services`);
    }
    for (const a of input.staff) {
      const name = members.find((x) => x.id === a.staffId)!.displayName;
      try {
        checkServiceRules({
          ...service,
          durationMinutes: a.durationMinutes ?? service.durationMinutes,
          processingMinutes: a.processingMinutes ?? service.processingMinutes,
          finishingMinutes: a.finishingMinutes ?? service.finishingMinutes,
          priceCents: a.priceCents ?? service.priceCents,
        });
      } catch (e) {
        if (e instanceof AppError) throw new AppError("BAD_INPUT", `${name}: ${e.message}`);
        throw e;
      }
    }
    await bumpService(tx, scope, input.serviceId, input.version);
    await tx.staffService.deleteMany({ where: { serviceId: input.serviceId } });
    await tx.staffService.createMany({
      data: input.staff.map((a) => ({
        serviceId: input.serviceId,
        staffId: a.staffId,
        durationMinutes: a.durationMinutes ?? null,
        processingMinutes: a.processingMinutes ?? null,
        finishingMinutes: a.finishingMinutes ?? null,
        priceCents: a.priceCents ?? null,
      })),
    });
    const after = await readService(tx, scope, input.serviceId);
    await recordWrite(tx, scope, {
      action: "service.setStaff",
      entityType: "service",
      entityId: input.serviceId,
      audit: { staff: input.staff },
      change: { version: after.version },
    });
    return after;
  });
}
