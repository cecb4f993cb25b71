import {
  serviceArchiveInput,
  serviceCreateInput,
  serviceListInput,
  serviceSearchHit,
  serviceSearchInput,
  serviceSetStaffInput,
  serviceUpdateInput,
  serviceView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import {
  archiveService,
  createService,
  listServices,
  searchServices,
  setServiceStaff,
  updateService,
} from "../../catalog/services.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const servicesRouter = router({
  list: procedureFor("catalog.read")
    .input(clearInput(serviceListInput))
    .output(z.array(serviceView))
    .query(({ ctx, input }) => listServices(scopeFrom(ctx), input)),
  search: procedureFor("catalog.read")
    .input(clearInput(serviceSearchInput))
    .output(z.array(serviceSearchHit))
    .query(({ ctx, input }) => searchServices(scopeFrom(ctx), input)),
  create: procedureFor("settings.write")
    .input(clearInput(serviceCreateInput))
    .output(serviceView)
    .mutation(({ ctx, input }) => createService(scopeFrom(ctx), input)),
  update: procedureFor("settings.write")
    .input(clearInput(serviceUpdateInput))
    .output(serviceView)
    .mutation(({ ctx, input }) => updateService(scopeFrom(ctx), input)),
  archive: procedureFor("settings.write")
    .input(clearInput(serviceArchiveInput))
    .output(serviceView)
    .mutation(({ ctx, input }) => archiveService(scopeFrom(ctx), input)),
  setStaff: procedureFor("settings.write")
    .input(clearInput(serviceSetStaffInput))
    .output(serviceView)
    .mutation(({ ctx, input }) => setServiceStaff(scopeFrom(ctx), input)),
});
