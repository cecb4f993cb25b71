// The agent's test harness for vitest: a world on a per-file test database (template clone), driven
// directly or through the real path. Everything else lives in world.ts and real-path.ts, which the
// benchmark and the live evaluation share.
import { createTestDatabase } from "../../testing/test-db.ts";
import { type AgentWorld, createAgentWorldOn, createRealAgentWorldOn, type WorldOptions } from "./world.ts";

export * from "./world.ts";

export async function createAgentWorld(opts: WorldOptions = {}): Promise<AgentWorld> {
  return createAgentWorldOn(await createTestDatabase(), opts);
}

/** The same world driving the real webhook → queue → agent → tools → outbox path (testing/real-path.ts). */
export async function createRealAgentWorld(opts: WorldOptions = {}): Promise<AgentWorld> {
  return createRealAgentWorldOn(await createTestDatabase(), opts);
}

export type WorldMode = "direct" | "real";

export function createWorld(mode: WorldMode, opts: WorldOptions = {}): Promise<AgentWorld> {
  return mode === "real" ? createRealAgentWorld(opts) : createAgentWorld(opts);
}
