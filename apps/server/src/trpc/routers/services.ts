import { router } from "../init.ts";

export const servicesRouter = router({});
