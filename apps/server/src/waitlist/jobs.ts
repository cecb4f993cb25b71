// When does time free up? Rather than each booking path remembering to tell the waitlist, a job reads
// change_log from its own cursor (as reminders/planner.ts does) every minute:
//   booking changed and now cancelled or expired (a cancellation, the old half of a move, an expired
//     hold), still ahead       → its items' stylists and times are freed;
//   staff changed (time off removed, schedule or skills changed) → that stylist, from now to the horizon;
//   location changed (hours, closures, settings) → every stylist there, from now to the horizon.
// offerFreedTime then offers only what availability says is really free, so a broad range is safe.
// The same job sends offers held for quiet hours once they end, and lapses old wishes and offers.
// Besides the minute's run, the change feed wakes it within a second of such a change.
// A fresh installation starts at the head of the log (history is not replayed).
import type { Db } from "../db/client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import { type FreedRange, type OfferMade, offerFreedTime, sendDueOffers, type WaitlistDeps } from "./waitlist.ts";

export const WAITLIST_QUEUE = "waitlist.scan";
const CURSOR = "waitlist.freed";
const DAY = 86_400_000;

async function readCursor(db: Db): Promise<bigint | null> {
  const row = await db.jobCursor.findUnique({ where: { name: CURSOR } });
  return row ? BigInt(row.value) : null;
}

/** Moves the cursor forward only (scans in two instances may overlap; re-reading is harmless). */
async function writeCursor(db: Db, v: bigint): Promise<void> {
  await db.$executeRaw`
    INSERT INTO job_cursor (name, value, updated_at) VALUES (${CURSOR}, ${v.toString()}, now())
    ON CONFLICT (name) DO UPDATE
      SET value = GREATEST(job_cursor.value::numeric, EXCLUDED.value::numeric)::text, updated_at = now()`;
}

/** Freed ranges per location for a page of changes. */
async function freedBy(
  db: Db,
  changes: { entityType: string; entityId: string }[],
  now: Date,
): Promise<Map<string, FreedRange[]>> {
  const out = new Map<string, FreedRange[]>();
  const add = (locationId: string, r: FreedRange) => out.set(locationId, [...(out.get(locationId) ?? []), r]);
  const ids = (type: string) => [...new Set(changes.filter((c) => c.entityType === type).map((c) => c.entityId))];
  const uuidLike = (s: string) => /^[0-9a-f-]{36}$/i.test(s);

  const bookings = await db.booking.findMany({
    where: {
      id: { in: ids("booking").filter(uuidLike) },
      status: { in: ["cancelled", "expired"] },
      endsAt: { gt: now },
    },
    select: { locationId: true, items: { select: { staffId: true, startsAt: true, endsAt: true } } },
  });
  for (const b of bookings) {
    for (const i of b.items) add(b.locationId, { staffId: i.staffId, from: i.startsAt, to: i.endsAt });
  }
  const staff = await db.staffMember.findMany({
    where: { id: { in: ids("staff").filter(uuidLike) }, active: true, bookable: true },
    select: { id: true, location: { select: { id: true, horizonDays: true } } },
  });
  for (const s of staff) {
    add(s.location.id, { staffId: s.id, from: now, to: new Date(now.getTime() + s.location.horizonDays * DAY) });
  }
  const locations = await db.location.findMany({
    where: { id: { in: ids("location").filter(uuidLike) } },
    select: { id: true, horizonDays: true },
  });
  for (const l of locations) add(l.id, { staffId: null, from: now, to: new Date(now.getTime() + l.horizonDays * DAY) });
  return out;
}

/**
 * Reads the change log since the cursor and offers freed time to the waitlist, then sends held offers
 * that are due and lapses old ones. Safe to run twice (offers are unique per wish, stylist and start).
 */
export async function scanFreedTime(deps: WaitlistDeps): Promise<{ offers: OfferMade[]; sent: number }> {
  const offers: OfferMade[] = [];
  const stored = await readCursor(deps.db);
  let from: bigint;
  if (stored === null) {
    from = (await deps.db.changeLog.aggregate({ _max: { version: true } }))._max.version ?? 0n;
    await writeCursor(deps.db, from);
  } else from = stored;
  for (;;) {
    const changes: { version: bigint; entityType: string; entityId: string }[] = await deps.db.changeLog.findMany({
      where: { version: { gt: from }, entityType: { in: ["booking", "staff", "location"] } },
      orderBy: { version: "asc" },
      take: 500,
      select: { version: true, entityType: true, entityId: true },
    });
    const upTo: bigint | undefined = changes.at(-1)?.version;
    if (upTo === undefined) break;
    const freed = await freedBy(deps.db, changes, deps.clock());
    for (const [locationId, ranges] of freed) offers.push(...(await offerFreedTime(deps, locationId, ranges)));
    await writeCursor(deps.db, upTo);
    from = upTo;
  }
  const due = await sendDueOffers(deps);
  return { offers, sent: due.sent };
}

/** Change types that may free time (what freedBy reads). */
const WAKING = new Set(["booking", "staff", "location"]);
/** Changes arriving within this long wake one scan. */
const WAKE_DEBOUNCE_MS = 1_000;

/**
 * Between the minute's scans, this process's change feed wakes one as soon as a booking, stylist or
 * location changes (debounced; a waiting wake-up job is not queued twice), so a cancelled slot is
 * offered within seconds. Ends when the feed stops.
 */
async function wakeOnChanges(jobs: JobQueue, services: AppServices): Promise<void> {
  const feed = services.changeFeed;
  if (!feed) return;
  const sub = feed.subscribe({ after: feed.head, internal: true });
  let timer: ReturnType<typeof setTimeout> | null = null;
  void (async () => {
    try {
      for await (const e of sub) {
        if (!WAKING.has(e.entityType) || timer) continue;
        timer = setTimeout(() => {
          timer = null;
          jobs.send(WAITLIST_QUEUE, {}, { singletonKey: "wake" }).catch(() => {});
        }, WAKE_DEBOUNCE_MS);
        timer.unref?.();
      }
    } catch (e) {
      services.log.warn({ err: e }, "waitlist: change-feed wake-ups ended");
    } finally {
      if (timer) clearTimeout(timer);
    }
  })();
}

export async function registerWaitlistWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  // A scan cut short (the database restarting) runs again; a repeat offers nothing twice.
  await jobs.define({ name: WAITLIST_QUEUE, retryLimit: 2, retryDelaySeconds: 5, expireInSeconds: 300 });
  await jobs.work(WAITLIST_QUEUE, async () => {
    await scanFreedTime(services);
  });
  await jobs.boss.schedule(WAITLIST_QUEUE, "* * * * *");
  await wakeOnChanges(jobs, services);
}
