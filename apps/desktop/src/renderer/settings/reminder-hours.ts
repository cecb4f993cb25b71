// Reminder times as the Policies tab shows them: hours ("24", "2"), an hour and minutes ("1:30"),
// or decimal hours with a point ("1.5"); a list is separated by commas, semicolons or spaces (so a
// decimal comma cannot silently split one time into two). The server stores minutes.

/** One time in hours → whole minutes; "" → undefined; not a time → null. */
export function hoursToMinutes(text: string): number | null | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const hm = /^(\d{1,3}):([0-5]\d)$/.exec(t);
  if (hm) return Number(hm[1]) * 60 + Number(hm[2]);
  if (/^\d{1,3}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 60);
  return null;
}

/** "24, 2" → [1440, 120]; "" → []; null if any item is not a time. */
export function hoursListToMinutes(text: string): number[] | null {
  const items = text.split(/[,;\s]+/).filter(Boolean);
  const out: number[] = [];
  for (const item of items) {
    const m = hoursToMinutes(item);
    if (m === null || m === undefined) return null;
    out.push(m);
  }
  return out;
}

/** 1440 → "24", 90 → "1:30", 20 → "0:20". */
export function minutesToHours(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? String(h) : `${h}:${String(m).padStart(2, "0")}`;
}

/** [1440, 120] → "24, 2". */
export function minutesListToHours(minutes: readonly number[]): string {
  return minutes.map(minutesToHours).join(", ");
}
