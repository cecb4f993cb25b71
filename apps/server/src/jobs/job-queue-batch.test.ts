// workBatch: a worker takes several jobs at a time; a job its handler reports failed is retried
// alone, the others of its batch complete; a lone job still runs at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { createJobQueue, type JobQueue } from "./job-queue.ts";

let t: TestDatabase;
let q: JobQueue;
beforeAll(async () => {
  t = await createTestDatabase();
  q = createJobQueue(t.url, createLogger("silent"), { pollingIntervalSeconds: 0.5, concurrency: 2 });
  await q.start();
  await q.define({ name: "batched", retryLimit: 2, retryDelaySeconds: 1 });
});
afterAll(async () => {
  await q?.stop().catch(() => {});
  await t?.drop();
});

const until = async (check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("job queue: batches", () => {
  it("hands waiting jobs over together, retries only the one that failed", async () => {
    // Queued before any worker runs (and in one statement, inside a transaction): one batch.
    await t.db.$transaction(async (tx) => {
      await q.sendMany(
        "batched",
        ["a", "b", "bad", "c"].map((v) => ({ v })),
        { tx },
      );
    });
    const batches: string[][] = [];
    let badTries = 0;
    await q.workBatch<{ v: string }>(
      "batched",
      async (jobs) => {
        batches.push(jobs.map((j) => j.data.v));
        return jobs.map((j) => {
          if (j.data.v !== "bad") return null;
          badTries++;
          return badTries === 1 ? new Error("not yet") : null;
        });
      },
      { batchSize: 10 },
    );
    await until(() => badTries === 2);
    expect(batches[0]!.sort()).toEqual(["a", "b", "bad", "c"]);
    expect(batches.slice(1)).toEqual([["bad"]]);
    const rows = await t.db.$queryRaw<{ v: string; state: string; retry_count: number }[]>`
      SELECT data->>'v' AS v, state::text, retry_count FROM pgboss.job WHERE name = 'batched' ORDER BY 1`;
    expect(rows.filter((r) => r.v !== "bad").map((r) => r.state)).toEqual(["completed", "completed", "completed"]);
    expect(rows.find((r) => r.v === "bad")!.retry_count).toBe(1);

    // A lone job is picked up at once (woken by its send), not at the next poll.
    const sent = Date.now();
    await q.sendMany("batched", [{ v: "lone" }]);
    await until(() => batches.some((b) => b.includes("lone")), 5_000);
    expect(Date.now() - sent).toBeLessThan(400);
  });
});
