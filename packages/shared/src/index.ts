// Types and zod schemas shared by the server and the console. One file per area; re-exported here.

export * from "./agent.ts";
export * from "./audit.ts";
export * from "./auth.ts";
export * from "./bookings.ts";
export * from "./catalog.ts";
export * from "./changes.ts";
export * from "./chats.ts";
export * from "./common.ts";
export * from "./customers.ts";
export * from "./format.ts";
export * from "./input.ts";
export * from "./integrations.ts";
export * from "./locations.ts";
export * from "./patch-tests.ts";
export * from "./payments.ts";
export * from "./reports.ts";
export * from "./resources.ts";
export * from "./staff.ts";
export * from "./time.ts";
export * from "./treatments.ts";
export * from "./waitlist.ts";
