// Push notifications (reference §4.5): a watch channel per connected calendar, its token stored
// hashed; renewed before it expires (Google never renews them) and the old one stopped.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/client.ts";
import { type CalendarServices, calendarFor, DEFAULT_RETRY, type RetryOptions, withBackoff } from "./client.ts";
import { markCalendarFailing } from "./health.ts";
import type { CalendarSyncServices } from "./sync-bookings.ts";

export const RENEW_QUEUE = "calendar.renew-channels";
/** Renew a channel this long before it expires. */
export const RENEW_BEFORE_MS = 24 * 3_600_000;
const TTL_S = 7 * 24 * 3600;

export const hashToken = (t: string) => createHash("sha256").update(t).digest("hex");

export function tokenMatches(given: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashToken(given), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function ensureChannel(
  services: CalendarSyncServices & CalendarServices,
  staffId: string,
  opts: { force?: boolean; retry?: RetryOptions } = {},
): Promise<"created" | "fresh" | "skipped"> {
  const cal = calendarFor(services);
  const base = services.config.CITA_PUBLIC_URL;
  if (!cal || !base) return "skipped"; // no public address: the periodic poll keeps busy time fresh
  const db = services.db as Db;
  const conn = await db.calendarConnection.findUnique({ where: { staffId } });
  if (!conn) return "skipped";
  const now = services.clock();
  if (!opts.force && conn.channelExpiresAt && conn.channelExpiresAt.getTime() - now.getTime() > RENEW_BEFORE_MS) {
    return "fresh";
  }
  const id = randomUUID();
  const token = randomBytes(24).toString("hex");
  try {
    const res = await withBackoff(
      () =>
        cal.events.watch({
          calendarId: conn.calendarId,
          requestBody: {
            id,
            type: "web_hook",
            address: `${base.replace(/\/$/, "")}/webhooks/google-calendar`,
            token,
            params: { ttl: String(TTL_S) },
          },
        }),
      opts.retry ?? DEFAULT_RETRY,
    );
    const expiration = res.data.expiration
      ? new Date(Number(res.data.expiration))
      : new Date(now.getTime() + TTL_S * 1000);
    await db.calendarConnection.update({
      where: { staffId },
      data: {
        channelId: id,
        channelTokenHash: hashToken(token),
        channelExpiresAt: expiration,
        channelResourceId: res.data.resourceId ?? null,
      },
    });
  } catch (e) {
    await markCalendarFailing(db, services, staffId, e, now);
    throw e;
  }
  if (conn.channelId && conn.channelResourceId) {
    await cal.channels
      .stop({ requestBody: { id: conn.channelId, resourceId: conn.channelResourceId } })
      .catch((err) => services.log.warn({ err, staffId }, "could not stop the old calendar channel; it will lapse"));
  }
  return "created";
}
