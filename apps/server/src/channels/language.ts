// A deliberately simple es/en guess for a customer's first message; the agent can correct it later.

const ES = new Set(
  "hola buenas buenos dias tardes noches quiero quisiera cita para el la los las una un por favor gracias mañana manana hoy viernes sábado sabado lunes martes miércoles miercoles jueves domingo corte pelo tinte hora puedo tienes tenéis hay qué que cuándo cuando dónde donde sí con mi me es y".split(
    " ",
  ),
);
const EN = new Set(
  "hi hello hey good morning afternoon evening want would like appointment for the a an please thanks thank you tomorrow today friday saturday monday tuesday wednesday thursday sunday haircut hair colour color time can do have is there what when where yes with my i and book".split(
    " ",
  ),
);

export function guessLanguage(text: string | null | undefined, fallback = "es"): "es" | "en" {
  if (!text) return fallback === "en" ? "en" : "es";
  if (/[ñ¿¡áéíóú]/i.test(text)) return "es";
  let es = 0;
  let en = 0;
  for (const word of text.toLowerCase().split(/[^a-zñáéíóúü]+/)) {
    if (ES.has(word)) es++;
    if (EN.has(word)) en++;
  }
  if (en > es) return "en";
  if (es > en) return "es";
  return fallback === "en" ? "en" : "es";
}
