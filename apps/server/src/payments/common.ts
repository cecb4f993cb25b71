import type { Actor } from "../changes/change-log.ts";
import { noopNotifier } from "../notifications/notifier.ts";
import type { AppServices } from "../services.ts";

/** What payment commands need; AppServices satisfies it. */
export type PaymentServices = Pick<AppServices, "db" | "fc" | "clock" | "config" | "log"> &
  Partial<Pick<AppServices, "jobs" | "notifier" | "stripe">>;

export const JOB_ACTOR: Actor = { type: "job", id: null };

export const notifierOf = (s: Pick<AppServices, "notifier">) => s.notifier ?? noopNotifier;

export const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 };

export function publicBaseUrl(s: Pick<AppServices, "config">): string {
  return s.config.CITA_PUBLIC_URL ?? `http://${s.config.HOST}:${s.config.PORT}`;
}
