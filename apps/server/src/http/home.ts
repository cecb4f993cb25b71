// `/`: a small page in the visitor's language that says where to go — the console, the WhatsApp
// sandbox when it runs, health — instead of a JSON 404 for someone who just typed the address.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sandboxOf } from "../sandbox/sandbox.ts";
import type { AppServices } from "../services.ts";

const TEXT = {
  es: {
    title: "Cita · recepción del salón",
    lead: "Cita está en marcha. ¿Qué quieres abrir?",
    console: "Consola de recepción",
    consoleNote: "calendario, chats, reservas, clientes, ajustes e informes",
    sandbox: "Simulador de WhatsApp",
    sandboxNote: "escribe como una clienta: el agente contesta de verdad",
    health: "Estado del servidor",
    docs: "La guía de instalación y configuración está en README.md, junto al código.",
  },
  en: {
    title: "Cita · salon front desk",
    lead: "Cita is running. What would you like to open?",
    console: "Front-desk console",
    consoleNote: "calendar, chats, bookings, customers, settings and reports",
    sandbox: "WhatsApp simulator",
    sandboxNote: "write as a customer would: the agent really answers",
    health: "Server health",
    docs: "The set-up and configuration guide is README.md, next to the code.",
  },
} as const;

/** es or en from Accept-Language (the first of the two it names), Spanish by default. */
export function visitorLanguage(req: Pick<FastifyRequest, "headers">): "es" | "en" {
  const header = String(req.headers["accept-language"] ?? "").toLowerCase();
  const first = header
    .split(",")
    .map((part) => part.trim().slice(0, 2))
    .find((l) => l === "es" || l === "en");
  return first ?? "es";
}

export function homePage(lang: "es" | "en", sandbox: boolean): string {
  const t = TEXT[lang];
  const link = (href: string, label: string, note: string) =>
    `<li><a href="${href}">${label}</a><span>${note}</span></li>`;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${t.title}</title>
<link rel="stylesheet" href="/home.css"></head><body><main>
<h1>Cita</h1><p>${t.lead}</p><ul>
${link("/console/", t.console, t.consoleNote)}
${sandbox ? link("/sandbox", t.sandbox, t.sandboxNote) : ""}
${link("/healthz", t.health, "/healthz · /readyz")}
</ul><p class="small">${t.docs}</p></main></body></html>`;
}

const CSS = `body{margin:0;font:16px/1.45 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:560px;margin:12vh auto;background:#fff;border-radius:12px;padding:28px 32px;box-shadow:0 1px 4px #0002}
h1{margin:0 0 4px;font-size:28px}ul{list-style:none;padding:0;margin:20px 0}li{margin:0 0 14px}
a{font-weight:600;color:#3b5bdb;text-decoration:none;font-size:18px}a:hover{text-decoration:underline}
li span{display:block;color:#5c6370;font-size:14px}.small{color:#5c6370;font-size:13px}`;

export async function registerHome(app: FastifyInstance, services: AppServices): Promise<void> {
  app.get("/", (req, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("vary", "accept-language")
      .send(homePage(visitorLanguage(req), !!sandboxOf(services)?.chatwoot)),
  );
  app.get("/home.css", (_req, reply) => reply.type("text/css; charset=utf-8").send(CSS));
}
