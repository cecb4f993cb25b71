// Online or offline, and the moves between them. Online: the store is live from the server and the
// replica follows it (sync on every change event, replay of anything queued). Offline (the server
// cannot be reached at start-up, or the browser says the network is gone): the store reads the
// replica, and the server is probed until it answers again.
import { SYNC_ENTITIES } from "@cita/shared";
import type { Api } from "../api.ts";
import { isAuthFailure } from "../api.ts";
import { classifyFailure } from "../replica/connect.ts";
import { localSource, offlineSnapshot } from "../replica/queries.ts";
import type { ReplayResult } from "../replica/queue.ts";
import type { Replica } from "../replica/replica.ts";
import type { ConsoleStore } from "../store.ts";

export type Mode =
  | { kind: "starting" }
  | { kind: "online" }
  /** since: when the server last answered (null: never, on this device). */
  | { kind: "offline"; since: string | null }
  /** Offline with nothing stored to show. */
  | { kind: "unavailable" };

export interface ConnectivityDeps {
  api: Api;
  store: ConsoleStore;
  replica: Replica | null;
  onAuthFailure(): void;
  onReplayed(r: ReplayResult): void;
  onError(e: unknown): void;
  probeMs?: number;
}

const isNetwork = (e: unknown) => classifyFailure(e).kind === "network";

export class Connectivity {
  private mode: Mode = { kind: "starting" };
  private listeners = new Set<() => void>();
  private probe: ReturnType<typeof setInterval> | null = null;
  private offEvents: (() => void) | null = null;
  private offStore: (() => void) | null = null;
  private switching: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: ConnectivityDeps) {}

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
  getSnapshot = () => this.mode;

  private set(mode: Mode) {
    this.mode = mode;
    for (const fn of this.listeners) fn();
  }

  async start(startOffline: boolean): Promise<void> {
    this.stopped = false;
    const online = () => void this.tryOnline();
    const offline = () => void this.goOffline();
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    this.offEvents = () => {
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
    };
    // Every change the stream reports may concern the replica: sync soon (one run per burst).
    this.offStore = this.deps.store.onEvent((e) => {
      if ((SYNC_ENTITIES as readonly string[]).includes(e.entityType)) this.deps.replica?.scheduleSync();
    });
    if (startOffline || !navigator.onLine) await this.goOffline();
    else await this.tryOnline();
  }

  /** Connects the store to the server; on a network failure, falls back to the replica. */
  tryOnline(): Promise<void> {
    // Already live (a blip, or the machine woke up): fetch what changed; the stream resumes itself.
    if (this.mode.kind === "online") return this.deps.store.catchUp().catch(() => {});
    this.switching ??= (async () => {
      try {
        await this.deps.store.init();
      } catch (e) {
        if (isAuthFailure(e)) return this.deps.onAuthFailure();
        if (!isNetwork(e)) throw e;
        if (this.mode.kind !== "offline") await this.enterOffline();
        return;
      }
      this.stopProbe();
      this.set({ kind: "online" });
      const replica = this.deps.replica;
      if (!replica) return;
      await replica.sync();
      if (replica.getSnapshot().queue.some((q) => q.state === "queued")) this.deps.onReplayed(await replica.replay());
    })()
      .catch((e) => this.deps.onError(e))
      .finally(() => {
        this.switching = null;
      });
    return this.switching;
  }

  goOffline(): Promise<void> {
    if (this.mode.kind === "offline" || this.mode.kind === "unavailable") return Promise.resolve();
    return this.enterOffline();
  }

  private async enterOffline() {
    const replica = this.deps.replica;
    const data = replica ? await offlineSnapshot(replica.db) : null;
    if (!replica || !data) {
      this.deps.store.stop();
      this.set({ kind: "unavailable" });
    } else {
      const tz = data.location!.timeZone;
      this.deps.store.initOffline(
        data,
        localSource(replica.db, () => tz),
      );
      this.set({ kind: "offline", since: replica.getSnapshot().lastContactAt });
    }
    this.startProbe();
  }

  /** While offline, ask the server now and then (the browser's "online" event is not always right). */
  private startProbe() {
    if (this.probe || this.stopped) return;
    this.probe = setInterval(() => {
      if (this.switching) return;
      this.deps.api.system.info.query().then(
        () => void this.tryOnline(),
        () => {},
      );
    }, this.deps.probeMs ?? 5_000);
  }

  private stopProbe() {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  stop() {
    this.stopped = true;
    this.stopProbe();
    this.offEvents?.();
    this.offStore?.();
    this.deps.store.stop();
  }
}
