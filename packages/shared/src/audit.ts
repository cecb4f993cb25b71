// The audit trail: who did what, newest first.
import { z } from "zod";
import { isoInstant, pageInput } from "./common.ts";
import { dateRange, instant, line } from "./input.ts";

export const ACTOR_TYPES = ["staff", "customer", "agent", "job", "system"] as const;
export const actorType = z.enum(ACTOR_TYPES);

export const auditListInput = pageInput
  .extend({
    entityType: line(60).optional(),
    entityId: line(100).optional(),
    actorType: actorType.optional(),
    actorId: line(100).optional(),
    /** Inclusive lower bound. */
    from: instant.optional(),
    /** Exclusive upper bound. */
    to: instant.optional(),
  })
  // An audit trail is read page by page, so the span is not limited; only its order is checked.
  .superRefine(dateRange({ from: "from", to: "to", maxDays: Number.POSITIVE_INFINITY }));
export type AuditListInput = z.input<typeof auditListInput>;

export const auditEntry = z.object({
  id: z.string(),
  at: isoInstant,
  actorType,
  actorId: z.string().nullable(),
  /** Display name when the actor is a staff member. */
  actorName: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  data: z.unknown(),
});
export const auditListOutput = z.object({ items: z.array(auditEntry), nextCursor: z.string().nullable() });
