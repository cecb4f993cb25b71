import { router } from "../init.ts";

export const availabilityRouter = router({});
