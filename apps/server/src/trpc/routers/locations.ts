import {
  locationAddClosureInput,
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
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const locationsRouter = router({
  /** Issue #21: the locations the caller may see (the console's switcher), home first. */
  mine: procedureFor("sessions.self")
    .output(myLocationsOutput)
    .query(({ ctx }) => allowedLocations(ctx.db, ctx.auth)),
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
