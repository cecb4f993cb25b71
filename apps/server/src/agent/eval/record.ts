// pnpm agent:record [-- --scenarios 1,3 --model <id> --force]
// Re-records the Claude-mode scripts (fixtures/claude/<id>.json) from the real model with
// ANTHROPIC_API_KEY: each chosen scenario's customer side is played on a fresh seeded salon (frozen
// clock) against the Messages API, the responses become the script's model steps (volatile ids and
// links as references; see eval/recorder.ts), the run is graded by the scenario's own final-state
// check, and the new script is replayed through the local fake on another fresh world before it is
// written. A failing run is not written unless --force; a script that would not replay never is.
// Prints a summary; exits 1 when a chosen scenario was not written. Without a key it says so and
// exits 0, leaving the scripts as they are.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { loadConfig } from "../../config/env.ts";
import { standalonePostgres } from "../testing/world.ts";
import { fixturePath, loadFixture } from "./fixtures.ts";
import { recordScenario, replayFixture } from "./recorder.ts";
import { SCENARIOS } from "./scenarios.ts";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

const { values: args } = parseArgs({
  // `pnpm agent:record -- --scenarios 1` hands the "--" over too.
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
  options: {
    scenarios: { type: "string" },
    model: { type: "string" },
    force: { type: "boolean", default: false },
  },
});

const config = loadConfig();
if (!config.ANTHROPIC_API_KEY) {
  console.log(
    "agent:record: ANTHROPIC_API_KEY is not set — recording needs the real Messages API. The scripts in fixtures/claude stay as they are.",
  );
  process.exit(0);
}
const wanted = args.scenarios?.split(",").map((x) => x.trim()) ?? null;
const unknown = wanted?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length) {
  console.error(
    `agent:record: unknown scenario(s) ${unknown.join(", ")} (known: ${SCENARIOS.map((s) => s.id).join(",")})`,
  );
  process.exit(2);
}
const chosen = wanted ? SCENARIOS.filter((s) => wanted.includes(s.id)) : SCENARIOS;
const model = args.model ?? config.ANTHROPIC_MODEL;
console.log(`agent:record: ${chosen.length} scenario(s) with ${model}${args.force ? " (--force)" : ""}`);

type Row = { id: string; title: string; result: string; steps: number; requests: number; why: string[] };
const rows: Row[] = [];
const written: string[] = [];
const pg = await standalonePostgres();
try {
  for (const s of chosen) {
    const row: Row = { id: s.id, title: s.title, result: "", steps: 0, requests: 0, why: [] };
    rows.push(row);
    let original: Awaited<ReturnType<typeof loadFixture>>;
    try {
      original = await loadFixture(s.id);
    } catch (e) {
      row.result = "no script";
      row.why.push(`${(e as Error).message} (its customer side is what gets played)`);
      continue;
    }
    const rec = await recordScenario({
      scenario: s,
      fixture: original,
      database: () => pg.database(),
      api: { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL, model },
      limits: { turnTimeoutMs: 180_000 },
    });
    row.requests = rec.exchanges.length;
    if (rec.error) {
      row.result = "crashed";
      row.why.push(rec.error);
      continue;
    }
    row.why.push(...rec.failures.map((f) => `check: ${f}`));
    if (!rec.fixture) {
      row.result = "not replayable";
      row.why.push(...rec.problems);
      continue;
    }
    row.steps = rec.fixture.turns.reduce((n, t) => n + ("model" in t ? t.model.length : 0), 0);
    if (rec.failures.length && !args.force) {
      row.result = "check failed";
      continue;
    }
    const replay = await replayFixture({ scenario: s, fixture: rec.fixture, database: () => pg.database() });
    if (replay.script.length) {
      row.result = "does not replay";
      row.why.push(...replay.script);
      continue;
    }
    if (replay.failures.length && !args.force) {
      row.result = "replay check failed";
      row.why.push(...replay.failures.map((f) => `replay check: ${f}`));
      continue;
    }
    await writeFile(fixturePath(s.id), `${JSON.stringify(rec.fixture, null, 2)}\n`);
    written.push(fixturePath(s.id));
    row.result = rec.failures.length ? "written (forced)" : "written";
  }
} finally {
  await pg.stop();
}

// The scripts are kept in the repository's format (biome).
const biome = join(ROOT, "node_modules/.bin/biome");
if (written.length && existsSync(biome)) {
  await promisify(execFile)(biome, ["format", "--write", ...written], { cwd: ROOT }).catch((e) =>
    console.log(`biome format failed (${(e as Error).message}); run pnpm format`),
  );
}

const pad = (x: string | number, n: number) => String(x).padEnd(n);
console.log(`\n${pad("id", 4)}${pad("scenario", 50)}${pad("result", 22)}${pad("steps", 7)}requests`);
for (const r of rows)
  console.log(`${pad(r.id, 4)}${pad(r.title.slice(0, 48), 50)}${pad(r.result, 22)}${pad(r.steps, 7)}${r.requests}`);
for (const r of rows.filter((x) => x.why.length)) {
  console.log(`\n${r.id} (${r.result}):`);
  for (const w of r.why) console.log(`  - ${w}`);
}
console.log(
  `\n${written.length}/${chosen.length} written${written.length ? " under apps/server/src/agent/fixtures/claude" : ""}`,
);
process.exit(written.length === chosen.length ? 0 : 1);
