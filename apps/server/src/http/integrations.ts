// Where each integration's HTTP routes are mounted. One line per area; each area keeps its routes,
// signature checks and raw-body parsing in its own module (e.g. channels/http.ts).
import type { FastifyInstance } from "fastify";
import { registerCalendarRoutes } from "../calendar/http.ts";
import { registerChannelRoutes } from "../channels/http.ts";
import { registerPaymentRoutes } from "../payments/http.ts";
import { registerSandboxRoutes } from "../sandbox/http.ts";
import type { AppServices } from "../services.ts";
import { registerConsole } from "./console.ts";
import { registerHome } from "./home.ts";

export type RouteRegistrar = (app: FastifyInstance, services: AppServices) => Promise<void>;

const registrars: RouteRegistrar[] = [
  registerPaymentRoutes,
  registerCalendarRoutes,
  registerChannelRoutes,
  registerConsole,
  registerSandboxRoutes,
  registerHome,
];

export async function registerIntegrationRoutes(app: FastifyInstance, services: AppServices): Promise<void> {
  for (const register of registrars) await register(app, services);
}
