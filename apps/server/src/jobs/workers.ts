// Where each area's job queues and workers are registered. One line per area; each area keeps its
// queue names, handlers and scheduling in its own module (e.g. channels/jobs.ts).
import { registerCalendarWorkers } from "../calendar/jobs.ts";
import { registerChannelWorkers } from "../channels/jobs.ts";
import { registerBackupWorkers } from "../db/backup.ts";
import { registerPaymentWorkers } from "../payments/jobs.ts";
import { registerTimedWorkers } from "../reminders/jobs.ts";
import type { AppServices } from "../services.ts";
import { registerWaitlistWorkers } from "../waitlist/jobs.ts";
import type { JobQueue } from "./job-queue.ts";

export type WorkerRegistrar = (jobs: JobQueue, services: AppServices) => Promise<void>;

const registrars: WorkerRegistrar[] = [
  registerPaymentWorkers,
  registerTimedWorkers,
  registerCalendarWorkers,
  registerChannelWorkers,
  registerBackupWorkers,
  registerWaitlistWorkers,
];

export async function registerWorkers(jobs: JobQueue, services: AppServices): Promise<void> {
  // Every queue is defined first, then the workers start: started at once, their first fetches
  // (one per worker) held the pool's connections and made start-up wait ~0.5–1 s for the defines.
  const startWorkers = jobs.deferWorkers();
  try {
    for (const register of registrars) await register(jobs, services);
  } finally {
    await startWorkers();
  }
}
