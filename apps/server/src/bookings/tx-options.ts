// Transaction options for booking writes. A burst of bookings queues for a pooled connection rather
// than failing: waiting is better than a refused booking, and an HTTP client gives up long before
// this on a stuck server.
export const BOOKING_TX = { maxWait: 60_000, timeout: 30_000 };
