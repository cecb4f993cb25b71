import {
  resourceCreateInput,
  resourceDayInput,
  resourceDayView,
  resourceNeedView,
  resourcesListView,
  resourceUpdateInput,
  resourceView,
  serviceNeedsInput,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import {
  createResources,
  listResources,
  resourceDay,
  setServiceNeeds,
  updateResource,
} from "../../catalog/resources.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

/** Issue #21: basins, stations, rooms; which phases of a service hold them; what they hold on a day. */
export const resourcesRouter = router({
  list: procedureFor("catalog.read")
    .output(resourcesListView)
    .query(({ ctx }) => listResources(scopeFrom(ctx))),
  day: procedureFor("calendar.read")
    .input(clearInput(resourceDayInput))
    .output(resourceDayView)
    .query(({ ctx, input }) => resourceDay(scopeFrom(ctx), input)),
  create: procedureFor("settings.write")
    .input(clearInput(resourceCreateInput))
    .output(z.array(resourceView))
    .mutation(({ ctx, input }) => createResources(scopeFrom(ctx), input)),
  update: procedureFor("settings.write")
    .input(clearInput(resourceUpdateInput))
    .output(resourceView)
    .mutation(({ ctx, input }) => updateResource(scopeFrom(ctx), input)),
  setServiceNeeds: procedureFor("settings.write")
    .input(clearInput(serviceNeedsInput))
    .output(z.array(resourceNeedView))
    .mutation(({ ctx, input }) => setServiceNeeds(scopeFrom(ctx), input)),
});
