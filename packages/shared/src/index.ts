// Types and zod schemas shared by the server and the console. One file per area; re-exported here.
export * from "./common.ts";
