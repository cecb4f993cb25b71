// The scenarios of scenarios.md in guided mode (no Claude), on the seeded demo salon with the
// clock frozen at Tuesday 2026-03-10 10:00 Europe/Madrid. Driven through the agent's handleTurn
// by the test harness (the channels' webhook → queue path is not in the tree yet).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import { expireHold } from "../../bookings/transitions.ts";
import { type AgentWorld, createAgentWorld } from "../testing/harness.ts";

let w: AgentWorld;
let phone = 34611000100;
const nextPhone = () => `+${phone++}`;

beforeAll(async () => {
  w = await createAgentWorld();
  // The salon's deposit policy: women's cuts ask for a €5 deposit.
  await w.db.service.updateMany({
    where: { locationId: w.locationId, slug: "corte-mujer" },
    data: { depositRule: "fixed", depositValue: 500 },
  });
});
afterAll(async () => {
  await w?.drop();
});

const svc = (slug: string) => w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug } });
const staff = (email: string) => w.db.staffMember.findUniqueOrThrow({ where: { email } });
const activeOf = async (c: { bookings(): Promise<{ status: string }[]> }) =>
  (await c.bookings()).filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status));

describe("guided mode scenarios", () => {
  it("1: new customer books a haircut on Thursday afternoon; hold, deposit link, told date/time/stylist/price", async () => {
    const chat = await w.chat(nextPhone());
    await chat.say("Hola, quiero cortarme el pelo el jueves por la tarde");
    const cut = await svc("corte-mujer");
    expect(chat.choices.map((c) => c.id)).toContain(`service:${cut.id}`);
    await chat.tap(`service:${cut.id}`);
    const slots = chat.choices;
    expect(slots.length).toBeGreaterThan(0);
    expect(chat.told).toMatch(/jue/);
    expect(await activeOf(chat)).toHaveLength(0);
    await chat.tap(slots[0]!.id);
    expect(chat.told).toMatch(/¿Lo confirmo\?/);
    expect(await activeOf(chat)).toHaveLength(0); // proposal only: nothing written yet
    await chat.say("sí");
    const [b] = await activeOf(chat);
    expect(b).toBeDefined();
    const full = (await chat.bookings())[0]!;
    expect(full.status).toBe("pending_deposit");
    expect(full.depositCents).toBe(500);
    expect(full.conversationId).toBe(chat.conversationId);
    const local = new Intl.DateTimeFormat("es-ES", {
      timeZone: "Europe/Madrid",
      weekday: "long",
      hour: "2-digit",
      minute: "2-digit",
    }).format(full.startsAt);
    expect(local).toMatch(/jueves/);
    expect(Number(local.slice(-5, -3))).toBeGreaterThanOrEqual(14);
    expect(w.deposits.links.map((l) => l.bookingId)).toContain(full.id);
    expect(chat.told).toContain(`https://pay.test/checkout/${full.id}`);
    expect(chat.told).toMatch(/35 €/);
    expect(chat.told).toContain(full.items[0]!.staff.displayName.split(" ")[0]!);
  });

  it("2: returning customer, same as last time with Laura", async () => {
    const chat = await w.chat(nextPhone());
    const laura = await staff("laura@cita.demo");
    const tinte = await svc("tinte-raiz");
    // Last visit: root colour with Laura, completed last week.
    const past = new Date("2026-03-04T10:00:00Z");
    await w.db.booking.create({
      data: {
        locationId: w.locationId,
        customerId: chat.customerId,
        status: "completed",
        source: "whatsapp",
        startsAt: past,
        endsAt: new Date(past.getTime() + 90 * 60_000),
        totalPriceCents: 4500,
        currency: "EUR",
        items: {
          create: {
            position: 0,
            serviceId: tinte.id,
            staffId: laura.id,
            startsAt: past,
            endsAt: new Date(past.getTime() + 90 * 60_000),
            durationMinutes: 30,
            processingMinutes: 35,
            finishingMinutes: 20,
            priceCents: 4500,
          },
        },
      },
    });
    await chat.say("Hola! Quiero lo mismo que la última vez con Laura, el viernes");
    expect(chat.choices.length).toBeGreaterThan(0);
    expect(chat.told).toMatch(/Laura/);
    await chat.tap(chat.choices[0]!.id);
    await chat.say("vale");
    const [b] = (await chat.bookings()).filter((x) => x.status !== "completed");
    expect(b!.items[0]!.serviceId).toBe(tinte.id);
    expect(b!.items[0]!.staffId).toBe(laura.id);
    expect(b!.status).toBe("pending_deposit");
  });

  it("3: any stylist, earliest possible; earliest real slot first, booked on confirmation", async () => {
    const chat = await w.chat(nextPhone(), { language: "en" });
    await chat.say("I want a men's haircut, any stylist, earliest possible");
    const cut = await svc("corte-hombre");
    const earliest = await findSlots(w.db, {
      locationId: w.locationId,
      items: [{ serviceId: cut.id, staffId: null }],
      fromDate: "2026-03-10",
      toDate: "2026-03-16",
      now: w.clock(),
    });
    expect(chat.choices[0]!.title).toContain(earliest[0]!.localTime);
    await chat.tap(chat.choices[0]!.id);
    expect(await activeOf(chat)).toHaveLength(0);
    await chat.say("yes");
    const [b] = await chat.bookings();
    expect(b!.status).toBe("confirmed"); // no deposit for this service
    expect(b!.startsAt.toISOString()).toBe(earliest[0]!.start.toISOString());
    expect(chat.told).toMatch(/confirmed/);
  });

  it("4: the requested time is taken; no hold there, at least two real alternatives", async () => {
    const taker = await w.chat(nextPhone());
    const carlos = await staff("carlos@cita.demo");
    const cut = await svc("corte-hombre");
    // Someone else takes Carlos at Thursday 12:00.
    const slots = await findSlots(w.db, {
      locationId: w.locationId,
      items: [{ serviceId: cut.id, staffId: carlos.id }],
      fromDate: "2026-03-12",
      toDate: "2026-03-12",
      now: w.clock(),
    });
    const target = slots.find((s) => s.localTime >= "11:00")!;
    await w.db.$transaction(async () => {});
    const { createBooking } = await import("../../bookings/create.ts");
    await createBooking(
      { db: w.db, fc: w.fc, clock: w.clock },
      {
        locationId: w.locationId,
        customerId: taker.customerId,
        startsAt: target.start,
        items: [{ serviceId: cut.id, staffId: carlos.id }],
        source: "console",
        mode: "book",
      },
      { type: "staff" },
    );
    const chat = await w.chat(nextPhone());
    await chat.say(`Quiero un corte hombre con Carlos el jueves a las ${target.localTime}`);
    expect(chat.told).toMatch(/no hay hueco/);
    expect(chat.choices.length).toBeGreaterThanOrEqual(2);
    expect(chat.choices.every((c) => !(c.title.includes(target.localTime) && c.description?.includes("Carlos")))).toBe(
      true,
    );
    expect(await activeOf(chat)).toHaveLength(0);
  });

  it("5: cut + colour in one visit; both items, stylist free during processing; total told", async () => {
    const chat = await w.chat(nextPhone());
    await chat.say("Quiero corte mujer y tinte completo el miércoles por la mañana");
    expect(chat.choices.length).toBeGreaterThan(0);
    await chat.tap(chat.choices[0]!.id);
    expect(chat.told).toMatch(/Corte mujer \+ Tinte completo/);
    expect(chat.told).toMatch(/100 €/); // 35 + 65
    await chat.say("sí, confirmo");
    const [b] = await chat.bookings();
    expect(b!.items).toHaveLength(2);
    expect(b!.totalPriceCents).toBe(10000);
    const colour = b!.items.find((i) => i.service.slug === "tinte-completo")!;
    const segs = b!.segments.filter((s) => s.itemId === colour.id);
    // Application and finishing block the stylist; the 40-minute processing gap does not.
    const gapStart = new Date(colour.startsAt.getTime() + 40 * 60_000);
    const gapEnd = new Date(gapStart.getTime() + 40 * 60_000);
    expect(segs.some((s) => s.startsAt < gapEnd && s.endsAt > gapStart)).toBe(false);
  });

  it("6: booking for someone else at the same time; two bookings with the right names", async () => {
    const chat = await w.chat(nextPhone());
    await chat.say("Quiero un corte infantil para mi hija Lucía el sábado a las 10:00");
    await chat.tap(chat.choices[0]!.id);
    expect(chat.told).toMatch(/para Lucía/);
    await chat.say("sí");
    await chat.tap("menu:another");
    await chat.say("Pablo");
    expect(chat.choices.length).toBeGreaterThan(0);
    await chat.tap(chat.choices[0]!.id);
    await chat.say("vale");
    const bs = await activeOf(chat);
    expect(bs).toHaveLength(2);
    const rows = await chat.bookings();
    const names = rows.map((b) => (b.guestNameCipher ? w.fc.decrypt(b.guestNameCipher) : null)).sort();
    expect(names).toEqual(["Lucía", "Pablo"]);
    expect(new Set(rows.map((b) => b.conversationId))).toEqual(new Set([chat.conversationId]));
    const gap = Math.abs(rows[0]!.startsAt.getTime() - rows[1]!.startsAt.getTime());
    expect(gap).toBeLessThanOrEqual(60 * 60_000);
  });

  it("7: deposit not paid in time; hold released and slot bookable again", async () => {
    const chat = await w.chat(nextPhone());
    await chat.say("Quiero corte mujer mañana a las 17:00");
    await chat.tap(chat.choices[0]!.id);
    await chat.say("sí");
    const [b] = await chat.bookings();
    expect(b!.status).toBe("pending_deposit");
    // The checkout expires (payments/ calls this on checkout.session.expired).
    await expireHold({ db: w.db, fc: w.fc, clock: w.clock }, b!.id, { type: "job" });
    const after = await w.db.booking.findUniqueOrThrow({ where: { id: b!.id }, include: { segments: true } });
    expect(after.status).toBe("expired");
    expect(after.segments.every((s) => !s.active)).toBe(true);
    const free = await findSlots(w.db, {
      locationId: w.locationId,
      items: b!.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
      fromDate: "2026-03-11",
      toDate: "2026-03-11",
      now: w.clock(),
    });
    expect(free.some((s) => s.start.getTime() === b!.startsAt.getTime())).toBe(true);
  });
});
