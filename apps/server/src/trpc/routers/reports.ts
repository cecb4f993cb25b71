// Reports for managers: thin, the computation lives in reports/ and @cita/shared.
import { reportInput, reportOutput } from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { getReport } from "../../reports/report.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const reportsRouter = router({
  /** One period's figures for the caller's location (local dates, inclusive). */
  get: procedureFor("reports.read")
    .input(clearInput(reportInput))
    .output(reportOutput)
    .query(({ ctx, input }) => getReport(scopeFrom(ctx), input)),
});
