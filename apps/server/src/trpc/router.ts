import { z } from "zod";
import { router } from "./init.ts";
import { publicProcedure } from "./procedures.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { availabilityRouter } from "./routers/availability.ts";
import { bookingsRouter } from "./routers/bookings.ts";
import { changesRouter } from "./routers/changes.ts";
import { chatsRouter } from "./routers/chats.ts";
import { customersRouter } from "./routers/customers.ts";
import { integrationsRouter } from "./routers/integrations.ts";
import { locationsRouter } from "./routers/locations.ts";
import { patchTestsRouter } from "./routers/patch-tests.ts";
import { paymentsRouter } from "./routers/payments.ts";
import { reportsRouter } from "./routers/reports.ts";
import { resourcesRouter } from "./routers/resources.ts";
import { servicesRouter } from "./routers/services.ts";
import { staffRouter } from "./routers/staff.ts";
import { treatmentsRouter } from "./routers/treatments.ts";
import { visitsRouter } from "./routers/visits.ts";
import { waitlistRouter } from "./routers/waitlist.ts";

const systemRouter = router({
  /** A no-op query: the benchmark's measure of tRPC's per-request overhead. */
  ping: publicProcedure.output(z.object({ ok: z.literal(true) })).query(() => ({ ok: true as const })),
  info: publicProcedure
    .output(z.object({ name: z.string(), env: z.string(), time: z.string() }))
    .query(({ ctx }) => ({ name: "Cita", env: ctx.config.CITA_ENV, time: ctx.clock().toISOString() })),
});

/** One file per area under routers/; each stays thin (validate, authorize, call the domain). */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  locations: locationsRouter,
  services: servicesRouter,
  resources: resourcesRouter,
  staff: staffRouter,
  availability: availabilityRouter,
  bookings: bookingsRouter,
  customers: customersRouter,
  audit: auditRouter,
  changes: changesRouter,
  chats: chatsRouter,
  payments: paymentsRouter,
  reports: reportsRouter,
  integrations: integrationsRouter,
  visits: visitsRouter,
  waitlist: waitlistRouter,
  treatments: treatmentsRouter,
  patchTests: patchTestsRouter,
});

export type AppRouter = typeof appRouter;
