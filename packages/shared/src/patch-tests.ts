// Patch tests (issue #21): skin-allergy tests staff record on a customer, and the refusal a
// booking meets when its services need a valid one.
import { z } from "zod";
import { uuid } from "./common.ts";
import { instant, line, list, text } from "./input.ts";

export const patchTestResult = z.enum(["negative", "positive"]);

export const patchTestRecordInput = z.object({
  customerId: uuid,
  /** When the test was applied (not in the future). */
  takenAt: instant,
  product: line(120, { trim: true, min: 1 }),
  result: patchTestResult,
  notes: text(2000, { trim: true }).optional(),
});

export const patchTestListInput = z.object({ customerId: uuid });

export const patchTestDeleteInput = z.object({
  id: uuid,
  /** Why it is removed (e.g. recorded on the wrong customer): audited. */
  reason: line(200, { trim: true, min: 1 }),
});

export const patchTestView = z.object({
  id: uuid,
  customerId: uuid,
  takenAt: z.string(),
  product: z.string(),
  result: patchTestResult,
  notes: z.string().nullable(),
  recordedBy: z.string().nullable(),
  createdAt: z.string(),
});

export const patchTestListOutput = z.object({ tests: list(patchTestView, 1000) });

export const patchTestReason = z.enum(["none", "too_recent", "too_old", "reacted"]);

/** The details of a PATCH_TEST_REQUIRED refusal (the error's `details.patchTest`). */
export const patchTestRefusal = z.object({
  reason: patchTestReason,
  serviceIds: z.array(z.string()),
  minHours: z.number(),
  maxMonths: z.number(),
  latestAt: z.string(),
  lastTakenAt: z.string().nullable(),
  offer: z.object({ serviceId: z.string(), byWhen: z.string() }).nullable(),
});

export type PatchTestRecordInput = z.infer<typeof patchTestRecordInput>;
export type PatchTestView = z.infer<typeof patchTestView>;
export type PatchTestRefusal = z.infer<typeof patchTestRefusal>;
export type PatchTestReason = z.infer<typeof patchTestReason>;

/** A patch test in the customer's data export (customers.export). */
export const patchTestExport = z.object({
  id: uuid,
  takenAt: z.string(),
  product: z.string(),
  result: patchTestResult,
  notes: z.string().nullable(),
  recordedBy: z.string().nullable(),
  createdAt: z.string(),
});
