import type { Logger } from "pino";
import type { AppConfig } from "../config/env.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import type { Db } from "../db/client.ts";

/** Long-lived services shared by every request. */
export interface AppServices {
  config: AppConfig;
  db: Db;
  fc: FieldCrypto;
  log: Logger;
  clock: () => Date;
}

export interface AppContext extends AppServices {
  requestId: string;
  ip: string;
}
