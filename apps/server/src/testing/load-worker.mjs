// Worker thread for the HTTP benches (overhead.bench.ts, webhook.bench.ts): the load generator
// (autocannon) in its own event loop, as real clients are other processes, so the server under
// test does not also pay for building and parsing the client's side of every request. Plain JS:
// Node 20 workers cannot load TypeScript through tsx.
//
// Without `template`: plain GETs of `url`. With it (webhook.bench.ts): each request is a Meta
// notification with a new wamid (the body from the bench's template with the id put in) signed as
// Meta signs: X-Hub-Signature-256 = sha256=<HMAC-SHA256(body, secret)>. Posts back autocannon's
// figures and, with `track`, the dedup keys of the deliveries answered 200.
import { createHmac, randomUUID } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import autocannon from "autocannon";

const { url, connections, durationS, rate, track, template, secret } = workerData;
const [head, tail] = template ?? [];
const acked = [];

const opts = {
  url,
  connections,
  duration: durationS,
  ...(rate ? { overallRate: rate } : {}),
  requests: template ? [signedWebhook()] : undefined,
};

function signedWebhook() {
  return {
    method: "POST",
    path: "/webhooks/whatsapp",
    setupRequest(req, context) {
      const wamid = `wamid.BENCH${randomUUID()}`;
      context.wamid = wamid;
      const body = `${head}${wamid}${tail}`;
      req.body = body;
      req.headers = {
        ...req.headers,
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      };
      return req;
    },
    // One request in flight per connection (no pipelining): the context names the one answered.
    onResponse(status, _body, context) {
      if (track && status === 200 && context.wamid) acked.push(`wamid:${context.wamid}`);
    },
  };
}
// Inside a worker thread autocannon answers its raw histograms: aggregated here as on the main thread.
const raw = await autocannon(opts);
const r = autocannon.aggregateResult([raw], opts);

parentPort.postMessage({
  rps: raw.totalCompletedRequests / raw.duration,
  p50: r.latency.p50,
  p99: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  acked,
});
