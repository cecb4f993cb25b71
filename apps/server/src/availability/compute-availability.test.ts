import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { localToUtc } from "../time/zoned.ts";
import { blockingSegments, computeAvailability } from "./compute-availability.ts";
import type { AvailabilityQuery, Interval, ServiceSpec, StaffAvailability, WeeklyBlock } from "./types.ts";

const H = (h: number, m = 0) => h * 60 + m;
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];

function service(id: string, duration: number, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    id,
    durationMinutes: duration,
    processingMinutes: 0,
    finishingMinutes: 0,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    priceCents: 1000,
    ...extra,
  };
}

function stylist(
  id: string,
  services: string[],
  opts: Partial<StaffAvailability> & { hours?: [number, number] } = {},
): StaffAvailability {
  const [start, end] = opts.hours ?? [H(9), H(18)];
  const weekly: WeeklyBlock[] = ALL_WEEK.map((weekday) => ({
    weekday,
    kind: "work",
    startMinute: start,
    endMinute: end,
  }));
  return {
    id,
    name: id,
    weekly: opts.weekly ?? weekly,
    overrides: opts.overrides ?? [],
    busy: opts.busy ?? [],
    skills: opts.skills ?? new Map(services.map((s) => [s, {}])),
  };
}

function query(
  partial: Partial<AvailabilityQuery> & Pick<AvailabilityQuery, "services" | "staff" | "items">,
): AvailabilityQuery {
  return {
    now: new Date("2026-03-09T00:00:00Z"),
    fromDate: "2026-03-10",
    toDate: "2026-03-10",
    ...partial,
    location: {
      timeZone: "Europe/Madrid",
      slotStepMinutes: 15,
      minNoticeMinutes: 0,
      horizonDays: 60,
      hours: ALL_WEEK.map((weekday) => ({ weekday, startMinute: H(9), endMinute: H(20) })),
      closures: [],
      ...partial.location,
    },
  };
}

const madrid = (date: string, minute: number) => localToUtc(date, minute, "Europe/Madrid").getTime();
const times = (slots: { localTime: string }[]) => slots.map((s) => s.localTime);

describe("computeAvailability", () => {
  it("offers each step of the stylist's day where the service fits", () => {
    const slots = computeAvailability(
      query({
        services: [service("cut", 30)],
        staff: [stylist("ana", ["cut"], { hours: [H(10), H(12)] })],
        items: [{ serviceId: "cut", staffId: "ana" }],
      }),
    );
    expect(times(slots)).toEqual(["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"]);
    expect(slots[0]!.start.toISOString()).toBe("2026-03-10T09:00:00.000Z"); // CET = UTC+1
    expect(slots[0]!.items[0]).toMatchObject({ staffId: "ana", serviceId: "cut" });
  });

  it("skips busy time, breaks, minimum notice, closures and the horizon", () => {
    const weekly: WeeklyBlock[] = [
      { weekday: 2, kind: "work", startMinute: H(10), endMinute: H(14) },
      { weekday: 2, kind: "break", startMinute: H(12), endMinute: H(13) },
    ];
    const busy = [{ start: madrid("2026-03-10", H(10, 30)), end: madrid("2026-03-10", H(11)) }];
    const base = {
      services: [service("cut", 30)],
      staff: [stylist("ana", ["cut"], { weekly, busy })],
      items: [{ serviceId: "cut", staffId: "ana" }],
    };
    expect(times(computeAvailability(query(base)))).toEqual([
      "10:00",
      "11:00",
      "11:15",
      "11:30",
      "13:00",
      "13:15",
      "13:30",
    ]);
    const noticed = computeAvailability(
      query({ ...base, now: new Date(madrid("2026-03-10", H(10, 50))), location: { minNoticeMinutes: 60 } as never }),
    );
    expect(times(noticed)).toEqual(["13:00", "13:15", "13:30"]);
    expect(computeAvailability(query({ ...base, location: { closures: ["2026-03-10"] } as never }))).toEqual([]);
    expect(computeAvailability(query({ ...base, location: { horizonDays: 1 } as never }))).toEqual([]);
  });

  it("applies date overrides: a day off, or different hours", () => {
    const base = { services: [service("cut", 60)], items: [{ serviceId: "cut", staffId: "ana" }] };
    const off = stylist("ana", ["cut"], { overrides: [{ date: "2026-03-10", kind: "off" }] });
    expect(computeAvailability(query({ ...base, staff: [off] }))).toEqual([]);
    const custom = stylist("ana", ["cut"], {
      overrides: [{ date: "2026-03-10", kind: "custom_hours", startMinute: H(15), endMinute: H(16, 30) }],
    });
    expect(times(computeAvailability(query({ ...base, staff: [custom] })))).toEqual(["15:00", "15:15", "15:30"]);
  });

  it("keeps the whole visit inside opening hours even when the stylist works later", () => {
    const slots = computeAvailability(
      query({
        services: [service("colour", 30, { processingMinutes: 30, finishingMinutes: 30 })],
        staff: [stylist("ana", ["colour"], { hours: [H(9), H(22)] })],
        items: [{ serviceId: "colour", staffId: "ana" }],
      }),
    );
    expect(slots.at(-1)!.localTime).toBe("18:30"); // ends 20:00, closing time
  });

  it("leaves the stylist bookable during a colour's processing gap, and only then", () => {
    // Ana is doing a colour: application 10:00–10:30, processing to 11:05, finishing 11:05–11:25.
    const colour = blockingSegments(madrid("2026-03-10", H(10)), {
      bufferBeforeMinutes: 0,
      durationMinutes: 30,
      processingMinutes: 35,
      finishingMinutes: 20,
      bufferAfterMinutes: 0,
    });
    const slots = computeAvailability(
      query({
        services: [service("cut", 30)],
        staff: [stylist("ana", ["cut"], { hours: [H(10), H(12)], busy: colour })],
        items: [{ serviceId: "cut", staffId: "ana" }],
        location: { slotStepMinutes: 5 } as never,
      }),
    );
    const t = times(slots);
    expect(t).toContain("10:30");
    expect(t).toContain("10:35");
    expect(t).not.toContain("10:40"); // would run into the finishing at 11:05
    expect(t).not.toContain("10:25");
    expect(t).not.toContain("11:00");
    expect(t).toContain("11:25");
  });

  it("gives 'any stylist' each time once, to the least busy qualified stylist", () => {
    const busy = [{ start: madrid("2026-03-10", H(9)), end: madrid("2026-03-10", H(11)) }];
    const slots = computeAvailability(
      query({
        services: [service("cut", 30), service("nails", 30)],
        staff: [stylist("busy", ["cut"], { busy }), stylist("free", ["cut"]), stylist("nailer", ["nails"])],
        items: [{ serviceId: "cut", staffId: null }],
      }),
    );
    const starts = slots.map((s) => s.start.getTime());
    expect(new Set(starts).size).toBe(starts.length);
    expect(slots.every((s) => s.items[0]!.staffId === "free")).toBe(true);
    expect(times(slots)[0]).toBe("09:00");
  });

  it("chains a two-service visit back to back and returns it as one option", () => {
    const slots = computeAvailability(
      query({
        services: [
          service("cut", 45, { priceCents: 3500 }),
          service("colour", 30, { processingMinutes: 35, finishingMinutes: 20, priceCents: 4500 }),
        ],
        staff: [
          stylist("laura", ["cut", "colour"], { hours: [H(10), H(13)] }),
          stylist("carlos", ["cut"], { hours: [H(10), H(13)] }),
        ],
        items: [
          { serviceId: "cut", staffId: "carlos" },
          { serviceId: "colour", staffId: "laura" },
        ],
      }),
    );
    const first = slots[0]!;
    expect(first.localTime).toBe("10:00");
    expect(first.items.map((i) => [i.staffId, new Date(i.start).toISOString(), new Date(i.end).toISOString()])).toEqual(
      [
        ["carlos", "2026-03-10T09:00:00.000Z", "2026-03-10T09:45:00.000Z"],
        ["laura", "2026-03-10T09:45:00.000Z", "2026-03-10T11:10:00.000Z"],
      ],
    );
    expect(first.priceCents).toBe(8000);
    expect(first.end.toISOString()).toBe("2026-03-10T11:10:00.000Z");
    // Laura finishes by 13:00: the last visit starts when cut + colour (45 + 85 min) still fits.
    expect(slots.at(-1)!.localTime).toBe("10:45");
  });

  it("lets one stylist do both services of a visit", () => {
    const slots = computeAvailability(
      query({
        services: [
          service("colour", 30, { processingMinutes: 30, finishingMinutes: 15, bufferAfterMinutes: 10 }),
          service("cut", 30),
        ],
        staff: [stylist("laura", ["cut", "colour"], { hours: [H(10), H(12)] })],
        items: [
          { serviceId: "colour", staffId: null },
          { serviceId: "cut", staffId: null },
        ],
      }),
    );
    // Colour 10:00–11:15 then its 10-minute clean-up: the same stylist starts the cut at 11:25
    // (the customer waits), which ends 11:55, inside her hours; from 10:15 it would not fit.
    expect(times(slots)).toEqual(["10:00"]);
    expect(slots[0]!.items.map((i) => [i.serviceId, new Date(i.start).toISOString().slice(11, 16)])).toEqual([
      ["colour", new Date(slots[0]!.start).toISOString().slice(11, 16)],
      ["cut", new Date(slots[0]!.start.getTime() + 85 * 60_000).toISOString().slice(11, 16)],
    ]);
    const later = computeAvailability(
      query({
        services: [service("colour", 30, { processingMinutes: 30, finishingMinutes: 15 }), service("cut", 30)],
        staff: [stylist("laura", ["cut", "colour"], { hours: [H(10), H(12)] })],
        items: [
          { serviceId: "colour", staffId: null },
          { serviceId: "cut", staffId: null },
        ],
      }),
    );
    expect(times(later)).toEqual(["10:00", "10:15"]);
  });

  it("uses a stylist's own duration and price", () => {
    const staff = stylist("laura", ["cut"], {
      hours: [H(10), H(11)],
      skills: new Map([["cut", { durationMinutes: 50, priceCents: 5000 }]]),
    });
    const slots = computeAvailability(
      query({ services: [service("cut", 30)], staff: [staff], items: [{ serviceId: "cut", staffId: "laura" }] }),
    );
    expect(times(slots)).toEqual(["10:00"]);
    expect(slots[0]!.priceCents).toBe(5000);
  });

  it("applies buffers before and after", () => {
    const busy = [{ start: madrid("2026-03-10", H(11)), end: madrid("2026-03-10", H(12)) }];
    const slots = computeAvailability(
      query({
        services: [service("cut", 30, { bufferBeforeMinutes: 15, bufferAfterMinutes: 15 })],
        staff: [stylist("ana", ["cut"], { hours: [H(10), H(12)], busy })],
        items: [{ serviceId: "cut", staffId: "ana" }],
      }),
    );
    expect(times(slots)).toEqual(["10:15"]); // 10:00 needs 09:45 (before she starts); 10:30 would end 11:15
  });
});

describe("DST change days", () => {
  const sundayOpen = ALL_WEEK.map((weekday) => ({ weekday, startMinute: H(9), endMinute: H(18) }));
  const at = (tz: string, date: string) =>
    computeAvailability(
      query({
        now: new Date("2026-01-01T00:00:00Z"),
        fromDate: date,
        toDate: date,
        services: [service("cut", 60)],
        staff: [stylist("ana", ["cut"], { hours: [H(9), H(18)] })],
        items: [{ serviceId: "cut", staffId: "ana" }],
        location: { timeZone: tz, hours: sundayOpen, slotStepMinutes: 60, horizonDays: 400 } as never,
      }),
    ).map((s) => [s.localTime, s.start.toISOString()]);

  it("Europe/Madrid spring forward (2026-03-29)", () => {
    const slots = at("Europe/Madrid", "2026-03-29");
    expect(slots[0]).toEqual(["09:00", "2026-03-29T07:00:00.000Z"]);
    expect(slots).toContainEqual(["13:00", "2026-03-29T11:00:00.000Z"]);
    expect(slots.at(-1)).toEqual(["17:00", "2026-03-29T15:00:00.000Z"]);
    expect(slots).toHaveLength(9);
  });

  it("Europe/Madrid fall back (2026-10-25)", () => {
    const slots = at("Europe/Madrid", "2026-10-25");
    expect(slots[0]).toEqual(["09:00", "2026-10-25T08:00:00.000Z"]);
    expect(slots).toContainEqual(["13:00", "2026-10-25T12:00:00.000Z"]);
    expect(slots).toHaveLength(9);
  });

  it("America/New_York spring forward (2026-03-08) and fall back (2026-11-01)", () => {
    const spring = at("America/New_York", "2026-03-08");
    expect(spring).toContainEqual(["13:00", "2026-03-08T17:00:00.000Z"]);
    expect(spring).toHaveLength(9);
    const fall = at("America/New_York", "2026-11-01");
    expect(fall).toContainEqual(["13:00", "2026-11-01T18:00:00.000Z"]);
    expect(fall).toHaveLength(9);
  });

  it("a day's slots before and after the change keep their wall times", () => {
    const before = at("Europe/Madrid", "2026-03-28").map(([t]) => t);
    const after = at("Europe/Madrid", "2026-03-30").map(([t]) => t);
    expect(before).toEqual(after);
  });
});

describe("properties (fast-check)", () => {
  const day = "2026-03-10";
  const arbBusy = fc.array(
    fc.tuple(fc.integer({ min: H(8), max: H(19) }), fc.integer({ min: 5, max: 120 })).map(([s, d]) => ({
      start: madrid(day, s),
      end: madrid(day, s + d),
    })),
    { maxLength: 6 },
  );
  const arbStaff = fc
    .tuple(
      fc.integer({ min: H(8), max: H(12) }),
      fc.integer({ min: H(13), max: H(20) }),
      arbBusy,
      fc.subarray(["a", "b", "c"], { minLength: 1 }),
    )
    .map(([start, end, busy, skills]) => ({ start, end, busy, skills }));
  const arbService = (id: string) =>
    fc
      .tuple(
        fc.integer({ min: 10, max: 90 }),
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
      )
      .map(([d, p, f, bb, ba]) =>
        service(id, d, {
          processingMinutes: p,
          finishingMinutes: p ? f : 0,
          bufferBeforeMinutes: bb,
          bufferAfterMinutes: ba,
        }),
      );

  it("never offers a slot whose blocking segments overlap the stylist's busy time or leave their hours", () => {
    fc.assert(
      fc.property(
        fc.array(arbStaff, { minLength: 1, maxLength: 4 }),
        fc.tuple(arbService("a"), arbService("b"), arbService("c")),
        fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 2 }),
        (staffSpecs, services, visit) => {
          const staff = staffSpecs.map((s, i) => stylist(`s${i}`, s.skills, { hours: [s.start, s.end], busy: s.busy }));
          const slots = computeAvailability(
            query({
              services,
              staff,
              items: visit.map((serviceId) => ({ serviceId, staffId: null })),
              location: { slotStepMinutes: 5 } as never,
            }),
          );
          for (const slot of slots) {
            for (const item of slot.items) {
              const spec = staffSpecs[Number(item.staffId.slice(1))]!;
              const segs = blockingSegments(item.start, item.timing);
              for (const seg of segs) {
                expect(seg.start).toBeGreaterThanOrEqual(madrid(day, spec.start));
                expect(seg.end).toBeLessThanOrEqual(madrid(day, spec.end));
                for (const b of spec.busy as Interval[]) expect(seg.start < b.end && b.start < seg.end).toBe(false);
              }
              expect(item.start).toBeGreaterThanOrEqual(madrid(day, H(9)));
              expect(item.end).toBeLessThanOrEqual(madrid(day, H(20)));
            }
            // Items chain back to back, except that a stylist continuing the visit starts when their
            // own segments so far (buffer after included) are over, after the next buffer before;
            // one stylist's segments of a visit never overlap.
            for (let i = 1; i < slot.items.length; i++) {
              const item = slot.items[i]!;
              const ownEnd = Math.max(
                Number.NEGATIVE_INFINITY,
                ...slot.items
                  .slice(0, i)
                  .filter((x) => x.staffId === item.staffId)
                  .flatMap((x) => blockingSegments(x.start, x.timing).map((g) => g.end)),
              );
              const before = item.timing.bufferBeforeMinutes * 60_000;
              expect(item.start).toBe(Math.max(slot.items[i - 1]!.end, ownEnd + before));
            }
            const byStaff = new Map<string, Interval[]>();
            for (const item of slot.items) {
              const segs = blockingSegments(item.start, item.timing);
              const mine = byStaff.get(item.staffId) ?? [];
              for (const g of segs) for (const o of mine) expect(g.start < o.end && o.start < g.end).toBe(false);
              byStaff.set(item.staffId, [...mine, ...segs]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
