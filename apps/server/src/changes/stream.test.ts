// changes.stream over real HTTP/SSE with the real tRPC client (httpSubscriptionLink + EventSource).
import { randomUUID } from "node:crypto";
import { createServer, type Server, Socket } from "node:net";
import { createTRPCClient, httpSubscriptionLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "../generated/prisma/enums.ts";
import type { AppServices } from "../services.ts";
import { accessTokenFor, startTestServer, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { AppRouter } from "../trpc/router.ts";
import { type ChangeEvent, ChangeFeed } from "./feed.ts";
import { commitChange, deferred, waitFor } from "./test-support.ts";

let t: TestDatabase;
let services: AppServices;
let feed: ChangeFeed;
let server: { app: FastifyInstance; url: string };

beforeAll(async () => {
  t = await createTestDatabase();
  feed = new ChangeFeed({ url: t.url, db: t.db, log: testServices(t).log, pollIntervalMs: 1000 });
  await feed.start();
  services = { ...testServices(t), changeFeed: feed };
  server = await startTestServer(services);
});

afterAll(async () => {
  await server?.app.close(); // also stops the feed (preClose)
  await t?.drop();
});

function tokenFor(role: StaffRole) {
  return accessTokenFor({ staffId: randomUUID(), role, locationId: randomUUID() }, services);
}

/** A console's tRPC client: SSE through the `eventsource` package, bearer token on every request. */
function consoleClient(baseUrl: string, token: string | null) {
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${baseUrl}/trpc`,
        EventSource,
        eventSourceOptions: () => ({
          fetch: (input, init) =>
            fetch(input, {
              ...init,
              headers: { ...(init?.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
            }),
        }),
      }),
    ],
  });
}

interface Received {
  id: string;
  data: ChangeEvent;
}

/** Subscribes and records every event; `until(n)` resolves when n events have arrived. */
function record(client: ReturnType<typeof consoleClient>, input: { lastEventId?: string; locationId?: string } = {}) {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const started = deferred();
  const failed = deferred<unknown>();
  const sub = client.changes.stream.subscribe(input, {
    onStarted: () => started.resolve(),
    onData: (d) => {
      got.push({ id: d.id, data: d.data as ChangeEvent });
      for (const w of waiters.filter((w) => got.length >= w.n)) w.resolve();
    },
    onError: (err) => failed.resolve(err),
  });
  return {
    got,
    started: started.promise,
    failed: failed.promise,
    unsubscribe: () => sub.unsubscribe(),
    async until(n: number, timeoutMs = 10_000) {
      if (got.length >= n) return;
      const d = deferred();
      waiters.push({ n, resolve: d.resolve });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`got ${got.length}/${n} events`)), timeoutMs);
      });
      await Promise.race([d.promise, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** A TCP proxy in front of the server whose link can be cut (sockets destroyed, port closed). */
async function cuttableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let srv: Server;
  let listenPort = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      srv = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        upstream.connect(Number(port), hostname, () => {
          client.pipe(upstream).pipe(client);
        });
      });
      srv.once("error", reject);
      srv.listen(listenPort, "127.0.0.1", () => {
        listenPort = (srv.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${listenPort}`;
    },
    /** Drops every connection and refuses new ones. */
    async cut() {
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
    close: () => new Promise<void>((resolve) => (srv.listening ? srv.close(() => resolve()) : resolve())),
  };
}

const versionsOf = (got: Received[]) => got.map((g) => BigInt(g.id));

describe("changes.stream over SSE", () => {
  it("a console receives changes committed after it subscribed, in version order", async () => {
    const client = consoleClient(server.url, tokenFor("front_desk"));
    const rec = record(client);
    await rec.started; // the server subscribed before the stream opened
    const committed: bigint[] = [];
    for (let i = 0; i < 10; i++) committed.push(await commitChange(t.db, { data: { i } }));
    await rec.until(10);
    expect(versionsOf(rec.got)).toEqual(committed);
    expect(rec.got.every((g) => g.id === g.data.version)).toBe(true);
    expect(rec.got[3]!.data).toMatchObject({ entityType: "booking", op: "upsert", data: { i: 3 } });
    rec.unsubscribe();
    await waitFor(() => feed.subscriberCount === 0, 5_000, "the server to drop the subscription");
  });

  it("acceptance: disconnected for 30 s while 50 changes commit, the console gets all 50 on reconnect, once each, in order", {
    timeout: 90_000,
  }, async () => {
    const proxy = await cuttableProxy(server.url);
    const client = consoleClient(proxy.url, tokenFor("manager"));
    const rec = record(client);
    await rec.started;
    const first = await commitChange(t.db);
    await rec.until(1);
    expect(versionsOf(rec.got)).toEqual([first]);

    await proxy.cut();
    await waitFor(() => feed.subscriberCount === 0, 10_000, "the server to see the console go");
    const missed: bigint[] = [];
    const writing = (async () => {
      for (let i = 0; i < 50; i++) {
        missed.push(await commitChange(t.db, { data: { i } }));
        await new Promise((r) => setTimeout(r, 500)); // spread the 50 writes over the outage
      }
    })();
    await new Promise((r) => setTimeout(r, 30_000)); // the deliberate 30 s outage
    await writing;
    expect(rec.got).toHaveLength(1); // nothing arrived while cut off

    // The EventSource reconnects by itself, sending the last event id it saw.
    await proxy.restore();
    await rec.until(51, 20_000);
    const after = await commitChange(t.db);
    await rec.until(52);
    expect(versionsOf(rec.got)).toEqual([first, ...missed, after]);
    expect(new Set(rec.got.map((g) => g.id)).size).toBe(52);
    rec.unsubscribe();
    await proxy.close();
  });

  it("a new subscription with lastEventId replays what it missed, then goes live", async () => {
    const client = consoleClient(server.url, tokenFor("owner"));
    const base = await commitChange(t.db);
    const missed = [await commitChange(t.db), await commitChange(t.db), await commitChange(t.db)];
    const rec = record(client, { lastEventId: String(base) });
    await rec.until(3);
    const live = await commitChange(t.db);
    await rec.until(4);
    expect(versionsOf(rec.got)).toEqual([...missed, live]);
    rec.unsubscribe();
  });

  it("refuses anonymous callers and roles without calendar.read", async () => {
    for (const token of [null, "not-a-token", tokenFor("stylist")]) {
      const rec = record(consoleClient(server.url, token));
      const err = await rec.failed;
      expect(err).toBeInstanceOf(TRPCClientError);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe(
        token === null || token === "not-a-token" ? "UNAUTHORIZED" : "FORBIDDEN",
      );
      rec.unsubscribe();
    }
    expect(feed.subscriberCount).toBe(0);
  });

  it("app.close() ends open SSE streams instead of waiting on them", async () => {
    const t2 = await createTestDatabase();
    const feed2 = new ChangeFeed({ url: t2.url, db: t2.db, log: services.log });
    await feed2.start();
    const s2 = { ...testServices(t2), changeFeed: feed2 };
    const srv2 = await startTestServer(s2);
    const rec = record(
      consoleClient(srv2.url, accessTokenFor({ staffId: randomUUID(), role: "owner", locationId: randomUUID() }, s2)),
    );
    await rec.started;
    expect(feed2.subscriberCount).toBe(1);
    const started = Date.now();
    await srv2.app.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(feed2.subscriberCount).toBe(0);
    rec.unsubscribe();
    await t2.drop();
  });
});
