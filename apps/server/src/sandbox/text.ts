// What the sandbox pages say around the chat and the calendars, in the visitor's language. The
// salon's own messages come from the agent in the customer's language; this is only the chrome.
import type { FastifyRequest } from "fastify";
import { visitorLanguage } from "../http/home.ts";

export type SandboxLang = "es" | "en";

/** `?lang=es|en` wins (the switch on each page), then Accept-Language, Spanish by default. */
export function sandboxLanguage(req: Pick<FastifyRequest, "headers" | "query">): SandboxLang {
  const asked = (req.query as { lang?: unknown } | undefined)?.lang;
  return asked === "es" || asked === "en" ? asked : visitorLanguage(req);
}

export const SANDBOX_TEXT = {
  es: {
    locale: "es-ES",
    chatTitle: "WhatsApp · Cita de prueba",
    heading: "Cita de prueba",
    intro:
      "Escribe como lo haría una clienta. Cada mensaje llega a Cita firmado, como lo enviaría Chatwoot, y las respuestas salen de Cita como saldrían hacia WhatsApp.",
    phone: "Teléfono",
    name: "Nombre",
    namePlaceholder: "Lucía",
    open: "Abrir chat",
    calendars: "Calendarios",
    console: "Consola",
    other: "English",
    otherLang: "en",
    salon: "Cita · Salón",
    pickPhone: "elige un número de teléfono",
    withPerson: "con una persona",
    assistant: "asistente",
    newChat: "chat nuevo",
    attach: "Enviar una imagen",
    compose: "Escribe un mensaje",
    send: "Enviar",
    options: "Opciones",
    seeOptions: "☰ Ver opciones",
    close: "Cerrar",
    image: "imagen",
    notSent: "No se ha enviado",
    statuses: { sending: "enviando", sent: "enviado", delivered: "entregado", read: "leído", failed: "no entregado" },
    configured: "WhatsApp está configurado: escribe desde un teléfono de verdad.",
    calTitle: "Calendarios (prueba)",
    calHeading: "Los calendarios del equipo",
    calIntro:
      "Lo que cada estilista apunta en su propio calendario bloquea esas horas en Cita, con la misma sincronización que usa con Google. Las citas de Cita se escriben en estos calendarios cada minuto.",
    connected: "Conectado",
    written: (n: number) => (n === 1 ? "1 cita escrita por Cita" : `${n} citas escritas por Cita`),
    lastSync: "última sincronización",
    never: "ninguna",
    notConnected: "Sin conectar todavía (se conecta al añadir un ocupado)",
    busy: "Ocupado",
    remove: "Quitar",
    imported: "Importado en Cita (bloquea la disponibilidad)",
    nothing: "nada",
    titlePlaceholder: "Médico, formación…",
    addBusy: "Añadir ocupado",
  },
  en: {
    locale: "en-GB",
    chatTitle: "WhatsApp · Cita sandbox",
    heading: "Cita sandbox",
    intro:
      "Write as a customer would. Each message reaches Cita signed, as Chatwoot would send it, and Cita's replies leave as they would towards WhatsApp.",
    phone: "Phone",
    name: "Name",
    namePlaceholder: "Lucy",
    open: "Open chat",
    calendars: "Calendars",
    console: "Console",
    other: "Español",
    otherLang: "es",
    salon: "Cita · Salon",
    pickPhone: "pick a phone number",
    withPerson: "with a person",
    assistant: "assistant",
    newChat: "new chat",
    attach: "Send an image",
    compose: "Type a message",
    send: "Send",
    options: "Options",
    seeOptions: "☰ See options",
    close: "Close",
    image: "image",
    notSent: "Not sent",
    statuses: { sending: "sending", sent: "sent", delivered: "delivered", read: "read", failed: "not delivered" },
    configured: "WhatsApp is configured: write from a real phone.",
    calTitle: "Calendars (sandbox)",
    calHeading: "The team's calendars",
    calIntro:
      "What each stylist notes in their own calendar blocks those hours in Cita, through the same sync Cita uses with Google. Cita's bookings are written to these calendars every minute.",
    connected: "Connected",
    written: (n: number) => (n === 1 ? "1 booking written by Cita" : `${n} bookings written by Cita`),
    lastSync: "last sync",
    never: "never",
    notConnected: "Not connected yet (connects when you add busy time)",
    busy: "Busy",
    remove: "Remove",
    imported: "Imported into Cita (blocks availability)",
    nothing: "nothing",
    titlePlaceholder: "Doctor, training…",
    addBusy: "Add busy time",
  },
} as const;

/** The strings the browser script needs, as JSON for a data attribute. */
export function chatScriptText(lang: SandboxLang): string {
  const t = SANDBOX_TEXT[lang];
  return JSON.stringify({
    locale: t.locale,
    withPerson: t.withPerson,
    assistant: t.assistant,
    newChat: t.newChat,
    options: t.options,
    seeOptions: t.seeOptions,
    image: t.image,
    notSent: t.notSent,
    statuses: t.statuses,
  });
}
