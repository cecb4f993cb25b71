// The replica as the console uses it: one sync at a time (woken by live events, debounced), the
// offline queue and its replay, and a small snapshot for the UI (synced when, pending, conflicts).
import type { AuthStaff } from "@cita/shared";
import { Dexie } from "dexie";
import { type QueuedChange, ReplicaDb, type ReplicaMeta, replicaName, type StoredBooking } from "./db.ts";
import type { ReplicaPolicy } from "./policy.ts";
import {
  discardChange,
  enqueueChange,
  type NewChange,
  type ReplayResult,
  type ReplayTarget,
  replayQueue,
  retryOnTop,
  type WrittenBooking,
} from "./queue.ts";
import { pullChanges, type SyncResult, type SyncSource } from "./sync.ts";

export interface ReplicaSnapshot {
  syncing: boolean;
  syncedAt: string | null;
  lastContactAt: string | null;
  /** Changes made offline, oldest first, including those refused (conflict / failed). */
  queue: QueuedChange[];
  lastError: string | null;
  /** Bumped when rows change, for cheap memo keys. */
  revision: number;
}

export interface ReplicaDeps {
  source: SyncSource;
  target: ReplayTarget;
  policy: ReplicaPolicy;
  now(): number;
}

export class Replica {
  private snap: ReplicaSnapshot = {
    syncing: false,
    syncedAt: null,
    lastContactAt: null,
    queue: [],
    lastError: null,
    revision: 0,
  };
  private listeners = new Set<() => void>();
  private running: Promise<SyncResult | null> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    readonly db: ReplicaDb,
    private readonly deps: ReplicaDeps,
  ) {}

  static open(serverUrl: string, deps: ReplicaDeps): Replica {
    return new Replica(new ReplicaDb(replicaName(serverUrl)), deps);
  }

  /** Deletes a server's replica (sign-out, session ended): it holds personal data. */
  static async erase(serverUrl: string): Promise<void> {
    await Dexie.delete(replicaName(serverUrl));
  }

  /** Who filled the replica, for signing in while offline. */
  static async identity(serverUrl: string): Promise<AuthStaff | null> {
    if (!(await Dexie.exists(replicaName(serverUrl)))) return null;
    const db = new ReplicaDb(replicaName(serverUrl));
    try {
      const meta = await db.readMeta();
      return meta.syncedAt ? meta.staff : null;
    } finally {
      db.close();
    }
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
  getSnapshot = () => this.snap;

  private set(patch: Partial<ReplicaSnapshot>, rows = false) {
    this.snap = { ...this.snap, ...patch, revision: this.snap.revision + (rows ? 1 : 0) };
    for (const fn of this.listeners) fn();
  }

  /** Reads the stored state into the snapshot; a different person's replica is wiped first. */
  async load(staff: AuthStaff): Promise<ReplicaMeta> {
    this.closed = false;
    let meta = await this.db.readMeta();
    if (meta.staff && meta.staff.id !== staff.id) {
      await Promise.all(this.db.tables.map((t) => t.clear()));
      meta = await this.db.readMeta();
    }
    await this.db.writeMeta({ staff });
    this.set(
      {
        syncedAt: meta.syncedAt,
        lastContactAt: meta.lastContactAt,
        queue: await this.db.queue.orderBy("seq").toArray(),
      },
      true,
    );
    return meta;
  }

  /** Brings the replica up to date; concurrent calls share one run, and a call during a run queues one more. */
  sync(): Promise<SyncResult | null> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      this.set({ syncing: true });
      try {
        const r = await pullChanges(this.db, this.deps.source, this.deps.policy, this.deps.now());
        const meta = await this.db.readMeta();
        this.set(
          { syncing: false, syncedAt: meta.syncedAt, lastContactAt: meta.lastContactAt, lastError: null },
          r.changes > 0,
        );
        return r;
      } catch (e) {
        this.set({ syncing: false, lastError: e instanceof Error ? e.message : String(e) });
        return null;
      } finally {
        this.running = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.scheduleSync(0);
        }
      }
    })();
    return this.running;
  }

  /** A live event said something changed: sync soon, once for a burst. */
  scheduleSync(delayMs = 250) {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sync();
    }, delayMs);
  }

  /** The server answered just now (so "offline since" starts from here). */
  async touch(): Promise<void> {
    const at = new Date(this.deps.now()).toISOString();
    await this.db.writeMeta({ lastContactAt: at });
    this.set({ lastContactAt: at });
  }

  async enqueue(change: NewChange): Promise<void> {
    await enqueueChange(this.db, change, this.deps.now());
    this.set({ queue: await this.db.queue.orderBy("seq").toArray() }, true);
  }

  async replay(): Promise<ReplayResult> {
    const r = await replayQueue(this.db, this.deps.target);
    for (const b of r.written) await this.refreshRow(b);
    this.set({ queue: await this.db.queue.orderBy("seq").toArray() }, r.written.length > 0);
    return r;
  }

  private async refreshRow(b: WrittenBooking) {
    await this.db.bookings.update(b.id, {
      version: b.version,
      notes: b.notes,
      status: b.status as StoredBooking["status"],
    });
  }

  async keepMine(seq: number): Promise<ReplayResult> {
    await retryOnTop(this.db, seq);
    return this.replay();
  }

  async discard(seq: number): Promise<void> {
    const entry = await this.db.queue.get(seq);
    await discardChange(this.db, seq);
    // The local copy showed the discarded change: put the server's booking back.
    const server = entry ? await this.deps.target.current(entry.bookingId).catch(() => null) : null;
    if (server) await this.refreshRow(server);
    this.set({ queue: await this.db.queue.orderBy("seq").toArray() }, true);
  }

  /**
   * Stops syncing and closes the database; a later load() opens it again (React's StrictMode
   * unmounts and remounts the same replica in development).
   */
  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.db.close({ disableAutoOpen: false });
  }
}
