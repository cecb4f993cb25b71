// Hooks for replica.bench.ts on the console's bench page (same origin as the API): a first sync
// into a fresh IndexedDB replica, the same pages fetched without storing them (the baseline), and a
// delta sync, each timed inside the browser with performance.now().
import type { AuthStaff } from "@cita/shared";
import { Dexie } from "dexie";
import { createApi } from "../api.ts";
import { apiReplayTarget, apiSyncSource } from "./connect.ts";
import { ReplicaDb } from "./db.ts";
import { replicaPolicyFor } from "./policy.ts";
import { Replica } from "./replica.ts";
import { PAGE_SIZE } from "./sync.ts";

export interface ReplicaBench {
  sync(
    token: string,
    staff: AuthStaff,
    name: string,
  ): Promise<{ ms: number; bookings: number; pages: number; changes: number }>;
  fetchOnly(token: string): Promise<{ ms: number; pages: number; changes: number }>;
  drop(name: string): Promise<void>;
}

function replicaFor(token: string, name: string) {
  const api = createApi(window.location.origin, async () => token);
  return new Replica(new ReplicaDb(name), {
    source: apiSyncSource(api),
    target: apiReplayTarget(api),
    policy: replicaPolicyFor("manager"),
    now: Date.now,
  });
}

export const replicaBench: ReplicaBench = {
  async sync(token, staff, name) {
    const replica = replicaFor(token, name);
    await replica.load(staff);
    const t0 = performance.now();
    const r = await replica.sync();
    const ms = performance.now() - t0;
    if (!r) throw new Error(replica.getSnapshot().lastError ?? "sync failed");
    const bookings = await replica.db.bookings.count();
    replica.close();
    return { ms, bookings, pages: r.pages, changes: r.changes };
  },
  async fetchOnly(token) {
    const source = apiSyncSource(createApi(window.location.origin, async () => token));
    const t0 = performance.now();
    let cursor: string | null = null;
    let pages = 0;
    let changes = 0;
    for (;;) {
      const page = await source.page(cursor, PAGE_SIZE);
      pages++;
      changes += page.changes.length;
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    return { ms: performance.now() - t0, pages, changes };
  },
  drop: (name) => Dexie.delete(name),
};
