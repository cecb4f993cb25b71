// A crash between the 200 and the processing loses nothing: the job (or, failing that, the sweep)
// processes the stored delivery after a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobQueue } from "../jobs/job-queue.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { chatwootMessage, deliverChatwoot } from "./fakes/fake-chatwoot.ts";
import { deliverMeta, metaMessage } from "./fakes/fake-meta.ts";
import { registerChannelWorkers } from "./jobs.ts";
import { type ChannelsHarness, CW_SECRET, META_SECRET, PHONE_ID, startChannelsHarness, until } from "./testing.ts";

let t: TestDatabase;
let h: ChannelsHarness;
const extraQueues: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // The queue can enqueue (inside the webhook transaction) but nothing works it: the process "dies" after the 200.
  h = await startChannelsHarness(t, { workers: false });
});
afterAll(async () => {
  for (const q of extraQueues) await q.stop().catch(() => {});
  await h?.stop();
  await t?.drop();
});

describe("crash after the 200", () => {
  it("a new worker processes the stored delivery and answers", async () => {
    const payload = chatwootMessage({ conversationId: 900, phone: "+34600000900", content: "Hola, ¿hay cita?" });
    expect((await deliverChatwoot(`${h.url}/webhooks/chatwoot`, payload, { secret: CW_SECRET })).status).toBe(200);
    const stored = await t.db.webhookEvent.findFirstOrThrow({ where: { source: "chatwoot" } });
    expect(stored.status).toBe("received");
    expect(JSON.parse(stored.rawBody)).toEqual(payload);
    await h.jobs!.stop(); // the crash: nothing was processed
    expect(await t.db.message.count()).toBe(0);

    const restarted = createJobQueue(t.url, h.services.log, { pollingIntervalSeconds: 0.5 });
    extraQueues.push(restarted);
    await restarted.start();
    h.services.jobs = restarted;
    await registerChannelWorkers(restarted, h.services);
    await until(
      async () => (await t.db.webhookEvent.findUniqueOrThrow({ where: { id: stored.id } })).status === "processed",
    );
    const sent = await until(async () =>
      h.chatwoot.sentMessages().find((r) => r.path.endsWith("/conversations/900/messages")),
    );
    expect(sent.body).toMatchObject({ content: "Has dicho: Hola, ¿hay cita?" });
  });

  it("the start-up sweep re-enqueues deliveries stored without a job", async () => {
    const jobs = h.services.jobs;
    h.services.jobs = undefined; // a process with no queue (e.g. the queue failed to start) still stores and answers 200
    const { body } = metaMessage({
      phoneNumberId: PHONE_ID,
      from: "34600000901",
      message: { type: "text", text: "hola" },
    });
    try {
      expect((await deliverMeta(`${h.url}/webhooks/whatsapp`, body, { appSecret: META_SECRET })).status).toBe(200);
    } finally {
      h.services.jobs = jobs;
    }
    const stored = await t.db.webhookEvent.findFirstOrThrow({ where: { source: "whatsapp_cloud" } });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await t.db.webhookEvent.findUniqueOrThrow({ where: { id: stored.id } })).status).toBe("received");
    // Younger than a minute: left alone (its job may still be on its way). Older: swept.
    await t.db
      .$executeRaw`UPDATE webhook_event SET received_at = now() - interval '2 minutes' WHERE id = ${stored.id}::uuid`;
    const next = createJobQueue(t.url, h.services.log, { pollingIntervalSeconds: 0.5 });
    extraQueues.push(next);
    await next.start();
    await registerChannelWorkers(next, { ...h.services, jobs: next });
    await until(
      async () => (await t.db.webhookEvent.findUniqueOrThrow({ where: { id: stored.id } })).status === "processed",
    );
    await until(async () => h.meta.sentMessages().find((r) => (r.body as { to?: string }).to === "34600000901"));
  });
});
