// Where the Reports view gets its figures: the server (reports.get) when online, or the offline
// replica (which runs the same computeReport over its local rows). The view only sees this interface.
import type { ReportInput, ReportOutput } from "@cita/shared";
import type { Api } from "../api.ts";

export interface ReportSource {
  load(input: ReportInput): Promise<ReportOutput>;
}

export function serverReportSource(api: Api): ReportSource {
  return { load: (input) => api.reports.get.query(input) };
}
