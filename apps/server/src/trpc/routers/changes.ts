// Live changes for consoles (SSE subscription) and the desktop replica's sync. Thin: the work is
// in changes/feed.ts and changes/sync.ts.
//
// Both need calendar.read. Stylists (schedule.own) are not served here yet: filtering "booking
// events that involve me" needs the staff ids in each booking change, which the booking commands
// do not record yet.
import { changesStreamInput, changesSyncInput, changesSyncOutput } from "@cita/shared";
import { TRPCError, tracked } from "@trpc/server";
import { clearInput } from "../../audit/input.ts";
import { allowedLocationIds, mayUseLocation, seesEveryLocation } from "../../auth/locations.ts";
import { assertAccessSession } from "../../auth/sessions.ts";
import { syncChanges } from "../../changes/sync.ts";
import { isAppError } from "../../errors/app-error.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor, TEST_NIL_SESSION_ID } from "../procedures.ts";

/**
 * How often an open stream re-checks its session. A stream outlives the request that checked it, so
 * signing out, "end sessions", disabling a staff member or changing their role must also reach the
 * streams already open: each one looks its session row up (one primary-key query) every few seconds
 * and ends with UNAUTHORIZED once it is gone — on every instance, with no cross-instance message.
 */
export const STREAM_SESSION_CHECK_MS = 2_000;

/** Aborts `revoked` when the caller's session ends; returns the stop function. */
function watchSession(ctx: AppContext, revoked: AbortController): () => void {
  const auth = ctx.auth;
  if (!auth || (ctx.config.CITA_ENV === "test" && auth.sid === TEST_NIL_SESSION_ID)) return () => {};
  const timer = setInterval(() => {
    assertAccessSession(ctx.db, auth).catch((e) => {
      if (isAppError(e) && e.code === "UNAUTHENTICATED") revoked.abort(e);
      // Anything else (the database restarting): keep the stream; the next check decides.
    });
  }, STREAM_SESSION_CHECK_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

export const changesRouter = router({
  /**
   * Every change after `lastEventId` (replayed from change_log), then live ones, each with its
   * version as the SSE event id: a client that reconnects with lastEventId misses none and gets
   * none twice.
   */
  stream: procedureFor("calendar.read")
    .input(clearInput(changesStreamInput))
    .subscription(async ({ ctx, input, signal }) => {
      const feed = ctx.changeFeed;
      if (!feed) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "Live changes are not running" });
      const revoked = new AbortController();
      // Subscribe before the stream opens, so whatever commits after the client's "started" is seen.
      // Issue #21: a location asked for must be one the caller may see; none = every location for
      // the roles that see them all, else the location the request acts on.
      if (input.locationId && !(await mayUseLocation(ctx.db, ctx.auth, input.locationId)))
        throw new TRPCError({ code: "FORBIDDEN", message: "You cannot see this location" });
      const sub = feed.subscribe({
        after: input.lastEventId ? BigInt(input.lastEventId) : null,
        locationId: input.locationId ?? (seesEveryLocation(ctx.auth.role) ? null : ctx.auth.loc),
        signal: signal ? AbortSignal.any([signal, revoked.signal]) : revoked.signal,
      });
      const stopWatching = watchSession(ctx, revoked);
      return (async function* () {
        try {
          for await (const event of sub) yield tracked(event.version, event);
        } finally {
          stopWatching();
          sub.close();
        }
        if (revoked.signal.aborted && !signal?.aborted)
          throw new TRPCError({ code: "UNAUTHORIZED", message: "Your session has ended; sign in again" });
        // Ended by the server shutting down, not by the client: end the SSE response without tRPC's
        // "return" event, so the EventSource reconnects (with Last-Event-ID) instead of completing.
        if (!signal?.aborted) throw new DOMException("change feed stopped", "AbortError");
      })();
    }),

  /** The offline replica's pull: latest state per entity changed since `cursor`, with tombstones. */
  sync: procedureFor("calendar.read")
    .input(clearInput(changesSyncInput))
    .output(changesSyncOutput)
    .query(async ({ ctx, input }) =>
      syncChanges(ctx.db, ctx.fc, {
        cursor: input.cursor ? BigInt(input.cursor) : null,
        limit: input.limit,
        entities: input.entities,
        // Issue #21: only rows of the locations this role may see (owners/managers: all).
        locationIds: seesEveryLocation(ctx.auth.role) ? null : await allowedLocationIds(ctx.db, ctx.auth),
      }),
    ),
});
