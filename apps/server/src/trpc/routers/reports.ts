// Reports for managers: thin, the computation lives in reports/ and @cita/shared.
import { router } from "../init.ts";

export const reportsRouter = router({});
