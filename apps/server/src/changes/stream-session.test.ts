// An open changes.stream follows its session: signing out or disabling the staff member ends the
// stream with UNAUTHORIZED within seconds, on real HTTP/SSE with real sign-ins.
import { createTRPCClient, httpLink, httpSubscriptionLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoSalon } from "../db/seed.ts";
import type { AppServices } from "../services.ts";
import { startTestServer, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { AppRouter } from "../trpc/router.ts";
import { STREAM_SESSION_CHECK_MS } from "../trpc/routers/changes.ts";
import { ChangeFeed } from "./feed.ts";
import { deferred } from "./test-support.ts";

let t: TestDatabase;
let feed: ChangeFeed;
let services: AppServices;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoSalon(t.db, t.fc, { now: new Date() });
  feed = new ChangeFeed({ url: t.url, db: t.db, log: testServices(t).log, pollIntervalMs: 1000 });
  await feed.start();
  services = { ...testServices(t, () => new Date()), changeFeed: feed };
  server = await startTestServer(services);
}, 120_000);

afterAll(async () => {
  await server?.app.close();
  await t?.drop();
});

function clients(token: string) {
  const headers = () => ({ authorization: `Bearer ${token}` });
  return createTRPCClient<AppRouter>({
    links: [
      (rt) => {
        const sse = httpSubscriptionLink({
          url: `${server.url}/trpc`,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers ?? {}), ...headers() } }),
          }),
        })(rt);
        const http = httpLink({ url: `${server.url}/trpc`, headers })(rt);
        return (op) => (op.op.type === "subscription" ? sse(op) : http(op));
      },
    ],
  });
}

async function signIn(email: string, password: string) {
  const anon = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });
  return (await anon.auth.login.mutate({ email, password })).accessToken;
}

function openStream(token: string) {
  const started = deferred();
  const failed = deferred<unknown>();
  const sub = clients(token).changes.stream.subscribe(
    {},
    { onStarted: () => started.resolve(), onError: (e) => failed.resolve(e) },
  );
  return { started: started.promise, failed: failed.promise, unsubscribe: () => sub.unsubscribe() };
}

async function endsWithin(stream: ReturnType<typeof openStream>, ms: number) {
  const at = Date.now();
  const err = await Promise.race([
    stream.failed,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`stream still open after ${ms} ms`)), ms)),
  ]);
  expect(err).toBeInstanceOf(TRPCClientError);
  expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  return Date.now() - at;
}

describe("an open stream follows its session", () => {
  it("signing out ends the stream within seconds", async () => {
    const token = await signIn("desk@cita.demo", "cita-desk-demo");
    const stream = openStream(token);
    await stream.started;
    const before = feed.subscriberCount;
    await clients(token).auth.logout.mutate();
    const took = await endsWithin(stream, STREAM_SESSION_CHECK_MS + 3_000);
    expect(took).toBeLessThan(STREAM_SESSION_CHECK_MS + 3_000);
    await expect.poll(() => feed.subscriberCount).toBe(before - 1);
    stream.unsubscribe();
  });

  it("disabling the staff member ends their stream; another person's stream stays open", async () => {
    const desk = openStream(await signIn("desk@cita.demo", "cita-desk-demo"));
    const manager = openStream(await signIn("manager@cita.demo", "cita-manager-demo"));
    await Promise.all([desk.started, manager.started]);
    await t.db.staffMember.update({ where: { email: "desk@cita.demo" }, data: { disabledAt: new Date() } });
    await endsWithin(desk, STREAM_SESSION_CHECK_MS + 3_000);
    let managerFailed = false;
    void manager.failed.then(() => (managerFailed = true));
    await new Promise((r) => setTimeout(r, STREAM_SESSION_CHECK_MS + 500));
    expect(managerFailed).toBe(false);
    desk.unsubscribe();
    manager.unsubscribe();
  });
});
