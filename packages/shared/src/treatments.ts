// Colour and treatment records (issue #21, "the salon's craft"): after a visit the stylist writes down
// the formula (products, developer, proportions, processing time) and notes, and may attach
// before/after photos. Personal data: encrypted at rest, in the export, removed by erase.
import { z } from "zod";
import { isoInstant, uuid } from "./common.ts";
import { int, line, list, rowVersion, text } from "./input.ts";

/** Units a product or developer is measured in. */
export const TREATMENT_UNITS = ["g", "ml"] as const;
export const treatmentUnit = z.enum(TREATMENT_UNITS);

/** The most grams or millilitres one product of a formula can take (a whole tube is 60–100). */
export const TREATMENT_MAX_AMOUNT = 2000;
export const TREATMENT_MAX_PRODUCTS = 12;
export const TREATMENT_NOTES_MAX = 2000;

const amount = z
  .number()
  .min(0, "must be 0 or more")
  .max(TREATMENT_MAX_AMOUNT, `must be at most ${TREATMENT_MAX_AMOUNT}`);

export const treatmentProduct = z.object({
  /** "Wella Koleston", "L'Oréal Majirel" (optional). */
  brand: line(60, { trim: true }).nullable().optional(),
  /** The shade or product name: "7/1", "Blondor". */
  shade: line(80, { trim: true, min: 1, empty: "Write the shade or product name" }),
  amount,
  unit: treatmentUnit,
});
export type TreatmentProduct = z.infer<typeof treatmentProduct>;

export const treatmentDeveloper = z.object({
  /** "20 vol", "6%". */
  volume: line(20, { trim: true, min: 1, empty: "Write the developer's volume (20 vol, 6%)" }),
  amount,
  unit: treatmentUnit,
});

export const treatmentFormula = z.object({
  products: list(treatmentProduct, TREATMENT_MAX_PRODUCTS, 1),
  developer: treatmentDeveloper.nullable().optional(),
  /** Colour to developer, as the stylist writes it: "1:1.5". */
  proportions: line(20, { trim: true }).nullable().optional(),
  processingMinutes: int(0, 600).nullable().optional(),
});
export type TreatmentFormula = z.infer<typeof treatmentFormula>;

const notes = text(TREATMENT_NOTES_MAX).nullable().optional();

export const treatmentRecordInput = z.object({
  customerId: uuid,
  /** The visit it was done on (started or over); none for a record written without a booking. */
  bookingId: uuid.nullable().optional(),
  formula: treatmentFormula,
  notes,
});
export const treatmentUpdateInput = z.object({
  recordId: uuid,
  version: rowVersion,
  formula: treatmentFormula.optional(),
  notes,
});
export const treatmentDeleteInput = z.object({ recordId: uuid, version: rowVersion });
export const treatmentListInput = z.object({ customerId: uuid });
export const treatmentLatestInput = z.object({ customerId: uuid });

/** Largest photo accepted, as uploaded (before re-encoding). */
export const TREATMENT_PHOTO_MAX_BYTES = 8 * 1024 * 1024;
export const TREATMENT_PHOTOS_PER_RECORD = 6;
export const treatmentPhotoKind = z.enum(["before", "after"]);

export const treatmentPhotoUploadInput = z.object({
  recordId: uuid,
  kind: treatmentPhotoKind,
  /** The file's bytes, base64 (a data: URL's payload also works). */
  dataBase64: z
    .string()
    .min(1, "Choose a photo")
    .max(Math.ceil(TREATMENT_PHOTO_MAX_BYTES / 3) * 4 + 64, "The photo is larger than 8 MB")
    .regex(/^(data:image\/[a-z0-9.+-]+;base64,)?[A-Za-z0-9+/=\s]*$/, "must be a base64-encoded image"),
});
export const treatmentPhotoGetInput = z.object({ photoId: uuid });
export const treatmentPhotoDeleteInput = z.object({ photoId: uuid });

export const treatmentPhotoView = z.object({
  id: uuid,
  kind: treatmentPhotoKind,
  mimeType: z.string(),
  bytes: z.number().int(),
  createdAt: isoInstant,
});
export const treatmentPhotoData = z.object({
  id: uuid,
  kind: treatmentPhotoKind,
  mimeType: z.string(),
  dataUrl: z.string(),
});

export const treatmentView = z.object({
  id: uuid,
  customerId: uuid,
  bookingId: uuid.nullable(),
  /** The visit's start and services, when recorded on a booking. */
  visit: z
    .object({
      startsAt: isoInstant,
      services: z.array(z.object({ nameEs: z.string(), nameEn: z.string() })),
    })
    .nullable(),
  staffId: uuid.nullable(),
  staffName: z.string().nullable(),
  formula: z.object({
    products: z.array(
      z.object({ brand: z.string().nullable(), shade: z.string(), amount: z.number(), unit: treatmentUnit }),
    ),
    developer: z.object({ volume: z.string(), amount: z.number(), unit: treatmentUnit }).nullable(),
    proportions: z.string().nullable(),
    processingMinutes: z.number().int().nullable(),
  }),
  notes: z.string().nullable(),
  photos: z.array(treatmentPhotoView),
  version: z.number().int(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type TreatmentView = z.infer<typeof treatmentView>;
export const treatmentListOutput = z.object({ items: z.array(treatmentView) });
export const treatmentLatestOutput = z.object({ record: treatmentView.nullable() });
export const treatmentDeleteOutput = z.object({ recordId: uuid, deleted: z.literal(true), photos: z.number().int() });

/** The export's form of a record: the formula and notes decrypted, each photo's bytes inline. */
export const treatmentExport = z.object({
  id: uuid,
  bookingId: uuid.nullable(),
  staffName: z.string().nullable(),
  formula: treatmentView.shape.formula,
  notes: z.string().nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
  photos: z.array(
    z.object({
      kind: treatmentPhotoKind,
      mimeType: z.string(),
      bytes: z.number().int(),
      dataBase64: z.string().nullable(),
    }),
  ),
});
export type TreatmentExportDto = z.infer<typeof treatmentExport>;
