// Live change feed, one per server process. change_log is the source of truth; PostgreSQL NOTIFY
// (sent by appendChange, delivered on commit) only wakes the feed up early. A fallback poll catches
// missed wake-ups (a dropped LISTEN connection, a row written without NOTIFY).
//
// Each subscriber has a cursor (`last`) and a bounded buffer. Live events are pushed into the
// buffer; a subscriber that falls behind (buffer full) or starts from an old version reads the
// table itself, in pages, up to the feed's head, then rejoins the live stream. A slow consumer
// therefore never holds up the others or grows memory without bound, and every subscriber sees
// every matching version exactly once, in ascending order.

import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { poolConfigFromUrl } from "../db/url.ts";
import type { ChangeOp } from "../generated/prisma/enums.ts";
import { CHANGE_CHANNEL } from "./change-log.ts";

/** The LISTEN connection's name in pg_stat_activity. */
export const FEED_APPLICATION_NAME = "cita-change-feed";

/** One change_log row as consoles receive it (JSON-safe: version as a decimal string). */
export interface ChangeEvent {
  version: string;
  entityType: string;
  entityId: string;
  op: ChangeOp;
  locationId: string | null;
  at: string;
  data: unknown;
}

export interface SubscribeOptions {
  /** Deliver versions strictly after this one (replayed from the table). Default: the feed's head. */
  after?: bigint | null;
  /** Only events at this location, plus location-less ones (customers are shared by every location). */
  locationId?: string | null;
  /** Ends the subscription (the iterator returns). */
  signal?: AbortSignal;
  /** A subscriber inside the server (the waitlist's wake-up), not a console: not in subscriberCount. */
  internal?: boolean;
}

export interface ChangeFeedOptions {
  /** Connection URL for the dedicated LISTEN connection. */
  url: string;
  db: Db;
  log: Logger;
  channel?: string;
  /** Fallback poll interval. */
  pollIntervalMs?: number;
  /** Max buffered live events per subscriber before it falls back to reading the table. */
  bufferSize?: number;
  /** Rows per table read (feed pump and subscriber catch-up). */
  pageSize?: number;
  /** Delay before re-establishing a dropped LISTEN connection (doubles up to 5 s). */
  reconnectDelayMs?: number;
}

export type ChangeSubscription = AsyncIterableIterator<ChangeEvent> & {
  /** Ends the subscription; a pending next() resolves done. */
  close(): void;
  readonly closed: boolean;
};

interface Entry {
  v: bigint;
  event: ChangeEvent;
}

type ChangeRow = {
  version: bigint;
  at: Date;
  entityType: string;
  entityId: string;
  op: ChangeOp;
  locationId: string | null;
  data: unknown;
};

function toEntry(r: ChangeRow): Entry {
  return {
    v: r.version,
    event: {
      version: r.version.toString(),
      entityType: r.entityType,
      entityId: r.entityId,
      op: r.op,
      locationId: r.locationId,
      at: r.at.toISOString(),
      data: r.data ?? null,
    },
  };
}

class Subscriber {
  /** Last version pushed into the buffer or scanned by catch-up: the resume point. */
  last: bigint;
  /** Live: the feed pushes into the buffer. Otherwise the subscriber reads the table itself. */
  live = false;
  closed = false;
  readonly buffer: ChangeEvent[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly feed: ChangeFeed,
    after: bigint,
    readonly locationId: string | null,
    readonly internal: boolean,
  ) {
    this.last = after;
    // Nothing to replay: buffer live events from now on, even before the first next().
    this.live = after >= feed.head;
  }

  matches(e: ChangeEvent): boolean {
    return this.locationId === null || e.locationId === null || e.locationId === this.locationId;
  }

  /** Called by the feed for every new version, in ascending order. Never blocks. */
  push(entry: Entry, bufferSize: number): void {
    if (!this.live || this.closed || entry.v <= this.last) return;
    if (!this.matches(entry.event)) {
      this.last = entry.v;
      return;
    }
    if (this.buffer.length >= bufferSize) {
      // Too slow: stop buffering; catch up from the table after draining what is buffered.
      this.live = false;
      this.notify();
      return;
    }
    this.buffer.push(entry.event);
    this.last = entry.v;
    this.notify();
  }

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.length = 0;
    this.feed.detach(this);
    this.notify();
  }

  async next(): Promise<IteratorResult<ChangeEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const e = this.buffer.shift();
      if (e) return { done: false, value: e };
      if (!this.live) {
        await this.catchUp();
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Reads one page after `last`, bounded by the feed's head (every version ≤ head is committed). */
  private async catchUp(): Promise<void> {
    const bound = this.feed.head;
    if (this.last >= bound) {
      this.live = true;
      return;
    }
    const pageSize = this.feed.pageSize;
    const rows = await this.feed.readRange(this.last, bound, pageSize, this.locationId);
    if (this.closed) return;
    for (const r of rows) this.buffer.push(toEntry(r).event);
    const scanned = rows.length < pageSize ? bound : rows[rows.length - 1]!.version;
    if (scanned > this.last) this.last = scanned;
    // Events the feed dispatched while we were reading have versions > bound; if none, go live now
    // (synchronously, so nothing can be dispatched in between).
    if (this.last >= this.feed.head) this.live = true;
  }
}

export class ChangeFeed {
  readonly pageSize: number;
  private readonly bufferSize: number;
  private readonly pollIntervalMs: number;
  private readonly reconnectDelayMs: number;
  private readonly channel: string;
  private readonly subscribers = new Set<Subscriber>();
  private _head = 0n;
  /** Set once start() has read the head: notifications before that are covered by it. */
  private headKnown = false;
  private started = false;
  private stopped = false;
  private client: pg.Client | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectAttempt = 0;
  private pumping: Promise<void> | null = null;
  private dirty = false;

  constructor(private readonly opts: ChangeFeedOptions) {
    this.channel = opts.channel ?? CHANGE_CHANNEL;
    if (!/^[a-z_][a-z0-9_]*$/.test(this.channel)) throw new Error(`bad channel name: ${this.channel}`);
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.bufferSize = opts.bufferSize ?? 1000;
    this.pageSize = opts.pageSize ?? 500;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 250;
  }

  /** Highest version fanned out to subscribers. Every version ≤ head is committed and visible. */
  get head(): bigint {
    return this._head;
  }

  /** Consoles and other outside subscribers (cita_sse_subscribers); the server's own are left out. */
  get subscriberCount(): number {
    let n = 0;
    for (const s of this.subscribers) if (!s.internal) n++;
    return n;
  }

  /** Live events buffered across all subscribers (each buffer is bounded by `bufferSize`). */
  get bufferedEvents(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.buffer.length;
    return n;
  }

  /** True while the LISTEN connection is up (the poll covers the gaps when it is not). */
  get listening(): boolean {
    return this.client !== null;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // The head is read on the LISTEN connection once it listens (no gap between the two); when
    // that connection cannot be made now, through the app's pool (the reconnect loop goes on).
    await this.connect(true);
    if (!this.headKnown) {
      const max = await this.opts.db.changeLog.aggregate({ _max: { version: true } });
      this._head = max._max.version ?? 0n;
      this.headKnown = true;
    }
    this.pollTimer = setInterval(() => this.wakeUp(), this.pollIntervalMs);
    this.pollTimer.unref();
  }

  /** Ends every subscription and the LISTEN connection. Call before the database closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const s of [...this.subscribers]) s.close();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
    await this.pumping?.catch(() => {});
  }

  subscribe(opts: SubscribeOptions = {}): ChangeSubscription {
    const sub = new Subscriber(this, opts.after ?? this._head, opts.locationId ?? null, opts.internal ?? false);
    const onAbort = () => sub.close();
    if (this.stopped || opts.signal?.aborted) {
      sub.closed = true;
    } else {
      this.subscribers.add(sub);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
    }
    const it: ChangeSubscription = {
      next: () => sub.next(),
      return: async () => {
        sub.close();
        return { done: true, value: undefined };
      },
      close: () => sub.close(),
      get closed() {
        return sub.closed;
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  /** @internal */
  detach(sub: Subscriber): void {
    this.subscribers.delete(sub);
  }

  /** @internal Rows with after < version ≤ upTo, ascending, optionally for one location. */
  async readRange(after: bigint, upTo: bigint, limit: number, locationId: string | null): Promise<ChangeRow[]> {
    return this.opts.db.changeLog.findMany({
      where: {
        version: { gt: after, lte: upTo },
        ...(locationId ? { OR: [{ locationId }, { locationId: null }] } : {}),
      },
      orderBy: { version: "asc" },
      take: limit,
    });
  }

  /** Reads new rows now (NOTIFY, poll, reconnect). Coalesces: at most one read in flight. */
  wakeUp(): void {
    if (this.stopped || !this.started) return;
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => this.opts.log.warn({ err }, "change feed: reading change_log failed; retrying on next poll"))
      .finally(() => {
        this.pumping = null;
        if (this.dirty) {
          this.dirty = false;
          this.wakeUp();
        }
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.dirty = false;
      const rows = await this.opts.db.changeLog.findMany({
        where: { version: { gt: this._head } },
        orderBy: { version: "asc" },
        take: this.pageSize,
      });
      if (this.stopped) return;
      for (const r of rows) {
        const entry = toEntry(r);
        this._head = entry.v;
        for (const s of this.subscribers) s.push(entry, this.bufferSize);
      }
      if (rows.length < this.pageSize && !this.dirty) return;
    }
  }

  private async connect(readHead = false): Promise<void> {
    const client = new pg.Client({ ...poolConfigFromUrl(this.opts.url), application_name: FEED_APPLICATION_NAME });
    let dropped = false;
    const onDrop = (err?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.stopped) return;
      this.opts.log.warn({ err }, "change feed: LISTEN connection lost; reconnecting");
      this.scheduleReconnect();
    };
    client.on("error", onDrop);
    client.on("end", () => onDrop());
    client.on("notification", (msg) => {
      // Before the head is known, whatever this announces is in the head being read.
      if (msg.channel !== this.channel || !this.headKnown) return;
      // The payload is the committed version; skip the read when we already have it.
      if (msg.payload && /^\d+$/.test(msg.payload) && BigInt(msg.payload) <= this._head) return;
      this.wakeUp();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (readHead) {
        const { rows } = await client.query<{ v: string | null }>("SELECT max(version)::text AS v FROM change_log");
        this._head = BigInt(rows[0]?.v ?? 0);
        this.headKnown = true;
      }
    } catch (err) {
      onDrop(err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.reconnectAttempt = 0;
    // Anything committed while we were not listening (nothing to catch up on a first start).
    if (!readHead) this.wakeUp();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = Math.min(5000, this.reconnectDelayMs * 2 ** this.reconnectAttempt++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
