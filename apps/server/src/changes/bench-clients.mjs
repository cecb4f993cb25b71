// Worker thread for feed.bench.ts: N consoles (tRPC httpSubscriptionLink + EventSource) in their
// own event loop, as they would be on their own machines. Posts each arrival with an absolute
// high-resolution timestamp. Plain JS: Node 20 workers cannot load TypeScript through tsx.
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";

const { url, token, count } = workerData;
const now = () => performance.timeOrigin + performance.now();

const client = createTRPCClient({
  links: [
    httpSubscriptionLink({
      url: `${url}/trpc`,
      EventSource,
      eventSourceOptions: () => ({
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers ?? {}), authorization: `Bearer ${token}` } }),
      }),
    }),
  ],
});

const subs = [];
let started = 0;
for (let i = 0; i < count; i++) {
  subs.push(
    client.changes.stream.subscribe(
      {},
      {
        onStarted: () => {
          if (++started === count) parentPort.postMessage({ type: "ready" });
        },
        onData: (d) => parentPort.postMessage({ type: "data", version: d.id, at: now() }),
        onError: (err) => parentPort.postMessage({ type: "error", message: String(err) }),
      },
    ),
  );
}

parentPort.on("message", (m) => {
  if (m.type === "stop") {
    for (const s of subs) s.unsubscribe();
    parentPort.close();
  }
});
