// Test wiring for channels: a server + job queue + fake Chatwoot and Meta on loopback, over one test database.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createTestLocation, createTestStaff, type TestStaff } from "../auth/test-fixtures.ts";
import { loadConfig } from "../config/env.ts";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.ts";
import type { AppServices } from "../services.ts";
import { startTestServer, testServices } from "../testing/test-app.ts";
import type { TestDatabase } from "../testing/test-db.ts";
import { nowMs } from "../testing/test-now.ts";
import type { AgentTurnInput, AgentTurnResult, ConversationAgent } from "./agent-port.ts";
import { EchoAgent } from "./agent-port.ts";
import { FakeChatwoot } from "./fakes/fake-chatwoot.ts";
import { FakeMeta } from "./fakes/fake-meta.ts";
import { defineChannelQueues, registerChannelWorkers } from "./jobs.ts";

export const CW_SECRET = "cw-webhook-secret";
export const CW_TOKEN = "cw-api-token";
export const META_SECRET = "meta-app-secret";
export const META_TOKEN = "meta-access-token";
export const VERIFY_TOKEN = "verify-me-please";
export const PHONE_ID = "106540352242922";

/** A real ConversationAgent for tests: echoes like EchoAgent, records its inputs, can be slowed or told to escalate. */
export class RecordingAgent implements ConversationAgent {
  readonly name = "recording";
  readonly inputs: AgentTurnInput[] = [];
  delayMs = 0;
  private readonly echo = new EchoAgent();
  async handleTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
    this.inputs.push(input);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const text = input.newMessages.map((m) => m.body ?? "").join(" ");
    if (text.includes("#persona")) {
      return { replies: [], escalate: { reason: "asked for a person", summary: `Customer wrote: ${text}` } };
    }
    if (text.includes("#choices")) {
      return {
        replies: [
          {
            kind: "choices",
            text: "¿Qué hora te va bien?",
            choices: [
              { id: "slot_1", title: "Vie 10:00" },
              { id: "slot_2", title: "Vie 11:30" },
            ],
          },
        ],
      };
    }
    return this.echo.handleTurn(input);
  }
}

/** Running time plus an offset tests can move (message times come from real webhooks, so a frozen clock would not do). */
export interface OffsetClock {
  (): Date;
  advance(ms: number): void;
}

export function wallClock(): OffsetClock {
  let offset = 0;
  // The test instant (CITA_TEST_NOW in the hard-dates run) running on: the fakes date messages by it too.
  const c = (() => new Date(nowMs() + offset)) as OffsetClock;
  c.advance = (ms) => {
    offset += ms;
  };
  return c;
}

export interface ChannelsHarness {
  services: AppServices;
  clock: OffsetClock;
  agent: RecordingAgent;
  chatwoot: FakeChatwoot;
  meta: FakeMeta;
  jobs: JobQueue | undefined;
  app: FastifyInstance;
  url: string;
  dataDir: string;
  staff: { a: TestStaff; b: TestStaff; stylist: TestStaff; locationId: string };
  stop(): Promise<void>;
}

export async function startChannelsHarness(
  t: TestDatabase,
  opts: { jobs?: boolean; workers?: boolean; env?: Record<string, string>; agent?: ConversationAgent } = {},
): Promise<ChannelsHarness> {
  const chatwoot = new FakeChatwoot({ token: CW_TOKEN, accountId: 1 });
  const meta = new FakeMeta(META_TOKEN);
  await chatwoot.start();
  await meta.start();
  const dataDir = await mkdtemp(join(tmpdir(), "cita-channels-"));
  const clock = wallClock();
  const agent = new RecordingAgent();
  const config = loadConfig({
    CITA_ENV: "test",
    CITA_DATA_DIR: dataDir,
    CHATWOOT_BASE_URL: chatwoot.url,
    CHATWOOT_API_TOKEN: CW_TOKEN,
    CHATWOOT_ACCOUNT_ID: "1",
    CHATWOOT_WEBHOOK_SECRET: CW_SECRET,
    WHATSAPP_GRAPH_URL: meta.url,
    WHATSAPP_ACCESS_TOKEN: META_TOKEN,
    WHATSAPP_APP_SECRET: META_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_TEMPLATES: "booking_reminder:es,booking_reminder:en",
    CHANNELS_SEND_MAX_ATTEMPTS: "3",
    CHANNELS_SEND_BASE_DELAY_MS: "200",
    CHANNELS_HTTP_TIMEOUT_MS: "700",
    ...opts.env,
  });
  const services: AppServices = { ...testServices(t, clock), config, agent: opts.agent ?? agent };
  let jobs: JobQueue | undefined;
  if (opts.jobs !== false) {
    // pg-boss 10 refuses polling more often than every 0.5 s.
    jobs = createJobQueue(t.url, services.log, { pollingIntervalSeconds: 0.5 });
    await jobs.start();
    services.jobs = jobs;
    if (opts.workers !== false) await registerChannelWorkers(jobs, services);
    else await defineChannelQueues(jobs);
  }
  const { app, url } = await startTestServer(services);
  const location = await createTestLocation(t.db);
  const a = await createTestStaff(t.db, location.id, "front_desk", { password: null });
  const b = await createTestStaff(t.db, location.id, "manager", { password: null });
  const stylist = await createTestStaff(t.db, location.id, "stylist", { password: null });
  await t.db.staffMember.update({ where: { id: a.id }, data: { displayName: "Lucía" } });
  await t.db.staffMember.update({ where: { id: b.id }, data: { displayName: "Marco" } });
  return {
    services,
    clock,
    agent,
    chatwoot,
    meta,
    jobs,
    app,
    url,
    dataDir,
    staff: { a, b, stylist, locationId: location.id },
    async stop() {
      await app.close();
      await jobs?.stop().catch(() => {});
      await chatwoot.stop();
      await meta.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function until<T>(check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
