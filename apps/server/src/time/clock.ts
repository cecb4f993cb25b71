// "Now" for the whole server. Domain code never reads the wall clock for calendar decisions: it gets
// a clock from the composition root (app.ts). In production that is the system clock; tests and the
// hard-dates run start the server at a chosen instant (CITA_TEST_NOW) and let time run on from there.
export type ClockFn = () => Date;

export const systemClock: ClockFn = () => new Date();

/** A clock that reads `start` now and then advances with real time (timers keep working). */
export function runningFrom(start: Date | string | number, realNowMs = Date.now()): ClockFn {
  const offset = new Date(start).getTime() - realNowMs;
  return () => new Date(Date.now() + offset);
}

/** The server's clock for a configuration: CITA_TEST_NOW (test-only, refused in production) or the system's. */
export function clockFor(config: { CITA_TEST_NOW?: string | undefined }): ClockFn {
  return config.CITA_TEST_NOW ? runningFrom(config.CITA_TEST_NOW) : systemClock;
}
