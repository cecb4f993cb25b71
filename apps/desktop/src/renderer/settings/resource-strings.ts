// The resources settings' and day view's words, Spanish and English (issue #21). Kinds the salon
// types itself ("sauna") are shown as words, never as slugs.
import type { ServicePhaseName } from "@cita/shared";
import type { Lang } from "../i18n.ts";
import { useConsole } from "../ui/context.tsx";

const en = {
  tab: "Resources",
  title: "Basins, stations and rooms",
  intro:
    "Each one can serve one client at a time. A service's phases can hold one (a colour holds its station while it develops, though the stylist is free).",
  none: "No resources yet: every service is limited by stylists only.",
  count: (n: number) => (n === 1 ? "1 in use" : `${n} in use`),
  outOfUse: "out of use",
  takeOut: "Take out of use",
  putBack: "Put back in use",
  add: "Add resources",
  kind: "Kind",
  otherKind: "Other…",
  otherKindName: "Kind (one or two words)",
  name: "Name",
  howMany: "How many",
  addButton: "Add",
  needsTitle: "What each service occupies",
  needsIntro: "Tick the phases during which a service needs a resource of that kind.",
  service: "Service",
  save: "Save",
  byStylist: "By stylist",
  byResource: "By resource",
  free: "Free",
};
type Dict = typeof en;

const es: Dict = {
  tab: "Recursos",
  title: "Lavacabezas, puestos y cabinas",
  intro:
    "Cada uno atiende a un cliente a la vez. Las fases de un servicio pueden ocuparlo (un tinte ocupa su puesto mientras actúa, aunque el estilista quede libre).",
  none: "Aún no hay recursos: los servicios solo dependen de los estilistas.",
  count: (n: number) => (n === 1 ? "1 en uso" : `${n} en uso`),
  outOfUse: "fuera de uso",
  takeOut: "Dejar fuera de uso",
  putBack: "Volver a usar",
  add: "Añadir recursos",
  kind: "Tipo",
  otherKind: "Otro…",
  otherKindName: "Tipo (una o dos palabras)",
  name: "Nombre",
  howMany: "Cuántos",
  addButton: "Añadir",
  needsTitle: "Qué ocupa cada servicio",
  needsIntro: "Marca las fases en las que un servicio necesita un recurso de ese tipo.",
  service: "Servicio",
  save: "Guardar",
  byStylist: "Por estilista",
  byResource: "Por recurso",
  free: "Libre",
};

const KINDS: Record<string, { es: string; en: string }> = {
  basin: { es: "Lavacabezas", en: "Basin" },
  colour_station: { es: "Puesto de color", en: "Colour station" },
  treatment_room: { es: "Cabina", en: "Treatment room" },
  nail_desk: { es: "Mesa de manicura", en: "Nail desk" },
};

const PHASES: Record<ServicePhaseName, { es: string; en: string }> = {
  application: { es: "Aplicación", en: "Application" },
  processing: { es: "Exposición", en: "Processing" },
  finishing: { es: "Acabado", en: "Finishing" },
};

/** A kind in words: the usual ones translated, the salon's own as typed ("sauna_seca" → "Sauna seca"). */
export function kindLabel(kind: string, lang: Lang): string {
  const known = KINDS[kind];
  if (known) return known[lang];
  const words = kind.replaceAll("_", " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : kind;
}

export function phaseLabel(phase: ServicePhaseName, lang: Lang): string {
  return PHASES[phase][lang];
}

export function useResourceStrings(): Dict {
  const { tr } = useConsole();
  return tr.lang === "es" ? es : en;
}
