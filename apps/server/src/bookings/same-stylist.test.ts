// One stylist doing two services of one visit, the first with a buffer after (highlights, then a
// cut): the stylist starts the second once their buffer is over. Availability and the booking plan
// must place the items the same way — before, availability chained them back to back, met the
// stylist's own buffer and offered no time at all for "mechas y corte" with one stylist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture } from "../audit/test-fixture.ts";
import { findSlots } from "../availability/find.ts";
import { addDays, toLocal } from "../time/zoned.ts";
import { createBooking } from "./create.ts";
import { planBooking } from "./plan.ts";

let f: Awaited<ReturnType<typeof demoFixture>>;
beforeAll(async () => {
  f = await demoFixture();
});
afterAll(() => f.t.drop());

const MIN = 60_000;

describe("a visit of two services by one stylist", () => {
  it("is offered, planned as offered, and booked without the stylist's segments overlapping", async () => {
    const svc = (slug: string) => f.t.db.service.findFirstOrThrow({ where: { slug } });
    const [mechas, corte] = [await svc("mechas"), await svc("corte-mujer")];
    expect(mechas.bufferAfterMinutes).toBeGreaterThan(0);
    const today = toLocal(f.clock(), "Europe/Madrid").date;
    const items = [mechas, corte].map((s) => ({ serviceId: s.id, staffId: f.laura.id }));
    const slots = await findSlots(f.t.db, {
      locationId: f.locationId,
      fromDate: addDays(today, 1),
      toDate: addDays(today, 14),
      now: f.clock(),
      items,
    });
    expect(slots.length).toBeGreaterThan(0);

    const services = await f.t.db.service.findMany({ where: { id: { in: [mechas.id, corte.id] } } });
    const skills = await f.t.db.staffService.findMany({ where: { staffId: f.laura.id } });
    for (const slot of slots) {
      const [first, second] = slot.items;
      // The cut starts after the highlights' finishing and their buffer after.
      expect(second!.start - first!.end).toBe(mechas.bufferAfterMinutes * MIN + corte.bufferBeforeMinutes * MIN);
      // The booking plan places them exactly as availability did.
      const plan = planBooking(
        slot.start,
        items as { serviceId: string; staffId: string }[],
        services as never,
        skills as never,
      );
      expect(plan.items.map((p) => [p.span.startsAt.getTime(), p.span.endsAt.getTime()])).toEqual(
        slot.items.map((i) => [i.start, i.end]),
      );
    }

    const booked = await createBooking(
      { db: f.t.db, fc: f.t.fc, clock: f.clock },
      {
        locationId: f.locationId,
        customerId: (await f.t.db.customer.findFirstOrThrow()).id,
        startsAt: slots[0]!.start,
        items,
        source: "console",
        mode: "book",
      },
      { type: "staff", id: f.ids.front_desk },
    );
    expect(booked.items.map((i) => Date.parse(i.startsAt))).toEqual(slots[0]!.items.map((i) => i.start));
    const segments = await f.t.db.bookingSegment.findMany({
      where: { bookingId: booked.id },
      orderBy: { startsAt: "asc" },
    });
    for (let k = 1; k < segments.length; k++) {
      expect(segments[k]!.startsAt.getTime()).toBeGreaterThanOrEqual(segments[k - 1]!.endsAt.getTime());
    }
  });
});
