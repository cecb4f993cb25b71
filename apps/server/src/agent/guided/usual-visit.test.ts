// "Lo de siempre" in guided mode (issue #21), on the seeded demo salon at the scenario instant: the
// last visit whose treatment was recorded is "the usual" even when a later visit had none; without
// any record, the last visit. The reply says which visit it took and never shows the formula.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, localToUtc } from "../../time/zoned.ts";
import { dayPhrase, salonDay, salonOf, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, createWorld } from "../testing/harness.ts";

let w: AgentWorld;
beforeAll(async () => {
  w = await createWorld("direct");
}, 120_000);
afterAll(async () => {
  await w?.drop();
});

const svc = (slug: string) => w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug } });
const staff = (email: string) => w.db.staffMember.findUniqueOrThrow({ where: { email } });

/** A completed visit `daysAgo` days back at 11:00 (history only: no segments needed). */
async function pastVisit(customerId: string, daysAgo: number, serviceId: string, staffId: string) {
  const { timeZone } = await salonOf(w);
  const start = localToUtc(addDays(await salonToday(w), -daysAgo), 11 * 60, timeZone);
  const end = new Date(start.getTime() + 60 * 60_000);
  return w.db.booking.create({
    data: {
      locationId: w.locationId,
      customerId,
      status: "completed",
      source: "whatsapp",
      startsAt: start,
      endsAt: end,
      totalPriceCents: 3000,
      currency: "EUR",
      items: {
        create: {
          position: 0,
          serviceId,
          staffId,
          startsAt: start,
          endsAt: end,
          durationMinutes: 60,
          priceCents: 3000,
        },
      },
    },
  });
}

describe("guided mode: lo de siempre", () => {
  it("books the services and stylist of the last visit with a treatment record, without revealing the formula", async () => {
    const chat = await w.chat("+34611000901");
    const laura = await staff("laura@cita.demo");
    const carlos = await staff("carlos@cita.demo");
    const tinte = await svc("tinte-raiz");
    const cut = await svc("corte-hombre");
    const colourVisit = await pastVisit(chat.customerId, 30, tinte.id, laura.id);
    await pastVisit(chat.customerId, 10, cut.id, carlos.id); // later, but nothing recorded
    await w.db.treatmentRecord.create({
      data: {
        customerId: chat.customerId,
        bookingId: colourVisit.id,
        staffId: laura.id,
        formulaCipher: w.fc.encrypt(
          JSON.stringify({
            products: [{ brand: "Koleston", shade: "77/44", amount: 30, unit: "g" }],
            developer: null,
            proportions: "1:1.75",
            processingMinutes: 35,
          }),
        ),
      },
    });
    const { date } = await salonDay(w, { items: [{ serviceId: tinte.id, staffId: laura.id }] });
    await chat.say(`Hola! Quiero lo de siempre ${dayPhrase(date, await salonToday(w))}`);
    expect(chat.told).toContain(`Te busco lo mismo que en tu último tratamiento: ${tinte.nameEs} con Laura`);
    expect(chat.told).not.toMatch(/Koleston|77\/44|1:1\.75/);
    expect(chat.choices.length).toBeGreaterThan(0);
    await chat.tap(chat.choices[0]!.id);
    await chat.say("sí");
    const [b] = (await chat.bookings()).filter((x) => x.status !== "completed");
    expect(b!.items.map((i) => [i.serviceId, i.staffId])).toEqual([[tinte.id, laura.id]]);
  });

  it("without any record, the usual is the last visit (and it says so)", async () => {
    const chat = await w.chat("+34611000902", { language: "en" });
    const laura = await staff("laura@cita.demo");
    const carlos = await staff("carlos@cita.demo");
    const tinte = await svc("tinte-raiz");
    const cut = await svc("corte-hombre");
    await pastVisit(chat.customerId, 30, tinte.id, laura.id);
    await pastVisit(chat.customerId, 10, cut.id, carlos.id);
    const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: carlos.id }] });
    await chat.say(`Hi! Same as last time ${dayPhrase(date, await salonToday(w), "en")}`);
    expect(chat.told).toContain(`I'll look for the same as last time: ${cut.nameEn} with Carlos`);
    expect(chat.choices.length).toBeGreaterThan(0);
    await chat.tap(chat.choices[0]!.id);
    await chat.say("yes");
    const [b] = (await chat.bookings()).filter((x) => x.status !== "completed");
    expect(b!.items.map((i) => [i.serviceId, i.staffId])).toEqual([[cut.id, carlos.id]]);
  });
});
