// Live changes for consoles (SSE subscription) and the desktop replica's sync. Thin: the work is
// in changes/feed.ts and changes/sync.ts.
//
// Both need calendar.read. Stylists (schedule.own) are not served here yet: filtering "booking
// events that involve me" needs the staff ids in each booking change, which the booking commands
// do not record yet.
import { changesStreamInput, changesSyncInput, changesSyncOutput } from "@cita/shared";
import { TRPCError, tracked } from "@trpc/server";
import { syncChanges } from "../../changes/sync.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const changesRouter = router({
  /**
   * Every change after `lastEventId` (replayed from change_log), then live ones, each with its
   * version as the SSE event id: a client that reconnects with lastEventId misses none and gets
   * none twice.
   */
  stream: procedureFor("calendar.read")
    .input(changesStreamInput)
    .subscription(async ({ ctx, input, signal }) => {
      const feed = ctx.changeFeed;
      if (!feed) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "Live changes are not running" });
      // Subscribe before the stream opens, so whatever commits after the client's "started" is seen.
      const sub = feed.subscribe({
        after: input.lastEventId ? BigInt(input.lastEventId) : null,
        locationId: input.locationId ?? null,
        signal,
      });
      return (async function* () {
        try {
          for await (const event of sub) yield tracked(event.version, event);
        } finally {
          sub.close();
        }
        // Ended by the server shutting down, not by the client: end the SSE response without tRPC's
        // "return" event, so the EventSource reconnects (with Last-Event-ID) instead of completing.
        if (!signal?.aborted) throw new DOMException("change feed stopped", "AbortError");
      })();
    }),

  /** The offline replica's pull: latest state per entity changed since `cursor`, with tombstones. */
  sync: procedureFor("calendar.read")
    .input(changesSyncInput)
    .output(changesSyncOutput)
    .query(({ ctx, input }) =>
      syncChanges(ctx.db, ctx.fc, {
        cursor: input.cursor ? BigInt(input.cursor) : null,
        limit: input.limit,
        entities: input.entities,
      }),
    ),
});
