// Faults survived for real, in separate processes: Cita killed with SIGKILL between a webhook's 200
// and its processing (processed after the restart, once), and its PostgreSQL stopped and started
// again under traffic (/readyz 503 while it is down and 200 after, the server reconnects by itself,
// no accepted webhook or job is lost, an open console stream carries on).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMeta } from "../apps/server/src/channels/fakes/fake-meta.ts";
import { type EmbeddedPg, ensureDatabase, startEmbeddedPostgres } from "../apps/server/src/db/embedded.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import {
  countsByPhone,
  deliver,
  type Instance,
  killHard,
  login,
  openChangeStream,
  removeInstance,
  repliesTo,
  sharedEnv,
  sql,
  startFakeMeta,
  startInstance,
  TAKEOVER_SECONDS,
  until,
  whatsappText,
  workersRunning,
} from "./instances-support.ts";

let meta: FakeMeta;
beforeAll(async () => {
  meta = await startFakeMeta();
});
afterAll(async () => {
  await meta?.stop();
});

/** Every phone: its one message stored once and answered in one turn, each reply sent once. */
async function expectAnsweredOnce(databaseUrl: string, phones: string[], prefix: string) {
  const counts = await countsByPhone(databaseUrl);
  let replies = 0;
  for (const phone of phones) {
    const c = counts.get(phone);
    expect(c, phone).toMatchObject({ inbound: 1, answered: 1, turns: 1 });
    expect(c!.outbound, phone).toBeGreaterThan(0);
    expect(c!.sent, phone).toBe(c!.outbound);
    expect(repliesTo(meta, phone), phone).toHaveLength(c!.outbound);
    replies += c!.outbound;
  }
  const events = await sql<{ status: string; n: number }>(
    databaseUrl,
    `SELECT status::text, count(*)::int AS n FROM webhook_event WHERE dedup_key LIKE $1 GROUP BY status`,
    [`%wamid.${prefix}%`],
  );
  expect(events).toEqual([{ status: "processed", n: phones.length }]);
  return replies;
}

const answered = (databaseUrl: string, phones: string[]) => async () => {
  const c = await countsByPhone(databaseUrl);
  return phones.every((p) => {
    const x = c.get(p);
    return x && x.answered === 1 && x.outbound > 0 && x.sent === x.outbound;
  });
};

describe("kill -9 between a webhook's 200 and its processing", () => {
  let t: TestDatabase;
  let first: Instance | undefined;
  let second: Instance | undefined;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await removeInstance(first);
    await removeInstance(second);
    await t?.drop();
  });

  it("the deliveries are processed after the restart, each once", async () => {
    const env = sharedEnv(t.url, meta.url);
    first = await startInstance("killed", { ...env, CITA_SEED_DEMO: "true" });
    await workersRunning(t.url);
    // Processing is held up (no message can be written while this lock is held), so the kill lands
    // after the 200s and before any of the deliveries is processed.
    const blocker = new pg.Client({ connectionString: t.url });
    blocker.on("error", () => {}); // ended with the database when the test fails
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE message IN SHARE MODE");
    const phones = Array.from({ length: 5 }, (_, i) => `346030${String(i).padStart(4, "0")}`);
    for (const phone of phones) {
      expect(await deliver(first.url, whatsappText(phone, "hola", `wamid.346030.${phone}`))).toBe(200);
    }
    // A worker has taken the deliveries' job and is waiting on the lock.
    await until("processing blocked on the lock", async () => {
      const [r] = await sql<{ n: number }>(
        t.url,
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE c.relname = 'message' AND NOT l.granted`,
      );
      return r!.n > 0;
    }).catch(async (e) => {
      console.log(
        "webhook jobs:",
        await sql(t.url, "SELECT state::text FROM pgboss.job WHERE name = 'channels-webhook'"),
      );
      throw e;
    });
    await killHard(first);
    await blocker.query("ROLLBACK");
    await blocker.end();
    const [before] = await sql<{ received: number; messages: number }>(
      t.url,
      `SELECT (SELECT count(*)::int FROM webhook_event WHERE status = 'received') AS received,
              (SELECT count(*)::int FROM message) AS messages`,
    );
    expect(before).toEqual({ received: phones.length, messages: 0 });

    const restartedAt = Date.now();
    second = await startInstance("restarted", { ...env, CITA_SEED_DEMO: "false" });
    await until("every delivery answered", answered(t.url, phones), (TAKEOVER_SECONDS * 3 + 75) * 1000);
    console.log(
      `kill -9 before processing: all ${phones.length} deliveries answered ${Date.now() - restartedAt} ms after the restart began`,
    );
    await expectAnsweredOnce(t.url, phones, "346030");
  }, 180_000);
});

describe("PostgreSQL stopped and started again under traffic", () => {
  let pgDir: string;
  let pgPort: number;
  let server: EmbeddedPg | undefined;
  let cita: Instance | undefined;
  let dbUrl = "";

  beforeAll(async () => {
    pgDir = await mkdtemp(join(tmpdir(), "cita-faults-pg-"));
    pgPort = await freePort();
    server = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    dbUrl = await ensureDatabase(server.url, "cita");
  }, 60_000);
  afterAll(async () => {
    await removeInstance(cita);
    await server?.stop();
    if (pgDir) await rm(pgDir, { recursive: true, force: true });
  });

  it("/readyz says 503 while it is down and 200 after; nothing accepted is lost; streams resume", async () => {
    cita = await startInstance("pg-restart", { ...sharedEnv(dbUrl, meta.url), CITA_SEED_DEMO: "true" });
    await workersRunning(dbUrl);
    const url = cita.url;
    const token = await login(url);
    const stream = openChangeStream(url, token);
    await until("stream connected", async () => stream.connections > 0, 10_000);

    // Customers keep writing, one new one every 100 ms; a delivery that is not answered 200 is sent
    // again (as Meta retries) until it is.
    const accepted: string[] = [];
    const sentAfterRestart: string[] = [];
    let refused = 0;
    let running = true;
    let restarted = false;
    const traffic = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; running; i++) {
        const phone = `346040${String(i).padStart(4, "0")}`;
        const after = restarted;
        inFlight.push(
          (async () => {
            for (;;) {
              const status = await deliver(url, whatsappText(phone, "hola", `wamid.346040.${phone}`));
              if (status === 200) break;
              refused++;
              await new Promise((r) => setTimeout(r, 500));
            }
            accepted.push(phone);
            if (after) sentAfterRestart.push(phone);
          })(),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all(inFlight);
    })();

    const readyz = async () => (await fetch(`${url}/readyz`).catch(() => null))?.status ?? 0;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await readyz()).toBe(200);
    const stoppedAt = Date.now();
    await server!.stop();
    // Down: not ready (a load balancer takes the instance out), deliveries refused for a retry.
    const seen: number[] = [];
    await until(
      "readyz 503",
      async () => {
        const s = await readyz();
        seen.push(s);
        return s === 503;
      },
      10_000,
    ).catch((e) => {
      console.log("readyz answers:", seen, cita!.output().slice(-3000));
      throw e;
    });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await readyz()).toBe(503);
    server = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    const upAt = Date.now();
    await until("readyz 200", async () => (await readyz()) === 200, 30_000);
    console.log(`PostgreSQL down ${upAt - stoppedAt} ms; /readyz 200 again ${Date.now() - upAt} ms after it was back`);
    restarted = true;
    await new Promise((r) => setTimeout(r, 2_000));
    running = false;
    await traffic;
    expect(refused).toBeGreaterThan(0);
    expect(sentAfterRestart.length).toBeGreaterThan(0);

    await until("every accepted delivery answered", answered(dbUrl, accepted), 90_000);
    const replies = await expectAnsweredOnce(dbUrl, accepted, "346040");
    console.log(`${accepted.length} deliveries accepted (${refused} refusals retried), ${replies} replies, all once`);
    // The console's stream carried on: it shows the conversations of customers who wrote after the restart.
    const convs = await sql<{ id: string }>(
      dbUrl,
      "SELECT id::text FROM conversation WHERE external_id = ANY($1::text[])",
      [sentAfterRestart],
    );
    for (const c of convs) await stream.waitFor((e) => e.data.entityId === c.id, 10_000);
    console.log(`console stream: ${stream.events.length} events over ${stream.connections} connection(s)`);
    stream.close();
    // Each version once, in order, across the outage (and any reconnect).
    const versions = stream.events.map((e) => BigInt(e.id!));
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
    // No job was lost or left failed by the outage.
    const failed = await sql<{ name: string; n: number }>(
      dbUrl,
      "SELECT name, count(*)::int AS n FROM pgboss.job WHERE state = 'failed' GROUP BY name",
    );
    expect(failed).toEqual([]);
    // The server reconnected by itself: still the same process, which logged no crash.
    expect(cita.proc.exitCode).toBeNull();
  }, 180_000);
});
