import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { createJobQueue, type JobQueue } from "./job-queue.ts";

let t: TestDatabase;
const log = createLogger("silent");
const queues: JobQueue[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const q of queues) await q.stop().catch(() => {});
  await t.drop();
});

async function open(): Promise<JobQueue> {
  const q = createJobQueue(t.url, log, { pollingIntervalSeconds: 0.5 });
  queues.push(q);
  await q.start();
  await q.define({ name: "echo", retryLimit: 2, retryDelaySeconds: 1 });
  return q;
}

const until = async (check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("job queue (pg-boss on the same PostgreSQL)", () => {
  it("holds workers registered after deferWorkers() until they are started", async () => {
    const q = await open();
    const start = q.deferWorkers();
    await q.define({ name: "held" });
    const seen: string[] = [];
    await q.work<{ v: string }>("held", async (d) => {
      seen.push(d.v);
    });
    await q.send("held", { v: "a" });
    await new Promise((r) => setTimeout(r, 700));
    expect(seen).toEqual([]);
    await start();
    await until(() => seen.length === 1);
    expect(seen).toEqual(["a"]);
  });

  it("defines a queue once: the same settings again write nothing, changed ones are updated", async () => {
    const q = await open();
    await q.define({ name: "settings", retryLimit: 3 });
    const before = await q.boss.getQueue("settings");
    await q.define({ name: "settings", retryLimit: 3 });
    expect((await q.boss.getQueue("settings"))?.updatedOn).toEqual(before?.updatedOn);
    await q.define({ name: "settings", retryLimit: 4, expireInSeconds: 60 });
    const after = await q.boss.getQueue("settings");
    expect([after?.retryLimit, after?.expireInSeconds]).toEqual([4, 60]);
  });

  it("queues a keyed job once while the same one waits; other data or another key is queued", async () => {
    const q = await open();
    await q.define({ name: "later" });
    const later = new Date(Date.now() + 3_600_000);
    const data = { bookingId: "b1", at: later.toISOString() };
    const first = await q.send("later", data, { singletonKey: "hold:b1", startAfter: later });
    expect(first).toBeTruthy();
    expect(await q.send("later", data, { singletonKey: "hold:b1", startAfter: later })).toBeNull();
    await t.db.$transaction(async (tx) => {
      expect(await q.send("later", data, { singletonKey: "hold:b1", startAfter: later, tx })).toBeNull();
    });
    // A moved hold (other data) and another booking are queued.
    expect(await q.send("later", { ...data, at: "x" }, { singletonKey: "hold:b1", startAfter: later })).toBeTruthy();
    expect(await q.send("later", data, { singletonKey: "hold:b2", startAfter: later })).toBeTruthy();
    const rows = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'later' AND state = 'created'`;
    expect(rows[0]!.n).toBe(3);
  });

  it("enqueues inside a transaction: committed jobs run, rolled-back ones never exist", async () => {
    const q = await open();
    const seen: string[] = [];
    await q.work<{ v: string }>("echo", async (d) => {
      seen.push(d.v);
    });
    await t.db.$transaction(async (tx) => {
      await q.send("echo", { v: "committed" }, { tx });
    });
    await t.db
      .$transaction(async (tx) => {
        await q.send("echo", { v: "rolled back" }, { tx });
        throw new Error("abort");
      })
      .catch(() => {});
    await until(() => seen.includes("committed"));
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen).toEqual(["committed"]);
    await q.stop();
  });

  it("retries a failing job and survives a restart of the worker", async () => {
    const first = await open();
    await first.send("echo", { v: "later" });
    await first.stop(); // nobody worked it: it waits in the database
    const second = await open();
    let attempts = 0;
    await second.work<{ v: string }>("echo", async () => {
      attempts++;
      if (attempts === 1) throw new Error("flaky");
    });
    await until(() => attempts >= 2);
    expect(attempts).toBe(2);
  }, 30_000);
});
