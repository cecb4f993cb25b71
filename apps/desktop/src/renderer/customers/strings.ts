// Strings of the customer data actions (merge, export, erase). `es` is typed as `en`, so a key
// missing in either language fails typecheck.

const en = {
  dataActions: "Customer data",
  mergeWith: "Merge with…",
  exportData: "Export data",
  eraseCustomer: "Erase customer",
  mergeTitle: (name: string) => `Merge a duplicate into ${name}`,
  mergeHint:
    "The duplicate's bookings, chats, notes, no-shows and marketing consent move to this customer, and the duplicate disappears. Its phone number keeps reaching this customer.",
  mergeSearch: "Find the duplicate by name or phone",
  mergeNoHits: "No other customer matches.",
  mergePreview: "After the merge",
  stays: "Stays",
  mergedAway: "Merged into it, then removed",
  bookingsHere: "Bookings at this salon",
  consent: "Marketing consent",
  yes: "Yes",
  no: "No",
  merge: "Merge",
  merged: (bookings: number, chats: number) =>
    `Merged: ${bookings} ${bookings === 1 ? "booking" : "bookings"} and ${chats} ${chats === 1 ? "chat" : "chats"} moved.`,
  exported: (file: string) => `Downloaded ${file}`,
  eraseTitle: (name: string) => `Erase ${name}`,
  eraseExplain:
    "Removes this person's personal data everywhere in Cita: name, phone, notes, patch tests, colour formulas with their before/after photos, waitlist wishes, their chats with every message, photo and voice note, and the raw deliveries they came in. Bookings stay for the reports, without names, notes or reasons. This cannot be undone: export the data first if the customer asked for a copy.",
  eraseElsewhere: "Chatwoot / WhatsApp and Stripe keep their own copies: erase the person there too.",
  eraseType: (name: string) => `Type the customer's name (${name}) or ERASE to confirm`,
  eraseConfirm: "Erase for good",
  erasedDone: (messages: number, bookings: number) =>
    `Customer erased: ${messages} ${messages === 1 ? "message" : "messages"} deleted, ${bookings} ${bookings === 1 ? "booking" : "bookings"} kept without personal data.`,
};

const es: typeof en = {
  dataActions: "Datos del cliente",
  mergeWith: "Fusionar con…",
  exportData: "Exportar datos",
  eraseCustomer: "Borrar cliente",
  mergeTitle: (name: string) => `Fusionar un duplicado en ${name}`,
  mergeHint:
    "Las citas, chats, notas, ausencias y el consentimiento del duplicado pasan a este cliente, y el duplicado desaparece. Su número de teléfono sigue llegando a este cliente.",
  mergeSearch: "Busca el duplicado por nombre o teléfono",
  mergeNoHits: "Ningún otro cliente coincide.",
  mergePreview: "Después de fusionar",
  stays: "Se queda",
  mergedAway: "Se fusiona en él y se elimina",
  bookingsHere: "Citas en este salón",
  consent: "Consentimiento de marketing",
  yes: "Sí",
  no: "No",
  merge: "Fusionar",
  merged: (bookings: number, chats: number) =>
    `Fusionado: ${bookings} ${bookings === 1 ? "cita" : "citas"} y ${chats} ${chats === 1 ? "chat" : "chats"} movidos.`,
  exported: (file: string) => `Descargado ${file}`,
  eraseTitle: (name: string) => `Borrar a ${name}`,
  eraseExplain:
    "Elimina los datos personales de esta persona en todo Cita: nombre, teléfono, notas, pruebas de alergia, fórmulas de color con sus fotos de antes y después, deseos en lista de espera, sus chats con cada mensaje, foto y nota de voz, y las entregas originales en que llegaron. Las citas se quedan para los informes, sin nombres, notas ni motivos. No se puede deshacer: exporta antes los datos si el cliente pidió una copia.",
  eraseElsewhere: "Chatwoot / WhatsApp y Stripe guardan sus propias copias: borra a la persona también allí.",
  eraseType: (name: string) => `Escribe el nombre del cliente (${name}) o ERASE para confirmar`,
  eraseConfirm: "Borrar definitivamente",
  erasedDone: (messages: number, bookings: number) =>
    `Cliente borrado: ${messages} ${messages === 1 ? "mensaje eliminado" : "mensajes eliminados"}, ${bookings} ${bookings === 1 ? "cita conservada" : "citas conservadas"} sin datos personales.`,
};

export const customerStrings = { en, es };
export type CustomerStrings = typeof en;
