// The waitlist end to end through the database: a cancellation offers the freed time to matching
// wishes in the order they were made (over the real outbox notifier: WhatsApp messages in each
// customer's chat), wishes outside their dates or parts of day are not offered, quiet hours hold
// offers until morning (injected clock), and two customers confirming the same freed time at the same
// moment (two database clients, so the exclusion constraint decides) give exactly one booking, the
// other customer told kindly with alternatives.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSlots } from "../availability/find.ts";
import { createBooking } from "../bookings/create.ts";
import { cancelBooking } from "../bookings/transitions.ts";
import { OutboxNotifier } from "../channels/notifier.ts";
import { loadConfig } from "../config/env.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import { createDb } from "../db/client.ts";
import { createLogger } from "../logger.ts";
import { createSalonFixture, overlappingActiveSegments, type SalonFixture } from "../testing/fixtures.ts";
import { salonDays } from "../testing/salon-days.ts";
import { testClock } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { addDays, localToUtc } from "../time/zoned.ts";
import { scanFreedTime } from "./jobs.ts";
import { acceptChoiceId } from "./messages.ts";
import {
  acceptOffer,
  addWish,
  cancelWish,
  listWishes,
  offerFreedTime,
  offerSlotByHand,
  sendDueOffers,
  type WaitlistDeps,
} from "./waitlist.ts";

const TZ = "Europe/Madrid";
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, TZ);
const staffActor = (id: string) => ({ type: "staff" as const, id });
const customerActor = (id: string) => ({ type: "customer" as const, id });

let t: TestDatabase;
const clock = testClock("2026-03-09T08:00:00Z"); // Monday 09:00 in Madrid: outside the default quiet hours
let deps: WaitlistDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({ CITA_ENV: "test", WHATSAPP_TEMPLATES: "waitlist_offer:es,waitlist_offer:en" });
  const notifier = new OutboxNotifier({ clock, config, log: createLogger("silent") });
  deps = { db: t.db, fc: t.fc, clock, notifier };
});
afterAll(() => t.drop());

/** A salon of its own, with a WhatsApp chat per customer (window open unless `closed`). */
async function salon(customers: number, closed: number[] = []): Promise<SalonFixture> {
  const f = await createSalonFixture(t.db, t.fc, { customers });
  for (const [i, customerId] of f.customers.entries()) {
    await t.db.conversation.create({
      data: {
        customerId,
        channel: "whatsapp_cloud",
        channelAccount: "pn-test",
        externalId: `${f.locationId}-${i}`,
        lastCustomerMessageAt: closed.includes(i) ? new Date(clock().getTime() - 48 * 3_600_000) : clock(),
      },
    });
  }
  return f;
}

/** A day ahead on which Laura and Carlos both have free cuts all day (asked of the salon, never assumed). */
async function freeDay(f: SalonFixture, from = "2026-03-10"): Promise<string> {
  const [day] = await salonDays((q) => findSlots(t.db, { locationId: f.locationId, ...q, now: clock() }), from, [
    { serviceId: f.services.cut, staffIds: [f.staff.laura, f.staff.carlos], minStaff: 2, minSlots: 30 },
  ]);
  return day;
}

// The fixture's customers are found by phone, so every salon in this file shares them: each test
// looks only at the messages written since it started.
let since = new Date();
beforeEach(() => {
  since = new Date();
});

/** Messages the customer's chats got from us since the test started, oldest first. */
async function outbound(customerId: string) {
  return t.db.message.findMany({
    where: { conversation: { customerId }, direction: "outbound", createdAt: { gte: since } },
    orderBy: { createdAt: "asc" },
    select: { kind: true, body: true, choices: true, deliveryStatus: true },
  });
}

const cut = (f: SalonFixture, customer: number, startsAt: Date, staffId = f.staff.laura) =>
  createBooking(
    deps,
    {
      locationId: f.locationId,
      customerId: f.customers[customer]!,
      startsAt,
      items: [{ serviceId: f.services.cut, staffId }],
      source: "console",
      mode: "book",
    },
    staffActor(f.deskId),
  );

describe("a cancellation offers the freed time", () => {
  it("to matching wishes in the order they were made; not outside their dates, parts of day or stylist", async () => {
    clock.set("2026-03-09T08:00:00Z");
    const f = await salon(7, [5]);
    const day = await freeDay(f);
    await scanFreedTime(deps); // the scan's cursor starts at the head of the change log
    const taken = await cut(f, 6, at(day, 17));

    const wish = (customer: number, w: Partial<Parameters<typeof addWish>[2]>) =>
      addWish(
        deps,
        f.locationId,
        {
          customerId: f.customers[customer]!,
          serviceIds: [f.services.cut],
          dateFrom: day,
          dateTo: day,
          dayParts: ["afternoon"],
          ...w,
        },
        staffActor(f.deskId),
      );
    const first = await wish(0, {
      staffId: f.staff.laura,
      note: "avísame si se libera algo el jueves por la tarde con Laura",
    });
    const second = await wish(1, { dateTo: addDays(day, 2), dayParts: ["afternoon", "evening"] });
    const laterDates = await wish(2, { dateFrom: addDays(day, 1), dateTo: addDays(day, 3) });
    const morningOnly = await wish(3, { dayParts: ["morning"] });
    const carlosOnly = await wish(4, { staffId: f.staff.carlos });
    const closedWindow = await wish(5, {});

    await cancelBooking(deps, taken.id, staffActor(f.deskId), { by: "customer", reason: "can't come" });
    const { offers } = await scanFreedTime(deps);

    const mine = offers.filter((o) =>
      [first, second, laterDates, morningOnly, carlosOnly, closedWindow].some((w) => w.id === o.wishId),
    );
    expect(mine.map((o) => o.wishId)).toEqual([first.id, second.id, closedWindow.id]);
    for (const o of mine) {
      expect(o).toMatchObject({ staffId: f.staff.laura, startsAt: at(day, 17).toISOString(), status: "sent" });
    }
    // WhatsApp: inside the window a message with the answer buttons, in the customer's language.
    const [toFirst] = await outbound(f.customers[0]!);
    expect(toFirst?.kind).toBe("interactive");
    expect(toFirst?.body).toContain("Se ha liberado un hueco");
    expect(toFirst?.body).toContain("17:00");
    expect(toFirst?.choices).toContainEqual({ id: acceptChoiceId(mine[0]!.offerId), title: "Sí, lo quiero" });
    expect(await outbound(f.customers[1]!)).toHaveLength(1);
    // Outside the 24-hour window: the configured template.
    const [template] = await outbound(f.customers[5]!);
    expect(template).toMatchObject({ kind: "template" });
    expect(template?.body).toContain("[waitlist_offer]");
    for (const i of [2, 3, 4]) expect(await outbound(f.customers[i]!)).toHaveLength(0);

    const listed = await listWishes(deps, f.locationId);
    expect(listed.map((w) => w.id)).toEqual([
      first.id,
      second.id,
      laterDates.id,
      morningOnly.id,
      carlosOnly.id,
      closedWindow.id,
    ]);
    expect(listed[0]).toMatchObject({ status: "offered", offersSent: 1, note: expect.stringContaining("con Laura") });
    expect(listed[0]!.offers[0]).toMatchObject({ status: "sent", staffName: "Laura", byHand: false });
    expect(listed[2]).toMatchObject({ status: "waiting", offersSent: 0, offers: [] });
    // The customer's words are stored encrypted.
    const raw = await t.db.waitlistWish.findUniqueOrThrow({ where: { id: first.id } });
    expect(Buffer.from(raw.noteCipher!).toString("utf8")).not.toContain("Laura");

    // Scanning again offers nothing twice.
    const again = await scanFreedTime(deps);
    expect(again.offers.filter((o) => mine.some((m) => m.wishId === o.wishId))).toHaveLength(0);
  });

  it("respects the offer limit per wish and the enable switch, and cancelled wishes get nothing", async () => {
    clock.set("2026-03-09T08:00:00Z");
    const f = await salon(3);
    const day = await freeDay(f);
    await t.db.location.update({ where: { id: f.locationId }, data: { waitlistMaxOffers: 1 } });
    const w = await addWish(
      deps,
      f.locationId,
      {
        customerId: f.customers[0]!,
        serviceIds: [f.services.cut],
        dateFrom: day,
        dateTo: day,
        dayParts: ["morning", "afternoon", "evening"],
      },
      staffActor(f.deskId),
    );
    const gone = await addWish(
      deps,
      f.locationId,
      {
        customerId: f.customers[1]!,
        serviceIds: [f.services.cut],
        dateFrom: day,
        dateTo: day,
        dayParts: ["morning", "afternoon", "evening"],
      },
      staffActor(f.deskId),
    );
    await cancelWish(deps, f.locationId, { wishId: gone.id }, staffActor(f.deskId));
    // A customer who never wrote on WhatsApp: nowhere to send an offer (staff phone them, by hand).
    const { customer: noChat } = await t.db.$transaction((tx) =>
      upsertCustomerByPhone(tx, t.fc, { phone: "+34699000111", name: "Sin Chat" }),
    );
    const unreachable = await addWish(
      deps,
      f.locationId,
      {
        customerId: noChat.id,
        serviceIds: [f.services.cut],
        dateFrom: day,
        dateTo: day,
        dayParts: ["morning", "afternoon", "evening"],
      },
      staffActor(f.deskId),
    );
    const freed = (h: number) => [{ staffId: f.staff.laura, from: at(day, h), to: at(day, h, 30) }];
    expect((await offerFreedTime(deps, f.locationId, freed(11))).map((o) => o.wishId)).toEqual([w.id]);
    expect(await offerFreedTime(deps, f.locationId, freed(12))).toEqual([]); // at its limit; no chat
    expect(await t.db.waitlistOffer.count({ where: { wishId: unreachable.id } })).toBe(0);
    // Staff may still offer a time by hand.
    const byHand = await offerSlotByHand(
      deps,
      f.locationId,
      { wishId: w.id, staffId: f.staff.carlos, startsAt: at(day, 15) },
      staffActor(f.managerId),
    );
    expect(byHand.status).toBe("sent");
    await t.db.location.update({ where: { id: f.locationId }, data: { waitlistMaxOffers: 5, waitlistEnabled: false } });
    expect(await offerFreedTime(deps, f.locationId, freed(13))).toEqual([]); // switched off
    expect(await outbound(f.customers[1]!)).toHaveLength(0);
  });
});

describe("quiet hours", () => {
  it("hold an offer made at night until the morning, then send it (injected clock)", async () => {
    clock.set("2026-03-09T08:00:00Z");
    const f = await salon(2);
    const day = await freeDay(f, "2026-03-11");
    const taken = await cut(f, 1, at(day, 11));
    const w = await addWish(
      deps,
      f.locationId,
      { customerId: f.customers[0]!, serviceIds: [f.services.cut], dateFrom: day, dateTo: day, dayParts: ["morning"] },
      staffActor(f.deskId),
    );
    await scanFreedTime(deps);
    // The evening before, 22:30 local: inside the default quiet hours (21:00–09:00).
    clock.set(at(addDays(day, -1), 22, 30));
    await cancelBooking(deps, taken.id, staffActor(f.deskId), { by: "customer", reason: "ill" });
    const { offers } = await scanFreedTime(deps);
    const held = offers.find((o) => o.wishId === w.id);
    expect(held).toMatchObject({ status: "held_for_quiet_hours", startsAt: at(day, 11).toISOString() });
    const row = await t.db.waitlistOffer.findUniqueOrThrow({ where: { id: held!.offerId } });
    expect(row.sendAt?.toISOString()).toBe(at(day, 9).toISOString());
    expect(await outbound(f.customers[0]!)).toHaveLength(0);

    clock.set(at(day, 8, 59));
    await sendDueOffers(deps, f.locationId);
    expect(await outbound(f.customers[0]!)).toHaveLength(0);

    clock.set(at(day, 9));
    expect(await sendDueOffers(deps, f.locationId)).toMatchObject({ sent: 1 });
    const [msg] = await outbound(f.customers[0]!);
    expect(msg?.body).toContain("11:00");
    expect((await t.db.waitlistOffer.findUniqueOrThrow({ where: { id: held!.offerId } })).status).toBe("sent");
  });
});

describe("two customers confirm the same freed time at the same moment", () => {
  it("exactly one booking; the other is told it is gone, with the nearest alternatives", async () => {
    clock.set("2026-03-09T08:00:00Z");
    const f = await salon(3);
    const day = await freeDay(f);
    // Two clients: each confirmation has its own pool, so only the database decides between them.
    const a = { ...deps, db: createDb(t.url, { max: 4 }) };
    const b = { ...deps, db: createDb(t.url, { max: 4 }) };
    try {
      for (const hour of [11, 15, 17]) {
        const wishes: Awaited<ReturnType<typeof addWish>>[] = [];
        for (const i of [0, 1, 2]) {
          wishes.push(
            await addWish(
              deps,
              f.locationId,
              {
                customerId: f.customers[i]!,
                serviceIds: [f.services.cut],
                staffId: f.staff.laura,
                dateFrom: day,
                dateTo: day,
                dayParts: ["morning", "afternoon", "evening"],
              },
              staffActor(f.deskId),
            ),
          );
        }
        const offers = await offerFreedTime(deps, f.locationId, [
          { staffId: f.staff.laura, from: at(day, hour), to: at(day, hour, 30) },
        ]);
        expect(offers.map((o) => o.wishId)).toEqual(wishes.map((w) => w.id));
        const [r0, r1] = await Promise.all([
          acceptOffer(a, offers[0]!.offerId, customerActor(f.customers[0]!)),
          acceptOffer(b, offers[1]!.offerId, customerActor(f.customers[1]!)),
        ]);
        const results = [r0, r1];
        const won = results.filter((r) => r.outcome === "booked");
        const lost = results.filter((r) => r.outcome === "lost");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        if (lost[0]?.outcome !== "lost") throw new Error("unreachable");
        expect(lost[0].alternatives.length).toBeGreaterThan(0);
        const active = await t.db.booking.count({
          where: { locationId: f.locationId, startsAt: at(day, hour), status: { notIn: ["cancelled", "expired"] } },
        });
        expect(active).toBe(1);
        const loser = results.indexOf(lost[0]);
        const told = await outbound(f.customers[loser]!);
        expect(told.at(-1)?.body).toMatch(/otra persona ha confirmado el hueco/);
        expect(told.at(-1)?.body).toMatch(/Las horas libres más cercanas/);
        // The winner's wish is booked; the loser still waits (and may be offered the next freed time).
        const states = await t.db.waitlistWish.findMany({ where: { id: { in: wishes.map((w) => w.id) } } });
        expect(states.find((s) => s.id === wishes[loser]!.id)?.status).toBe("waiting");
        expect(states.find((s) => s.id === wishes[1 - loser]!.id)?.status).toBe("booked");
        // Confirming again answers the same: the booking for the winner, "gone" for the other.
        const winnerAgain = await acceptOffer(deps, offers[1 - loser]!.offerId, customerActor(f.customers[1 - loser]!));
        expect(winnerAgain).toEqual(won[0]);
        expect((await acceptOffer(deps, offers[loser]!.offerId, customerActor(f.customers[loser]!))).outcome).toBe(
          "lost",
        );
        // A third customer offered the same time, who had not answered: the offer is gone, the wish waits
        // again, and answering it now gets the kind message with alternatives.
        const third = await t.db.waitlistOffer.findUniqueOrThrow({ where: { id: offers[2]!.offerId } });
        expect(third).toMatchObject({ status: "lost", answeredAt: null });
        expect((await t.db.waitlistWish.findUniqueOrThrow({ where: { id: wishes[2]!.id } })).status).toBe("waiting");
        const late = await acceptOffer(deps, offers[2]!.offerId, customerActor(f.customers[2]!));
        expect(late.outcome).toBe("lost");
        expect((await outbound(f.customers[2]!)).at(-1)?.body).toMatch(/otra persona ha confirmado/);
        for (const w of [wishes[loser]!, wishes[2]!])
          await cancelWish(deps, f.locationId, { wishId: w.id }, staffActor(f.deskId));
      }
      expect(await overlappingActiveSegments(t.url)).toBe(0);
    } finally {
      await a.db.$disconnect();
      await b.db.$disconnect();
    }
  });
});
