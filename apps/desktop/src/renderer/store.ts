// The console's data: the location, stylists, services, bookings of the visible range and the
// customers' names, kept live from changes.stream. After a drop (sleep, network loss) the stream
// resumes from the last event id, and the visible range is refetched to be sure nothing is missed.
import type { Api, Booking, Location, Service, StaffMember } from "./api.ts";
import { errorData } from "./api.ts";

/** One change from changes.stream, as much as listeners need of it. */
export interface StreamEvent {
  entityType: string;
  entityId: string;
  data?: unknown;
}

export type Connection = "connecting" | "live" | "reconnecting" | "offline";

/** Where the store reads from while offline: the local replica. */
export interface LocalSource {
  bookingsBetween(fromDate: string, toDate: string): Promise<Booking[]>;
  customers(ids: string[]): Promise<Map<string, CustomerInfo>>;
}

export interface CustomerInfo {
  name: string | null;
  phone: string | null;
}

export interface Snapshot {
  location: Location | null;
  staff: StaffMember[];
  services: Service[];
  bookings: ReadonlyMap<string, Booking>;
  customers: ReadonlyMap<string, CustomerInfo>;
  connection: Connection;
  lastEventId: string | null;
  /** Bumped on every change, for cheap memo keys. */
  revision: number;
}

export interface StoreOptions {
  /** Called for bookings that appear live and were not created by this console. */
  onNewBooking?(b: Booking): void;
  /** Called when the server refuses our credentials mid-stream. */
  onAuthFailure?(): void;
  resubscribeDelayMs?: number;
}

const OPEN = new Set(["held", "pending_deposit", "confirmed", "checked_in", "completed", "no_show"]);
export const isShown = (b: Booking) => OPEN.has(b.status);

export class ConsoleStore {
  private snap: Snapshot = {
    location: null,
    staff: [],
    services: [],
    bookings: new Map(),
    customers: new Map(),
    connection: "connecting",
    lastEventId: null,
    revision: 0,
  };
  private listeners = new Set<() => void>();
  private eventListeners = new Set<(e: StreamEvent) => void>();
  private range: { from: string; to: string } | null = null;
  private pending = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay = 500;
  private fetchingCustomers = new Set<string>();
  private sub: { unsubscribe(): void } | null = null;
  private resubTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private hadConnection = false;
  /** Ids this console created or changed itself (no "new booking" notification for them). */
  readonly ownIds = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly opts: StoreOptions = {},
  ) {}

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
  getSnapshot = () => this.snap;

  /** Every change event as it arrives (chats listen for "conversation" ones). */
  onEvent = (fn: (e: StreamEvent) => void) => {
    this.eventListeners.add(fn);
    return () => {
      this.eventListeners.delete(fn);
    };
  };

  private update(patch: Partial<Snapshot>) {
    this.snap = { ...this.snap, ...patch, revision: this.snap.revision + 1 };
    for (const fn of this.listeners) fn();
  }

  private local: LocalSource | null = null;

  async init(): Promise<void> {
    this.local = null;
    this.stopped = false;
    this.sub?.unsubscribe(); // a re-init (back online) replaces the stream, never adds one
    this.sub = null;
    const [location, staff, services] = await Promise.all([
      this.api.locations.get.query(),
      this.api.staff.list.query({ includeInactive: false }),
      this.api.services.list.query({ includeArchived: false }),
    ]);
    this.update({ location, staff, services });
    this.startStream();
  }

  private catalogTimer: ReturnType<typeof setTimeout> | null = null;

  /** Re-reads the location, stylists and services (after a settings change, here or at another desk). */
  async reloadCatalog(): Promise<void> {
    if (this.local) return;
    const [location, staff, services] = await Promise.all([
      this.api.locations.get.query(),
      this.api.staff.list.query({ includeInactive: false }),
      this.api.services.list.query({ includeArchived: false }),
    ]);
    this.update({ location, staff, services });
  }

  /** Offline: the same snapshot, filled from the replica; no stream until init() again. */
  initOffline(data: Pick<Snapshot, "location" | "staff" | "services">, local: LocalSource) {
    this.stop();
    this.local = local;
    // hadConnection stays: back online, the stream's start counts as a resumption and the visible
    // range is read again from the server (the replica's copy may be behind).
    this.update({ ...data, connection: "offline" });
    if (this.range) void this.loadRange(this.range.from, this.range.to);
  }

  stop() {
    this.stopped = true;
    this.sub?.unsubscribe();
    if (this.resubTimer) clearTimeout(this.resubTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.catalogTimer) clearTimeout(this.catalogTimer);
  }

  /** Loads every booking starting within [from, to] (local dates) and keeps it live. */
  async loadRange(from: string, to: string): Promise<void> {
    this.range = { from, to };
    const items: Booking[] = [];
    let cursor: string | null = null;
    if (this.local) items.push(...(await this.local.bookingsBetween(from, to)));
    else
      do {
        const page: { items: Booking[]; nextCursor: string | null } = await this.api.bookings.search.query({
          fromDate: from,
          toDate: to,
          limit: 500,
          cursor,
        });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
    if (this.range.from !== from || this.range.to !== to) return; // a newer range won
    const next = new Map(this.snap.bookings);
    for (const b of items) next.set(b.id, b);
    this.update({ bookings: next });
    void this.ensureCustomers(items.map((b) => b.customerId));
  }

  /** Re-reads the visible range and retries pending fetches (after a reconnection). */
  async catchUp(): Promise<void> {
    if (this.pending.size) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.retryDelay = 500;
      void this.flush();
    }
    if (this.range) await this.loadRange(this.range.from, this.range.to);
  }

  upsert(b: Booking) {
    const next = new Map(this.snap.bookings);
    next.set(b.id, b);
    this.update({ bookings: next });
    void this.ensureCustomers([b.customerId]);
  }

  private startStream() {
    if (this.stopped) return;
    const locationId = this.snap.location?.id;
    this.sub = this.api.changes.stream.subscribe(
      { lastEventId: this.snap.lastEventId, ...(locationId ? { locationId } : {}) },
      {
        onStarted: () => {
          const resumed = this.hadConnection;
          this.hadConnection = true;
          this.update({ connection: "live" });
          if (resumed) void this.catchUp().catch(() => {});
        },
        onConnectionStateChange: (s) => {
          if (s.state === "connecting" && this.hadConnection && this.snap.connection === "live")
            this.update({ connection: "reconnecting" });
        },
        onData: (envelope) => {
          const ev = envelope.data;
          this.snap = { ...this.snap, lastEventId: envelope.id };
          if (ev.entityType === "booking") this.queue(ev.entityId);
          else if (ev.entityType === "location" || ev.entityType === "service" || ev.entityType === "staff") {
            // Settings changed (hours, services, stylists): one re-read for a burst of changes.
            if (this.catalogTimer) clearTimeout(this.catalogTimer);
            this.catalogTimer = setTimeout(() => void this.reloadCatalog().catch(() => {}), 250);
          } else if (ev.entityType === "customer") {
            const next = new Map(this.snap.customers);
            if (next.delete(ev.entityId)) {
              this.update({ customers: next });
              void this.ensureCustomers([ev.entityId]);
            }
          }
          for (const fn of this.eventListeners) fn(ev);
        },
        onError: (e) => {
          if (errorData(e).code === "UNAUTHORIZED") this.opts.onAuthFailure?.();
          this.reconnectSoon();
        },
        onComplete: () => this.reconnectSoon(),
      },
    );
  }

  /** The stream ended (e.g. the browser gave up while offline): resume from the last event id. */
  private reconnectSoon() {
    if (this.stopped) return;
    this.sub?.unsubscribe();
    this.sub = null;
    this.update({ connection: "reconnecting" });
    if (this.resubTimer) clearTimeout(this.resubTimer);
    this.resubTimer = setTimeout(() => this.startStream(), this.opts.resubscribeDelayMs ?? 2000);
  }

  private queue(id: string) {
    this.pending.add(id);
    // Coalesce a burst (a reschedule changes two bookings) into one batched request.
    this.flushTimer ??= setTimeout(() => void this.flush(), 25);
  }

  private async flush() {
    this.flushTimer = null;
    const ids = [...this.pending];
    this.pending.clear();
    if (!ids.length) return;
    const results = await Promise.all(
      ids.map((id) =>
        this.api.bookings.get.query({ id }).then(
          (b) => ({ id, b }),
          (e) => ({ id, b: null as Booking | null, e }),
        ),
      ),
    );
    const next = new Map(this.snap.bookings);
    const fresh: Booking[] = [];
    let failed = false;
    for (const r of results) {
      if (r.b) {
        if (!next.has(r.id) && !this.ownIds.has(r.id)) fresh.push(r.b);
        next.set(r.id, r.b);
      } else if ("e" in r && errorData(r.e).code === "NOT_FOUND") next.delete(r.id);
      else {
        // Offline or the server is restarting: the event is not lost, fetch it again soon.
        this.pending.add(r.id);
        failed = true;
      }
    }
    if (failed) {
      this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
      this.flushTimer ??= setTimeout(() => void this.flush(), this.retryDelay);
    } else this.retryDelay = 500;
    this.update({ bookings: next });
    void this.ensureCustomers(results.flatMap((r) => (r.b ? [r.b.customerId] : [])));
    for (const b of fresh) if (isShown(b)) this.opts.onNewBooking?.(b);
  }

  async ensureCustomers(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.snap.customers.has(id) && !this.fetchingCustomers.has(id));
    if (!missing.length) return;
    if (this.local) {
      const found = await this.local.customers(missing);
      const next = new Map(this.snap.customers);
      for (const id of missing) next.set(id, found.get(id) ?? { name: null, phone: null });
      this.update({ customers: next });
      return;
    }
    for (const id of missing) this.fetchingCustomers.add(id);
    const got = await Promise.all(
      missing.map((customerId) =>
        this.api.customers.get.query({ customerId }).then(
          (d) => [customerId, { name: d.customer.name, phone: d.customer.phone }] as const,
          () => [customerId, { name: null, phone: null }] as const,
        ),
      ),
    );
    for (const id of missing) this.fetchingCustomers.delete(id);
    const next = new Map(this.snap.customers);
    for (const [id, info] of got) next.set(id, info);
    this.update({ customers: next });
  }
}
