/** Whether apps/desktop/out/renderer is there and newer than every source it is built from. */
export function consoleBuildFresh(): boolean;
/** Runs `build` under a lock when the console build is missing or stale; true when it built. */
export function ensureConsoleBuilt(build: () => unknown): Promise<boolean>;
