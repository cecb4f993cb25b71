import { integrationView } from "@cita/shared";
import { z } from "zod";
import { integrationStatuses } from "../../integrations/status.ts";
import { sandboxOf } from "../../sandbox/sandbox.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const integrationsRouter = router({
  /** Chatwoot, WhatsApp, Stripe, Google Calendar, Claude: configured, mode, health, last error. */
  status: procedureFor("settings.write")
    .output(z.array(integrationView))
    .query(({ ctx }) =>
      integrationStatuses({
        db: ctx.db,
        config: ctx.config,
        calendarAuth: ctx.calendarAuth,
        sandbox: sandboxOf(ctx)?.plan ?? null,
      }),
    ),
});
