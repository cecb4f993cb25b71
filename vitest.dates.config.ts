// The hard-dates run (`pnpm test:dates`, part of `npm test`): the date-sensitive suites once per
// instant in HARD_INSTANTS, each project with CITA_TEST_NOW set, so the servers they start, the
// browsers they drive and the tests' own "today" all sit on a closure, a DST change, 29 February…
// One PostgreSQL for all of them (the usual global setup).
import { defineConfig } from "vitest/config";
import { HARD_INSTANTS } from "./apps/server/src/testing/test-now.ts";

/**
 * The suites that depend on the date most: the console end to end and the agent's scenarios. (The
 * other scenario files — real path, media, red team, end to end — pass at every instant too; run
 * one with `CITA_TEST_NOW=<instant> pnpm vitest run <file>`. They are left out here to keep npm test
 * near 20 minutes on two cores.)
 */
export const DATE_SENSITIVE = [
  "e2e/console.test.ts",
  "apps/server/src/agent/scenarios/guided.test.ts",
  "apps/server/src/agent/scenarios/conversations.test.ts",
];

const only = process.env.CITA_HARD_DATES?.split(",").filter(Boolean);

export default defineConfig({
  test: {
    globalSetup: ["apps/server/src/testing/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 180_000,
    reporters: ["default"],
    projects: Object.entries(HARD_INSTANTS)
      .filter(([name]) => !only || only.includes(name))
      .map(([name, at]) => ({
        test: {
          name: `${name} ${at}`,
          include: DATE_SENSITIVE,
          env: { CITA_TEST_NOW: at },
          pool: "forks" as const,
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      })),
  },
});
