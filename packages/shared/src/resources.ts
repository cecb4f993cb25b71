// Resources (issue #21): basins, colour stations, treatment rooms, nail desks — one row per physical
// resource; a service's phases say which kinds they occupy.
import { z } from "zod";
import { isoInstant, localDate, uuid } from "./common.ts";
import { int, line, list, rowVersion } from "./input.ts";

/** A kind is a short slug; the console names the usual ones in both languages. */
export const resourceKind = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, "kind must be lowercase letters, digits or _ (e.g. colour_station)");
export const COMMON_RESOURCE_KINDS = ["basin", "colour_station", "treatment_room", "nail_desk"] as const;

export const servicePhase = z.enum(["application", "processing", "finishing"]);
export type ServicePhaseName = z.infer<typeof servicePhase>;

export const resourceView = z.object({
  id: uuid,
  kind: z.string(),
  name: z.string(),
  active: z.boolean(),
  sortOrder: z.number().int(),
  version: z.number().int(),
});
export type ResourceView = z.infer<typeof resourceView>;

export const resourceNeedView = z.object({ serviceId: uuid, kind: z.string(), phase: servicePhase });
export type ResourceNeedView = z.infer<typeof resourceNeedView>;

export const resourcesListView = z.object({ resources: z.array(resourceView), needs: z.array(resourceNeedView) });
export type ResourcesListView = z.infer<typeof resourcesListView>;

export const resourceCreateInput = z.object({
  kind: resourceKind,
  /** The first one's name; with count > 1, "<name> 1", "<name> 2"… */
  name: line(60, { trim: true, min: 1, empty: "name: give it a name" }),
  count: int(1, 20).default(1),
});
export type ResourceCreateInput = z.input<typeof resourceCreateInput>;

export const resourceUpdateInput = z.object({
  resourceId: uuid,
  version: rowVersion,
  name: line(60, { trim: true, min: 1, empty: "name: give it a name" }).optional(),
  active: z.boolean().optional(),
  sortOrder: int(0, 1000).optional(),
});
export type ResourceUpdateInput = z.input<typeof resourceUpdateInput>;

export const serviceNeedsInput = z.object({
  serviceId: uuid,
  needs: list(z.object({ kind: resourceKind, phase: servicePhase }), 12),
});
export type ServiceNeedsInput = z.input<typeof serviceNeedsInput>;

export const resourceDayInput = z.object({ date: localDate });

/** One stretch a booking holds a resource (the day view's resource columns). */
export const resourceBlockView = z.object({
  resourceId: uuid,
  bookingId: uuid,
  phase: servicePhase,
  startsAt: isoInstant,
  endsAt: isoInstant,
  serviceName: z.object({ es: z.string(), en: z.string() }),
  staffName: z.string(),
});
export const resourceDayView = z.object({ resources: z.array(resourceView), blocks: z.array(resourceBlockView) });
export type ResourceDayView = z.infer<typeof resourceDayView>;
