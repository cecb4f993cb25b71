// The console's local replica (IndexedDB through Dexie): bookings of a window around today, the
// customers seen in them, services, staff and the location, plus the queue of changes made
// offline. One database per server; it holds personal data, so sign-out deletes it.
import type {
  AuthStaff,
  SyncBookingRow,
  SyncCustomerRow,
  SyncLocationRow,
  SyncServiceRow,
  SyncStaffRow,
} from "@cita/shared";
import { Dexie, type Table } from "dexie";

/** A booking as stored: the sync row plus index fields (its stylists, for "by stylist" lookups). */
export interface StoredBooking extends SyncBookingRow {
  staffIds: string[];
}

export type QueuedKind = "notes" | "noShow";

/**
 * A change made offline, replayed in `seq` order when the network returns. `baseVersion` is the
 * booking version the person saw when they made it; the server refuses it (CONFLICT) if the booking
 * changed meanwhile, and the entry stays here, marked, until someone decides.
 */
export interface QueuedChange {
  seq?: number;
  kind: QueuedKind;
  bookingId: string;
  baseVersion: number;
  /** For "notes": the whole new notes text. */
  notes?: string;
  createdAt: string;
  state: "queued" | "conflict" | "failed";
  /** Why it was refused (server message), for "conflict" and "failed". */
  error?: string;
  /** For a conflict: what the server has now. */
  serverVersion?: number;
  serverNotes?: string | null;
}

export interface ReplicaMeta {
  /** changes.sync cursor: the replica is complete up to this change-log version. */
  cursor: string | null;
  /** Last time the server answered (ISO): "offline since". */
  lastContactAt: string | null;
  /** Last completed sync (ISO). */
  syncedAt: string | null;
  /** Who filled it: offline sign-in shows this person, and a different person starts afresh. */
  staff: AuthStaff | null;
  /** Bookings starting before this instant were left out (see policy.ts). */
  windowFrom: string | null;
}

export const EMPTY_META: ReplicaMeta = {
  cursor: null,
  lastContactAt: null,
  syncedAt: null,
  staff: null,
  windowFrom: null,
};

export class ReplicaDb extends Dexie {
  bookings!: Table<StoredBooking, string>;
  customers!: Table<SyncCustomerRow, string>;
  services!: Table<SyncServiceRow, string>;
  staff!: Table<SyncStaffRow, string>;
  locations!: Table<SyncLocationRow, string>;
  meta!: Table<{ key: keyof ReplicaMeta; value: unknown }, string>;
  queue!: Table<QueuedChange, number>;

  constructor(name: string, indexedDB?: IDBFactory, keyRange?: typeof IDBKeyRange) {
    super(name, indexedDB && keyRange ? { indexedDB, IDBKeyRange: keyRange } : undefined);
    this.version(1).stores({
      bookings: "id, startsAt, customerId, status, *staffIds",
      customers: "id",
      services: "id",
      staff: "id",
      locations: "id",
      meta: "key",
      queue: "++seq, bookingId, state",
    });
  }

  async readMeta(): Promise<ReplicaMeta> {
    const rows = await this.meta.toArray();
    const out: Record<string, unknown> = { ...EMPTY_META };
    for (const r of rows) out[r.key] = r.value;
    return out as unknown as ReplicaMeta;
  }

  async writeMeta(patch: Partial<ReplicaMeta>): Promise<void> {
    await this.meta.bulkPut(Object.entries(patch).map(([key, value]) => ({ key: key as keyof ReplicaMeta, value })));
  }
}

/** One replica per server address (a console can be pointed at another salon). */
export function replicaName(serverUrl: string): string {
  return `cita-replica:${serverUrl.replace(/\/+$/, "")}`;
}
