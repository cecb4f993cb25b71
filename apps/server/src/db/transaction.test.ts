import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendChange, CHANGE_LOG_LOCK } from "../changes/change-log.ts";
import { AppError } from "../errors/app-error.ts";
import { toHttp, toTrpcError } from "../errors/map-error.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { Tx } from "./client.ts";
import { beforeCommit, ContentionError, isContention, runTransaction } from "./transaction.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.$executeRawUnsafe("CREATE TABLE tx_probe (id int PRIMARY KEY, v int NOT NULL)");
  await t.db.$executeRawUnsafe("INSERT INTO tx_probe VALUES (1, 0), (2, 0)");
});
afterAll(() => t.drop());

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const deadlock = () =>
  Object.assign(new Error("deadlock"), {
    code: "P2010",
    meta: { driverAdapterError: { cause: { originalCode: "40P01", kind: "TransactionWriteConflict" } } },
  });

describe("isContention", () => {
  it("recognises deadlocks and serialization failures in every shape they arrive in", () => {
    expect(isContention({ code: "P2034" })).toBe(true);
    expect(isContention(deadlock())).toBe(true);
    expect(isContention({ code: "40001" })).toBe(true); // node-postgres
    expect(isContention({ code: "P2010", meta: { code: "40P01" } })).toBe(true);
    expect(isContention(new Error("wrapped", { cause: { code: "40P01" } }))).toBe(true);
    expect(isContention(new ContentionError(3, null))).toBe(true);
  });

  it("leaves other errors alone", () => {
    expect(isContention({ code: "P2002" })).toBe(false);
    expect(isContention({ code: "23P01" })).toBe(false);
    expect(isContention(new AppError("CONFLICT", "version"))).toBe(false);
    expect(isContention(null)).toBe(false);
  });
});

describe("runTransaction", () => {
  const begin = <T>(fn: (tx: object) => Promise<T>) => fn({});

  it("re-runs the callback after contention and returns its answer", async () => {
    let runs = 0;
    const out = await runTransaction(
      begin,
      async () => {
        if (++runs < 3) throw deadlock();
        return "ok";
      },
      undefined,
      FAST,
    );
    expect(out).toBe("ok");
    expect(runs).toBe(3);
  });

  it("gives up after the last attempt with ContentionError (CONFLICT, retryable)", async () => {
    let runs = 0;
    const err = await runTransaction(
      begin,
      async () => {
        runs++;
        throw deadlock();
      },
      undefined,
      FAST,
    ).catch((e) => e);
    expect(runs).toBe(3);
    expect(err).toBeInstanceOf(ContentionError);
    expect(err).toMatchObject({ code: "CONFLICT", details: { retryable: true }, attempts: 3 });
    expect(toHttp(err).status).toBe(409);
  });

  it("does not retry any other error", async () => {
    let runs = 0;
    const boom = new AppError("BAD_INPUT", "no");
    await expect(
      runTransaction(
        begin,
        async () => {
          runs++;
          throw boom;
        },
        undefined,
        FAST,
      ),
    ).rejects.toBe(boom);
    expect(runs).toBe(1);
  });
});

describe("db.$transaction (the client every write path uses)", () => {
  it("survives a real deadlock: the victim is re-run and both commit", async () => {
    let release!: () => void;
    const bothLocked = new Promise<void>((r) => {
      release = r;
    });
    let locked = 0;
    const arrive = async () => {
      if (++locked === 2) release();
      await bothLocked;
    };
    let runs = 0;
    const crossing = (first: number, second: number) =>
      t.db.$transaction(async (tx) => {
        runs++;
        await tx.$executeRaw`UPDATE tx_probe SET v = v + 1 WHERE id = ${first}`;
        if (runs <= 2) await arrive(); // only the first two runs meet; the re-run goes straight through
        await tx.$executeRaw`UPDATE tx_probe SET v = v + 1 WHERE id = ${second}`;
      });
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    expect(runs).toBe(3);
    const rows = await t.db.$queryRaw<{ v: number }[]>`SELECT v FROM tx_probe ORDER BY id`;
    expect(rows.map((r) => r.v)).toEqual([2, 2]);
  });

  it("answers contention that outlasts the retries as CONFLICT, never as an internal error", () => {
    const mapped = toTrpcError(deadlock());
    expect(mapped.code).toBe("CONFLICT");
    expect(toHttp({ code: "P2034" }).status).toBe(409);
  });

  it("runs before-commit hooks after the callback, in order", async () => {
    const seen: string[] = [];
    await t.db.$transaction(async (tx) => {
      expect(beforeCommit(tx, async () => void seen.push("hook 1"))).toBe(true);
      expect(beforeCommit(tx, async () => void seen.push("hook 2"))).toBe(true);
      seen.push("callback");
    });
    expect(seen).toEqual(["callback", "hook 1", "hook 2"]);
    expect(beforeCommit({}, async () => {})).toBe(false);
  });

  it("passes the array form through", async () => {
    const [a, b] = await t.db.$transaction([t.db.$queryRaw`SELECT 1 AS n`, t.db.$queryRaw`SELECT 2 AS n`]);
    expect([a, b]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
  });
});

describe("appendChange in a write transaction", () => {
  const heldChangeLogLock = (tx: Tx) =>
    tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = ${CHANGE_LOG_LOCK}`.then((r) => r[0]!.n);

  it("takes the change-log lock last: after every other statement, whatever the call order", async () => {
    const held: number[] = [];
    const id = `deferred-${Date.now()}`;
    await t.db.$transaction(async (tx) => {
      await appendChange(tx, { entityType: "booking", entityId: id, op: "upsert" });
      held.push(await heldChangeLogLock(tx)); // not yet
      await tx.$executeRaw`UPDATE tx_probe SET v = v + 1 WHERE id = 1`;
      await appendChange(tx, { entityType: "customer", entityId: id, op: "upsert" });
      held.push(await heldChangeLogLock(tx));
      beforeCommit(tx, async () => void held.push(await heldChangeLogLock(tx))); // after the flush
    });
    expect(held).toEqual([0, 0, 1]);
    const rows = await t.db.changeLog.findMany({ where: { entityId: id }, orderBy: { version: "asc" } });
    expect(rows.map((r) => r.entityType)).toEqual(["booking", "customer"]);
  });

  it("writes nothing when the transaction rolls back", async () => {
    const id = `rolled-back-${Date.now()}`;
    await expect(
      t.db.$transaction(async (tx) => {
        await appendChange(tx, { entityType: "booking", entityId: id, op: "upsert" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await t.db.changeLog.count({ where: { entityId: id } })).toBe(0);
  });

  it("outside a transaction, appends at once", async () => {
    const id = `bare-${Date.now()}`;
    await appendChange(t.db, { entityType: "booking", entityId: id, op: "upsert" });
    expect(await t.db.changeLog.count({ where: { entityId: id } })).toBe(1);
  });
});
