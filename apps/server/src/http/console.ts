// Serves the desktop console's renderer build (apps/desktop/out/renderer) at /console/, so a
// salon can open the console in a browser on a tablet. Same origin as the API: the console's
// CSP header allows connections to 'self' only.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import type { AppServices } from "../services.ts";

export const CONSOLE_ROOT = fileURLToPath(new URL("../../../desktop/out/renderer/", import.meta.url));

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

export async function registerConsole(app: FastifyInstance, _services: AppServices, root = CONSOLE_ROOT) {
  await app.register(async (scope) => {
    scope.get("/console", (_req, reply) => reply.redirect("/console/"));
    if (!existsSync(root)) {
      scope.get("/console/*", (_req, reply) =>
        reply
          .code(503)
          .type("text/plain")
          .send("The console is not built yet: run `corepack pnpm --filter @cita/desktop build:web`."),
      );
      return;
    }
    await scope.register(fastifyStatic, {
      root,
      prefix: "/console/",
      decorateReply: false,
      index: ["index.html"],
      cacheControl: false, // set below: hashed assets forever, pages always revalidated
      setHeaders(res, path) {
        res.setHeader("content-security-policy", CSP);
        res.setHeader("x-content-type-options", "nosniff");
        res.setHeader("referrer-policy", "no-referrer");
        // Hashed assets never change; the pages must be re-read to pick up a new build.
        res.setHeader("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  });
}
