// The group-commit intake (intake.ts): concurrent deliveries share statements, each is answered
// once its row and its processing job are committed, duplicates are stored once, a delivery
// PostgreSQL refuses fails alone, and the jobs it writes are the ones pg-boss's own send writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { QUEUES } from "./deps.ts";
import { createDeliveryIntake, type Delivery, orderedUuid } from "./intake.ts";
import { type ChannelsHarness, startChannelsHarness } from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;

beforeAll(async () => {
  t = await createTestDatabase();
  // Queues defined, no workers: the jobs stay where the intake put them.
  h = await startChannelsHarness(t, { workers: false });
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

let n = 0;
const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  source: "whatsapp_cloud",
  dedupKey: `wamid:intake-${n++}`,
  headers: { "content-type": "application/json" },
  rawBody: JSON.stringify({ object: "whatsapp_business_account", entry: [], n }),
  process: true,
  ...over,
});

const jobsFor = (eventIds: string[]) =>
  t.db.$queryRaw<{ id: string; event_id: string }[]>`
    SELECT id::text, data->>'eventId' AS event_id FROM pgboss.job
     WHERE name = ${QUEUES.webhook} AND data->>'eventId' = ANY(${eventIds}::text[])`;

describe("webhook intake", () => {
  it("stores concurrent deliveries together, each with its job; duplicates once", async () => {
    const intake = createDeliveryIntake({ ...h.services, jobs: h.jobs });
    const ds = Array.from({ length: 40 }, () => delivery());
    // The same delivery twice in one burst, and one already stored by an earlier request.
    const before = await intake.store(delivery({ dedupKey: "wamid:intake-early" }));
    const results = await Promise.all([
      ...ds.map((d) => intake.store(d)),
      intake.store({ ...ds[3]! }),
      intake.store(delivery({ dedupKey: "wamid:intake-early" })),
      intake.store(delivery({ process: false, ignoredReason: "no messages or statuses" })),
    ]);
    expect(before.duplicate).toBe(false);
    const fresh = results.slice(0, 40);
    expect(fresh.every((r) => !r.duplicate && r.eventId && r.needsProcessing)).toBe(true);
    expect(results[40]).toEqual({ duplicate: true, eventId: null, needsProcessing: false });
    expect(results[41]).toEqual({ duplicate: true, eventId: null, needsProcessing: false });
    const ignored = results[42]!;
    expect(ignored.duplicate).toBe(false);
    expect(ignored.needsProcessing).toBe(false);

    const ids = fresh.map((r) => r.eventId!);
    const rows = await t.db.webhookEvent.findMany({ where: { id: { in: ids } } });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.dedupKey))).toEqual(new Set(ds.map((d) => d.dedupKey)));
    expect(rows.every((r) => r.status === "received")).toBe(true);
    // Group commit: the burst took fewer statements than deliveries (rows of one statement share now()).
    expect(new Set(rows.map((r) => r.receivedAt.getTime())).size).toBeLessThan(40);
    const jobs = await jobsFor([...ids, before.eventId!]);
    expect(jobs.map((j) => j.event_id).sort()).toEqual([...ids, before.eventId!].sort());
    // Nothing is queued for a delivery that is stored as ignored.
    expect(await jobsFor([ignored.eventId!])).toHaveLength(0);
    const stored = await t.db.webhookEvent.findUniqueOrThrow({ where: { id: ignored.eventId! } });
    expect(stored.status).toBe("ignored");
    expect(stored.processedAt).not.toBeNull();
    expect(stored.lastError).toBe("no messages or statuses");
    expect(await t.db.webhookEvent.count({ where: { dedupKey: "wamid:intake-early" } })).toBe(1);
  });

  it("writes the job pg-boss's own send writes", async () => {
    const intake = createDeliveryIntake({ ...h.services, jobs: h.jobs });
    const r = await intake.store(delivery());
    const sent = await h.jobs!.send(QUEUES.webhook, { eventId: "compare" });
    const cols = await t.db.$queryRaw<Record<string, unknown>[]>`
      SELECT data->>'eventId' AS event, name, priority, state::text, retry_limit, retry_count, retry_delay,
             retry_backoff, singleton_key, singleton_on, expire_in::text, dead_letter, policy,
             (keep_until - start_after)::text AS kept, start_after <= now() AS due
        FROM pgboss.job WHERE id IN (${sent}::uuid, (SELECT id FROM pgboss.job WHERE data->>'eventId' = ${r.eventId}))`;
    expect(cols).toHaveLength(2);
    const [a, b] = cols.map(({ event: _, ...rest }) => rest);
    expect(a).toEqual(b);
  });

  it("a delivery PostgreSQL refuses fails alone; the rest of its batch is stored", async () => {
    const intake = createDeliveryIntake({ ...h.services, jobs: h.jobs });
    const good = Array.from({ length: 5 }, () => delivery());
    // Text with a NUL cannot be stored by PostgreSQL.
    const bad = delivery({ rawBody: "{\u0000}" });
    const settled = await Promise.allSettled([
      intake.store(delivery()), // goes alone; the others queue behind it and form one batch
      ...good.slice(0, 2).map((d) => intake.store(d)),
      intake.store(bad),
      ...good.slice(2).map((d) => intake.store(d)),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(await t.db.webhookEvent.count({ where: { dedupKey: { in: good.map((d) => d.dedupKey) } } })).toBe(5);
    expect(await t.db.webhookEvent.count({ where: { dedupKey: bad.dedupKey } })).toBe(0);
  });

  it("without a job queue, stores the rows for the sweep", async () => {
    const intake = createDeliveryIntake({ ...h.services, jobs: undefined });
    const r = await intake.store(delivery());
    expect(r.needsProcessing).toBe(true);
    expect(await jobsFor([r.eventId!])).toHaveLength(0);
    expect((await t.db.webhookEvent.findUniqueOrThrow({ where: { id: r.eventId! } })).status).toBe("received");
  });

  it("makes ids that sort in the order they were made", () => {
    const ids = Array.from({ length: 10_000 }, () => orderedUuid());
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(
      true,
    );
  });
});
