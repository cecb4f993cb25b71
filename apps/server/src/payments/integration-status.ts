// integration_status rows: how each optional integration runs (off / sandbox / live) and whether it
// is healthy, so the console can say "Stripe is off" instead of something failing elsewhere.
import type { Db, Tx } from "../db/client.ts";

export type IntegrationMode = "off" | "live" | "sandbox";

export async function reportIntegration(
  db: Db | Tx,
  kind: string,
  state: { mode: IntegrationMode; healthy: boolean; lastError?: string | null },
  now: Date,
): Promise<void> {
  const err = state.lastError ?? null;
  await db.integrationStatus.upsert({
    where: { kind },
    create: {
      kind,
      mode: state.mode,
      healthy: state.healthy,
      lastError: err,
      lastErrorAt: err ? now : null,
      lastOkAt: state.healthy && state.mode !== "off" ? now : null,
    },
    update: {
      mode: state.mode,
      healthy: state.healthy,
      ...(err ? { lastError: err, lastErrorAt: now } : {}),
      ...(state.healthy ? { lastError: null, ...(state.mode !== "off" ? { lastOkAt: now } : {}) } : {}),
    },
  });
}
