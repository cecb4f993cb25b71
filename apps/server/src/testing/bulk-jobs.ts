// For benchmarks that plant thousands of jobs at once: a bare pg-boss on the database (no
// maintenance, no cron, no migration) whose insert() writes them in bulk.
import PgBoss from "pg-boss";
import { poolConfigFromUrl } from "../db/url.ts";
import { JOB_SCHEMA } from "../jobs/job-queue.ts";

export async function bulkInserter(url: string): Promise<PgBoss> {
  const boss = new PgBoss({
    ...poolConfigFromUrl(url),
    schema: JOB_SCHEMA,
    max: 2,
    supervise: false,
    schedule: false,
    migrate: false,
  } as PgBoss.ConstructorOptions);
  await boss.start();
  return boss;
}
