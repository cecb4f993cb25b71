import { router } from "../init.ts";

export const customersRouter = router({});
