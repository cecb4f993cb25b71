// POST /webhooks/google-calendar: Google's push notification (no useful body; headers only —
// reference §4.5). The channel id must be ours and its token must match the stored hash; the
// notification is stored (dedup on channel + message number) with a sync job in one transaction,
// and answered 200 at once. "sync" (the channel's first message) needs no work.
import type { FastifyInstance } from "fastify";
import type { AppServices } from "../services.ts";
import { tokenMatches } from "./channels.ts";
import { SYNC_QUEUE, syncBusyTime } from "./import-busy.ts";

export async function registerCalendarRoutes(app: FastifyInstance, services: AppServices): Promise<void> {
  await app.register(async (scope) => {
    // Google sends no body worth reading; accept any content type without parsing it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
    scope.post("/webhooks/google-calendar", async (req, reply) => {
      const h = (name: string) => {
        const v = req.headers[name];
        return typeof v === "string" ? v : undefined;
      };
      const channelId = h("x-goog-channel-id");
      const token = h("x-goog-channel-token");
      const state = h("x-goog-resource-state");
      const messageNumber = h("x-goog-message-number") ?? "0";
      if (!channelId || !token) return reply.code(400).send({ error: "missing channel headers" });
      const conn = await services.db.calendarConnection.findUnique({ where: { channelId } });
      if (!conn) return reply.code(404).send({ error: "unknown channel" });
      if (!tokenMatches(token, conn.channelTokenHash)) return reply.code(401).send({ error: "bad channel token" });
      if (state === "sync") return reply.code(200).send({ ok: true });
      const created = await services.db.$transaction(async (tx) => {
        const r = await tx.webhookEvent.createMany({
          data: [
            {
              source: "google_calendar",
              dedupKey: `${channelId}:${messageNumber}`,
              headers: { channelId, state: state ?? null, messageNumber, resourceId: h("x-goog-resource-id") ?? null },
              rawBody: "",
              status: "processed",
              processedAt: services.clock(),
            },
          ],
          skipDuplicates: true,
        });
        if (r.count && services.jobs) {
          await services.jobs.send(
            SYNC_QUEUE,
            { staffId: conn.staffId },
            { tx, singletonKey: `calendar-sync:${conn.staffId}` },
          );
        }
        return r.count > 0;
      });
      if (created && !services.jobs) {
        syncBusyTime(services, conn.staffId).catch((err) => req.log.warn({ err }, "calendar sync after push failed"));
      }
      return reply.code(200).send({ ok: true });
    });
  });
}
