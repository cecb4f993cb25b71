/** apps/server/dist: where the compiled server is written (entry: main.js). */
export const DIST: string;
/** Compiles the server to `outdir` (default apps/server/dist; replaced), returning the JavaScript files written. */
export function buildServer(opts?: { quiet?: boolean; outdir?: string }): Promise<{ files: string[]; dir: string }>;
