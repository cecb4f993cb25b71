// Reports for managers: thin, the computation lives in reports/ and @cita/shared.
import { reportAllInput, reportAllOutput, reportInput, reportOutput } from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { getReport, getReportAllLocations } from "../../reports/report.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const reportsRouter = router({
  /** One period's figures for the location the request acts on (local dates, inclusive). */
  get: procedureFor("reports.read")
    .input(clearInput(reportInput))
    .output(reportOutput)
    .query(({ ctx, input }) => getReport(scopeFrom(ctx), input)),
  /** Issue #21: the period for every location the caller may see, each one and the sum. */
  allLocations: procedureFor("reports.read")
    .input(clearInput(reportAllInput))
    .output(reportAllOutput)
    .query(({ ctx, input }) => getReportAllLocations(scopeFrom(ctx), input)),
});
