// Colour and treatment records (issue #21): thin — validate, authorize, call customers/treatments.ts
// or customers/treatment-photos.ts. Photos come back only as data URLs from `photo` (never a URL).
import {
  treatmentDeleteInput,
  treatmentDeleteOutput,
  treatmentLatestInput,
  treatmentLatestOutput,
  treatmentListInput,
  treatmentListOutput,
  treatmentPhotoData,
  treatmentPhotoDeleteInput,
  treatmentPhotoGetInput,
  treatmentPhotoUploadInput,
  treatmentPhotoView,
  treatmentRecordInput,
  treatmentUpdateInput,
  treatmentView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import {
  deleteTreatmentPhoto,
  deleteTreatmentWithPhotos,
  treatmentPhotoData as photoData,
  treatmentsDirOf,
  uploadTreatmentPhoto,
} from "../../customers/treatment-photos.ts";
import { latestForCustomer, listTreatments, recordTreatment, updateTreatment } from "../../customers/treatments.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

const storeOf = (ctx: { config: { CITA_DATA_DIR: string } }) => ({ dir: treatmentsDirOf(ctx.config.CITA_DATA_DIR) });

export const treatmentsRouter = router({
  list: procedureFor("treatments.use")
    .input(clearInput(treatmentListInput))
    .output(treatmentListOutput)
    .query(({ ctx, input }) => listTreatments(scopeFrom(ctx), input.customerId)),
  /** The booking drawer's "Last formula". */
  latest: procedureFor("treatments.use")
    .input(clearInput(treatmentLatestInput))
    .output(treatmentLatestOutput)
    .query(({ ctx, input }) => latestForCustomer(scopeFrom(ctx), input.customerId)),
  record: procedureFor("treatments.use")
    .input(clearInput(treatmentRecordInput))
    .output(treatmentView)
    .mutation(({ ctx, input }) => recordTreatment(scopeFrom(ctx), input)),
  update: procedureFor("treatments.use")
    .input(clearInput(treatmentUpdateInput))
    .output(treatmentView)
    .mutation(({ ctx, input }) => updateTreatment(scopeFrom(ctx), input)),
  delete: procedureFor("treatments.use")
    .input(clearInput(treatmentDeleteInput))
    .output(treatmentDeleteOutput)
    .mutation(({ ctx, input }) => deleteTreatmentWithPhotos(scopeFrom(ctx), storeOf(ctx), input)),
  addPhoto: procedureFor("treatments.use")
    .input(clearInput(treatmentPhotoUploadInput))
    .output(treatmentPhotoView)
    .mutation(({ ctx, input }) => uploadTreatmentPhoto(scopeFrom(ctx), storeOf(ctx), input)),
  /** One photo as a data URL (authorized like the records; no public or static URL exists). */
  photo: procedureFor("treatments.use")
    .input(clearInput(treatmentPhotoGetInput))
    .output(treatmentPhotoData)
    .query(({ ctx, input }) => photoData(scopeFrom(ctx), storeOf(ctx), input.photoId)),
  deletePhoto: procedureFor("treatments.use")
    .input(clearInput(treatmentPhotoDeleteInput))
    .output(z.object({ photoId: z.string(), deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteTreatmentPhoto(scopeFrom(ctx), storeOf(ctx), input.photoId)),
});
