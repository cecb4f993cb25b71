// Number and money formatting shared by the console, the reports and the sandbox pages: always
// through Intl for the reader's language, with the thousands separator even on four-digit amounts
// (Intl's Spanish default leaves "1689,00 €" ungrouped; a salon's books write "1.689,00 €").

export type FormatLang = "es" | "en";
export const FORMAT_LOCALES: Record<FormatLang, string> = { es: "es-ES", en: "en-GB" };

/** "es" for Spanish or anything unknown (the salon's default), "en" for English. */
export function formatLang(language: string | null | undefined): FormatLang {
  return language?.toLowerCase().startsWith("en") ? "en" : "es";
}

const cache = new Map<string, Intl.NumberFormat>();
function nf(lang: FormatLang, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(FORMAT_LOCALES[lang], { useGrouping: "always", ...opts });
    cache.set(key, f);
  }
  return f;
}

/** "1.689,00 €" / "€1,689.00". */
export function formatMoney(cents: number, currency: string, lang: FormatLang): string {
  return nf(lang, { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

/** "1.689" / "1,689"; fraction digits as given. */
export function formatNumber(n: number, lang: FormatLang, maxFractionDigits = 0): string {
  return nf(lang, { maximumFractionDigits: maxFractionDigits }).format(n);
}

/** "42 %" / "42%" from a ratio (0.42). */
export function formatPercent(ratio: number, lang: FormatLang): string {
  return nf(lang, { style: "percent", maximumFractionDigits: 0 }).format(ratio);
}
