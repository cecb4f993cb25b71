// Worker thread for overhead.bench.ts: autocannon GETs in their own event loop, so the servers under
// test (bare Fastify and Cita's stack, each in the bench's main thread) do not also pay for the
// client's side of every request — which would understate the slower one least. Plain JS: Node 20
// workers cannot load TypeScript through tsx.
import { parentPort, workerData } from "node:worker_threads";
import autocannon from "autocannon";

const { url, connections, durationS } = workerData;
const opts = { url, connections, duration: durationS };
const raw = await autocannon(opts);
const r = autocannon.aggregateResult([raw], opts);
parentPort.postMessage({
  rps: raw.totalCompletedRequests / raw.duration,
  p50: r.latency.p50,
  p99: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors,
});
