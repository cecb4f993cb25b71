// Words for the codes the server records (audit actions, escalation reasons, who acted, channels),
// so no screen shows "booking.created" or "customer_request" to a salon. An unknown code reads as
// itself with its separators turned into spaces: new codes stay legible until they get a label.
import type { Lang } from "../i18n.ts";

type Labels = Record<string, { es: string; en: string }>;

const AUDIT: Labels = {
  "booking.create": { es: "Cita creada", en: "Booking created" },
  "booking.created": { es: "Cita creada", en: "Booking created" },
  "booking.held": { es: "Hueco reservado", en: "Slot held" },
  "booking.pending_deposit": { es: "Esperando la señal", en: "Awaiting the deposit" },
  "booking.confirmed": { es: "Confirmada", en: "Confirmed" },
  "booking.checked_in": { es: "Llegó al salón", en: "Checked in" },
  "booking.completed": { es: "Completada", en: "Completed" },
  "booking.no_show": { es: "No vino", en: "No-show" },
  "booking.cancelled": { es: "Cancelada", en: "Cancelled" },
  "booking.expired": { es: "La reserva caducó", en: "The hold expired" },
  "booking.hold_extended": { es: "Reserva ampliada", en: "Hold extended" },
  "booking.notes": { es: "Notas cambiadas", en: "Notes changed" },
  "booking.reschedule": { es: "Cambiada de hora", en: "Rescheduled" },
  "booking.rescheduled": { es: "Cambiada de hora", en: "Rescheduled" },
  "booking.rescheduled_in": { es: "Creada al cambiar otra cita", en: "Created by rescheduling" },
  "payment.paid": { es: "Señal pagada", en: "Deposit paid" },
  "payment.refunded": { es: "Señal devuelta", en: "Deposit refunded" },
  "payment.attempt_failed": { es: "Pago fallido", en: "Payment failed" },
};

const ESCALATION: Labels = {
  customer_request: { es: "El cliente pidió hablar con una persona", en: "The customer asked for a person" },
  complaint: { es: "Queja", en: "Complaint" },
  not_understood: { es: "El asistente no lo entendió", en: "The assistant did not understand" },
  tool_failure: { es: "Fallo al consultar o reservar", en: "A lookup or booking failed" },
  abuse: { es: "Mensajes ofensivos", en: "Abusive messages" },
  late_message: { es: "Mensaje fuera de la ventana de 24 horas", en: "Message outside the 24-hour window" },
  other: { es: "Otro motivo", en: "Other" },
};

const ACTOR: Labels = {
  agent: { es: "Asistente", en: "Assistant" },
  customer: { es: "Cliente", en: "Customer" },
  job: { es: "Sistema", en: "System" },
  system: { es: "Sistema", en: "System" },
  staff: { es: "Equipo", en: "Staff" },
};

const CHANNEL: Labels = {
  chatwoot: { es: "WhatsApp", en: "WhatsApp" },
  whatsapp_cloud: { es: "WhatsApp", en: "WhatsApp" },
  sandbox: { es: "WhatsApp (pruebas)", en: "WhatsApp (test)" },
};

const plain = (code: string) => code.replace(/[._]+/g, " ").trim();
const pick = (labels: Labels, code: string, lang: Lang) => labels[code]?.[lang] ?? plain(code);

export const auditLabel = (action: string, lang: Lang) => pick(AUDIT, action, lang);
export const escalationLabel = (reason: string, lang: Lang) => pick(ESCALATION, reason, lang);
export const actorLabel = (actorType: string, lang: Lang) => pick(ACTOR, actorType, lang);
export const channelLabel = (channel: string, lang: Lang) => pick(CHANNEL, channel, lang);

/** A language code as its name in the console's language ("es" → "español" / "Spanish"). */
export function languageLabel(code: string, lang: Lang): string {
  try {
    return new Intl.DisplayNames([lang === "es" ? "es-ES" : "en-GB"], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}
