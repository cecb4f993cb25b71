import {
  bookingGetInput,
  bookingIdInput,
  bookingOutput,
  bookingPageOutput,
  bookingSearchInput,
  cancelInput,
  createBookingInput,
  moneyDecisionOutput,
  myBookingsInput,
  notesInput,
  previewCancelInput,
  rescheduleInput,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { createBooking } from "../../bookings/create.ts";
import { rescheduleBooking } from "../../bookings/reschedule.ts";
import { searchBookings } from "../../bookings/search.ts";
import {
  cancelBooking,
  checkInBooking,
  completeBooking,
  confirmBooking,
  markNoShow,
  previewCancellation,
  updateBookingNotes,
} from "../../bookings/transitions.ts";
import { loadBooking, viewBooking } from "../../bookings/view.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

type Authed = AppContext & { auth: NonNullable<AppContext["auth"]> };
const deps = (ctx: Authed) => ({ db: ctx.db, fc: ctx.fc, clock: ctx.clock });
const staffActor = (ctx: Authed) => ({ type: "staff" as const, id: ctx.auth.sub });
const scope = (ctx: Authed, expectedVersion?: number) => ({
  locationId: ctx.auth.loc,
  ...(expectedVersion ? { expectedVersion } : {}),
});
const withDecision = z.object({ booking: bookingOutput, decision: moneyDecisionOutput });

export const bookingsRouter = router({
  create: procedureFor("bookings.write")
    .input(clearInput(createBookingInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      createBooking(
        deps(ctx),
        { ...input, locationId: ctx.auth.loc, startsAt: new Date(input.startsAt), source: "console" },
        staffActor(ctx),
      ),
    ),

  get: procedureFor("bookings.read")
    .input(clearInput(bookingGetInput))
    .output(bookingOutput)
    .query(async ({ ctx, input }) => viewBooking(await loadBooking(ctx.db, input.id, ctx.auth.loc), ctx.fc)),

  search: procedureFor("bookings.read")
    .input(clearInput(bookingSearchInput))
    .output(bookingPageOutput)
    .query(({ ctx, input }) => searchBookings(ctx.db, ctx.fc, { ...input, locationId: ctx.auth.loc })),

  /** A stylist's own bookings (stylists cannot read the whole calendar). */
  mine: procedureFor("schedule.own")
    .input(clearInput(myBookingsInput))
    .output(bookingPageOutput)
    .query(({ ctx, input }) =>
      searchBookings(ctx.db, ctx.fc, { ...input, locationId: ctx.auth.loc, staffId: ctx.auth.sub }),
    ),

  reschedule: procedureFor("bookings.write")
    .input(clearInput(rescheduleInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      rescheduleBooking(
        deps(ctx),
        { ...input, bookingId: input.id, startsAt: new Date(input.startsAt), locationId: ctx.auth.loc },
        staffActor(ctx),
      ),
    ),

  confirm: procedureFor("bookings.write")
    .input(clearInput(bookingIdInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      confirmBooking(deps(ctx), input.id, staffActor(ctx), scope(ctx, input.expectedVersion)),
    ),

  checkIn: procedureFor("bookings.write")
    .input(clearInput(bookingIdInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      checkInBooking(deps(ctx), input.id, staffActor(ctx), scope(ctx, input.expectedVersion)),
    ),

  complete: procedureFor("bookings.write")
    .input(clearInput(bookingIdInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      completeBooking(deps(ctx), input.id, staffActor(ctx), scope(ctx, input.expectedVersion)),
    ),

  noShow: procedureFor("bookings.write")
    .input(clearInput(bookingIdInput))
    .output(withDecision)
    .mutation(({ ctx, input }) => markNoShow(deps(ctx), input.id, staffActor(ctx), scope(ctx, input.expectedVersion))),

  previewCancel: procedureFor("bookings.read")
    .input(clearInput(previewCancelInput))
    .output(moneyDecisionOutput)
    .query(({ ctx, input }) =>
      previewCancellation(deps(ctx), input.id, {
        locationId: ctx.auth.loc,
        ...(input.staffWaiver ? { staffWaiver: true } : {}),
      }),
    ),

  cancel: procedureFor("bookings.write")
    .input(clearInput(cancelInput))
    .output(withDecision)
    .mutation(({ ctx, input }) =>
      cancelBooking(deps(ctx), input.id, staffActor(ctx), { ...scope(ctx, input.expectedVersion), ...input }),
    ),

  setNotes: procedureFor("bookings.write")
    .input(clearInput(notesInput))
    .output(bookingOutput)
    .mutation(({ ctx, input }) =>
      updateBookingNotes(deps(ctx), input.id, input.notes, staffActor(ctx), scope(ctx, input.expectedVersion)),
    ),
});
