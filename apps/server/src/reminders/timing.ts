// Domain code reads "now" from the injected clock; pg-boss schedules by the database's real time.
// A job due at clock-instant T is sent with startAfter = real now + (T − clock now), so tests with
// a moved clock and production (clock = real time) both fire at the intended instant.
export function realStartAfter(clock: () => Date, dueAt: Date): Date {
  const delta = dueAt.getTime() - clock().getTime();
  return new Date(Date.now() + Math.max(0, delta));
}
