// Patch tests on a customer (issue #21): thin — validate, authorize, call customers/patch-tests.ts.
import {
  patchTestDeleteInput,
  patchTestListInput,
  patchTestListOutput,
  patchTestRecordInput,
  patchTestView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { deletePatchTest, listPatchTests, recordPatchTest } from "../../customers/patch-tests.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const patchTestsRouter = router({
  list: procedureFor("customers.read")
    .input(clearInput(patchTestListInput))
    .output(patchTestListOutput)
    .query(async ({ ctx, input }) => ({ tests: await listPatchTests(scopeFrom(ctx), input.customerId) })),
  record: procedureFor("customers.write")
    .input(clearInput(patchTestRecordInput))
    .output(patchTestView)
    .mutation(({ ctx, input }) =>
      recordPatchTest(scopeFrom(ctx), { ...input, takenAt: new Date(input.takenAt), notes: input.notes || null }),
    ),
  delete: procedureFor("customers.write")
    .input(clearInput(patchTestDeleteInput))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deletePatchTest(scopeFrom(ctx), input);
      return { ok: true as const };
    }),
});
