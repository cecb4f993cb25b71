import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { poolConfigFromUrl } from "./url.ts";

export type Db = PrismaClient;
/** A Prisma interactive-transaction client: what domain commands receive. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function createDb(url: string, opts: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ ...poolConfigFromUrl(url), max: opts.max ?? 20 });
  return new PrismaClient({ adapter });
}

export { Prisma } from "../generated/prisma/client.ts";
