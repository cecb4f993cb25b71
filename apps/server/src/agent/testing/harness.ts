// The agent's test harness for vitest: a world on a per-file test database (template clone).
// Everything else lives in world.ts, which the benchmark and the live evaluation share.
import { createTestDatabase } from "../../testing/test-db.ts";
import type { BookingAgentOptions } from "../agent.ts";
import { type AgentWorld, createAgentWorldOn } from "./world.ts";

export * from "./world.ts";

export async function createAgentWorld(opts: Partial<BookingAgentOptions> = {}): Promise<AgentWorld> {
  return createAgentWorldOn(await createTestDatabase(), opts);
}
