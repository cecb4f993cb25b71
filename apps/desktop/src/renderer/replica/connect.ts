// The replica's two seams on the tRPC client: changes.sync pages in, queued changes out.
import { TRPCClientError } from "@trpc/client";
import type { Api } from "../api.ts";
import { errorData, errorMessage } from "../api.ts";
import type { ReplayTarget, WrittenBooking } from "./queue.ts";
import type { SyncSource } from "./sync.ts";

/** customers.get one by one, a few at a time: only customers the window's bookings lack. */
const CUSTOMER_FETCH_PARALLEL = 6;

export function apiSyncSource(api: Api): SyncSource {
  return {
    page: (cursor, limit) => api.changes.sync.query({ cursor, limit }),
    async customers(ids) {
      const out = [];
      for (let i = 0; i < ids.length; i += CUSTOMER_FETCH_PARALLEL) {
        const got = await Promise.all(
          ids.slice(i, i + CUSTOMER_FETCH_PARALLEL).map((customerId) =>
            api.customers.get.query({ customerId }).then(
              (d) => d.customer,
              (e) => {
                if (errorData(e).code === "NOT_FOUND") return null; // merged or erased meanwhile
                throw e;
              },
            ),
          ),
        );
        for (const c of got) if (c) out.push(c);
      }
      return out;
    },
  };
}

const written = (b: { id: string; version: number; notes: string | null; status: string }): WrittenBooking => ({
  id: b.id,
  version: b.version,
  notes: b.notes,
  status: b.status,
});

/** A failure with no server answer (fetch failed, offline) is a network failure: try again later. */
export function classifyFailure(e: unknown): ReturnType<ReplayTarget["classify"]> {
  const d = errorData(e);
  if (!(e instanceof TRPCClientError) || (!d.code && !d.httpStatus))
    return { kind: "network", message: errorMessage(e) };
  if (d.appCode === "CONFLICT" || (d.code === "CONFLICT" && !d.appCode))
    return { kind: "conflict", message: errorMessage(e) };
  return { kind: "refused", message: errorMessage(e) };
}

export function apiReplayTarget(api: Api): ReplayTarget {
  return {
    setNotes: async (id, notes, expectedVersion) =>
      written(await api.bookings.setNotes.mutate({ id, notes, expectedVersion })),
    noShow: async (id, expectedVersion) => written((await api.bookings.noShow.mutate({ id, expectedVersion })).booking),
    current: async (id) => written(await api.bookings.get.query({ id })),
    classify: classifyFailure,
  };
}
