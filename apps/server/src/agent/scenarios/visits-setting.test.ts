// Issue #20: the agent offers a repeating visit only where the salon enables it (Settings →
// Policies: location.series_offer_weeks), every as many weeks as it says; read each turn, so a change
// in the console takes effect in the next conversation without a restart. Guided mode, handleTurn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayPhrase, salonDay, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, createAgentWorld } from "../testing/harness.ts";

let w: AgentWorld;
let phone = 34633000900;
const nextPhone = () => `+${phone++}`;
const AFTERNOON: [number, number] = [14 * 60, 18 * 60];

beforeAll(async () => {
  // No offerSeries override: the location's setting decides.
  w = await createAgentWorld();
  await w.db.location.update({ where: { id: w.locationId }, data: { horizonDays: 120, seriesOfferWeeks: null } });
}, 120_000);
afterAll(async () => {
  await w?.drop();
});

/** A men's cut (no deposit) held and confirmed through the chat; returns the chat. */
async function bookMensCut(lang: "es" | "en") {
  const chat = await w.chat(nextPhone(), { language: lang });
  const cut = await w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug: "corte-hombre" } });
  const today = await salonToday(w);
  const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: null }], window: AFTERNOON });
  await chat.say(
    lang === "es"
      ? `quiero un corte de hombre ${dayPhrase(date, today)} por la tarde`
      : `I'd like a men's haircut ${dayPhrase(date, today, "en")} afternoon`,
  );
  await chat.tap(chat.choices.find((c) => c.id.startsWith("S"))!.id);
  await chat.say(lang === "es" ? "sí" : "yes");
  return chat;
}

describe("the salon's repeat offer setting drives the agent", () => {
  it("off (null): no repeat question after a booking", async () => {
    const chat = await bookMensCut("es");
    const bookings = await chat.bookings();
    expect(bookings.filter((b) => b.status === "confirmed")).toHaveLength(1);
    expect(chat.told).not.toMatch(/fijada/);
  });

  it("every 2 weeks: asked '¿Quieres dejarla fijada cada 2 semanas?', and 'sí' books a series every 2 weeks", async () => {
    await w.db.location.update({ where: { id: w.locationId }, data: { seriesOfferWeeks: 2 } });
    const chat = await bookMensCut("es");
    expect(chat.told).toMatch(/¿Quieres dejarla fijada cada 2 semanas\?/);
    await chat.say("sí");
    const series = await w.db.bookingSeries.findFirstOrThrow({ where: { customerId: chat.customerId } });
    expect(series.intervalWeeks).toBe(2);
    const visits = await w.db.booking.findMany({ where: { seriesId: series.id }, orderBy: { seriesIndex: "asc" } });
    expect(visits.length).toBeGreaterThan(1);
    // Visit n is 2·(n−1) weeks after the first (a DST change moves UTC by an hour, not the day; a
    // visit on a closure is reported, not booked, so only the booked ones are here).
    const first = visits[0]!;
    expect(first.seriesIndex).toBe(1);
    for (const v of visits.slice(1)) {
      const days = (v.startsAt.getTime() - first.startsAt.getTime()) / 86_400_000;
      expect(Math.round(days)).toBe((v.seriesIndex! - 1) * 14);
    }
  });

  it("in English, every 2 weeks", async () => {
    const chat = await bookMensCut("en");
    expect(chat.told).toMatch(/Would you like to make it a standing booking every 2 weeks\?/);
  });
});
