// The in-process change feed on a real PostgreSQL: NOTIFY wake-ups, the fallback poll, replay,
// concurrent writers, slow subscribers, and a dropped LISTEN connection.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolConfigFromUrl } from "../db/url.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { appendChangeNow } from "./change-log.ts";
import { ChangeFeed, type ChangeFeedOptions, FEED_APPLICATION_NAME } from "./feed.ts";
import { commitChange, take, waitFor } from "./test-support.ts";

let t: TestDatabase;
const feeds: ChangeFeed[] = [];
const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

async function startFeed(opts: Partial<ChangeFeedOptions> = {}): Promise<ChangeFeed> {
  const feed = new ChangeFeed({ url: t.url, db: t.db, log, ...opts });
  feeds.push(feed);
  await feed.start();
  return feed;
}

const versions = (events: { version: string }[]) => events.map((e) => BigInt(e.version));

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  for (const f of feeds) await f.stop();
  await t?.drop();
});

describe("ChangeFeed", () => {
  it("delivers changes committed after subscribing, in version order, woken by NOTIFY", async () => {
    // A poll far longer than the test: delivery can only come from the NOTIFY wake-up.
    const feed = await startFeed({ pollIntervalMs: 600_000 });
    const sub = feed.subscribe();
    const locationId = randomUUID();
    const committed: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      committed.push(await commitChange(t.db, { entityType: "customer", locationId, data: { i } }));
    }
    const got = await take(sub, 5);
    expect(versions(got)).toEqual(committed);
    expect(got[0]).toMatchObject({ entityType: "customer", op: "upsert", locationId, data: { i: 0 } });
    expect(new Date(got[0]!.at).toString()).not.toBe("Invalid Date");
    sub.close();
  });

  it("does not deliver rolled-back changes", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000 });
    const sub = feed.subscribe();
    await expect(
      t.db.$transaction(async (tx) => {
        await appendChangeNow(tx, { entityType: "booking", entityId: "rolled-back", op: "upsert" });
        throw new Error("abort the transaction");
      }),
    ).rejects.toThrow("abort the transaction");
    const after = await commitChange(t.db, { entityId: "kept" });
    const [e] = await take(sub, 1);
    expect(e).toMatchObject({ entityId: "kept", version: String(after) });
    sub.close();
  });

  it("falls back to polling when a NOTIFY is missed", async () => {
    const feed = await startFeed({ pollIntervalMs: 200 });
    const sub = feed.subscribe();
    // Written behind appendChange's back: no pg_notify, so only the poll can find it.
    const [row] = await t.db.$queryRaw<{ version: bigint }[]>`
      INSERT INTO change_log (entity_type, entity_id, op) VALUES ('service', 'no-notify', 'upsert') RETURNING version`;
    const [e] = await take(sub, 1, 5_000);
    expect(e).toMatchObject({ entityType: "service", entityId: "no-notify", version: String(row!.version) });
    sub.close();
  });

  it("replays from a version, then continues live without a gap or a duplicate", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000, pageSize: 3 });
    const before: bigint[] = [];
    for (let i = 0; i < 7; i++) before.push(await commitChange(t.db));
    await waitFor(() => feed.head >= before.at(-1)!, 5_000, "feed to reach the last version");
    const sub = feed.subscribe({ after: before[1] });
    const live = [await commitChange(t.db), await commitChange(t.db)];
    const got = await take(sub, 7);
    expect(versions(got)).toEqual([...before.slice(2), ...live]);
    sub.close();
  });

  it("filters by location, keeping location-less changes", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000 });
    const here = randomUUID();
    const elsewhere = randomUUID();
    const sub = feed.subscribe({ locationId: here });
    const a = await commitChange(t.db, { locationId: here });
    await commitChange(t.db, { locationId: elsewhere });
    const c = await commitChange(t.db, { entityType: "customer", locationId: null });
    const got = await take(sub, 2);
    expect(versions(got)).toEqual([a, c]);
    // And on replay from the table.
    const replay = feed.subscribe({ after: a - 1n, locationId: here });
    expect(versions(await take(replay, 2))).toEqual([a, c]);
    sub.close();
    replay.close();
  });

  it("20 concurrent writers: every version exactly once, ascending", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000 });
    const sub = feed.subscribe();
    const committed = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.$transaction(async (tx) => {
          // Interleave: some transactions do other work before appending, some after.
          await tx.$executeRawUnsafe(`SELECT pg_sleep(${(i % 5) * 0.01})`);
          const v1 = await appendChangeNow(tx, { entityType: "booking", entityId: `w${i}`, op: "upsert" });
          const v2 = await appendChangeNow(tx, { entityType: "customer", entityId: `w${i}`, op: "upsert" });
          return [v1, v2];
        }),
      ),
    );
    const expected = committed.flat().sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(new Set(expected).size).toBe(40);
    const got = versions(await take(sub, 40));
    expect(got).toEqual(expected);
    sub.close();
  });

  it("a slow subscriber does not hold up others and later gets everything from the table", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000, bufferSize: 4, pageSize: 8 });
    const slow = feed.subscribe();
    const fast = feed.subscribe();
    const committed: bigint[] = [];
    const fastGot = take(fast, 50);
    for (let i = 0; i < 50; i++) committed.push(await commitChange(t.db));
    // The fast one gets all 50 while the slow one has read nothing (its buffer overflowed at 4).
    expect(versions(await fastGot)).toEqual(committed);
    expect(feed.bufferedEvents).toBe(4); // the slow one's full buffer; the other 46 stay in the table
    // The slow one now reads: 4 from its buffer, the rest from change_log, then rejoins live.
    const extra = await commitChange(t.db);
    expect(versions(await take(slow, 51))).toEqual([...committed, extra]);
    const more = await commitChange(t.db);
    expect(versions(await take(slow, 1))).toEqual([more]);
    expect(versions(await take(fast, 2))).toEqual([extra, more]);
    slow.close();
    fast.close();
  });

  it("reconnects after the LISTEN connection drops and is woken by NOTIFY again", async () => {
    const feed = await startFeed({ pollIntervalMs: 600_000, reconnectDelayMs: 50 });
    const sub = feed.subscribe();
    expect(feed.listening).toBe(true);
    const admin = new pg.Client(poolConfigFromUrl(t.url));
    await admin.connect();
    try {
      // What a PostgreSQL restart does to the connection: the backend goes away.
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
        [FEED_APPLICATION_NAME],
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
      await waitFor(() => !feed.listening, 5_000, "the feed to notice the drop");
      // Committed while the feed is not listening: picked up by the read after reconnecting.
      const during = await commitChange(t.db);
      await waitFor(() => feed.listening, 10_000, "the feed to reconnect");
      const after = await commitChange(t.db);
      expect(versions(await take(sub, 2, 5_000))).toEqual([during, after]);
    } finally {
      await admin.end();
      sub.close();
    }
  });

  it("ends subscriptions on stop and on abort", async () => {
    const feed = new ChangeFeed({ url: t.url, db: t.db, log });
    await feed.start();
    const ac = new AbortController();
    const aborted = feed.subscribe({ signal: ac.signal });
    const stopped = feed.subscribe();
    const pendingAborted = aborted.next();
    const pendingStopped = stopped.next();
    ac.abort();
    expect(await pendingAborted).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(1);
    await feed.stop();
    expect(await pendingStopped).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(0);
    expect(feed.listening).toBe(false);
    expect((await feed.subscribe().next()).done).toBe(true);
  });
});
