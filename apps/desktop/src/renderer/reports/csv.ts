// CSV for spreadsheets: RFC 4180 (fields with a comma, quote or line break are quoted, quotes
// doubled, records end with CRLF), a UTF-8 byte-order mark so Excel reads accents right, and a
// guard against formula injection: a text cell starting with = + - @ tab or CR gets a leading
// apostrophe, so a customer's name like "=HYPERLINK(…)" is shown as text, never run. Numbers are
// written as numbers (a negative amount is not a formula).

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV file: BOM, the header, then one record per row, each ending in CRLF. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return `\uFEFF${[header, ...rows].map((r) => `${r.map(csvCell).join(",")}\r\n`).join("")}`;
}

/**
 * Saves text as a file through the browser's download (an anchor with `download` on a Blob URL):
 * the browser's download bar, or Electron's save dialog.
 */
export function downloadText(filename: string, text: string, mime = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the Blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file name without the characters Windows, macOS or Linux refuse (and no control characters). */
export function safeFilename(name: string): string {
  const cleaned = [...name].map((c) => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? "-" : c)).join("");
  return cleaned.replace(/-{2,}/g, "-");
}
