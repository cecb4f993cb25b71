import {
  integrationClearInput,
  integrationSaveInput,
  integrationSettingsView,
  integrationTestInput,
  integrationTestResult,
  integrationView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { backupNow, backupStatus } from "../../db/backup.ts";
import { clearSettings, saveSettings, settingsView } from "../../integrations/settings.ts";
import { integrationStatuses } from "../../integrations/status.ts";
import { testConnection } from "../../integrations/test-connection.ts";
import { sandboxOf } from "../../sandbox/sandbox.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

const backupView = z.object({
  enabled: z.boolean(),
  dir: z.string(),
  keepDays: z.number(),
  hour: z.number(),
  lastOk: z
    .object({
      at: z.string(),
      file: z.string(),
      bytes: z.number(),
      ms: z.number(),
      tables: z.number(),
      rows: z.number(),
    })
    .nullable(),
  lastAttempt: z.object({ at: z.string(), ok: z.boolean(), error: z.string().optional() }).nullable(),
});

const actor = (ctx: { auth: { sub: string } }) => ({ type: "staff" as const, id: ctx.auth.sub });

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
  /** Each integration's settings: where each comes from and a hint (never a secret), and the webhook URLs. */
  settings: procedureFor("settings.write")
    .output(integrationSettingsView)
    .query(({ ctx }) => settingsView(ctx)),
  /** Stores settings (encrypted), audited by name and hint, in force at once; the environment's are refused. */
  save: procedureFor("integrations.manage")
    .input(clearInput(integrationSaveInput))
    .output(integrationSettingsView)
    .mutation(async ({ ctx, input }) => {
      await saveSettings(ctx, actor(ctx), input);
      return settingsView(ctx);
    }),
  /** Removes settings entered here (the integration falls back to the environment, the sandbox, or off). */
  clear: procedureFor("integrations.manage")
    .input(clearInput(integrationClearInput))
    .output(integrationSettingsView)
    .mutation(async ({ ctx, input }) => {
      await clearSettings(ctx, actor(ctx), input.keys);
      return settingsView(ctx);
    }),
  /** Backups (db/backup.ts): on or off, where, how many days, and the last one (time, size) or failure. */
  backup: procedureFor("settings.write")
    .output(backupView)
    .query(({ ctx }) => backupStatus(ctx.config)),
  /** "Back up now": the daily backup, at once (owner). */
  backupNow: procedureFor("integrations.manage")
    .output(backupView)
    .mutation(async ({ ctx }) => {
      await backupNow(ctx);
      return backupStatus(ctx.config);
    }),
  /** One harmless call to the provider with the settings in force: ok, or why not. */
  test: procedureFor("integrations.manage")
    .input(clearInput(integrationTestInput))
    .output(integrationTestResult)
    .mutation(({ ctx, input }) => testConnection(input.kind, ctx)),
});
