// The everyday conversations of conversations.suite.ts in guided mode (handleTurn directly). Prints
// the pass rate; passes when at least 90 % pass and every failure is one listed, with its reason,
// in conversations.failures.md (so a new failure, or a fixed one still listed, is noticed).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createWorld } from "../testing/harness.ts";
import { CONVERSATIONS, ConvWorld } from "./conversations.suite.ts";

const listed = new Set(
  [...readFileSync(new URL("./conversations.failures.md", import.meta.url), "utf8").matchAll(/^- `([^`]+)`/gm)].map(
    (m) => m[1]!,
  ),
);

describe("everyday conversations, guided mode", () => {
  let w: AgentWorld;
  beforeAll(async () => {
    w = await createWorld("direct");
  }, 120_000);
  afterAll(async () => {
    await w?.drop();
  });

  it(`at least 40 conversations, ≥ 90 % handled, failures as listed`, async () => {
    expect(CONVERSATIONS.length).toBeGreaterThanOrEqual(40);
    const x = new ConvWorld(w, 34622000100);
    const failed: { id: string; why: string }[] = [];
    for (const c of CONVERSATIONS) {
      try {
        await c.run(x);
      } catch (e) {
        const err = e as Error;
        failed.push({ id: c.id, why: (err.message || String(err.stack)).slice(0, 300) });
      }
    }
    const rate = (CONVERSATIONS.length - failed.length) / CONVERSATIONS.length;
    console.log(
      `guided mode handled ${CONVERSATIONS.length - failed.length} of ${CONVERSATIONS.length} conversations (${Math.round(rate * 100)} %)` +
        failed.map((f) => `\n  ✗ ${f.id}: ${f.why}`).join(""),
    );
    expect(rate).toBeGreaterThanOrEqual(0.9);
    expect(failed.map((f) => f.id).sort()).toEqual([...listed].sort());
  }, 300_000);
});
