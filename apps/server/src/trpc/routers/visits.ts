// Repeating visits and group bookings (issue #20, parts 2 and 3) for the console: thin — validate,
// authorize, call bookings/series.ts, bookings/group.ts or payments/group-deposit.ts.
import {
  bookingOutput,
  calendarDate,
  depositLinkOutput,
  idempotencyKey,
  instant,
  int,
  line,
  list,
  slotOutput,
  text,
  uuid,
  visitItemInput,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { createGroup, groupOfBooking } from "../../bookings/group.ts";
import { MAX_GROUP_PEOPLE } from "../../bookings/group-plan.ts";
import {
  cancelSeriesOccurrences,
  createSeries,
  moveSeriesOccurrences,
  type SeriesLimit,
  type SeriesRule,
  seriesFromBooking,
  seriesOfBooking,
  seriesOfferFor,
} from "../../bookings/series.ts";
import { MAX_OCCURRENCES } from "../../bookings/series-rule.ts";
import { requestGroupDepositLink } from "../../payments/group-deposit.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

type Authed = AppContext & { auth: NonNullable<AppContext["auth"]> };
const deps = (ctx: Authed) => ({ db: ctx.db, fc: ctx.fc, clock: ctx.clock });
const staffActor = (ctx: Authed) => ({ type: "staff" as const, id: ctx.auth.sub });

const MAX_VISIT_ITEMS = 10;
const items = list(visitItemInput, MAX_VISIT_ITEMS, 1);

const ruleInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("weeks"), every: int(1, 52) }),
  z.object({ kind: z.literal("rrule"), rule: line(200, { trim: true, min: 1 }) }),
]);
const limitInput = z.union([z.object({ count: int(2, MAX_OCCURRENCES) }), z.object({ until: calendarDate })]);
const scopeInput = z.enum(["this", "following"]);

const createSeriesInput = z.object({
  customerId: uuid,
  startsAt: instant,
  items,
  mode: z.enum(["book", "hold"]).default("book"),
  waiveDeposit: z.boolean().optional(),
  allowOutsideHours: z.boolean().optional(),
  guestName: line(120, { trim: true, min: 1 }).optional(),
  notes: text(2000).optional(),
  rule: ruleInput,
  limit: limitInput,
});
const moveSeriesInput = z.object({
  id: uuid,
  scope: scopeInput,
  startsAt: instant,
  items: items.optional(),
  allowOutsideHours: z.boolean().optional(),
});
const cancelSeriesInput = z.object({
  id: uuid,
  scope: scopeInput,
  by: z.enum(["customer", "staff"]),
  reason: text(500, { trim: true, min: 1 }),
  staffWaiver: z.boolean().optional(),
});
const createGroupInput = z.object({
  organiserId: uuid,
  startsAt: instant,
  timing: z.enum(["together", "sequence"]),
  people: list(
    z.object({
      customerId: uuid.optional(),
      guestName: line(120, { trim: true, min: 1 }).optional(),
      items,
    }),
    MAX_GROUP_PEOPLE,
    2,
  ),
  mode: z.enum(["book", "hold"]).default("book"),
  waiveDeposit: z.boolean().optional(),
  allowOutsideHours: z.boolean().optional(),
  notes: text(2000).optional(),
  idempotencyKey: idempotencyKey.optional(),
});

const ruleOutput = z.union([
  z.object({ kind: z.literal("weeks"), every: z.number() }),
  z.object({ kind: z.literal("rrule"), rule: z.string() }),
]);
const conflictOutput = z.object({
  index: z.number(),
  startsAt: z.string(),
  code: z.enum(["SLOT_TAKEN", "NOT_BOOKABLE", "BAD_INPUT", "PATCH_TEST_REQUIRED"]),
  message: z.string(),
  alternatives: z.array(slotOutput),
});
const textOutput = z.object({ es: z.string(), en: z.string() });
const seriesOutput = z.object({
  index: z.number(),
  series: z.object({
    id: z.string(),
    rule: ruleOutput,
    ruleText: textOutput,
    total: z.number(),
    occurrences: z.array(
      z.object({ index: z.number(), bookingId: z.string(), startsAt: z.string(), status: z.string() }),
    ),
  }),
});
const groupOutput = z.object({
  id: z.string(),
  locationId: z.string(),
  organiserCustomerId: z.string(),
  organiserBookingId: z.string(),
  depositCents: z.number(),
  depositPaidCents: z.number(),
  currency: z.string(),
  holdExpiresAt: z.string().nullable(),
  people: z.array(
    z.object({
      position: z.number(),
      bookingId: z.string(),
      customerId: z.string(),
      name: z.string().nullable(),
      status: z.string(),
      startsAt: z.string(),
      endsAt: z.string(),
      depositCents: z.number(),
      items: z.array(
        z.object({ serviceName: textOutput, staffName: z.string(), startsAt: z.string(), endsAt: z.string() }),
      ),
    }),
  ),
});

const offerOutput = z.union([
  z.object({
    offer: z.literal(true),
    rule: ruleOutput,
    limit: z.object({ count: z.number() }),
    question: textOutput,
    dates: z.array(z.string()),
  }),
  z.object({ offer: z.literal(false), reason: z.string() }),
]);

export const visitsRouter = router({
  /** The series and the group a booking belongs to (the booking drawer), or the series it could start. */
  links: procedureFor("bookings.read")
    .input(clearInput(z.object({ id: uuid })))
    .output(z.object({ series: seriesOutput.nullable(), group: groupOutput.nullable(), offer: offerOutput }))
    .query(async ({ ctx, input }) => ({
      series: await seriesOfBooking(ctx.db, input.id, ctx.auth.loc),
      group: await groupOfBooking(ctx, input.id, ctx.auth.loc),
      offer: await seriesOfferFor(deps(ctx), input.id, { locationId: ctx.auth.loc }),
    })),

  /** Makes a booking visit 1 of a series every N weeks; the later visits are booked now. */
  repeat: procedureFor("bookings.write")
    .input(clearInput(z.object({ id: uuid, every: int(1, 52), count: int(2, MAX_OCCURRENCES) })))
    .output(
      z.object({
        seriesId: z.string(),
        rule: ruleOutput,
        ruleText: textOutput,
        booked: z.array(z.object({ index: z.number(), booking: bookingOutput })),
        conflicts: z.array(conflictOutput),
      }),
    )
    .mutation(({ ctx, input }) =>
      seriesFromBooking(
        deps(ctx),
        {
          bookingId: input.id,
          rule: { kind: "weeks", every: input.every },
          limit: { count: input.count },
          locationId: ctx.auth.loc,
        },
        staffActor(ctx),
      ),
    ),

  createSeries: procedureFor("bookings.write")
    .input(clearInput(createSeriesInput))
    .output(
      z.object({
        seriesId: z.string(),
        rule: ruleOutput,
        ruleText: textOutput,
        booked: z.array(z.object({ index: z.number(), booking: bookingOutput })),
        conflicts: z.array(conflictOutput),
      }),
    )
    .mutation(({ ctx, input }) =>
      createSeries(
        deps(ctx),
        {
          ...input,
          rule: input.rule as SeriesRule,
          limit: input.limit as SeriesLimit,
          locationId: ctx.auth.loc,
          startsAt: new Date(input.startsAt),
          source: "console",
        },
        staffActor(ctx),
      ),
    ),

  /** Moves one occurrence ("this") or it and the later ones ("following"). */
  moveSeries: procedureFor("bookings.write")
    .input(clearInput(moveSeriesInput))
    .output(
      z.object({
        moved: z.array(z.object({ index: z.number(), booking: bookingOutput })),
        conflicts: z.array(conflictOutput.extend({ bookingId: z.string() })),
      }),
    )
    .mutation(({ ctx, input }) =>
      moveSeriesOccurrences(
        deps(ctx),
        {
          bookingId: input.id,
          scope: input.scope,
          startsAt: new Date(input.startsAt),
          ...(input.items ? { items: input.items } : {}),
          allowOutsideHours: input.allowOutsideHours ?? false,
          locationId: ctx.auth.loc,
        },
        staffActor(ctx),
      ),
    ),

  /** Cancels one occurrence or it and the later ones, each by the policy. */
  cancelSeries: procedureFor("bookings.write")
    .input(clearInput(cancelSeriesInput))
    .output(
      z.object({
        cancelled: z.array(
          z.object({ index: z.number(), bookingId: z.string(), rule: z.string(), refundCents: z.number() }),
        ),
      }),
    )
    .mutation(({ ctx, input }) =>
      cancelSeriesOccurrences(
        ctx,
        {
          bookingId: input.id,
          scope: input.scope,
          by: input.by,
          reason: input.reason,
          ...(input.staffWaiver ? { staffWaiver: true } : {}),
          locationId: ctx.auth.loc,
        },
        staffActor(ctx),
      ),
    ),

  createGroup: procedureFor("bookings.write")
    .input(clearInput(createGroupInput))
    .output(groupOutput)
    .mutation(({ ctx, input }) =>
      createGroup(
        deps(ctx),
        {
          ...input,
          people: input.people.map((p) => ({
            items: p.items,
            ...(p.customerId ? { customerId: p.customerId } : {}),
            ...(p.guestName ? { guestName: p.guestName } : {}),
          })),
          locationId: ctx.auth.loc,
          startsAt: new Date(input.startsAt),
          source: "console",
        },
        staffActor(ctx),
      ),
    ),

  /** The group's one deposit link (one Checkout Session for the sum), sent to the organiser. */
  groupDepositLink: procedureFor("bookings.write")
    .input(clearInput(z.object({ groupId: uuid })))
    .output(depositLinkOutput.extend({ groupId: z.string() }))
    .mutation(({ ctx, input }) =>
      requestGroupDepositLink(ctx, input.groupId, staffActor(ctx), { locationId: ctx.auth.loc }),
    ),
});
