// The instant a test process runs "at". Unset, tests run at the real now. The hard-dates run
// (scripts/hard-dates.mjs) sets CITA_TEST_NOW to each of HARD_INSTANTS in turn: the servers the tests
// start read it through their config (time/clock.ts), the browsers get the same clock installed,
// and the tests' own idea of "today" comes from here — never from a bare Date.now().
import { type ClockFn, runningFrom, systemClock } from "../time/clock.ts";

/**
 * Instants where a salon's calendar is hard, in Europe/Madrid (the demo salon's zone): the day before
 * and the day of a seeded closure, both DST changes, New Year's Eve a minute before midnight,
 * 29 February, a Sunday (the salon is closed), and 23:59 on a weekday.
 */
export const HARD_INSTANTS: Record<string, string> = {
  "closure-eve": "2026-12-07T10:00:00+01:00",
  "closure-day": "2026-12-08T12:00:00+01:00",
  "dst-spring": "2027-03-28T01:30:00+01:00",
  "dst-autumn": "2027-10-31T02:30:00+01:00",
  "new-year": "2026-12-31T23:59:00+01:00",
  "leap-day": "2028-02-29T10:00:00+01:00",
  sunday: "2026-12-13T12:00:00+01:00",
  "late-night": "2026-12-09T23:59:00+01:00",
};

/** CITA_TEST_NOW as given (an ISO instant), or undefined for the real now. */
export const TEST_NOW: string | undefined = process.env.CITA_TEST_NOW || undefined;

/** This process's clock: starts at CITA_TEST_NOW (when set) and runs on with real time. */
export const testWallClock: ClockFn = TEST_NOW ? runningFrom(TEST_NOW) : systemClock;

/** Milliseconds since the epoch by testWallClock: what tests use instead of Date.now() for "today". */
export const nowMs = (): number => testWallClock().getTime();

/** Settings that start a server at the test instant (spread into a test server's environment). */
export const testNowEnv = (): Record<string, string> => (TEST_NOW ? { CITA_TEST_NOW: TEST_NOW } : {});
