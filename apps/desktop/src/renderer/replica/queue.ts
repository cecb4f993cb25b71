// Changes made offline (booking notes, no-show marks), replayed in order when the network returns.
// Each carries the booking version it was based on: the server applies it only if the booking is
// still at that version, and a refusal stays in the queue, visible, until someone decides —
// nothing is dropped silently.
import type { QueuedChange, ReplicaDb } from "./db.ts";

/** The booking as the server returns it after a write (as much as the queue needs). */
export interface WrittenBooking {
  id: string;
  version: number;
  notes: string | null;
  status: string;
}

export interface ReplayTarget {
  setNotes(id: string, notes: string, expectedVersion: number): Promise<WrittenBooking>;
  noShow(id: string, expectedVersion: number): Promise<WrittenBooking>;
  /** The server's current booking, to show next to a conflicting change (null: gone or unreachable). */
  current(id: string): Promise<WrittenBooking | null>;
  /** How a failed call failed: the network (try later), a version conflict, or a refusal. */
  classify(e: unknown): { kind: "network" | "conflict" | "refused"; message: string };
}

export interface ReplayResult {
  sent: number;
  conflicts: number;
  failed: number;
  /** Entries still waiting (network gone mid-replay, or behind a conflict on the same booking). */
  waiting: number;
  /** Bookings the server changed: refresh their rows. */
  written: WrittenBooking[];
}

export type NewChange = Pick<QueuedChange, "kind" | "bookingId" | "baseVersion" | "notes">;

/** Queues a change and shows it at once in the replica's copy of the booking. */
export async function enqueueChange(db: ReplicaDb, change: NewChange, now: number): Promise<number> {
  return db.transaction("rw", db.queue, db.bookings, async () => {
    const seq = await db.queue.add({ ...change, createdAt: new Date(now).toISOString(), state: "queued" });
    await db.bookings.update(
      change.bookingId,
      change.kind === "notes" ? { notes: change.notes ?? "" } : { status: "no_show" as const },
    );
    return seq;
  });
}

export async function replayQueue(db: ReplicaDb, target: ReplayTarget): Promise<ReplayResult> {
  const result: ReplayResult = { sent: 0, conflicts: 0, failed: 0, waiting: 0, written: [] };
  // A booking whose earlier change is stuck: its later changes wait behind it, in order.
  const blocked = new Set<string>();
  const entries = await db.queue.orderBy("seq").toArray();
  for (const [i, read] of entries.entries()) {
    // Re-read: an earlier success in this run may have rebased it.
    const entry = (await db.queue.get(read.seq!)) ?? read;
    if (entry.state !== "queued") {
      blocked.add(entry.bookingId);
      continue;
    }
    if (blocked.has(entry.bookingId)) {
      result.waiting++;
      continue;
    }
    let written: WrittenBooking;
    try {
      written =
        entry.kind === "notes"
          ? await target.setNotes(entry.bookingId, entry.notes ?? "", entry.baseVersion)
          : await target.noShow(entry.bookingId, entry.baseVersion);
    } catch (e) {
      const why = target.classify(e);
      if (why.kind === "network") {
        result.waiting += entries.length - i;
        return result;
      }
      blocked.add(entry.bookingId);
      const server = why.kind === "conflict" ? await target.current(entry.bookingId).catch(() => null) : null;
      await db.queue.update(entry.seq!, {
        state: why.kind === "conflict" ? "conflict" : "failed",
        error: why.message,
        ...(server ? { serverVersion: server.version, serverNotes: server.notes } : {}),
      });
      if (why.kind === "conflict") result.conflicts++;
      else result.failed++;
      continue;
    }
    result.sent++;
    result.written.push(written);
    await db.transaction("rw", db.queue, async () => {
      await db.queue.delete(entry.seq!);
      // Later changes to this booking were made on top of this one: base them on its new version.
      await db.queue
        .where("bookingId")
        .equals(entry.bookingId)
        .filter((q) => q.state === "queued" && q.baseVersion === entry.baseVersion)
        .modify({ baseVersion: written.version });
    });
  }
  return result;
}

/** "Keep mine": send it again on top of what the server has now. */
export async function retryOnTop(db: ReplicaDb, seq: number): Promise<void> {
  const entry = await db.queue.get(seq);
  if (!entry || entry.state === "queued") return;
  await db.queue.update(seq, {
    state: "queued",
    baseVersion: entry.serverVersion ?? entry.baseVersion,
    error: undefined,
  });
}

/** "Discard mine": the server's version stands. */
export async function discardChange(db: ReplicaDb, seq: number): Promise<void> {
  await db.queue.delete(seq);
}
