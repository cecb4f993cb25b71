// Operations on sorted, disjoint half-open intervals [start, end).
import type { Interval } from "./types.ts";

export function sortIntervals(list: Interval[]): Interval[] {
  return [...list].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Merges overlapping or touching intervals of a sorted list. */
export function mergeSorted(sorted: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const iv of sorted) {
    if (iv.end <= iv.start) continue;
    const last = out.at(-1);
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else out.push({ start: iv.start, end: iv.end });
  }
  return out;
}

/** `base` minus `cut` (both sorted and merged). */
export function subtract(base: Interval[], cut: Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const b of base) {
    let start = b.start;
    while (j < cut.length && cut[j]!.end <= start) j++;
    let k = j;
    while (k < cut.length && cut[k]!.start < b.end) {
      const c = cut[k]!;
      if (c.start > start) out.push({ start, end: Math.min(c.start, b.end) });
      start = Math.max(start, c.end);
      if (start >= b.end) break;
      k++;
    }
    if (start < b.end) out.push({ start, end: b.end });
  }
  return out;
}

/** Intersection of two sorted, merged lists. */
export function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i]!.start, b[j]!.start);
    const end = Math.min(a[i]!.end, b[j]!.end);
    if (start < end) out.push({ start, end });
    if (a[i]!.end < b[j]!.end) i++;
    else j++;
  }
  return out;
}

/** True when [start, end) lies inside one interval of the sorted, merged list. */
export function covers(sorted: Interval[], start: number, end: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const iv = sorted[mid]!;
    if (iv.end <= start) lo = mid + 1;
    else if (iv.start > start) hi = mid - 1;
    else return end <= iv.end;
  }
  return false;
}

/** Index of the first interval whose end is after `t` (binary search). */
export function firstEndingAfter(sorted: Interval[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}
