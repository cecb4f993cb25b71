// Fills and refreshes the replica from changes.sync: pages of "latest state since cursor" with
// tombstones. Each page and the cursor it ends at are written in one IndexedDB transaction, so an
// interrupted sync (tab closed, network gone) resumes exactly where it stopped.
import type {
  ChangesSyncOutput,
  SyncBookingRow,
  SyncChange,
  SyncCustomerRow,
  SyncLocationRow,
  SyncServiceRow,
  SyncStaffRow,
} from "@cita/shared";
import type { ReplicaDb, StoredBooking } from "./db.ts";
import { type ReplicaPolicy, windowStart } from "./policy.ts";

export interface SyncSource {
  page(cursor: string | null, limit: number): Promise<ChangesSyncOutput>;
  /** Customers that stored bookings refer to but the replica lacks (unchanged since the cursor). */
  customers(ids: string[]): Promise<SyncCustomerRow[]>;
}

export interface SyncResult {
  pages: number;
  changes: number;
  full: boolean;
  cursor: string;
}

export const PAGE_SIZE = 1000;

function keepCustomer(c: SyncCustomerRow, policy: ReplicaPolicy): SyncCustomerRow {
  return policy.customerNotes ? c : { ...c, notes: null };
}

async function applyPage(db: ReplicaDb, changes: SyncChange[], policy: ReplicaPolicy, from: string) {
  const put = { bookings: [] as StoredBooking[], customers: [] as SyncCustomerRow[] } as const;
  const del = {
    booking: [] as string[],
    customer: [] as string[],
    service: [] as string[],
    staff: [] as string[],
    location: [] as string[],
  };
  const services: SyncServiceRow[] = [];
  const staff: SyncStaffRow[] = [];
  const locations: SyncLocationRow[] = [];
  for (const c of changes) {
    if (c.op === "delete") {
      del[c.entityType].push(c.entityId);
      continue;
    }
    // The union does not narrow on two discriminants: name each row's type once here.
    switch (c.entityType) {
      case "booking": {
        const row = c.row as SyncBookingRow;
        if (row.startsAt >= from)
          put.bookings.push({ ...row, staffIds: [...new Set(row.items.map((i) => i.staffId))] });
        else del.booking.push(c.entityId); // moved out of the window (or never in it)
        break;
      }
      case "customer":
        put.customers.push(keepCustomer(c.row as SyncCustomerRow, policy));
        break;
      case "service":
        services.push(c.row as SyncServiceRow);
        break;
      case "staff":
        staff.push(c.row as SyncStaffRow);
        break;
      case "location":
        locations.push(c.row as SyncLocationRow);
        break;
    }
  }
  await Promise.all([
    put.bookings.length && db.bookings.bulkPut(put.bookings),
    put.customers.length && db.customers.bulkPut(put.customers),
    services.length && db.services.bulkPut(services),
    staff.length && db.staff.bulkPut(staff),
    locations.length && db.locations.bulkPut(locations),
    del.booking.length && db.bookings.bulkDelete(del.booking),
    del.customer.length && db.customers.bulkDelete(del.customer),
    del.service.length && db.services.bulkDelete(del.service),
    del.staff.length && db.staff.bulkDelete(del.staff),
    del.location.length && db.locations.bulkDelete(del.location),
  ]);
}

/**
 * Brings the replica up to the server's head. A full sync (no cursor, or a window that now reaches
 * further back than the rows were filtered with) starts from the beginning; otherwise only the
 * changes since the cursor travel. Afterwards, bookings that fell out of the window are pruned, and
 * the customer set is made exactly "the customers seen in the stored bookings".
 */
export async function pullChanges(
  db: ReplicaDb,
  source: SyncSource,
  policy: ReplicaPolicy,
  now: number,
  limit = PAGE_SIZE,
): Promise<SyncResult> {
  const meta = await db.readMeta();
  const from = windowStart(policy, now);
  const full = !meta.cursor || !meta.windowFrom || from < meta.windowFrom;
  let cursor = full ? null : meta.cursor;
  let pages = 0;
  let changes = 0;
  if (full)
    await db.transaction("rw", db.bookings, db.customers, async () => {
      await db.bookings.clear();
      await db.customers.clear();
    });
  // The next page is fetched while this one is written: the server's time and IndexedDB's overlap.
  let next = source.page(cursor, limit);
  for (;;) {
    const page = await next;
    if (page.hasMore) {
      next = source.page(page.nextCursor, limit);
      next.catch(() => {}); // awaited on the next turn; a failure then ends the sync there
    }
    pages++;
    changes += page.changes.length;
    await db.transaction("rw", [db.bookings, db.customers, db.services, db.staff, db.locations, db.meta], async () => {
      await applyPage(db, page.changes, policy, from);
      await db.writeMeta({ cursor: page.nextCursor, windowFrom: from });
    });
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  await prune(db, source, policy, from);
  await db.writeMeta({ syncedAt: new Date(now).toISOString(), lastContactAt: new Date(now).toISOString() });
  return { pages, changes, full, cursor: cursor ?? "0" };
}

async function prune(db: ReplicaDb, source: SyncSource, policy: ReplicaPolicy, from: string) {
  await db.bookings.where("startsAt").below(from).delete();
  const referenced = new Set((await db.bookings.orderBy("customerId").uniqueKeys()) as string[]);
  const stored = (await db.customers.toCollection().primaryKeys()) as string[];
  const storedSet = new Set(stored);
  const unreferenced = stored.filter((id) => !referenced.has(id));
  if (unreferenced.length) await db.customers.bulkDelete(unreferenced);
  const missing = [...referenced].filter((id) => !storedSet.has(id));
  if (missing.length) {
    const got = await source.customers(missing);
    if (got.length) await db.customers.bulkPut(got.map((c) => keepCustomer(c, policy)));
  }
}
