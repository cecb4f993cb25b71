// In-process ordering of booking writes that want the same stylist's time. A write waits for the
// writes already in flight in this process whose segments overlap its own (same stylist,
// overlapping time); writes that do not overlap run side by side. When one it waited for commits,
// the time is provably taken at that instant — the committed segments are exactly what the
// exclusion constraint would refuse — so the waiter loses at once, without a transaction. When
// the one ahead fails, the next one goes to the database as usual.
//
// This is only a fast path for a burst on one freed time (100 customers tapping the same slot):
// it never decides a winner. Other processes do not see it; there the exclusion constraint
// (booking_segment_no_overlap) still decides, as it always does.

export interface ClaimSegment {
  staffId: string;
  start: number;
  end: number;
}

/** The time was taken by a write that committed while this one waited. */
export class ClaimLost extends Error {
  constructor(readonly winner: ClaimSegment[]) {
    super("taken by a booking committed while waiting");
  }
}

interface InFlight {
  segments: ClaimSegment[];
  done: Promise<boolean>;
}

const overlaps = (a: ClaimSegment[], b: ClaimSegment[]) =>
  a.some((x) => b.some((y) => x.staffId === y.staffId && x.start < y.end && y.start < x.end));

export class ClaimGate {
  private readonly inFlight = new Set<InFlight>();

  /** Runs `write` once no overlapping write is ahead of it; ClaimLost when one ahead committed. */
  async run<T>(segments: ClaimSegment[], write: () => Promise<T>): Promise<T> {
    const ahead = [...this.inFlight].filter((c) => overlaps(c.segments, segments));
    let settle!: (committed: boolean) => void;
    const mine: InFlight = { segments, done: new Promise<boolean>((r) => (settle = r)) };
    this.inFlight.add(mine);
    let committed = false;
    try {
      for (const other of ahead) {
        if (await other.done) throw new ClaimLost(other.segments);
      }
      const result = await write();
      committed = true;
      return result;
    } finally {
      this.inFlight.delete(mine);
      settle(committed);
    }
  }

  /** True when a write in flight overlaps these segments (this one would queue behind it). */
  contended(segments: ClaimSegment[]): boolean {
    for (const c of this.inFlight) if (overlaps(c.segments, segments)) return true;
    return false;
  }

  /** Writes in flight (tests). */
  get size(): number {
    return this.inFlight.size;
  }
}

const gates = new WeakMap<object, ClaimGate>();

/** One gate per database client (so tests with several databases in one process stay apart). */
export function claimGateFor(db: object): ClaimGate {
  let gate = gates.get(db);
  if (!gate) {
    gate = new ClaimGate();
    gates.set(db, gate);
  }
  return gate;
}
