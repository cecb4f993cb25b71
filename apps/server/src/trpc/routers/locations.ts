import { router } from "../init.ts";

export const locationsRouter = router({});
