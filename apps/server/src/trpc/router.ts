import { z } from "zod";
import { publicProcedure, router } from "./init.ts";

export const appRouter = router({
  system: router({
    /** A no-op query: the benchmark's measure of tRPC's per-request overhead. */
    ping: publicProcedure.output(z.object({ ok: z.literal(true) })).query(() => ({ ok: true as const })),
    info: publicProcedure
      .output(z.object({ name: z.string(), env: z.string(), time: z.string() }))
      .query(({ ctx }) => ({ name: "Cita", env: ctx.config.CITA_ENV, time: ctx.clock().toISOString() })),
  }),
});

export type AppRouter = typeof appRouter;
