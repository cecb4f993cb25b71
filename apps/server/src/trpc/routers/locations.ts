import {
  locationAddClosureInput,
  locationInboxesOutput,
  locationInboxInput,
  locationRemoveClosureInput,
  locationSetHoursInput,
  locationUpdateInput,
  locationView,
  myLocationsOutput,
} from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { allowedLocations } from "../../auth/locations.ts";
import { addClosure, getLocation, removeClosure, setOpeningHours, updateLocation } from "../../catalog/locations.ts";
import { addLocationInbox, listLocationInboxes, removeLocationInbox } from "../../channels/location-inboxes.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const locationsRouter = router({
  /** Issue #21: the locations the caller may see (the console's switcher), home first. */
  mine: procedureFor("sessions.self")
    .output(myLocationsOutput)
    .query(({ ctx }) => allowedLocations(ctx.db, ctx.auth)),
  /** Issue #21: the WhatsApp numbers / Chatwoot inboxes this location answers for. */
  inboxes: procedureFor("settings.write")
    .output(locationInboxesOutput)
    .query(({ ctx }) => listLocationInboxes(scopeFrom(ctx))),
  addInbox: procedureFor("settings.write")
    .input(clearInput(locationInboxInput))
    .output(locationInboxesOutput)
    .mutation(({ ctx, input }) => addLocationInbox(scopeFrom(ctx), input)),
  removeInbox: procedureFor("settings.write")
    .input(clearInput(locationInboxInput))
    .output(locationInboxesOutput)
    .mutation(({ ctx, input }) => removeLocationInbox(scopeFrom(ctx), input)),
  get: procedureFor("catalog.read")
    .output(locationView)
    .query(({ ctx }) => getLocation(scopeFrom(ctx))),
  update: procedureFor("settings.write")
    .input(clearInput(locationUpdateInput))
    .output(locationView)
    .mutation(({ ctx, input }) => updateLocation(scopeFrom(ctx), input)),
  setHours: procedureFor("settings.write")
    .input(clearInput(locationSetHoursInput))
    .output(locationView)
    .mutation(({ ctx, input }) => setOpeningHours(scopeFrom(ctx), input.version, input.hours)),
  addClosure: procedureFor("settings.write")
    .input(clearInput(locationAddClosureInput))
    .output(locationView)
    .mutation(({ ctx, input }) => addClosure(scopeFrom(ctx), input)),
  removeClosure: procedureFor("settings.write")
    .input(clearInput(locationRemoveClosureInput))
    .output(locationView)
    .mutation(({ ctx, input }) => removeClosure(scopeFrom(ctx), input)),
});
