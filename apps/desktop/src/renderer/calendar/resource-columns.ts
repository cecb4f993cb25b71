// The day view by resource (issue #21): one column per basin, station or room, and the stretches
// bookings hold it — a colour's station through its processing too. Read from the server
// (resources.day) for the shown day and again when the day's bookings change.
import type { ResourceDayView } from "@cita/shared";
import { useEffect, useState } from "react";
import type { Api } from "../api.ts";
import type { LayoutItem } from "./layout.ts";

/** A resource's holds merged per booking: one block from the first phase held to the last. */
export function resourceItems(day: ResourceDayView): LayoutItem[] {
  const merged = new Map<string, LayoutItem>();
  for (const b of day.blocks) {
    const key = `${b.bookingId}:${b.resourceId}`;
    const start = Date.parse(b.startsAt);
    const end = Date.parse(b.endsAt);
    const known = merged.get(key);
    const startsAt = Math.min(known?.startsAt ?? start, start);
    const endsAt = Math.max(known?.endsAt ?? end, end);
    merged.set(key, {
      key,
      bookingId: b.bookingId,
      columnKey: b.resourceId,
      startsAt,
      endsAt,
      durationMinutes: (endsAt - startsAt) / 60_000,
      processingMinutes: 0,
      finishingMinutes: 0,
    });
  }
  return [...merged.values()];
}

/** Whether the salon has any resource in use (asked once: the "by resource" toggle shows only then). */
export function useHasResources(api: Api, on: boolean): boolean {
  const [has, setHas] = useState(false);
  useEffect(() => {
    if (!on) return;
    let live = true;
    api.resources.list
      .query()
      .then((l) => live && setHas(l.resources.some((r) => r.active)))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api, on]);
  return has;
}

/** The shown day's resources and holds while `on`; re-read when `version` (the bookings) changes. */
export function useResourceDay(api: Api, date: string, on: boolean, version: unknown): ResourceDayView | null {
  const [day, setDay] = useState<ResourceDayView | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the re-read trigger
  useEffect(() => {
    if (!on) return;
    let live = true;
    api.resources.day
      .query({ date })
      .then((d) => live && setDay(d))
      .catch(() => live && setDay(null));
    return () => {
      live = false;
    };
  }, [api, date, on, version]);
  return on ? day : null;
}
