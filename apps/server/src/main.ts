// `pnpm start`: boots Cita, prints where to find it, and shuts down cleanly on SIGTERM/SIGINT.
import "dotenv/config";
import { ConfigError, loadConfig } from "./config/env.ts";
import { prestartEmbeddedPostgres } from "./db/embedded.ts";
import { createLogger } from "./logger.ts";

function fail(message: string): never {
  process.stderr.write(`cita: ${message}\n`);
  process.exit(2);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  throw e;
}

const log = createLogger(config.LOG_LEVEL);
const started = Date.now();
// Embedded PostgreSQL starts (in its own process) while Node loads the rest of Cita; openDatabase
// takes it over. Loading the server is most of a restart, so the database's start costs nothing.
if (!config.DATABASE_URL) prestartEmbeddedPostgres({ dataDir: config.CITA_DATA_DIR, port: config.EMBEDDED_PG_PORT });
const [{ startApp }, { DEMO_LOGINS }] = await Promise.all([import("./app.ts"), import("./db/seed.ts")]);
let running: Awaited<ReturnType<typeof startApp>>;
try {
  // Ready once the server listens: job workers, the sandbox's report and the demo calendar follow.
  running = await startApp(config, log, undefined, { serveEarly: true });
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith("Invalid configuration:")) fail(message);
  log.fatal({ err: e }, "start-up failed");
  process.exit(1);
}

// Start-up failing after listen fails the process as before listen would have.
running.startupWork.catch((e) => {
  log.fatal({ err: e }, "start-up failed");
  running.stop().finally(() => process.exit(1));
});

const { url, sandbox } = running;
const sandboxed = sandbox
  ? [
      sandbox.plan.channels && "WhatsApp",
      sandbox.plan.stripe && "Stripe",
      sandbox.plan.calendar && "Google Calendar",
    ].filter(Boolean)
  : [];
const lines = [
  "",
  `  Cita is ready in ${Date.now() - started} ms`,
  `  Console    ${url}/console`,
  `  API        ${url}/trpc`,
  `  Health     ${url}/healthz   ${url}/readyz`,
  `  Database   ${config.DATABASE_URL ? "DATABASE_URL" : `embedded PostgreSQL in ${config.CITA_DATA_DIR}/pg`}`,
  ...(sandbox
    ? [
        `  Sandbox    ${sandboxed.join(", ")} not configured: running on local stand-ins (CITA_SANDBOX=false turns this off)`,
        ...(sandbox.chatwoot ? [`    WhatsApp simulator  ${url}/sandbox`] : []),
        ...(sandbox.stripe
          ? [`    Checkout            ${url}/sandbox/checkout/<session> (deposit links point here)`]
          : []),
        ...(sandbox.calendar ? [`    Calendars           ${url}/sandbox/calendar`] : []),
      ]
    : []),
  `  Agent      ${config.ANTHROPIC_API_KEY ? "Claude" : "guided mode (set ANTHROPIC_API_KEY for Claude)"}`,
  ...(running.database.seeded ? ["  Demo salon seeded (first run)"] : []),
  ...(config.CITA_SEED_DEMO
    ? ["  Demo logins:", ...DEMO_LOGINS.map((l) => `    ${l.role.padEnd(11)} ${l.email.padEnd(20)} ${l.password}`)]
    : []),
  "",
  `  Open ${url}/`,
  "",
];
process.stdout.write(`${lines.join("\n")}\n`);

let shuttingDown = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.debug({ signal }, "shutting down");
    process.stdout.write("  Stopping Cita…\n");
    running
      .stop()
      .then(() => {
        process.stdout.write("  Cita stopped.\n");
        process.exit(0);
      })
      .catch((err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      });
  });
}
