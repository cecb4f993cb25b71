import { router } from "../init.ts";

export const changesRouter = router({});
