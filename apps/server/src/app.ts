// Composition root: config → secrets → database → HTTP. Used by main.ts, tests and benchmarks.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { DepositLinks, DepositRefunds } from "./agent/tools/types.ts";
import { createConversationAgent } from "./agent/wire.ts";
import { calendarMode } from "./calendar/client.ts";
import { ChangeFeed } from "./changes/feed.ts";
import type { ConversationAgent } from "./channels/agent-port.ts";
import { QUEUES } from "./channels/deps.ts";
import { defineChannelQueues } from "./channels/jobs.ts";
import { OutboxNotifier } from "./channels/notifier.ts";
import type { AppConfig } from "./config/env.ts";
import { createFieldCrypto } from "./crypto/field-crypto.ts";
import { loadSecrets } from "./crypto/keys.ts";
import { backupDir, backupsEnabled, readBackupState } from "./db/backup.ts";
import { type OpenDatabase, openDatabase, warmUp } from "./db/database.ts";
import { buildServer } from "./http/server.ts";
import {
  applySettingRows,
  applyStoredSettings,
  keysSetIn,
  registerConfigLayers,
  storedSettingsFrom,
  watchSettings,
} from "./integrations/settings.ts";
import { createJobQueue, JOB_SCHEMA } from "./jobs/job-queue.ts";
import { registerWorkers } from "./jobs/workers.ts";
import { bindMetrics, Metrics } from "./metrics/metrics.ts";
import type { CustomerNotifier } from "./notifications/notifier.ts";
import { requestDepositLink } from "./payments/deposits.ts";
import { requestGroupDepositLink } from "./payments/group-deposit.ts";
import { REFUND_QUEUE, type RefundJob, refundBooking } from "./payments/refunds.ts";
import { stripeFor, stripeMode } from "./payments/stripe-client.ts";
import { seedDemoCalendar } from "./sandbox/demo-calendar.ts";
import { productionSandboxRefusal } from "./sandbox/mode.ts";
import { attachSandbox, reportSandbox, type Sandbox, sandboxOf, startSandbox } from "./sandbox/sandbox.ts";
import type { AppServices } from "./services.ts";
import { type ClockFn, clockFor } from "./time/clock.ts";

export interface StartOptions {
  /**
   * Answer requests as soon as the server listens, with the start-up work that no request waits
   * on (job workers and schedules, the channels' sweep, the sandbox's status report, the demo
   * calendar) still running; `RunningApp.startupWork` settles when it is done. main.ts does this;
   * without it (tests) startApp returns once all of it is done.
   */
  serveEarly?: boolean;
}

export interface RunningApp {
  app: FastifyInstance;
  database: OpenDatabase;
  services: AppServices;
  url: string;
  /** Local stand-ins for unconfigured integrations (development only), or null. */
  sandbox: Sandbox | null;
  /** The start-up work after listen (see StartOptions.serveEarly): rejects if it failed. */
  startupWork: Promise<void>;
  stop(): Promise<void>;
}

export async function startApp(
  config: AppConfig,
  log: Logger,
  clock: ClockFn = clockFor(config),
  opts: StartOptions = {},
): Promise<RunningApp> {
  // Sandbox mode is never on silently in production: an integration unconfigured both in the
  // environment and in Settings → Integrations stops start-up. A fresh install (no database yet)
  // can hold no stored settings, so it is refused before anything starts.
  const envRefusal = productionSandboxRefusal(config);
  if (envRefusal && !config.DATABASE_URL && !existsSync(join(config.CITA_DATA_DIR, "pg"))) throw new Error(envRefusal);
  const secrets = await loadSecrets(config);
  const fc = createFieldCrypto(secrets.dataKey);
  const database = await openDatabase(config, fc, log, clock);
  // Settings → Integrations: what an owner entered in the console, under the environment (which wins);
  // the sandbox then stands in only for what is still unconfigured.
  const envConfig = config;
  let started: Awaited<ReturnType<typeof startSandbox>>;
  try {
    // Read with the start-up checks (db/database.ts), so nothing here waits on Prisma's first query.
    config = applyStoredSettings(envConfig, storedSettingsFrom(database.settings, fc), keysSetIn(envConfig));
    const refusal = productionSandboxRefusal(config);
    if (refusal) throw new Error(refusal);
    started = await startSandbox(config, secrets.authSecret, log);
  } catch (e) {
    await database.close();
    throw e;
  }
  const sandbox = started?.sandbox ?? null;
  const beforeSandbox = config;
  config = started ? started.config : { ...config };
  registerConfigLayers(config, envConfig, beforeSandbox, sandbox ? { ...sandbox.plan } : null);
  const changeFeed = new ChangeFeed({ url: database.url, db: database.db, log });
  const metrics = new Metrics({ db: database.db, changeFeed, jobSchema: JOB_SCHEMA }, { processMetrics: true });
  metrics.onError = (err) => log.warn({ err, component: "metrics" }, "metrics query failed");
  bindMetrics(database.db, metrics); // metricsOf(deps) for code handed only the database (agent, bookings)
  const jobs = createJobQueue(database.url, log, {
    concurrency: config.JOBS_CONCURRENCY,
    metrics,
    takeoverSeconds: config.CITA_TAKEOVER_SECONDS,
  });
  const services: AppServices = {
    config,
    db: database.db,
    fc,
    log,
    clock,
    authSecret: secrets.authSecret,
    changeFeed,
    jobs,
    metrics,
  };
  if (sandbox) attachSandbox(services, sandbox);
  // cita_backup_last_success_timestamp_seconds, from the daily backup's state file (db/backup.ts).
  if (backupsEnabled(config)) metrics.backupLastSuccess = () => lastBackupAt(services.config);
  applySettingRows(services, database.settings);
  const stopWatching = watchSettings(services);
  wireCustomerPath(services);
  logIntegrations(services);
  // What no request waits on: job workers and schedules, the sandbox's status, the demo calendar.
  const startupWork = async () => {
    // Start-up itself reads through one plain connection (db/database.ts); Prisma's query compiler
    // and pool are made ready here, first thing after listen, before a console asks for anything.
    await warmUp(database.db);
    await registerWorkers(jobs, services);
    if (sandbox) await reportSandbox(services, sandbox);
    if (sandbox) await seedDemoCalendar(services, sandbox);
  };
  let restart = false;
  let app: FastifyInstance | undefined;
  const failed = async (e: unknown) => {
    stopWatching();
    await app?.close().catch(() => {});
    await jobs.stop().catch(() => {});
    await changeFeed.stop();
    await database.close();
    await sandbox?.stop();
    return e;
  };
  try {
    // What requests need: the change feed (SSE), the job queue (webhooks are stored with their
    // jobs, bookings enqueue theirs), the routes — side by side: building the routes is CPU, the
    // other two mostly wait on PostgreSQL. All three are settled before anything goes on.
    // The channels' queues exist before the first delivery is stored with its job (pg-boss has no
    // job for a queue it does not know); whether they did already tells a restart from a first start.
    const queues = jobs.start().then(async () => {
      const known = await jobs.boss.getQueue(QUEUES.webhook);
      await defineChannelQueues(jobs);
      return !!known;
    });
    const [feed, queue, server] = await Promise.allSettled([changeFeed.start(), queues, buildServer(services)]);
    if (server.status === "fulfilled") app = server.value;
    for (const r of [feed, queue, server]) if (r.status === "rejected") throw r.reason;
    if (!app) throw new Error("buildServer gave no server");
    // A first start (a new database) defines every area's queues before it answers anything, as
    // before: a job sent to a queue not defined yet would be dropped. A restart finds them there.
    restart = queue.status === "fulfilled" && queue.value;
    if (!restart) await startupWork();
    // Ends the live SSE streams first, so close() is not held up by them (clients reconnect).
    app.addHook("preClose", () => changeFeed.stop());
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (e) {
    throw await failed(e);
  }
  const listening = app;
  const address = listening.server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  // The sandbox posts its webhooks to the real routes of this very server.
  if (sandbox) sandbox.selfUrl = `http://${/^(0\.0\.0\.0|::)$/.test(config.HOST) ? "127.0.0.1" : config.HOST}:${port}`;
  // On a restart, the start-up work runs once the server listens: jobs enqueued meanwhile wait in
  // their queues (a few hundred ms) for the workers; the demo calendar and the sandbox's status follow.
  const afterListen = restart ? startupWork() : Promise.resolve();
  if (opts.serveEarly) {
    afterListen.catch(() => {}); // the caller's to handle (main.ts fails the process)
  } else {
    try {
      await afterListen;
    } catch (e) {
      throw await failed(e);
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    app: listening,
    database,
    services,
    url: `http://${config.HOST}:${port}`,
    sandbox,
    startupWork: afterListen,
    stop() {
      stopping ??= (async () => {
        stopWatching();
        await listening.close(); // stops accepting, ends SSE streams (change feed), waits for in-flight requests
        await afterListen.catch(() => {}); // workers being registered: stopped below with the rest
        await jobs.stop(); // lets running jobs finish; unfinished ones are retried after restart
        await changeFeed.stop();
        await database.close(); // pool, then embedded PostgreSQL
        await sandbox?.stop(); // the local stand-ins, last: jobs may have been talking to them
      })();
      return stopping;
    },
  };
}

// ── The WhatsApp → booking path: the agent with payments behind its tools, the outbox notifier ──

async function lastBackupAt(config: AppConfig): Promise<Date | null> {
  const at = (await readBackupState(backupDir(config))).lastOk?.at;
  return at ? new Date(at) : null;
}

/** Drops some kinds: the agent tells the deposit link in its own reply, so payments must not send it again. */
function without(notifier: CustomerNotifier, kinds: string[]): CustomerNotifier {
  return {
    notify: (tx, target, kind, facts) =>
      kinds.includes(kind) ? Promise.resolve() : notifier.notify(tx, target, kind, facts),
  };
}

/** Stripe Checkout links for the agent's request_deposit_link; Stripe off → UNAVAILABLE ("a person will follow up"). */
export function agentDepositLinks(services: AppServices): DepositLinks {
  return {
    async requestLink(bookingId) {
      const quiet = {
        ...services,
        notifier: without(services.notifier ?? { notify: async () => {} }, ["deposit_link"]),
      };
      const link = await requestDepositLink(quiet, bookingId, { type: "agent" });
      return { url: link.checkoutUrl, amountCents: link.amountCents, expiresAt: link.expiresAt };
    },
    async requestGroupLink(groupId) {
      const quiet = {
        ...services,
        notifier: without(services.notifier ?? { notify: async () => {} }, ["deposit_link"]),
      };
      const link = await requestGroupDepositLink(quiet, groupId, { type: "agent" });
      return { url: link.checkoutUrl, amountCents: link.amountCents, expiresAt: link.expiresAt };
    },
  };
}

/**
 * The agent's cancel_booking has already cancelled (with the policy decision); this refunds what the
 * policy gave back, as cancelWithRefund does: a job keyed by the booking (Stripe outages are retried),
 * or at once without a queue. Stripe off → left to staff, said so.
 */
export function agentDepositRefunds(services: AppServices): DepositRefunds {
  return {
    async refundDeposit(bookingId, amountCents, reason) {
      if (!stripeFor(services)) return { status: "pending_staff", refundId: null };
      const job: RefundJob = { bookingId, amountCents, reason, key: `cancel-${bookingId}` };
      if (services.jobs) {
        await services.jobs.send(REFUND_QUEUE, job, { singletonKey: job.key });
        return { status: "queued", refundId: null };
      }
      const [r] = await refundBooking(services, { ...job, actor: { type: "agent" } });
      return { status: r?.status ?? "none", refundId: r?.providerRefundId ?? null };
    },
  };
}

/**
 * The booking agent (Claude with ANTHROPIC_API_KEY, guided otherwise), built on its first turn: the
 * location it books for may only exist after the seed, and a failed build is retried next turn.
 */
export function bookingAgent(services: AppServices): ConversationAgent {
  let built: Promise<ConversationAgent> | null = null;
  // Rebuilt when the Claude key or model changes (Settings → Integrations takes effect without a restart).
  let builtFor = "";
  const get = () => {
    const now = `${services.config.ANTHROPIC_API_KEY ?? ""}\n${services.config.ANTHROPIC_MODEL}`;
    if (now !== builtFor) {
      built = null;
      builtFor = now;
    }
    built ??= createConversationAgent({
      config: services.config,
      db: services.db,
      fc: services.fc,
      clock: services.clock,
      log: services.log.child({ component: "agent" }),
      deposits: agentDepositLinks(services),
      refunds: agentDepositRefunds(services),
    }).catch((e) => {
      built = null;
      throw e;
    });
    return built;
  };
  return {
    get name() {
      return services.config.ANTHROPIC_API_KEY ? "claude" : "guided";
    },
    handleTurn: async (input) => (await get()).handleTurn(input),
  };
}

/** Puts the outbox notifier and the booking agent on the services (keeps any a test already set). */
export function wireCustomerPath(services: AppServices): void {
  services.notifier ??= new OutboxNotifier(services);
  services.agent ??= bookingAgent(services);
}

/** One line at start-up saying which optional integrations run, and what happens without them. */
export function logIntegrations(services: AppServices): void {
  const c = services.config;
  const sandbox = sandboxOf(services)?.plan;
  const state = {
    agent: c.ANTHROPIC_API_KEY ? "claude" : "guided",
    stripe: stripeMode(c),
    chatwoot: sandbox?.channels
      ? "sandbox"
      : c.CHATWOOT_BASE_URL && c.CHATWOOT_API_TOKEN && c.CHATWOOT_ACCOUNT_ID
        ? "on"
        : "off",
    whatsappCloud: c.WHATSAPP_ACCESS_TOKEN ? "on" : "off",
    googleCalendar: calendarMode(services),
  };
  const off = [
    ...(c.ANTHROPIC_API_KEY ? [] : ["Claude (ANTHROPIC_API_KEY): the agent runs in guided mode"]),
    ...(state.stripe === "off" ? ["Stripe (STRIPE_SECRET_KEY): no deposit links, staff follow up"] : []),
    ...(state.chatwoot === "off" ? ["Chatwoot (CHATWOOT_BASE_URL/API_TOKEN/ACCOUNT_ID)"] : []),
    ...(state.whatsappCloud === "off" && !sandbox?.channels ? ["WhatsApp Cloud API (WHATSAPP_ACCESS_TOKEN)"] : []),
    ...(state.googleCalendar === "off" ? ["Google Calendar (GOOGLE_SERVICE_ACCOUNT_JSON)"] : []),
  ];
  services.log.info(
    { integrations: state },
    off.length ? `integrations off: ${off.join("; ")}` : "all integrations on",
  );
}
