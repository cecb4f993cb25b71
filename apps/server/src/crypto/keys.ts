// Where the data key and auth secret come from: the environment, or on the embedded default a
// file generated on first start in the data dir, readable by its owner only.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppConfig } from "../config/env.ts";

async function fileSecret(dir: string, name: string, make: () => string): Promise<string> {
  const path = join(dir, name);
  if (existsSync(path)) return (await readFile(path, "utf8")).trim();
  await mkdir(dir, { recursive: true });
  const value = make();
  await writeFile(path, `${value}\n`, { mode: 0o600, flag: "wx" });
  return value;
}

export interface Secrets {
  dataKey: Buffer;
  authSecret: string;
}

export async function loadSecrets(config: AppConfig): Promise<Secrets> {
  if (config.CITA_ENV === "production" && (!config.CITA_DATA_KEY || !config.CITA_AUTH_SECRET)) {
    const missing = !config.CITA_DATA_KEY ? "CITA_DATA_KEY" : "CITA_AUTH_SECRET";
    throw new Error(`Invalid configuration: ${missing} must be set when CITA_ENV=production`);
  }
  const dataKey =
    config.CITA_DATA_KEY ??
    (await fileSecret(config.CITA_DATA_DIR, "data-key", () => randomBytes(32).toString("base64")));
  const authSecret =
    config.CITA_AUTH_SECRET ??
    (await fileSecret(config.CITA_DATA_DIR, "auth-secret", () => randomBytes(32).toString("base64url")));
  return { dataKey: Buffer.from(dataKey, "base64"), authSecret };
}
