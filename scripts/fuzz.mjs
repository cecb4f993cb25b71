#!/usr/bin/env node
// `pnpm fuzz`: the router fuzz (apps/server/src/trpc/fuzz.test.ts) ten times larger than in the normal
// test run (CITA_FUZZ_RUNS=10 unless set; CITA_FUZZ_SEED picks another seed). It prints the number of
// calls, of 5xx answers and the time taken, and fails on any 5xx.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, CITA_FUZZ_RUNS: process.env.CITA_FUZZ_RUNS ?? "10" };
const r = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "apps/server/src/trpc/fuzz.test.ts",
    // No per-file parallelism to share the cores with; the test sets its own timeout.
    "--reporter=default",
    ...process.argv.slice(2),
  ],
  { cwd: root, env, stdio: "inherit" },
);
process.exit(r.status ?? 1);
