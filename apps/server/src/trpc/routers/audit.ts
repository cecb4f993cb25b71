import { auditListInput, auditListOutput } from "@cita/shared";
import { listAudit } from "../../audit/audit.ts";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const auditRouter = router({
  list: procedureFor("audit.read")
    .input(clearInput(auditListInput))
    .output(auditListOutput)
    .query(({ ctx, input }) => listAudit(scopeFrom(ctx), input)),
});
