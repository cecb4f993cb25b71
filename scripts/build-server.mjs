#!/usr/bin/env node
// `pnpm build:server`: compiles the server to apps/server/dist/ for production (`node
// apps/server/dist/main.js`; `tsx` stays for development and tests). One esbuild pass, ~1–2 s.
//
// Why esbuild bundling rather than `tsc` emit: the sources import each other with `.ts`
// specifiers and import @cita/shared, whose package exports TypeScript source that plain Node
// cannot load; `tsc` would also type-check (slow; `pnpm typecheck` already does that). esbuild
// bundles Cita's own code (server + @cita/shared + the generated Prisma client) into a few ES
// modules and leaves every npm package external, loaded from node_modules as before.
//  - Code splitting keeps main.ts's dynamic `import("./app.ts")` a separate chunk, so embedded
//    PostgreSQL still starts before the rest of Cita (and its packages) is loaded.
//  - `import.meta.url` in a source file is rewritten to that file's own URL (relative to the
//    chunk it lands in), so paths such as prisma/schema.prisma, prisma/migrations and the
//    console's build resolve exactly as from src/. The compiled server therefore runs from the
//    repository layout (dist/ beside src/, with prisma/ and node_modules/), which is what the
//    README's Deploy section ships.
//  - Source maps (`dist/*.js.map`): start with `node --enable-source-maps` for TypeScript lines.
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const serverDir = join(root, "apps/server");
export const DIST = join(serverDir, "dist");

// esbuild comes with tsx (a pinned dev dependency), so no second copy is installed for this.
const fromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"));
const esbuild = fromTsx("esbuild");

/** Rewrites `import.meta.url` in Cita's sources to the source file's own URL, relative to `outdir`. */
const sourceUrls = (outdir) => ({
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      let contents = await readFile(args.path, "utf8");
      if (contents.includes("import.meta.url")) {
        const rel = relative(outdir, args.path).split(sep).join("/");
        contents = contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents, loader: "ts" };
    });
  },
});

/** npm packages stay external; only workspace packages (@cita/*) are compiled in. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@cita/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Compiles the server into `outdir` (replaced). Another directory than dist/ must also sit under
 * apps/server/ (e.g. apps/server/node_modules/.cache/…): npm packages resolve from the output's place.
 */
export async function buildServer({ quiet = false, outdir = DIST } = {}) {
  const started = performance.now();
  await rm(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: join(serverDir, "src/main.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    sourcesContent: false,
    chunkNames: "[name]-[hash]",
    outExtension: { ".js": ".js" },
    tsconfig: join(root, "tsconfig.json"),
    plugins: [externalPackages, sourceUrls(outdir)],
    logLevel: quiet ? "error" : "warning",
    metafile: true,
  });
  const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js"));
  const bytes = files.reduce((n, f) => n + result.metafile.outputs[f].bytes, 0);
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    console.log(
      `cita: built ${relative(root, outdir)}/ (${files.length} modules, ${Math.round(bytes / 1024)} KiB) in ${ms} ms`,
    );
  }
  return { files, dir: outdir };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildServer();
}
