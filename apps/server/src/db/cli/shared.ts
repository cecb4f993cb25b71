// Common start-up for the db:* commands: same config, same database resolution as the server.
import "dotenv/config";
import { ConfigError, loadConfig } from "../../config/env.ts";
import { createLogger } from "../../logger.ts";
import { resolveDatabaseUrl } from "../database.ts";

export async function withDatabaseUrl(
  fn: (url: string, ctx: { config: ReturnType<typeof loadConfig> }) => Promise<void>,
) {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`cita: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
  const { url, embedded } = await resolveDatabaseUrl(config, log);
  try {
    await fn(url, { config });
  } catch (e) {
    process.stderr.write(`cita: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    await embedded?.stop();
  }
}
