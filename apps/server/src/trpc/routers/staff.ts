import { router } from "../init.ts";

export const staffRouter = router({});
