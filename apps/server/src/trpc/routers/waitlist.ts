// The waitlist at the desk (issue #20): who waits for what, what was offered when and what came of
// it; add or cancel a wish, offer a time by hand, confirm an offer for a customer on the phone, and
// the location's waitlist settings. Thin: validate, authorize, call waitlist/waitlist.ts.
import {
  waitlistAcceptInput,
  waitlistAcceptOutput,
  waitlistAddInput,
  waitlistCancelInput,
  waitlistListInput,
  waitlistOfferInput,
  waitlistSettingsInput,
  waitlistSettingsView,
  waitlistWishView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import {
  acceptOffer,
  addWish,
  cancelWish,
  declineOffer,
  getWaitlistSettings,
  listWishes,
  offerSlotByHand,
  updateWaitlistSettings,
  type WaitlistDeps,
} from "../../waitlist/waitlist.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

type Authed = AppContext & { auth: NonNullable<AppContext["auth"]> };
const deps = (ctx: Authed): WaitlistDeps => ({ db: ctx.db, fc: ctx.fc, clock: ctx.clock, notifier: ctx.notifier });
const staffActor = (ctx: Authed) => ({ type: "staff" as const, id: ctx.auth.sub });

const offerMade = z.object({
  offerId: z.string(),
  wishId: z.string(),
  staffId: z.string(),
  startsAt: z.string(),
  status: z.enum(["sent", "held_for_quiet_hours"]),
});

export const waitlistRouter = router({
  list: procedureFor("bookings.read")
    .input(clearInput(waitlistListInput))
    .output(z.array(waitlistWishView))
    .query(({ ctx, input }) => listWishes(deps(ctx), ctx.auth.loc, input)),
  add: procedureFor("bookings.write")
    .input(clearInput(waitlistAddInput))
    .output(waitlistWishView)
    .mutation(({ ctx, input }) => addWish(deps(ctx), ctx.auth.loc, input, staffActor(ctx), "staff")),
  cancel: procedureFor("bookings.write")
    .input(clearInput(waitlistCancelInput))
    .output(waitlistWishView)
    .mutation(({ ctx, input }) => cancelWish(deps(ctx), ctx.auth.loc, input, staffActor(ctx))),
  /** Offer a time by hand (sent now, or held until the quiet hours end). */
  offer: procedureFor("bookings.write")
    .input(clearInput(waitlistOfferInput))
    .output(offerMade)
    .mutation(({ ctx, input }) => offerSlotByHand(deps(ctx), ctx.auth.loc, input, staffActor(ctx))),
  /** The customer said yes by phone or at the desk: book it (the first confirmation wins). */
  accept: procedureFor("bookings.write")
    .input(clearInput(waitlistAcceptInput))
    .output(waitlistAcceptOutput)
    .mutation(({ ctx, input }) => acceptOffer(deps(ctx), input.offerId, staffActor(ctx), { locationId: ctx.auth.loc })),
  decline: procedureFor("bookings.write")
    .input(clearInput(waitlistAcceptInput))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await declineOffer(deps(ctx), input.offerId, staffActor(ctx), { locationId: ctx.auth.loc });
      return { ok: true as const };
    }),
  settings: procedureFor("bookings.read")
    .output(waitlistSettingsView)
    .query(({ ctx }) => getWaitlistSettings(ctx.db, ctx.auth.loc)),
  updateSettings: procedureFor("settings.write")
    .input(clearInput(waitlistSettingsInput))
    .output(waitlistSettingsView)
    .mutation(({ ctx, input }) => updateWaitlistSettings(deps(ctx), ctx.auth.loc, input, staffActor(ctx))),
});
